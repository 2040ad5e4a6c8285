"""Stored final results: the engine's result kept when an assessment becomes final, and every
page that shows final results reading it (issue 19)."""

from __future__ import annotations

import csv
import io
import re
from fractions import Fraction as F

import pytest
from sqlalchemy import func, select, update

from smartcity.domain.instrument import (
    DEFAULT_LEVEL_NAMES,
    DEFAULT_MATURITY_BANDS,
    AnswerValue,
    Dimension,
    Indicator,
    Instrument,
    Text,
)
from smartcity.domain.region import indicator_totals
from smartcity.domain.results import (
    OVERALL,
    IndicatorLine,
    ResultLine,
    ScoreLines,
    indicator_lines,
    result_lines,
)
from smartcity.domain.scoring import display_index, score_assessment
from smartcity.domain.workflow import Action, Status
from smartcity.extensions import db
from smartcity.models import Agency, Assessment, AssessmentResult, IndicatorResult, Period
from smartcity.services import results, workflow
from smartcity.services.review import scores
from smartcity.services.tokens import create_token

from .helpers import advance, assessment_of, submitted, user_named

# --- the lines copy the engine's result -------------------------------------------------------


def _indicator(code: str, weight) -> Indicator:
    levels = tuple((n, Text(str(n), str(n))) for n in range(1, 6))
    return Indicator(
        code, Text(code, code), Text("", ""), F(weight), levels, allow_not_applicable=True
    )


INSTRUMENT = Instrument(
    code="t",
    version="1",
    title=Text("T", "T"),
    dimensions=(
        Dimension("A", Text("A", "A"), F(2), (_indicator("A-1", 1), _indicator("A-2", 3))),
        Dimension("B", Text("B", "B"), F(1), (_indicator("B-1", 1),)),
    ),
    level_names=DEFAULT_LEVEL_NAMES,
    maturity_bands=DEFAULT_MATURITY_BANDS,
)

NA = AnswerValue(not_applicable=True)

# self-assessed levels, verified levels -> lines (code, self index, self level, verified
# index, verified level), dimensions in questionnaire order, then the overall line
CASES = [
    (
        "verified levels lower the result",
        {"A-1": 4, "A-2": 4, "B-1": 3},
        {"A-1": 4, "A-2": 2, "B-1": 3},
        [
            ("A", F(4), 4, F(5, 2), 2),
            ("B", F(3), 3, F(3), 3),
            (OVERALL, F(11, 3), 4, F(8, 3), 3),
        ],
    ),
    (
        "thirds stay exact",
        {"A-1": 1, "A-2": 2, "B-1": 5},
        {"A-1": 1, "A-2": 2, "B-1": 5},
        [
            ("A", F(7, 4), 1, F(7, 4), 1),
            ("B", F(5), 5, F(5), 5),
            (OVERALL, F(17, 6), 3, F(17, 6), 3),
        ],
    ),
    (
        "a dimension verified N/A has no verified index",
        {"A-1": 3, "A-2": 3, "B-1": 2},
        {"A-1": 3, "A-2": 3, "B-1": NA},
        [
            ("A", F(3), 3, F(3), 3),
            ("B", F(2), 2, None, None),
            (OVERALL, F(8, 3), 3, F(3), 3),
        ],
    ),
    (
        "nothing verified yet",
        {"A-1": 5},
        None,
        [
            ("A", F(5), 5, None, None),
            ("B", None, None, None, None),
            (OVERALL, F(5), 5, None, None),
        ],
    ),
]


def _values(levels):
    return {
        code: level if isinstance(level, AnswerValue) else AnswerValue(level=level)
        for code, level in levels.items()
    }


