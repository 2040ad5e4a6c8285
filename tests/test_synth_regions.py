"""The national scale data (`bench.synth --regions`) stores exactly what the app stores: each
final assessment's result equals the one `services.results` makes from its answers and
reviews with the scoring engine (on PostgreSQL the rows are written with COPY)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from bench.synth import fill_regions
from smartcity.extensions import db
from smartcity.models import (
    Agency,
    Assessment,
    AssessmentResult,
    IndicatorResult,
    Period,
    Region,
)
from smartcity.services import results


def _stored() -> tuple[set[tuple], set[tuple]]:
    lines = db.session.execute(
        select(
            AssessmentResult.assessment_id,
            AssessmentResult.dimension_code,
            AssessmentResult.self_index,
            AssessmentResult.self_level,
            AssessmentResult.verified_index,
            AssessmentResult.verified_level,
        )
    ).all()
    scores = db.session.execute(
        select(
            IndicatorResult.assessment_id,
            IndicatorResult.indicator_code,
            IndicatorResult.score_numerator,
            IndicatorResult.score_denominator,
            IndicatorResult.level,
        )
    ).all()
    return {tuple(row) for row in lines}, {tuple(row) for row in scores}


def test_region_fill_stores_the_results_the_scoring_engine_gives(app):
    with app.app_context():
        filled = fill_regions(3, 2, [2024, 2025], seed=11, patterns=2)
        regions = db.session.scalars(select(Region).order_by(Region.code)).all()
        assert [(r.code, r.kind, r.province_code) for r in regions] == [
            ("11.01", "kabupaten", "11"),
            ("12.01", "kabupaten", "12"),
            ("13.01", "kabupaten", "13"),
        ]
        assert db.session.scalar(select(func.count(Agency.id))) == 6
        # a period per region and year, the latest open
        periods = db.session.execute(select(Period.region_id, Period.year, Period.status)).all()
        assert (
            sorted((year, status) for _, year, status in periods)
            == [(2024, "closed")] * 3 + [(2025, "open")] * 3
        )
        assert db.session.scalar(select(func.count(Assessment.id))) == 12
        assert filled.rows["assessments"] == 12
        copied = _stored()
        assert len(copied[0]) == filled.rows["assessment_results"] > 12
        assert len(copied[1]) == filled.rows["indicator_results"] > 0

        # the same results stored the app's way: scored from the answers and reviews
        for table in (AssessmentResult, IndicatorResult):
            db.session.execute(delete(table))
        assert results.record_missing() == 12
        assert _stored() == copied
