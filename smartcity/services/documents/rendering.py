"""A document's PDF drawn from its template: letterhead, stamp, marks, page labels, charts."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ... import pdf
from .. import letterhead
from .kinds import DRAFT_MARK, SIMULATION_MARK, kind_title
from .stamps import Stamp


def _static_folder() -> Path:
    return Path(current_app.static_folder or "static")


def render(template: str, data: object, stamp: Stamp, **extra: object) -> bytes:
    """HTML -> PDF. Every template gets `kop` (the letterhead, or None), the stamp and marks."""
    language = getattr(data, "language", "id")
    kop = getattr(data, "letterhead", None)
    if kop is None and not hasattr(data, "letterhead"):
        kop = letterhead.letterhead(language)
    with force_locale(language):
        html = render_template(
            template,
            data=data,
            stamp=stamp,
            kop=kop,
            kind_title=kind_title,
            draft_mark=DRAFT_MARK,
            simulation_mark=SIMULATION_MARK,
            page_label=Markup(page_label_css()),
            bare_code=stamp.code.replace("-", ""),
            **extra,
        )
    return pdf.render(html, _static_folder(), [_static_folder() / "css" / "pdf.css"])


def page_label_css() -> str:
    """The translated "Page X of Y" as a CSS `content` value with page counters."""
    label = _("Page {page} of {pages}")
    parts = re.split(r"(\{page\}|\{pages\})", label)
    out = []
    for part in parts:
        if part == "{page}":
            out.append("counter(page)")
        elif part == "{pages}":
            out.append("counter(pages)")
        elif part:
            out.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(out)


def svg_data_uri(svg: str) -> Markup:
    """A chart as the `src` of an image: WeasyPrint embeds it without fetching anything."""
    encoded = base64.b64encode(svg.encode()).decode()
    return Markup(f"data:image/svg+xml;base64,{encoded}")


def number(text: str) -> float | None:
    """A displayed index ("2,59" or "2.59") back to a number for a chart's geometry."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None
