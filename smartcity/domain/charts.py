"""Charts drawn as SVG text on the server (no JavaScript): radar, bars and trend lines.

Every chart is an image with a title (`role="img"`, `<title>`, and `aria-labelledby` when an
id is given); the pages show the same numbers in a table, so nothing depends on the picture.
Labels are escaped here: callers pass plain text."""

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


def _open(width: float, height: float, title: str, chart_id: str) -> str:
    """The <svg> element with its accessible name: `<title>`, linked by id when one is given."""
    labelled = f' aria-labelledby="{escape(chart_id)}-title"' if chart_id and title else ""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}" height="{height:g}" role="img"{labelled} '
        'font-family="DejaVu Sans" font-size="10">'
    )
    if title:
        title_id = f' id="{escape(chart_id)}-title"' if chart_id else ""
        head += f"<title{title_id}>{escape(title)}</title>"
    return head


def radar_svg(
    labels: Sequence[str],
    series: Sequence[Sequence[float | None]],
    *,
    series_names: Sequence[str] = (),
    title: str = "",
    size: int = SIZE,
    chart_id: str = "",
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
    parts = [_open(size, size, title, chart_id)]
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


# Colour and dash pairs: series stay apart in black-and-white print and for colour-blind readers.
PALETTE = (
    ("#1f5f8b", ""),
    ("#c0562b", "6 3"),
    ("#2e7d32", "2 2"),
    ("#6a3d9a", "8 3 2 3"),
    ("#8c6d1f", "1 3"),
    ("#b0306a", "10 4"),
)


def _empty(width: float, height: float, title: str, chart_id: str, empty_text: str) -> str:
    return (
        _open(width, height, title, chart_id)
        + f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle" fill="#555555">'
        + f"{escape(empty_text)}</text></svg>"
    )


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    maximum: float = SCALE_MAX,
    value_labels: Sequence[str] | None = None,
    title: str = "",
    chart_id: str = "",
    empty_text: str = "",
    width: int = 480,
) -> str:
    """Horizontal bars, one per label, on a 0..`maximum` scale with the value written beside
    each bar (`value_labels`, else two decimals; "-" for a missing value).

    No labels, or no value at all, gives a chart that says `empty_text`; a `maximum` of 0
    (every count zero) draws empty bars instead of dividing by zero.
    """
    if len(values) != len(labels):
        raise ValueError("every label needs one value")
    if value_labels is not None and len(value_labels) != len(labels):
        raise ValueError("every label needs one value label")
    if not labels or all(v is None for v in values):
        return _empty(width, 60, title, chart_id, empty_text)
    left, right, bar, gap, top = 170, 50, 14, 8, 8
    height = top + (bar + gap) * len(labels) + 22
    span = width - left - right
    if maximum == SCALE_MAX:
        ticks, scale = SCALE_MAX, float(SCALE_MAX)
    else:  # counts: whole-number ticks, at most five steps
        step = max(1, math.ceil(maximum / 5))
        ticks = max(1, math.ceil(maximum / step))
        scale = float(step * ticks)
    parts = [_open(width, height, title, chart_id)]
    bottom = top + (bar + gap) * len(labels)
    for tick in range(ticks + 1):
        x = left + span * tick / ticks
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#dddddd" '
            'stroke-width="0.6"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" fill="#555555">'
            f"{scale * tick / ticks:g}</text>"
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + (bar + gap) * i + gap / 2
        # about 6 px a character at font size 10: 26 characters fit left of the bars
        shown = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{y + bar - 3:.1f}" text-anchor="end">{escape(shown)}</text>'
        )
        length = 0.0 if value is None else span * min(max(value, 0.0), scale) / scale
        parts.append(
            f'<rect x="{left}" y="{y:.1f}" width="{length:.1f}" height="{bar}" fill="#1f5f8b"/>'
        )
        if value_labels is not None:
            text = value_labels[i]
        else:
            text = "-" if value is None else f"{value:.2f}"
        parts.append(
            f'<text x="{left + length + 4:.1f}" y="{y + bar - 3:.1f}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str = "",
    chart_id: str = "",
    empty_text: str = "",
    width: int = 520,
    height: int = 260,
    legend: bool = True,
) -> str:
    """Lines of 0..5 values over periods (x axis, oldest first), one line per named series.

    A missing value (None) breaks the line; a lone value is drawn as a point, so one period
    gives points only. No period or no value at all gives a chart that says `empty_text`.
    The legend lists one series a row below the plot (names never run into each other); a
    page that scales the picture down shows `trend_legend` instead (`legend=False`), so the
    names keep the page's text size.
    """
    for _name, values in series:
        if len(values) != len(periods):
            raise ValueError("every series needs one value per period")
    if not periods or all(v is None for _n, values in series for v in values):
        return _empty(width, 60, title, chart_id, empty_text)
    left, right, top, legend_row = 34, 16, 12, 16
    plot_bottom = height - 28 - (legend_row * len(series) if legend else 0)
    plot_height = plot_bottom - top
    span = width - left - right

    def x_of(i: int) -> float:
        return left + span / 2 if len(periods) == 1 else left + span * i / (len(periods) - 1)

    def y_of(value: float) -> float:
        return plot_bottom - plot_height * min(max(value, 0.0), SCALE_MAX) / SCALE_MAX

    parts = [_open(width, height, title, chart_id)]
    for level in range(SCALE_MAX + 1):
        y = y_of(level)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#dddddd" '
            'stroke-width="0.6"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y + 3:.1f}" text-anchor="end">{level}</text>')
    for i, period in enumerate(periods):
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{plot_bottom + 14}" text-anchor="middle">'
            f"{escape(period)}</text>"
        )
    for n, (name, values) in enumerate(series):
        colour, dash = PALETTE[n % len(PALETTE)]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        run: list[tuple[float, float]] = []
        runs = [run]
        for i, value in enumerate(values):
            if value is None:
                run = []
                runs.append(run)
            else:
                run.append((x_of(i), y_of(value)))
        for points in runs:
            if len(points) > 1:
                parts.append(
                    f'<polyline points="{_polygon(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dashes}/>'
                )
            for x, y in points:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        if not legend:
            continue
        # one series a row: a name as long as the chart is wide is cut, never overlapped
        lx, ly = left, plot_bottom + 24 + legend_row * n
        room = int((width - right - lx - 22) / 6)  # about 6 px a character at size 10
        shown = name if len(name) <= room else name[: room - 1] + "…"
        parts.append(
            f'<line x1="{lx:.1f}" y1="{ly:.1f}" x2="{lx + 18:.1f}" y2="{ly:.1f}" '
            f'stroke="{colour}" stroke-width="2"{dashes}/>'
        )
        parts.append(f'<text x="{lx + 22:.1f}" y="{ly + 3:.1f}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_legend(names: Sequence[str]) -> str:
    """The trend chart's legend as an HTML list (page text, wraps on a narrow screen): each
    series' line, in its colour and dash, before its name. Names are escaped."""
    items = []
    for n, name in enumerate(names):
        colour, dash = PALETTE[n % len(PALETTE)]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(
            '<li><svg xmlns="http://www.w3.org/2000/svg" width="28" height="10" '
            'viewBox="0 0 28 10" aria-hidden="true" focusable="false">'
            f'<line x1="1" y1="5" x2="27" y2="5" stroke="{colour}" stroke-width="2.5"{dashes}/>'
            f"</svg> <span>{escape(name)}</span></li>"
        )
    return '<ul class="chart-legend">' + "".join(items) + "</ul>"
