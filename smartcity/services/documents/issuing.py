"""Issuing a document: rendered, numbered, signed and stored once, superseded when it changes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import signing
from ...extensions import db
from ...models import Assessment, IssuedDocument, Period, User, utcnow
from ...region_context import current_region_id, working_in
from .. import audit, letterhead
from .rendering import render
from .signatures import SignatureBlock, local_day, place_and_date
from .stamps import Stamp, new_code, qr_data_uri, verify_url


def signer_config(reason: str = "", location: str = "") -> signing.SignerConfig:
    """The configured PKCS#12 key, or the development key made once in the instance folder."""
    config = current_app.config
    path = config.get("SIGNING_PKCS12_PATH")
    if path:
        passphrase = config.get("SIGNING_PKCS12_PASSPHRASE") or ""
        base = signing.SignerConfig(Path(path), passphrase.encode() or None, simulated=False)
    else:
        base = signing.ensure_dev_key(Path(current_app.instance_path) / "signing")
    return signing.SignerConfig(
        base.pkcs12_path, base.passphrase, base.simulated, reason=reason, location=location
    )


def trust_roots() -> list[bytes]:
    """The signing certificate and its chain, plus any in SIGNING_TRUST_ROOTS."""
    roots = signing.signer_certificates(signer_config())
    for name in (current_app.config.get("SIGNING_TRUST_ROOTS") or "").split(":"):
        if not name.strip():
            continue
        data = Path(name.strip()).read_bytes()
        if b"-----BEGIN" in data:
            for certificate in x509.load_pem_x509_certificates(data):
                roots.append(certificate.public_bytes(serialization.Encoding.DER))
        else:
            roots.append(data)
    return roots


# --- issuing ---------------------------------------------------------------------------------


