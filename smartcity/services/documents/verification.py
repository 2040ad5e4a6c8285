"""/verify: what a code or an uploaded file is, checked against the registry and signature."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from ... import signing
from ...domain import formats
from ...domain.instrument import Instrument
from ...domain.signatory import Signatory
from ...extensions import db
from ...formatting import Standing, standing
from ...formatting import language as page_language
from ...models import IssuedDocument, Period, RegionSubmission
from ...region_context import working_in
from ..instruments import instrument_of
from .issuing import current_document, trust_roots
from .kinds import AWARD, kind_title
from .registry import VALID, by_code, state_of
from .stamps import CODE_PATTERN, normalise_code

P = ParamSpec("P")
T = TypeVar("T")

# besides the registry's states (VALID, SUPERSEDED, REVOKED): what else an upload or a code can be
MODIFIED = "modified"
SIGNATURE_INVALID = "signature_invalid"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class DocumentInfo:
    """What the verification page says about a registered document (in the page's language)."""

    id: int
    code: str
    kind: str
    title: str
    number: str
    replaces_number: str
    version: int
    language: str
    agency: str
    region: str
    year: int | None
    index: str
    standing: str  # "2,14 · Cukup · Tingkat 2 (Terkelola)"; "" when the document has no index
    level: int | None
    predicate: str
    final: bool
    signers: tuple[Signatory, ...]
    signed_by: str
    simulated: bool
    act_date: str  # "12 Juli 2025": the day of the act it records
    issued_at: str
    state: str  # valid, superseded, revoked
    revoked_reason: str = ""
    sha256: str = ""
    current_code: str = ""  # for a superseded document: the code of the one that replaced it
    current_number: str = ""
    # the ministry's award: (name, "3,12 · Baik · Tingkat 3 (...)") of each evaluation
    # dimension and pillar
    evaluation_dimensions: tuple[tuple[str, str], ...] = ()
    pillars: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Verification:
    outcome: str  # VALID, SUPERSEDED, REVOKED, MODIFIED, SIGNATURE_INVALID, UNKNOWN
    document: DocumentInfo | None = None
    signature: signing.SignatureVerdict | None = None
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == VALID


def _instrument_of_period(period_id: int | None) -> Instrument | None:
    if period_id is None:
        return None
    period = db.session.get(Period, period_id)
    return instrument_of(period.instrument_version) if period is not None else None


def _instrument_of_award(document: IssuedDocument) -> Instrument | None:
    """The national year's instrument of a ministry's award ("region-submission:<id>")."""
    what, _colon, number = document.subject.partition(":")
    if document.kind != AWARD or what != "region-submission" or not number.isdigit():
        return None
    submission = db.session.get(RegionSubmission, int(number))
    if submission is None:
        return None
    return instrument_of(submission.national_period.instrument_version)


def _again(stored: str, instrument: Instrument | None, language: str) -> Standing | None:
    try:
        value = Fraction(stored or "")
    except (ValueError, ZeroDivisionError):
        return None
    return standing(value, instrument, language) if instrument is not None else None


def _standing_again(summary: dict, period_id: int | None, language: str) -> Standing | None:
    """The stored index named again in the page's language, with the period's instrument."""
    return _again(summary.get("index") or "", _instrument_of_period(period_id), language)


def _lines_again(
    lines: list[dict], instrument: Instrument | None, language: str, axis: str
) -> tuple[tuple[str, str], ...]:
    """An award's stored evaluation dimensions or pillars, named in the page's language."""
    found = []
    for line in lines:
        named = None
        if instrument is not None:
            if axis == "pillars":
                named = instrument.dimension(line.get("code", ""))
            else:
                named = next(
                    (e for e in instrument.evaluation_dimensions if e.code == line.get("code")),
                    None,
                )
        name = named.name.get(language) if named is not None else line.get("name", "")
        shown = _again(line.get("index") or "", instrument, language)
        found.append((name, shown.text if shown is not None else line.get("index") or "-"))
    return tuple(found)


def info(document: IssuedDocument, language: str | None = None) -> DocumentInfo:
    language = language or page_language()
    summary = json.loads(document.summary or "{}")
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"))
    award_instrument = _instrument_of_award(document)
    if award_instrument is not None:
        shown = _again(summary.get("index") or "", award_instrument, language)
    else:
        shown = _standing_again(summary, document.period_id, language)
    region = summary.get("region", "")
    if summary.get("region_code"):
        region = f"{region} ({summary['region_code']})"
    current = None
    if document.superseded_at is not None:
        current = current_document(document.subject, document.kind, document.language)
    signers = tuple(
        Signatory(
            position=p.get("position", ""),
            name=p.get("name", ""),
            rank=p.get("rank", ""),
            nip=p.get("nip", ""),
            on_behalf_of=p.get("on_behalf_of", ""),
        )
        for p in summary.get("signers", [])
        if p.get("name")
    )
    with force_locale(language):
        title = kind_title(document.kind)
    return DocumentInfo(
        id=document.id,
        code=document.code,
        kind=document.kind,
        title=title,
        number=document.number or "",
        replaces_number=document.replaces_number or "",
        version=document.version,
        language=document.language,
        agency=summary.get("agency", ""),
        region=region,
        year=summary.get("year"),
        index=shown.index if shown is not None else summary.get("index", ""),
        standing=shown.text if shown is not None and shown.present else summary.get("standing", ""),
        level=summary.get("level"),
        predicate=shown.predicate if shown is not None else summary.get("predicate", ""),
        final=bool(summary.get("final", False)),
        signers=signers,
        signed_by=document.signed_by,
        simulated=document.simulated,
        act_date=formats.document_date(document.act_date, language) if document.act_date else "",
        issued_at=formats.document_datetime(document.issued_at, language, zone),
        state=state_of(document),
        revoked_reason=document.revoked_reason,
        sha256=document.sha256,
        current_code=current.code if current is not None and current.id != document.id else "",
        current_number=(current.number or "") if current is not None else "",
        evaluation_dimensions=_lines_again(
            summary.get("evaluation_dimensions", []), award_instrument, language, "evaluation"
        ),
        pillars=_lines_again(summary.get("pillars", []), award_instrument, language, "pillars"),
    )


def _in_every_region(function: Callable[P, T]) -> Callable[P, T]:
    """Public verification finds any region's document, whoever asks (a logged-in user of
    another region too): the lookup is not narrowed to the region being worked in."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with working_in(None):
            return function(*args, **kwargs)

    return wrapper


@_in_every_region
def verify_code(code: str) -> Verification:
    document = by_code(code)
    if document is None:
        return Verification(UNKNOWN)
    return Verification(state_of(document), info(document))


@_in_every_region
def verify_bytes(data: bytes) -> Verification:
    """Is this exactly a registered, signed, current document? Else name what is wrong."""
    verdict = signing.validate(data, trust_roots())
    document = db.session.scalar(
        select(IssuedDocument).filter_by(sha256=hashlib.sha256(data).hexdigest())
    )
    if document is not None:
        if not verdict.ok:
            return Verification(SIGNATURE_INVALID, info(document), verdict, [verdict.problem])
        return Verification(state_of(document), info(document), verdict)
    claimed = _claimed_document(data)
    if claimed is not None:
        return Verification(MODIFIED, info(claimed), verdict, [verdict.problem])
    if verdict.signed and not verdict.ok:
        return Verification(SIGNATURE_INVALID, None, verdict, [verdict.problem])
    return Verification(UNKNOWN, None, verdict)


def _claimed_document(data: bytes) -> IssuedDocument | None:
    """The registered document whose code the bytes carry (in the signature's reason)."""
    found = (normalise_code(m.decode()) for m in CODE_PATTERN.findall(data))
    candidates = list(dict.fromkeys(found))[-20:]
    if not candidates:
        return None
    return db.session.scalar(
        select(IssuedDocument)
        .filter(IssuedDocument.code.in_(candidates))
        .order_by(IssuedDocument.id.desc())
        .limit(1)
    )
