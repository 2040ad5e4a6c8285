"""Charts drawn as SVG text on the server (no JavaScript): the radar of dimension indices."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

SIZE = 360
SCALE_MAX = 5


def _point(center: float, radius: float, angle: float) -> tuple[float, float]:
    return center + radius * math.cos(angle), center + radius * math.sin(angle)


def _polygon(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def radar_svg(
    labels: Sequence[str],
    series: Sequence[Sequence[float | None]],
    *,
    series_names: Sequence[str] = (),
    title: str = "",
    size: int = SIZE,
) -> str:
    """A radar chart of values 0..5, one axis per label, one polygon per series.

    Missing values (None) are drawn at 0. With fewer than three axes a radar means nothing,
    so the axes are still drawn but the polygons become spokes. Labels are escaped.
    """
    count = len(labels)
    if count == 0:
        raise ValueError("a radar chart needs at least one axis")
    for values in series:
        if len(values) != count:
            raise ValueError("every series needs one value per label")
    center = size / 2
    radius = size * 0.32
    angles = [-math.pi / 2 + 2 * math.pi * i / count for i in range(count)]
    colours = ("#1f5f8b", "#c0562b")
    dashes = ("", ' stroke-dasharray="5 3"')
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" role="img" font-family="DejaVu Sans" font-size="10">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for ring in range(1, SCALE_MAX + 1):
        points = [_point(center, radius * ring / SCALE_MAX, a) for a in angles]
        parts.append(
            f'<polygon points="{_polygon(points)}" fill="none" stroke="#bbbbbb" '
            'stroke-width="0.6"/>'
        )
        x, y = _point(center, radius * ring / SCALE_MAX, -math.pi / 2)
        parts.append(f'<text x="{x + 3:.1f}" y="{y + 3:.1f}" fill="#777777">{ring}</text>')
    for label, angle in zip(labels, angles, strict=True):
        x, y = _point(center, radius, angle)
        parts.append(
            f'<line x1="{center:.1f}" y1="{center:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            'stroke="#999999" stroke-width="0.6"/>'
        )
        lx, ly = _point(center, radius + 16, angle)
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 3:.1f}" text-anchor="{anchor}">{escape(label)}</text>'
        )
    for n, values in enumerate(series):
        clamped = [min(max(v or 0.0, 0.0), SCALE_MAX) for v in values]
        points = [
            _point(center, radius * v / SCALE_MAX, a) for v, a in zip(clamped, angles, strict=True)
        ]
        colour = colours[n % len(colours)]
        parts.append(
            f'<polygon points="{_polygon(points)}" fill="{colour}" fill-opacity="0.15" '
            f'stroke="{colour}" stroke-width="1.6"{dashes[n % len(dashes)]}/>'
        )
        for x, y in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{colour}"/>')
    for n, name in enumerate(series_names):
        colour = colours[n % len(colours)]
        y = size - 14 * (len(series_names) - n)
        parts.append(
            f'<rect x="8" y="{y - 8}" width="10" height="10" fill="{colour}" fill-opacity="0.6"/>'
        )
        parts.append(f'<text x="22" y="{y + 1}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_svg(
    labels: Sequence[str],
    series: Sequence[Sequence[float | None]],
    *,
    series_names: Sequence[str] = (),
    title: str = "",
    width: int = 420,
) -> str:
    """Horizontal bars of values 0..5: what a radar with fewer than three axes should be."""
    count = len(labels)
    for values in series:
        if len(values) != count:
            raise ValueError("every series needs one value per label")
    colours = ("#1f5f8b", "#c0562b")
    left, right, bar, gap = 70, 20, 12, 10
    group = bar * max(len(series), 1) + gap
    height = 30 + group * count + 16 * len(series_names)
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" font-family="DejaVu Sans" font-size="10">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for tick in range(SCALE_MAX + 1):
        x = left + span * tick / SCALE_MAX
        parts.append(
            f'<line x1="{x:.1f}" y1="10" x2="{x:.1f}" y2="{10 + group * count}" '
            'stroke="#dddddd" stroke-width="0.6"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{22 + group * count}" text-anchor="middle" '
            f'fill="#777777">{tick}</text>'
        )
    for i, label in enumerate(labels):
        top = 10 + group * i + gap / 2
        parts.append(
            f'<text x="{left - 6}" y="{top + bar * len(series) / 2 + 3:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for n, values in enumerate(series):
            value = min(max(values[i] or 0.0, 0.0), SCALE_MAX)
            parts.append(
                f'<rect x="{left}" y="{top + bar * n:.1f}" width="{span * value / SCALE_MAX:.1f}" '
                f'height="{bar - 2}" fill="{colours[n % len(colours)]}"/>'
            )
    for n, name in enumerate(series_names):
        y = 30 + group * count + 16 * n
        parts.append(
            f'<rect x="{left}" y="{y}" width="10" height="10" fill="{colours[n % len(colours)]}"/>'
        )
        parts.append(f'<text x="{left + 14}" y="{y + 9}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def dimension_chart(
    labels: Sequence[str],
    series: Sequence[Sequence[float | None]],
    *,
    series_names: Sequence[str] = (),
    title: str = "",
) -> str:
    """A radar for three or more dimensions, bars for fewer (a radar of two is a line)."""
    draw = radar_svg if len(labels) >= 3 else bar_svg
    return draw(labels, series, series_names=series_names, title=title)