@pytest.mark.parametrize(
    ("own", "verified", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_result_lines_are_the_engines_result(own, verified, expected):
    self_score = score_assessment(INSTRUMENT, _values(own))
    verified_score = score_assessment(INSTRUMENT, _values(verified)) if verified else None
    lines = result_lines(self_score, verified_score)
    assert lines == tuple(ResultLine(*line) for line in expected)
    read = ScoreLines.of(lines)
    assert read.index == (verified_score.index if verified_score else None)
    assert list(read.dimensions) == ["A", "B"]


def test_indicator_lines_are_the_verified_scores_that_count():
    verified = score_assessment(INSTRUMENT, _values({"A-1": 4, "A-2": NA, "B-1": 2}))
    assert indicator_lines(verified) == (
        IndicatorLine("A-1", F(4), 4),
        IndicatorLine("B-1", F(2), 2),
    )


# (code, denominator, sum of numerators, scores) as the database groups them -> totals
TOTALS = [
    ("whole levels", [("A-1", 1, 7, 3)], {"A-1": (F(7), 3)}),
    ("two denominators", [("A-1", 1, 3, 1), ("A-1", 2, 5, 2)], {"A-1": (F(11, 2), 3)}),
    ("nothing", [], {}),
]


@pytest.mark.parametrize(("rows", "expected"), [t[1:] for t in TOTALS], ids=[t[0] for t in TOTALS])
def test_indicator_totals_add_up_exactly(rows, expected):
    assert indicator_totals(rows) == expected


@pytest.mark.parametrize(
    "index", [F(0), F(5), F(10, 3), F(779, 300), F(2**70 + 1, 3**40), None], ids=str
)
def test_an_index_reads_back_as_the_same_fraction(demo, index):
    with demo.app_context():
        assessment_id = db.session.scalar(select(Assessment.id).limit(1))
        db.session.add(
            AssessmentResult(assessment_id=assessment_id, dimension_code="ZZ", verified_index=index)
        )
        db.session.flush()
        db.session.expire_all()
        stored = db.session.scalar(
            select(AssessmentResult.verified_index).filter_by(
                assessment_id=assessment_id, dimension_code="ZZ"
            )
        )
        db.session.rollback()
    assert stored == index and (stored is None or isinstance(stored, F))


# --- written when final, dropped when reopened ------------------------------------------------


def _stored(assessment_id: int) -> ScoreLines | None:
    return results.final_results(Assessment.id == assessment_id).get(assessment_id)


def test_every_final_demo_assessment_has_the_engines_result(demo_history):
    """The seed finalizes through the workflow: each stored result is the engine's, line by
    line (indices exact, maturity levels as the bands give them)."""
    with demo_history.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2025))
        finals = list(
            db.session.scalars(select(Assessment).filter_by(period_id=period.id, status="final"))
        )
        assert len(finals) == 12
        for assessment in finals:
            pair = scores(assessment)
            expected = result_lines(pair.self_assessed, pair.verified)
            stored = _stored(assessment.id)
            assert stored is not None
            assert (*stored.dimensions.values(), stored.overall) == expected
            assert stored.index == pair.verified.index is not None
            rows = db.session.scalars(
                select(IndicatorResult)
                .filter_by(assessment_id=assessment.id)
                .order_by(IndicatorResult.id)
            )
            assert tuple(
                IndicatorLine(r.indicator_code, F(r.score_numerator, r.score_denominator), r.level)
                for r in rows
            ) == indicator_lines(pair.verified)


def test_finalizing_stores_the_result_and_reopening_drops_it(demo):
    assessment_id = advance(demo, "DISKOMINFO", to="final", level=3)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        stored = _stored(assessment_id)
        assert stored is not None and stored.index == scores(assessment).verified.index == 3
        assert stored.overall.verified_level == 3
        workflow.transition(assessment, user_named("admin"), Action.REOPEN, "Salah hitung")
        assert _stored(assessment_id) is None
        count = db.session.scalar(
            select(func.count(AssessmentResult.id)).filter_by(assessment_id=assessment_id)
        )
        assert count == 0


def test_a_failed_finalization_stores_nothing(demo, monkeypatch):
    """The result is written in the transition's one commit: when the step fails after
    writing it, neither the status nor the result changes."""
    assessment_id = submitted(demo, "DISKOMINFO", level_for=lambda indicator: 3)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        evaluator = user_named("evaluator")
        workflow.transition(assessment, evaluator, Action.START_REVIEW)
        workflow.transition(assessment, evaluator, Action.VERIFY)

        def broken(event):
            raise RuntimeError("mail queue down")

        monkeypatch.setattr(workflow.notifications, "notify", broken)
        with pytest.raises(RuntimeError):
            workflow.transition(assessment, user_named("kepala-bapperida"), Action.FINALIZE)
        db.session.rollback()
        assert db.session.get(Assessment, assessment_id).status == Status.VERIFIED
        count = db.session.scalar(
            select(func.count(AssessmentResult.id)).filter_by(assessment_id=assessment_id)
        )
        assert count == 0


# --- the pages read the stored result ---------------------------------------------------------


def _tamper(app, code: str, index: F) -> None:
    """Change one final assessment's stored overall and GOV index (never what the engine
    would give), so a page that shows it must have read the table."""
    with app.app_context():
        period_id = db.session.scalar(select(Period.id).filter_by(year=2025))
        assessment_id = db.session.scalar(
            select(Assessment.id)
            .join(Agency)
            .filter(Agency.code == code, Assessment.period_id == period_id)
        )
        db.session.execute(
            update(AssessmentResult)
            .where(AssessmentResult.assessment_id == assessment_id)
            .values(verified_index=index)
        )
        db.session.commit()


ODD = F(123457, 100000)  # 1.23457: shown as 1.23


