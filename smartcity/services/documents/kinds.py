"""The kinds of signed document: titles, download stems, fixed marks, the official language."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from ...formatting import Standing

REPORT = "report"
CERTIFICATE = "certificate"
REGION_REPORT = "region_report"
# Berita Acara Hasil Evaluasi of an assessment and of a period (issue 16): data in services.minutes
MINUTES = "minutes"
REGION_MINUTES = "region_minutes"
# the ministry's certificate of award to a region for a final national year (award.py)
AWARD = "award"


@dataclass(frozen=True)
class Kind:
    """What a kind of document is called, on pages and in its download name."""

    title: object  # a lazy translation
    file_stem: str  # "Laporan" -> Laporan-DISHUB-2026-v2.pdf
    region_stem: str = ""  # for a document about the whole region: "Rekap-Wilayah"


KINDS: dict[str, Kind] = {
    REPORT: Kind(_l("Agency result report"), "Laporan"),
    CERTIFICATE: Kind(_l("Certificate of award"), "Piagam"),
    REGION_REPORT: Kind(_l("Region summary report"), "Rekap-Wilayah", "Rekap-Wilayah"),
    MINUTES: Kind(_l("Minutes of the evaluation"), "Berita-Acara"),
    REGION_MINUTES: Kind(
        _l("Minutes of the region evaluation"), "Berita-Acara-Wilayah", "Berita-Acara-Wilayah"
    ),
}
# the ministry's kinds: numbered in the ministry's series, so not among the kinds a region
# numbers (its settings page lists KINDS)
NATIONAL_KINDS: dict[str, Kind] = {
    AWARD: Kind(_l("Certificate of award of the national evaluation"), "Piagam", "Piagam"),
}

# the fixed markers: Indonesian in every language, so they are recognised on any copy
DRAFT_MARK = "DRAF"
SIMULATION_MARK = "SIMULASI - bukan tanda tangan elektronik tersertifikasi"


class WithStanding:
    """A kind's data that prints a result: its level and predicate, as templates ask them."""

    standing: Standing

    @property
    def level(self) -> int | None:
        return self.standing.level

    @property
    def predicate(self) -> str:
        return self.standing.predicate


class DocumentRefused(Exception):
    """A document that cannot be issued now; the message is for the user."""


def kind_of(kind: str) -> Kind | None:
    """A region's kind or the ministry's."""
    return KINDS.get(kind) or NATIONAL_KINDS.get(kind)


def kind_title(kind: str) -> str:
    known = kind_of(kind)
    return str(known.title) if known is not None else kind


def official_language() -> str:
    """The language documents are issued in automatically: the instance's default (id)."""
    return current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"
