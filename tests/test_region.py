"""Region results: final agency scores -> dimension means, region index, levels, ranking."""

from __future__ import annotations

import re
from fractions import Fraction as F

import pytest
from sqlalchemy import event, select

from smartcity.domain.instrument import (
    DEFAULT_LEVEL_NAMES,
    DEFAULT_MATURITY_BANDS,
    Dimension,
    Indicator,
    Instrument,
    Text,
)
from smartcity.domain.region import AgencyResult, region_result
from smartcity.domain.scoring import display_index
from smartcity.extensions import db
from smartcity.models import Assessment, Period


@pytest.fixture
def demo(demo_history):
    """These tests read the completed 2025 period that `flask seed-demo` creates."""
    return demo_history


INSTRUMENT = Instrument(
    code="t",
    version="1",
    title=Text("T", "T"),
    dimensions=(
        Dimension("A", Text("A", "A"), F(2), ()),
        Dimension("B", Text("B", "B"), F(1), ()),
    ),
    level_names=DEFAULT_LEVEL_NAMES,
    maturity_bands=DEFAULT_MATURITY_BANDS,
)


def final(code, index, dims, name=None):
    return AgencyResult(code, name or code, "final", F(index), {k: F(v) for k, v in dims.items()})


def pending(code, status):
    return AgencyResult(code, code, status)


# agencies -> (dimension means, region index, level counts 1..5, ranking [(rank, code)], statuses)
CASES = [
    (
        "two final, one in review",
        [final("X", F(8, 3), {"A": 3, "B": 2}), final("Y", 4, {"A": 4}), pending("Z", "in_review")],
        {"A": F(7, 2), "B": F(2)},
        F(3),  # (2 x 7/2 + 1 x 2) / 3: dimension weights, not the number of agencies
        (0, 0, 1, 1, 0),
        [(1, "Y"), (2, "X")],
        {"final": 2, "in_review": 1},
    ),
    (
        "ties share a rank and are listed by name",
        [
            final("B1", 3, {"A": 3}, "Beta"),
            final("A1", 3, {"A": 3}, "alpha"),
            final("G1", 2, {"B": 2}, "Gamma"),
        ],
        {"A": F(3), "B": F(2)},
        F(8, 3),
        (0, 1, 2, 0, 0),
        [(1, "A1"), (1, "B1"), (3, "G1")],
        {"final": 3},
    ),
    (
        "a dimension nobody answers is left out of the region index",
        [final("X", F(5, 2), {"B": F(5, 2)}), pending("Y", "draft")],
        {"A": None, "B": F(5, 2)},
        F(5, 2),
        (0, 1, 0, 0, 0),
        [(1, "X")],
        {"final": 1, "draft": 1},
    ),
    (
        "nothing final yet",
        [pending("X", "draft"), pending("Y", "submitted"), pending("Z", "verified")],
        {"A": None, "B": None},
        None,
        (0, 0, 0, 0, 0),
        [],
        {"draft": 1, "submitted": 1, "verified": 1},
    ),
    (
        "bands: lower edges are inclusive",
        [
            final("P", F(21, 5), {"A": F(21, 5)}),
            final("Q", F(9, 5), {"A": F(9, 5)}),
            final("R", F(179, 100), {"A": F(179, 100)}),
        ],
        {"A": F(779, 300), "B": None},
        F(779, 300),
        (1, 1, 0, 0, 1),
        [(1, "P"), (2, "Q"), (3, "R")],
        {"final": 3},
    ),
]


@pytest.mark.parametrize(
    ("agencies", "means", "index", "levels", "ranking", "statuses"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_region_result(agencies, means, index, levels, ranking, statuses):
    result = region_result(INSTRUMENT, agencies)
    assert {d.dimension.code: d.mean for d in result.dimensions} == means
    assert result.index == index
    if index is None:
        assert result.maturity is None
    else:
        assert result.maturity == INSTRUMENT.band_for(index)
    assert tuple(count for _, count in result.level_counts) == levels
    assert [(r.rank, r.code) for r in result.ranking] == ranking
    assert {str(s): n for s, n in result.status_counts if n} == statuses
    assert result.total == len(agencies) and result.final == len(ranking)


def test_dimension_counts_and_bands():
    result = region_result(INSTRUMENT, CASES[0][1])
    first = result.dimensions[0]
    assert first.agencies == 2 and first.maturity.level == 4  # 3.5 is "Sangat Baik"


# --- the page, on the seeded 2025 history ---------------------------------------------------


def _expected_2025(app):
    """The region result computed the slow way: one assessment at a time."""
    from smartcity.services.instruments import instrument_of
    from smartcity.services.review import scores

    with app.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2025))
        agencies = []
        for assessment in db.session.scalars(select(Assessment).filter_by(period_id=period.id)):
            verified = scores(assessment).verified
            agencies.append(
                AgencyResult(
                    assessment.agency.code,
                    assessment.agency.name,
                    assessment.status,
                    verified.index,
                    {d.dimension.code: d.index for d in verified.dimensions if d.index is not None},
                )
            )
        return region_result(instrument_of(period.instrument_version), agencies)


