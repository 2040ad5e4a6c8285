"""Year-over-year comparison: matched by dimension and indicator code, even across instruments."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from smartcity.domain.compare import (
    Change,
    PeriodValues,
    Trend,
    compare,
    display_delta,
    instrument_changes,
)
from smartcity.domain.instrument import (
    DEFAULT_LEVEL_NAMES,
    DEFAULT_MATURITY_BANDS,
    Dimension,
    Indicator,
    Instrument,
    Text,
)


def indicator(code: str) -> Indicator:
    levels = tuple((n, Text(f"L{n}", f"L{n}")) for n in range(1, 6))
    return Indicator(code, Text(code, code), Text("", ""), F(1), levels)


def instrument(version: str, dimensions: dict[str, list[str]]) -> Instrument:
    return Instrument(
        code="t",
        version=version,
        title=Text("T", "T"),
        dimensions=tuple(
            Dimension(code, Text(f"{code} {version}", code), F(1), tuple(map(indicator, codes)))
            for code, codes in dimensions.items()
        ),
        level_names=DEFAULT_LEVEL_NAMES,
        maturity_bands=DEFAULT_MATURITY_BANDS,
    )


V2025 = instrument("2025", {"GOV": ["GOV-01", "GOV-02", "GOV-03"], "ECO": ["ECO-01"]})
# 2026: GOV-03 dropped, GOV-04 added, ECO-01 moved into the new dimension BIZ, ECO gone
V2026 = instrument("2026", {"GOV": ["GOV-01", "GOV-02", "GOV-04"], "BIZ": ["ECO-01", "BIZ-01"]})

# case -> (before, after, dimensions matched, common indicators with their newer dimension,
#          only before, only after)
CHANGES = [
    (
        "same instrument",
        V2025,
        V2025,
        [("GOV", True, True), ("ECO", True, True)],
        [("GOV-01", "GOV"), ("GOV-02", "GOV"), ("GOV-03", "GOV"), ("ECO-01", "ECO")],
        [],
        [],
    ),
    (
        "instrument changed between the periods",
        V2025,
        V2026,
        [("GOV", True, True), ("BIZ", False, True), ("ECO", True, False)],
        [("GOV-01", "GOV"), ("GOV-02", "GOV"), ("ECO-01", "BIZ")],
        [("GOV", "GOV-03")],
        [("GOV", "GOV-04"), ("BIZ", "BIZ-01")],
    ),
    (
        "compared backwards",
        V2026,
        V2025,
        [("GOV", True, True), ("ECO", False, True), ("BIZ", True, False)],
        [("GOV-01", "GOV"), ("GOV-02", "GOV"), ("ECO-01", "ECO")],
        [("GOV", "GOV-04"), ("BIZ", "BIZ-01")],
        [("GOV", "GOV-03")],
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "dimensions", "common", "only_before", "only_after"),
    [case[1:] for case in CHANGES],
    ids=[case[0] for case in CHANGES],
)
def test_instrument_changes(before, after, dimensions, common, only_before, only_after):
    changes = instrument_changes(before, after)
    assert [(d.code, d.before is not None, d.after is not None) for d in changes.dimensions] == (
        dimensions
    )
    assert [(p.code, p.dimension) for p in changes.common] == common
    assert [(d, i.code) for d, i in changes.only_before] == only_before
    assert [(d, i.code) for d, i in changes.only_after] == only_after
    assert changes.same_indicators == (not only_before and not only_after)


def test_an_agency_compared_across_a_changed_instrument():
    changes = instrument_changes(V2025, V2026)
    before = PeriodValues(
        F(5, 2),
        {"GOV": F(2), "ECO": F(3)},
        {"GOV-01": F(1), "GOV-02": F(3), "GOV-03": F(2), "ECO-01": F(3)},
    )
    after = PeriodValues(
        F(3),
        {"GOV": F(3), "BIZ": F(3)},
        {"GOV-01": F(2), "GOV-02": F(3), "GOV-04": F(4), "ECO-01": F(2), "BIZ-01": F(4)},
    )
    result = compare(changes, before, after)
    assert result.index.delta == F(1, 2) and result.index.trend == Trend.UP
    assert [
        (d.pair.code, d.change.before, d.change.after, d.change.trend) for d in result.dimensions
    ] == [
        ("GOV", F(2), F(3), Trend.UP),
        ("BIZ", None, F(3), None),  # a new dimension: nothing to compare it with
        ("ECO", F(3), None, None),
    ]
    # one to one: the indicators in both, even the one that moved dimension
    assert [(i.pair.code, i.change.delta, i.change.trend) for i in result.indicators] == [
        ("GOV-01", F(1), Trend.UP),
        ("GOV-02", F(0), Trend.SAME),
        ("ECO-01", F(-1), Trend.DOWN),
    ]
    # apart: only in one period, with their value there
    assert [(v.indicator.code, v.value) for v in result.only_before] == [("GOV-03", F(2))]
    assert [(v.indicator.code, v.value) for v in result.only_after] == [
        ("GOV-04", F(4)),
        ("BIZ-01", F(4)),
    ]
    assert result.dimension("BIZ") == Change(None, F(3)) and result.dimension("XXX") is None


def test_nothing_on_one_side():
    changes = instrument_changes(V2025, V2025)
    result = compare(changes, None, PeriodValues(F(2), {"GOV": F(2)}, {"GOV-01": F(2)}))
    assert result.index.delta is None and result.index.trend is None
    assert [(d.pair.code, d.change.trend) for d in result.dimensions] == [("GOV", None)]
    assert compare(changes, None, None).dimensions == ()


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (None, "-"),
        (F(0), "0.00"),
        (F(1, 4), "+0.25"),
        (F(-11, 10), "\u22121.10"),  # the minus sign, not a hyphen
        (F(1, 200), "+0.01"),  # half away from zero
        (F(-1, 200), "\u22120.01"),
        (F(1, 1000), "0.00"),  # rounds to nothing: no sign
        (F(-1, 1000), "0.00"),
    ],
)
def test_display_delta(delta, shown):
    assert display_delta(delta) == shown


def test_compare_module_needs_no_flask():
    import subprocess
    import sys

    code = "import sys, smartcity.domain.compare; print('flask' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
