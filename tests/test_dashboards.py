"""Dashboards: the region page's charts, sorting and lowest indicators; an agency's years;
two periods compared; and a fixed number of queries whatever the number of agencies."""

from __future__ import annotations

import re
from fractions import Fraction

from sqlalchemy import select

from bench.synth import fill
from smartcity.domain import formats
from smartcity.domain.compare import display_delta
from smartcity.domain.region import AgencyResult
from smartcity.domain.scoring import display_index
from smartcity.extensions import db
from smartcity.models import Agency, Assessment, Period
from smartcity.services.accounts import create_user

from .helpers import PASSWORD, queries_during


def _slow_results(app, year: int) -> dict[str, AgencyResult]:
    """Every final assessment of the year scored the slow way: one at a time, in Python."""
    from smartcity.services.review import scores

    with app.app_context():
        period = db.session.scalar(select(Period).filter_by(year=year))
        result = {}
        for assessment in db.session.scalars(select(Assessment).filter_by(period_id=period.id)):
            if assessment.status != "final":
                continue
            verified = scores(assessment).verified
            result[assessment.agency.code] = AgencyResult(
                assessment.agency.code,
                assessment.agency.name,
                assessment.status,
                verified.index,
                {d.dimension.code: d.index for d in verified.dimensions if d.index is not None},
            )
        return result


def _level_means(app, year: int) -> dict[str, Fraction]:
    """Indicator code -> mean verified level over the year's final assessments (slow way)."""
    from smartcity.services.review import scores

    sums: dict[str, list[int]] = {}
    with app.app_context():
        period = db.session.scalar(select(Period).filter_by(year=year))
        for assessment in db.session.scalars(select(Assessment).filter_by(period_id=period.id)):
            if assessment.status != "final":
                continue
            for dimension in scores(assessment).verified.dimensions:
                for line in dimension.indicators:
                    if line.counts:
                        sums.setdefault(line.indicator.code, []).append(line.level)
    return {code: Fraction(sum(levels), len(levels)) for code, levels in sums.items()}


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- the region page --------------------------------------------------------------------------


def test_region_page_charts_and_lowest_indicators_match_the_scores(
    demo_history, client, auth, english
):
    means = _level_means(demo_history, 2025)
    auth.login("pimpinan")
    page = _page(client, "/periods/2025/region")
    # bars, radar and the level distribution: images with a name, numbers also in tables
    for chart in ("chart-dimensions", "chart-radar", "chart-levels"):
        assert f'aria-labelledby="{chart}-title"' in page and f'id="{chart}-title"' in page
    assert page.count('role="img"') == 3
    lowest = re.findall(r'data-testid="lowest-mean-([A-Z]+-\d+)">([^<]+)<', page)
    assert len(lowest) == 10
    expected = sorted(means.items(), key=lambda item: item[1])
    tenth = expected[9][1]
    for code, shown in lowest:
        assert shown == display_index(means[code]) and means[code] <= tenth
    assert [display_index(means[c]) for c, _ in lowest] == sorted(
        display_index(means[c]) for c, _ in lowest
    )


SORTS = [
    # (query, key on the slow results, descending)
    ("", lambda a: a.index, True),
    ("?sort=index&dir=asc", lambda a: a.index, False),
    ("?sort=name&dir=asc", lambda a: a.name.casefold(), False),
    ("?sort=name&dir=desc", lambda a: a.name.casefold(), True),
    ("?sort=level&dir=desc", lambda a: a.index, True),  # a higher index never has a lower level
    ("?sort=nonsense&dir=sideways", lambda a: a.index, True),
]


def test_ranking_sorts_on_the_server(demo_history, client, auth):
    results = _slow_results(demo_history, 2025)
    auth.login("evaluator")
    for query, key, descending in SORTS:
        page = _page(client, f"/periods/2025/region{query}")
        codes = re.findall(r'data-testid="rank-([A-Z]+)"', page)
        assert sorted(codes) == sorted(results), query
        values = [key(results[code]) for code in codes]
        assert values == sorted(values, reverse=descending), query
    page = _page(client, "/periods/2025/region?sort=name&dir=asc")
    assert 'aria-sort="ascending"' in page
    # the current column's link turns the order round; the others start with their default
    assert "sort=name&amp;dir=desc" in page and "sort=index&amp;dir=desc" in page


# --- the agency dashboard ---------------------------------------------------------------------


def test_agency_dashboard_shows_its_verified_indices(demo_history, client, auth):
    expected = _slow_results(demo_history, 2025)["DPUPR"]
    auth.login("dpupr")
    page = _page(client, "/agencies/DPUPR/dashboard")
    shown = re.search(r'data-testid="agency-index">([^<]+)<', page).group(1)
    assert shown == formats.index(expected.index, "id")  # the page's language: "2,47"
    for code, index in expected.dimensions.items():
        assert f'data-testid="trend-{code}-2025">{formats.index(index, "id")}<' in page
    assert set(re.findall(r'data-testid="trend-([A-Z]+)"', page)) == set(expected.dimensions)
    assert 'data-testid="latest-status">' in page  # the open 2026 period's draft
    weak = re.findall(r'data-testid="weak-level-([A-Z]+-\d+)">(\d)<', page)
    assert 0 < len(weak) <= 5
    assert [int(level) for _, level in weak] == sorted(int(level) for _, level in weak)
    assert 'data-testid="chart-trend"' in page and 'role="img"' in page