def test_the_region_page_shows_the_stored_result(demo_history, client, auth, english):
    _tamper(demo_history, "DISKOMINFO", ODD)
    auth.login("evaluator")
    page = client.get("/periods/2025/region").get_data(as_text=True)
    row = page[page.index('data-testid="rank-DISKOMINFO"') :]
    assert re.search(r">\s*1\.23\s*<", row[:2000])


def test_the_results_export_and_api_show_the_stored_result(demo_history, client, auth):
    _tamper(demo_history, "DISKOMINFO", ODD)
    auth.login("admin")
    body = client.get("/periods/2025/export?what=results&format=csv").get_data(as_text=True)
    rows = [r for r in csv.DictReader(io.StringIO(body)) if r["agency_code"] == "DISKOMINFO"]
    assert rows and {r["verified_index"] for r in rows} == {"1.23"}
    with demo_history.app_context():
        token = create_token(user_named("admin"), "uji").secret
        db.session.commit()
    data = client.get(
        "/api/v1/periods/2025/results", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    text = repr(data)
    assert "1.23" in text


def test_the_lowest_indicators_are_the_stored_scores(demo_history, client, auth, english):
    """Every stored GOV-01 score at 0: the region's lowest indicator is GOV-01 at 0.00."""
    with demo_history.app_context():
        period_id = db.session.scalar(select(Period.id).filter_by(year=2025))
        finals = select(Assessment.id).filter_by(period_id=period_id, status="final")
        db.session.execute(
            update(IndicatorResult)
            .where(
                IndicatorResult.assessment_id.in_(finals),
                IndicatorResult.indicator_code == "GOV-01",
            )
            .values(score_numerator=0, score_denominator=1)
        )
        db.session.commit()
    auth.login("evaluator")
    page = client.get("/periods/2025/region").get_data(as_text=True)
    lowest = re.findall(r'data-testid="lowest-([^"]+)"', page)
    assert lowest and lowest[0] == "GOV-01"


def test_the_period_overview_shows_the_stored_result(demo_history, client, auth, english):
    _tamper(demo_history, "DISKOMINFO", ODD)
    auth.login("admin")
    page = client.get("/periods/2025/assessments").get_data(as_text=True)
    row = page[page.index("DISKOMINFO</span>") :]
    assert re.search(r'data-testid="verified-index">1\.23<', row[:1500])


def test_the_agency_home_shows_the_stored_result(demo_history, client, auth, english):
    _tamper(demo_history, "DISKOMINFO", ODD)
    auth.login("diskominfo")
    assert "<strong>1.23</strong>" in client.get("/").get_data(as_text=True)


def test_the_agency_dashboard_shows_the_stored_result(demo_history, client, auth, english):
    _tamper(demo_history, "DISKOMINFO", ODD)
    auth.login("diskominfo")
    page = client.get("/agencies/DISKOMINFO/dashboard").get_data(as_text=True)
    assert display_index(ODD) in page


def test_a_final_assessment_without_a_stored_result_is_not_scored_again(demo_history):
    """Pages never fall back to scoring a final assessment: its stored result is the result."""
    from smartcity.services.region import find_period, region_for

    with demo_history.app_context():
        period_id = db.session.scalar(select(Period.id).filter_by(year=2025))
        one = db.session.scalar(
            select(Assessment.id).filter_by(period_id=period_id, status="final").limit(1)
        )
        db.session.execute(
            AssessmentResult.__table__.delete().where(AssessmentResult.assessment_id == one)
        )
        db.session.commit()
        assert region_for(find_period(2025)).result.final == 11
        assert results.record_missing() == 1
        db.session.commit()
        assert region_for(find_period(2025)).result.final == 12


# --- the migration ----------------------------------------------------------------------------


@pytest.mark.commits
def test_migration_backfills_final_results(demo_history):
    """Final assessments made before revision 0015 get the engine's result on upgrade."""
    from flask_migrate import downgrade, upgrade

    with demo_history.app_context():
        before = {
            (r.assessment_id, r.dimension_code): (r.self_index, r.verified_index, r.verified_level)
            for r in db.session.scalars(select(AssessmentResult))
        }
        assert len(before) > 12
        db.session.remove()
        downgrade(revision="0014")
        upgrade()
        after = {
            (r.assessment_id, r.dimension_code): (r.self_index, r.verified_index, r.verified_level)
            for r in db.session.scalars(select(AssessmentResult))
        }
        db.session.remove()
    assert after == before


def test_the_2026_region_is_unchanged_before_anything_is_final(demo, client, auth, english):
    """An open period shows what it showed: only final results count, none yet."""
    auth.login("admin")
    page = client.get("/periods/2026/region").get_data(as_text=True)
    assert "No assessment is final yet" in page
    assert assessment_of(demo, "DISKOMINFO").status != "final"
