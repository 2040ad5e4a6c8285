"""The national scale data (`bench.synth --regions`) stores exactly what the app stores: each
final assessment's result equals the one `services.results` makes from its answers and
reviews with the scoring engine (on PostgreSQL the rows are written with COPY)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from bench.synth import fill_national_year, fill_regions
from smartcity.extensions import db
from smartcity.models import (
    Agency,
    Assessment,
    AssessmentResult,
    IndicatorResult,
    NationalPeriodStatus,
    Period,
    Region,
    RegionResult,
)
from smartcity.region_context import working_in
from smartcity.services import batch, documents, results
from smartcity.services import national_evaluation as ne


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


def test_national_year_is_final_ranked_and_awarded_from_the_stored_levels(app):
    with app.app_context(), working_in(None):
        filled = fill_regions(8, 1, [2025], seed=11, patterns=1)
        national = fill_national_year(2025, filled.region_ids, seed=11)
        period = ne.national_period(2025)
        assert period.status == NationalPeriodStatus.FINAL
        instrument = ne.instrument_for(period)
        assert instrument.has_evaluation_dimensions
        ranked = ne.ranking(period)
        assert sorted(r.code for r in ranked) == sorted(
            db.session.scalars(select(Region.code).where(Region.id.in_(filled.region_ids)))
        )
        # one row for the whole, each pillar and each evaluation dimension, each level the
        # instrument's band of its index
        rows = db.session.scalars(select(RegionResult)).all()
        per_region = 1 + len(instrument.dimensions) + len(instrument.evaluation_dimensions)
        assert len(rows) == national.rows["region_results"] == 8 * per_region
        for row in rows:
            assert 1 <= row.index <= 5
            assert row.level == instrument.band_for(row.index).level
        for region in ranked:
            assert set(region.pillars) == {d.code for d in instrument.dimensions}
        levels = [r.level for r in ranked]
        assert sum(national.levels.values()) == 8
        assert documents.award_minimum() == 3
        earning = sum(level >= 3 for level in levels)
        assert 0 < earning < 8  # most regions earn an award, not all (this seed)
        assert batch.planned_awards(2025, None) == earning