def _make_2026_final(app, code: str, change: int) -> None:
    """Copy the agency's 2025 verified levels into its 2026 assessment, `change` levels up
    (capped to the indicator's levels), and make it final."""
    from smartcity.models import Answer, Review
    from smartcity.services import results
    from smartcity.services.instruments import instrument_of

    with app.app_context():
        agency = db.session.scalar(select(Agency).filter_by(code=code))
        periods = {p.year: p for p in db.session.scalars(select(Period))}
        instrument = instrument_of(periods[2026].instrument_version)
        old = db.session.scalar(
            select(Assessment).filter_by(agency_id=agency.id, period_id=periods[2025].id)
        )
        new = db.session.scalar(
            select(Assessment).filter_by(agency_id=agency.id, period_id=periods[2026].id)
        )
        reviews = {
            r.indicator_code: r
            for r in db.session.scalars(select(Review).filter_by(assessment_id=old.id))
        }
        for answer in db.session.scalars(select(Answer).filter_by(assessment_id=old.id)):
            levels = instrument.indicator(answer.indicator_code).level_numbers
            verified = reviews[answer.indicator_code].verified_level
            level = min(max(verified + change, min(levels)), max(levels))
            db.session.add(
                Answer(
                    assessment_id=new.id,
                    indicator_code=answer.indicator_code,
                    level=level,
                    justification="x",
                )
            )
            db.session.add(
                Review(
                    assessment_id=new.id,
                    indicator_code=answer.indicator_code,
                    verified_level=level,
                    note="",
                )
            )
        new.status = "final"
        results.record(new)  # what the finalizing transition stores
        db.session.commit()


def test_agency_dashboard_trend_and_arrows(demo_history, client, auth, english):
    _make_2026_final(demo_history, "DINKES", +1)
    before = _slow_results(demo_history, 2025)["DINKES"]
    after = _slow_results(demo_history, 2026)["DINKES"]
    auth.login("dinkes")
    page = _page(client, "/agencies/DINKES/dashboard")
    assert "<polyline" in page  # two final years: a line
    for code in before.dimensions:
        delta = after.dimensions[code] - before.dimensions[code]
        cell = re.search(rf'data-testid="change-{code}">(.*?)</td>', page, re.S).group(1)
        assert f"+{display_index(delta)}" in cell and "↑" in cell and ">up<" in cell
    change = re.search(r'data-testid="agency-index-change">(.*?)</span>\s*</p>', page, re.S)
    assert f"+{display_index(after.index - before.index)}" in change.group(1)


# --- two periods compared ---------------------------------------------------------------------


def test_compare_region_and_agency(demo_history, client, auth, english):
    _make_2026_final(demo_history, "DINKES", -1)
    _make_2026_final(demo_history, "DLH", 0)
    before = _slow_results(demo_history, 2025)
    after = _slow_results(demo_history, 2026)
    auth.login("admin")
    page = _page(client, "/compare?from=2025&to=2026")
    for code in ("DINKES", "DLH"):
        cell = re.search(rf'data-testid="compare-agency-change-{code}">(.*?)</td>', page, re.S)
        delta = after[code].index - before[code].index
        assert f'<span class="delta">{display_delta(delta)}</span>' in cell.group(1)
    assert ">unchanged<" in page and ">down<" in page
    finals = re.search(r'data-testid="compare-finals">([^<]+)<', page).group(1)
    assert "12 in 2025" in finals and "2 in 2026" in finals
    # an agency without a final 2026 result has nothing to compare
    row = re.search(r'data-testid="compare-agency-change-DISKOMINFO">(.*?)</td>', page, re.S)
    assert '<span class="delta">-</span>' in row.group(1)
    assert 'data-testid="same-indicators"' in page

    page = _page(client, "/compare?from=2025&to=2026&agency=DINKES")
    rows = re.findall(r'data-testid="compare-ind-change-(LIV-\d+)">', page)
    with demo_history.test_request_context():
        from smartcity.services.assessments import questionnaire

        agency = db.session.scalar(select(Agency).filter_by(code="DINKES"))
        period = db.session.scalar(select(Period).filter_by(year=2026))
        own = db.session.scalar(
            select(Assessment).filter_by(agency_id=agency.id, period_id=period.id)
        )
        answered = [i.code for i in questionnaire(own).dimension("LIV").indicators]
    assert rows and sorted(rows) == sorted(answered)  # the LIV indicators Dinkes answers


def test_agency_user_compares_its_own_results_only(demo_history, client, auth):
    auth.login("dinkes")
    page = _page(client, "/compare?from=2025&to=2026")
    assert 'data-testid="compare-ind-' in page and 'name="agency"' not in page
    assert client.get("/compare?agency=DLH").status_code == 404


