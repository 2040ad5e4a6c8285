"""The registry of issued documents: found by code, listed per assessment or period, named."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ...domain.workflow import Status
from ...extensions import db
from ...models import Assessment, IssuedDocument, Period
from .kinds import CERTIFICATE, Kind, kind_of, kind_title, official_language
from .stamps import CODE_GROUPS, normalise_code

# the state of an issued document
VALID = "valid"
SUPERSEDED = "superseded"
REVOKED = "revoked"


def state_of(document: IssuedDocument) -> str:
    if document.revoked_at is not None:
        return REVOKED
    if document.superseded_at is not None:
        return SUPERSEDED
    return VALID


def by_code(code: str) -> IssuedDocument | None:
    normalised = normalise_code(code)
    if len(normalised) != 4 * CODE_GROUPS + CODE_GROUPS - 1:
        return None
    return db.session.scalar(select(IssuedDocument).filter_by(code=normalised))


def documents_of(assessment: Assessment) -> list[IssuedDocument]:
    return list(
        db.session.scalars(
            select(IssuedDocument)
            .filter_by(assessment_id=assessment.id)
            .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())
        )
    )


def download_name(document: IssuedDocument) -> str:
    """A name for people: "Laporan-DISHUB-2026-v2.pdf", "Piagam-DISHUB-2026.pdf",
    "Rekap-Wilayah-2025.pdf", "Piagam-62.02-2025.pdf"; "-EN" for the English version."""
    summary = json.loads(document.summary or "{}")
    kind = kind_of(document.kind) or Kind(document.kind, document.kind.title())
    agency = summary.get("agency_code") or ""
    year = summary.get("year") or ""
    if document.assessment_id is not None and agency:
        parts = [kind.file_stem, agency]
    elif summary.get("region_code"):
        # a document of the ministry about one region: "Piagam-62.02-2025.pdf"
        parts = [kind.region_stem or kind.file_stem, summary["region_code"]]
    else:
        parts = [kind.region_stem or kind.file_stem]
    if year:
        parts.append(str(year))
    if document.version > 1:
        parts.append(f"v{document.version}")
    if document.language != "id":
        parts.append(document.language.upper())
    name = "-".join(parts)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name) + ".pdf"


@dataclass(frozen=True)
class DocumentRow:
    """One issued document in a list (the result page, the agency home)."""

    id: int
    kind: str
    title: str
    number: str
    version: int
    language: str
    issued_at: datetime
    state: str  # valid, superseded, revoked
    filename: str
    code: str


def rows_of(documents: list[IssuedDocument]) -> list[DocumentRow]:
    return [
        DocumentRow(
            id=d.id,
            kind=d.kind,
            title=kind_title(d.kind),
            number=d.number or "",
            version=d.version,
            language=d.language,
            issued_at=d.issued_at,
            state=state_of(d),
            filename=download_name(d),
            code=d.code,
        )
        for d in documents
    ]


def issued_for(assessment: Assessment) -> list[DocumentRow]:
    """Every document issued for the assessment, newest first: the result page's list."""
    return rows_of(documents_of(assessment))


def issued_for_period(period: Period) -> list[DocumentRow]:
    """The documents about the whole period (region recap, region Berita Acara), newest first."""
    return rows_of(
        list(
            db.session.scalars(
                select(IssuedDocument)
                .filter(
                    IssuedDocument.period_id == period.id,
                    IssuedDocument.assessment_id.is_(None),
                )
                .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())
            )
        )
    )


def latest_certificates(agency_id: int) -> list[tuple[int, DocumentRow]]:
    """The current certificate of each final year of the agency, newest year first."""
    rows = db.session.execute(
        select(Period.year, IssuedDocument)
        .join(Assessment, IssuedDocument.assessment_id == Assessment.id)
        .join(Period, Assessment.period_id == Period.id)
        .filter(
            Assessment.agency_id == agency_id,
            Assessment.status == Status.FINAL,
            IssuedDocument.kind == CERTIFICATE,
            IssuedDocument.superseded_at.is_(None),
            IssuedDocument.revoked_at.is_(None),
        )
        .order_by(Period.year.desc(), IssuedDocument.version.desc(), IssuedDocument.id.desc())
    )
    found: dict[int, IssuedDocument] = {}
    for year, document in rows:
        chosen = found.get(year)
        # one per year: the official language's first
        if chosen is None or (
            chosen.language != official_language() and document.language == official_language()
        ):
            found[year] = document
    return [(year, rows_of([document])[0]) for year, document in found.items()]
