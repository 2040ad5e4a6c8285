"""The dimension chart: SVG text made on the server from labels and 0..5 values."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from smartcity.domain.charts import bar_svg, dimension_chart, radar_svg


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