# --- a fixed number of queries, whatever the number of agencies -------------------------------

PAGES = [
    "/periods/2025/region",
    "/periods/2025/region?sort=name&dir=desc",
    "/agencies/SYN00001/dashboard",
    "/compare?from=2024&to=2025",
    "/compare?from=2024&to=2025&agency=SYN00002",
]


def _queries(app, client, url: str) -> int:
    client.get(url)  # warm-up: caches and the log-in session settle

    def page() -> None:
        assert client.get(url).status_code == 200

    return queries_during(app, page)


def test_pages_issue_the_same_number_of_queries_for_5_and_50_agencies(app, client, auth):
    with app.app_context():
        create_user("admin", "admin", PASSWORD, full_name="Admin")
        fill(5, [2024, 2025])
    auth.login("admin")
    few = {url: _queries(app, client, url) for url in PAGES}
    with app.app_context():
        fill(45, [2024, 2025])
        assert db.session.scalar(select(db.func.count()).select_from(Agency)) == 50
    many = {url: _queries(app, client, url) for url in PAGES}
    assert many == few
    # a questionnaire with `applies_to` rules is scored by the engine (about six queries a
    # period, services/region.py); every page also counts the user's unread notifications
    assert max(few.values()) <= 25, few


def test_synthetic_scores_match_the_scoring_engine(app):
    """The database sums behind every page give exactly the scoring engine's indices."""
    from smartcity.services.region import find_period, period_agencies

    with app.app_context():
        fill(8, [2025], seed=7)
        fast = {a.code: a for a in period_agencies(find_period(2025))}
    slow = _slow_results(app, 2025)
    assert {c: (a.index, dict(a.dimensions)) for c, a in fast.items()} == {
        c: (a.index, dict(a.dimensions)) for c, a in slow.items()
    }


def test_the_region_comparison_compares_like_with_like(demo_history, client, auth, english):
    """Issue 15 item 6: 12 final agencies in 2025 against 2 in 2026 is no decline of the region:
    the region is compared over the agencies final in both periods, and the page says so."""
    _make_2026_final(demo_history, "DINKES", 0)
    _make_2026_final(demo_history, "DLH", 0)
    auth.login("pimpinan")
    page = _page(client, "/compare?from=2025&to=2026")
    finals = re.search(r'data-testid="compare-finals">([^<]+)<', page).group(1)
    assert "2 agencies" in finals and "final in both" in finals
    # the same two agencies at the same levels: the region did not change
    index = re.search(r'data-testid="compare-index-change">(.*?)</td>', page, re.S).group(1)
    assert '<span class="delta">0.00</span>' in index and ">unchanged<" in index
    for code in ("LIV", "ENV"):
        cell = re.search(rf'data-testid="compare-dim-change-{code}">(.*?)</td>', page, re.S)
        assert '<span class="delta">0.00</span>' in cell.group(1)


def test_differences_are_exact_and_signed_with_one_minus_sign(demo_history, client, auth, english):
    _make_2026_final(demo_history, "DINKES", -1)
    before = _slow_results(demo_history, 2025)["DINKES"]
    after = _slow_results(demo_history, 2026)["DINKES"]
    exact = after.index - before.index
    assert exact < 0
    auth.login("admin")
    page = _page(client, "/compare?from=2025&to=2026")
    index = re.search(r'data-testid="compare-index-change">(.*?)</td>', page, re.S).group(1)
    assert f'<span class="delta">\u2212{display_index(-exact)}</span>' in index
    assert display_delta(exact) == "\u2212" + display_index(-exact)
    # no ASCII hyphen-minus before a number anywhere on the page's tables
    tables = "".join(re.findall(r"<table.*?</table>", page, re.S))
    assert not re.search(r">\s*-\d", tables)


def test_the_region_radar_leaves_out_dimensions_without_a_final_result(
    demo_history, client, auth, english
):
    """Issue 15 item 7: a dimension nobody has a final result for is not a 0 on the radar."""
    _make_2026_final(demo_history, "DINKES", 0)  # LIV
    _make_2026_final(demo_history, "DPUPR", 0)  # INF, ENV
    auth.login("pimpinan")
    page = _page(client, "/periods/2026/region")
    radar = re.search(r'data-testid="chart-radar">(.*?)</figure>', page, re.S).group(1)
    axes = re.findall(r'text-anchor="(?:start|middle|end)">([A-Z]+)</text>', radar)
    assert sorted(axes) == ["ENV", "INF", "LIV"]
    left_out = re.search(r'data-testid="radar-left-out">(.*?)</p>', page, re.S).group(1)
    for code in ("GOV", "ECO", "PPL"):
        assert code in left_out
    assert "no final result" in left_out
    # with every dimension final nothing is left out, and nothing is said
    page = _page(client, "/periods/2025/region")
    assert 'data-testid="radar-left-out"' not in page
    radar = re.search(r'data-testid="chart-radar">(.*?)</figure>', page, re.S).group(1)
    assert len(re.findall(r'text-anchor="(?:start|middle|end)">([A-Z]+)</text>', radar)) == 6