def fingerprint(data: object) -> str:
    text = json.dumps(asdict(data), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _signer_entry(signer: object) -> dict:
    """A Signatory, a SignatureBlock or a Person as the registry keeps it."""
    if isinstance(signer, SignatureBlock):
        signer = signer.signatory
    return {
        "position": getattr(signer, "position", ""),
        "name": getattr(signer, "name", ""),
        "rank": getattr(signer, "rank", ""),
        "nip": getattr(signer, "nip", ""),
        "on_behalf_of": getattr(signer, "on_behalf_of", ""),
    }


def summary_of(kind: str, data: object, signers: list | tuple | None = None) -> dict:
    """What the registry keeps for /verify, the API and the lists: plain values of `data`."""
    shown = getattr(data, "standing", None)
    if signers is None:
        signers = getattr(data, "signatures", ())
    act = getattr(data, "act_date", None)
    return {
        "kind": kind,
        "region": getattr(data, "region", ""),
        "agency": getattr(data, "agency", ""),
        "agency_code": getattr(data, "agency_code", ""),
        "year": getattr(data, "year", None),
        # the index as stored everywhere ("2.59"): /verify names it again in the page's language
        "index": getattr(data, "index", ""),
        "level": shown.level if shown is not None else getattr(data, "level", None),
        "predicate": shown.predicate if shown is not None else getattr(data, "predicate", ""),
        "standing": shown.text if shown is not None else "",
        "final": getattr(data, "final", True),
        "act_date": act.isoformat() if act is not None else "",
        "signers": [entry for entry in map(_signer_entry, signers) if entry["name"]],
    }


def current_document(subject: str, kind: str, language: str) -> IssuedDocument | None:
    return db.session.scalar(
        select(IssuedDocument)
        .filter_by(subject=subject, kind=kind, language=language, superseded_at=None)
        .order_by(IssuedDocument.version.desc())
        .limit(1)
    )


def issue(**arguments) -> IssuedDocument:
    """The current document when its data is unchanged, else a new signed, numbered version
    (`_issue`), issued in the region of its assessment or period: its number from that
    region's series, whoever issues it (a print job works in no region of its own);
    `national=True`: a document of the ministry (no region, the ministry's number series)."""
    if arguments.get("national"):
        # the ministry's documents: no region's, whoever issues them and wherever
        with working_in(None):
            return _issue(**arguments)
    assessment, period = arguments.get("assessment"), arguments.get("period")
    about = assessment.period if assessment is not None else period
    region_id = about.region_id if about is not None else None
    with working_in(region_id if region_id is not None else current_region_id()):
        return _issue(**arguments)


def _issue(
    *,
    kind: str,
    subject: str,
    data: object,
    build: Callable[[Stamp], bytes],
    summary: dict,
    assessment: Assessment | None,
    user: User | None,
    period: Period | None = None,
    national: bool = False,
) -> IssuedDocument:
    """The current document when its data is unchanged, else a new signed, numbered version.

    `data` is a frozen dataclass with at least `language` and `seat`; its `act_date` (the day
    of the act it records) is printed as place and date, else the issuing day. The number is
    taken from the region's pattern for `kind`; a new version states the number it replaces.
    """
    print_ = fingerprint(data)
    language = data.language
    current = current_document(subject, kind, language)
    if current is not None and current.fingerprint == print_ and current.revoked_at is None:
        return current
    last = db.session.scalar(
        select(IssuedDocument)
        .filter_by(subject=subject, kind=kind, language=language)
        .order_by(IssuedDocument.version.desc())
        .limit(1)
    )
    version = (last.version if last is not None else 0) + 1
    replaces = (last.number or "") if last is not None else ""
    current_id = current.id if current is not None and current.revoked_at is None else None
    # the number is taken in its own transaction (letterhead.take_number): whatever this
    # session holds is written first, so SQLite's single writer is free for it
    db.session.commit()
    now = utcnow()
    act_date = getattr(data, "act_date", None) or local_day(now)
    number = letterhead.take_number(kind, local_day(now), national=national)
    code = new_code()
    seat = getattr(data, "seat", "")
    signer = signer_config(reason=f"smartcity {kind} {code.replace('-', '')}", location=seat)
    stamp = Stamp(
        code=code,
        version=version,
        verify_url=verify_url(code),
        qr_data_uri=qr_data_uri(verify_url(code)),
        place_and_date=place_and_date(seat, act_date, language),
        simulated=signer.simulated,
        number=number,
        replaces_number=replaces,
    )
    signed = signing.sign(build(stamp), signer)
    summary = {**summary, "number": number, "replaces_number": replaces}
    row = IssuedDocument(
        code=code,
        kind=kind,
        subject=subject,
        language=language,
        version=version,
        assessment_id=assessment.id if assessment is not None else None,
        period_id=assessment.period_id if assessment is not None else (period and period.id),
        fingerprint=print_,
        sha256=hashlib.sha256(signed).hexdigest(),
        size=len(signed),
        content=signed,
        summary=json.dumps(summary, ensure_ascii=False, sort_keys=True),
        signed_by=signing.signer_name(signer),
        simulated=signer.simulated,
        issued_by_id=user.id if user is not None else None,
        issued_at=now,
        number=number,
        replaces_number=replaces,
        act_date=act_date,
    )
    if current_id is not None:
        db.session.get(IssuedDocument, current_id).superseded_at = now
    db.session.add(row)
    try:
        db.session.flush()
        if national and row.region_id is not None:
            # the column's default gave it the installation's only region
            row.region_id = None
            db.session.flush()
    except IntegrityError:
        # someone issued the same version a moment earlier: theirs is the current one (the
        # number taken here stays unused: numbers are never given twice)
        db.session.rollback()
        existing = current_document(subject, kind, language)
        if existing is None:
            raise
        return existing
    audit.record(
        "document.issued",
        "document",
        row.code,
        user=user,
        assessment=assessment,
        period_id=row.period_id,
        old={"superseded": replaces} if replaces else None,
        new={
            "kind": kind,
            "agency": summary.get("agency_code") or summary.get("agency") or "",
            "year": summary.get("year"),
            "number": number,
            "version": version,
            "language": language,
            "sha256": row.sha256,
        },
    )
    db.session.commit()
    return row


def issue_about(
    kind: str,
    about: Assessment | Period,
    data: object,
    template: str,
    user: User | None,
    signers: list | None = None,
    **extra: object,
) -> IssuedDocument:
    """`issue` as every kind uses it: a document about one assessment or a whole period,
    drawn from `template` with `data` (and `extra`, such as a chart)."""
    of_assessment = isinstance(about, Assessment)
    return issue(
        kind=kind,
        subject=f"{'assessment' if of_assessment else 'period'}:{about.id}",
        data=data,
        build=lambda stamp: render(template, data, stamp, **extra),
        summary=summary_of(kind, data, signers),
        assessment=about if of_assessment else None,
        user=user,
        period=None if of_assessment else about,
    )
