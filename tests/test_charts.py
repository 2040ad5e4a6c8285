"""The dimension chart: SVG text made on the server from labels and 0..5 values."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from smartcity.domain.charts import bar_chart, bar_svg, dimension_chart, radar_svg, trend_chart


def polygons(svg: str) -> list[list[tuple[float, float]]]:
    shapes = re.findall(r'<polygon points="([^"]+)"', svg)
    return [[tuple(map(float, p.split(","))) for p in shape.split()] for shape in shapes]


@pytest.mark.parametrize("axes", [3, 5, 6, 8])
def test_radar_has_five_rings_an_axis_per_label_and_a_polygon_per_series(axes):
    labels = [f"D{i}" for i in range(axes)]
    svg = radar_svg(labels, [[2.5] * axes, [4] * axes], series_names=["Mandiri", "Verifikasi"])
    shapes = polygons(svg)
    assert len(shapes) == 5 + 2  # rings, then one per series
    assert all(len(shape) == axes for shape in shapes)
    assert svg.count("<line ") == axes
    for label in labels:
        assert f">{label}</text>" in svg


@pytest.mark.parametrize(
    ("value", "expected_radius"),
    [(0, 0.0), (2.5, 0.5), (5, 1.0), (7, 1.0), (-1, 0.0), (None, 0.0)],
)
def test_values_are_placed_on_the_0_to_5_scale_and_clamped(value, expected_radius):
    size = 360
    svg = radar_svg(["A", "B", "C"], [[value, 5, 5]], size=size)
    top = polygons(svg)[-1][0]  # the first axis points straight up
    outer = polygons(svg)[4][0]  # the ring for 5
    centre = size / 2
    assert (centre - top[1]) == pytest.approx(expected_radius * (centre - outer[1]), abs=0.15)


def test_labels_and_names_are_escaped():
    svg = dimension_chart(
        ["<script>alert(1)</script>", "A&B", '"q"'],
        [[1, 2, 3]],
        series_names=["<b>x</b>"],
        title="<t>",
    )
    assert "<script>" not in svg and "<b>" not in svg and "<t>" not in svg
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
        and "A&amp;B" in svg
        and "&lt;b&gt;x&lt;/b&gt;" in svg
    )


def test_fewer_than_three_dimensions_are_drawn_as_bars():
    svg = dimension_chart(["GOV", "INF"], [[3, 2.74]])
    assert "<polygon" not in svg and svg.count("<rect ") == 2
    assert bar_svg(["GOV"], [[5]]).count("<rect ") == 1


def test_every_series_needs_one_value_per_label():
    with pytest.raises(ValueError):
        radar_svg(["A", "B", "C"], [[1, 2]])
    with pytest.raises(ValueError):
        radar_svg([], [])


def test_the_chart_module_needs_no_flask():
    code = "import sys, smartcity.domain.charts; print('flask' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# --- bar_chart and trend_chart: the dashboards' pictures -------------------------------------


def bars(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svg)]


def lines(svg: str) -> int:
    return svg.count("<polyline ")


def points(svg: str) -> int:
    return svg.count("<circle ")


# edge case -> (labels, values, expected bar widths relative to the widest possible, empty?)
BAR_CASES = [
    ("no data", [], [], None, True),
    ("no value at all", ["A", "B"], [None, None], None, True),
    ("one agency", ["DLH"], [4.03], [4.03 / 5], False),
    ("all equal", ["A", "B", "C"], [2.5, 2.5, 2.5], [0.5, 0.5, 0.5], False),
    ("a missing value draws an empty bar", ["A", "B"], [5, None], [1.0, 0.0], False),
    ("clamped to the scale", ["A", "B"], [7, -1], [1.0, 0.0], False),
]


@pytest.mark.parametrize(
    ("labels", "values", "widths", "empty"),
    [case[1:] for case in BAR_CASES],
    ids=[case[0] for case in BAR_CASES],
)
def test_bar_chart_edge_cases(labels, values, widths, empty):
    svg = bar_chart(labels, values, title="Indeks", chart_id="c", empty_text="Belum ada data")
    assert svg.startswith("<svg") and svg.endswith("</svg>") and 'role="img"' in svg
    assert '<title id="c-title">Indeks</title>' in svg and 'aria-labelledby="c-title"' in svg
    if empty:
        assert "Belum ada data" in svg and "<rect" not in svg
        return
    full = 480 - 170 - 50  # width minus the label and value margins
    assert bars(svg) == pytest.approx([w * full for w in widths], abs=0.1)


@pytest.mark.parametrize(
    ("counts", "ticks"),
    [([0, 0, 0], ["0", "1"]), ([0, 4, 7, 1, 0], ["0", "2", "4", "6", "8"]), ([1], ["0", "1"])],
)
def test_bar_chart_of_counts_has_whole_number_ticks(counts, ticks):
    svg = bar_chart([str(i) for i in range(len(counts))], counts, maximum=max(counts))
    shown = re.findall(r'fill="#555555">([^<]+)</text>', svg)
    assert shown == ticks
    assert all(w >= 0 for w in bars(svg))


# edge case -> (periods, series, lines, points, empty?)
TREND_CASES = [
    ("no data", [], [], 0, 0, True),
    ("no value at all", ["2025"], [("GOV", [None])], 0, 0, True),
    ("one year: points only", ["2025"], [("Index", [3.1]), ("GOV", [2.0])], 0, 2, False),
    ("one agency, three years", ["2024", "2025", "2026"], [("GOV", [2, 2.5, 3])], 1, 3, False),
    ("all equal", ["2025", "2026"], [("A", [3, 3]), ("B", [3, 3])], 2, 4, False),
    ("a gap breaks the line", ["2023", "2024", "2025"], [("A", [1, None, 2])], 0, 2, False),
]


@pytest.mark.parametrize(
    ("periods", "series", "line_count", "point_count", "empty"),
    [case[1:] for case in TREND_CASES],
    ids=[case[0] for case in TREND_CASES],
)
def test_trend_chart_edge_cases(periods, series, line_count, point_count, empty):
    svg = trend_chart(periods, series, title="Tren", chart_id="t", empty_text="Belum ada data")
    assert 'role="img"' in svg and 'aria-labelledby="t-title"' in svg
    assert ("Belum ada data" in svg) is empty
    assert lines(svg) == line_count and points(svg) == point_count
    for name, _values in series if not empty else []:
        assert f">{name}</text>" in svg


def test_trend_chart_places_values_on_the_0_to_5_scale():
    svg = trend_chart(["2025", "2026"], [("A", [0, 5])], height=260)
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]
    zero = float(re.search(r'<line x1="34" y1="([\d.]+)"', svg).group(1))  # the 0 grid line
    assert ys[0] == pytest.approx(zero) and ys[1] == pytest.approx(12)  # 5 at the top edge


def test_radar_edge_cases_one_agency_and_all_equal():
    # one agency's polygon; all-equal values draw a regular polygon (every vertex on one ring)
    svg = radar_svg(["A", "B", "C", "D"], [[3, 3, 3, 3]], title="R", chart_id="r")
    shape = polygons(svg)[-1]
    centre = 180
    radii = {round(((x - centre) ** 2 + (y - centre) ** 2) ** 0.5, 1) for x, y in shape}
    assert len(radii) == 1 and 'aria-labelledby="r-title"' in svg
    # no data: every value missing is drawn at the centre, not refused
    empty = polygons(radar_svg(["A", "B", "C"], [[None, None, None]]))[-1]
    assert all(p == (centre, centre) for p in empty)


def test_new_charts_escape_labels():
    svg = bar_chart(["<script>"], [1], value_labels=["<b>1</b>"], title="<t>", chart_id='"x')
    svg += trend_chart(["<y>"], [("<s>", [1])], title="<t>")
    assert "<script>" not in svg and "<b>" not in svg and "<t>" not in svg and "<y>" not in svg
    assert "&lt;script&gt;" in svg and "&quot;x-title" in svg


def test_every_series_needs_one_value_per_period():
    with pytest.raises(ValueError):
        trend_chart(["2025", "2026"], [("A", [1])])
    with pytest.raises(ValueError):
        bar_chart(["A", "B"], [1])