def test_region_page_on_the_2025_history(demo, client, auth, english):
    expected = _expected_2025(demo)
    assert expected.final == 12 and expected.index is not None
    auth.login("evaluator")
    response = client.get("/periods/2025/region")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = re.search(r'data-testid="region-index">([^<]+)<', page).group(1)
    assert shown == display_index(expected.index)
    for row in expected.dimensions:
        assert (
            f'data-testid="dimension-index-{row.dimension.code}">{display_index(row.mean)}<' in page
        )
    positions = [page.index(f'data-testid="rank-{row.code}"') for row in expected.ranking]
    assert positions == sorted(positions) and len(positions) == 12
    for band, count in expected.level_counts:
        assert f'data-testid="level-count-{band.level}">{count}<' in page
    assert 'data-testid="status-count-final">12<' in page
    # accessible tables: dimensions, ranking, levels, completion, lowest indicators
    # five result tables and the list of the period's signed documents
    assert page.count("<caption>") == 6 and 'scope="col"' in page and 'scope="row"' in page
    assert "weighted mean" in page


def test_region_page_before_any_result(demo, client, auth, english):
    auth.login("admin")
    page = client.get("/periods/2026/region").get_data(as_text=True)
    assert "No assessment is final yet" in page
    assert 'data-testid="status-count-draft">12<' in page
    # no data: the charts say so (no radar of nothing), the lowest-indicator table is empty
    assert page.count("No final result yet</text>") == 2 and "chart-radar" not in page
    assert 'data-testid="lowest-' not in page


def test_loading_is_set_based(demo):
    """A few queries for the whole period, whatever the number of agencies (no N+1)."""
    from smartcity.services.region import region_for

    with demo.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2025))
        db.session.expire_all()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            result = region_for(period).result
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert result.final == 12
        # one statement per table read (period, questionnaire, assessments, agencies, their
        # indicator scope and dimensions, answers, reviews, the status list and its dimensions);
        # none per agency: tests/test_query_counts.py checks 5 against 50 agencies
        assert len(statements) <= 10, statements


# --- where to invest, and the ranking as the reader sorts it ----------------------------------


def _indicator(code: str, weight) -> Indicator:
    levels = tuple((n, Text(str(n), str(n))) for n in range(1, 6))
    return Indicator(code, Text(code, code), Text("", ""), F(weight), levels)


LOW = Instrument(
    code="low",
    version="1",
    title=Text("T", "T"),
    dimensions=(
        Dimension("A", Text("A", "A"), F(1), (_indicator("A-1", 1), _indicator("A-2", 3))),
        Dimension("B", Text("B", "B"), F(1), (_indicator("B-1", 2), _indicator("B-2", 1))),
    ),
    level_names=DEFAULT_LEVEL_NAMES,
    maturity_bands=DEFAULT_MATURITY_BANDS,
)

# (level sum, agencies) per indicator -> the lowest first, as listed
LOWEST_CASES = [
    ("by mean", {"A-1": (9, 3), "A-2": (4, 2), "B-1": (5, 5)}, ["B-1", "A-2", "A-1"]),
    (
        "equal means: heavier first",
        {"A-1": (2, 1), "A-2": (4, 2), "B-1": (6, 3)},
        ["A-2", "B-1", "A-1"],
    ),
    ("nobody scored it: left out", {"B-2": (3, 1)}, ["B-2"]),
    ("codes the instrument lacks: left out", {"X-9": (1, 1), "A-1": (5, 1)}, ["A-1"]),
    ("nothing final", {}, []),
]


@pytest.mark.parametrize(
    ("totals", "expected"), [c[1:] for c in LOWEST_CASES], ids=[c[0] for c in LOWEST_CASES]
)
def test_lowest_indicators(totals, expected):
    from smartcity.domain.region import indicator_means, lowest_indicators

    means = indicator_means(LOW, totals)
    assert [m.indicator.code for m in lowest_indicators(means, 10)] == expected
    assert [m.indicator.code for m in lowest_indicators(means, 1)] == expected[:1]
    for mean in means:
        level_sum, count = totals[mean.indicator.code]
        assert mean.mean == F(level_sum, count) and mean.agencies == count


def test_sorted_ranking():
    from smartcity.domain.region import rank, sorted_ranking

    ranking = rank(
        [
            final("B", F(3), {"A": 3}, "beta"),
            final("A", F(4), {"A": 4}, "Alpha"),
            final("C", F(3), {"A": 3}, "Gamma"),
            final("D", F(1), {"A": 1}, "delta"),
        ],
        INSTRUMENT,
    )
    codes = lambda rows: [r.code for r in rows]  # noqa: E731
    assert codes(sorted_ranking(ranking)) == ["A", "B", "C", "D"]
    assert codes(sorted_ranking(ranking, "index", "asc")) == ["D", "B", "C", "A"]
    assert codes(sorted_ranking(ranking, "name", "asc")) == ["A", "B", "D", "C"]
    assert codes(sorted_ranking(ranking, "name", "desc")) == ["C", "D", "B", "A"]
    assert codes(sorted_ranking(ranking, "level", "asc")) == ["D", "B", "C", "A"]
    assert codes(sorted_ranking(ranking, "bogus", "up")) == ["A", "B", "C", "D"]
