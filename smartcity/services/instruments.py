"""Registering instrument versions and loading them, parsed once per content hash."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from ..domain.instrument import Instrument
from ..domain.loader import load_instrument
from ..extensions import db
from ..models import InstrumentVersion, User
from . import audit

DEMO_INSTRUMENT = Path(__file__).resolve().parent.parent / "instruments" / "kotim-smart-city.yaml"


class InstrumentConflict(Exception):
    """The same code and version already exists with different content."""


@lru_cache(maxsize=32)
def _parse(sha256: str, source: str, source_name: str) -> Instrument:
    # keyed by content hash: a published version never changes, so parsing once is safe
    return load_instrument(source, source_name)


def instrument_of(version: InstrumentVersion) -> Instrument:
    return _parse(version.sha256, version.source, version.source_name or version.code)


def register_instrument(source: str, source_name: str, by: User | None = None) -> InstrumentVersion:
    """Store an instrument version (validated); the identical text registered twice is one row.

    Raises `InstrumentError` for an invalid file and `InstrumentConflict` when the
    code and version exist with other content (publish it under a new version).
    """
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    existing = db.session.scalar(select(InstrumentVersion).filter_by(sha256=digest))
    if existing is not None:
        return existing  # stored (so validated) before: no need to parse it again
    # validated through the content-hash cache: the same text is parsed once per process
    instrument = _parse(digest, source, source_name)
    clash = db.session.scalar(
        select(InstrumentVersion).filter_by(code=instrument.code, version=instrument.version)
    )
    if clash is not None:
        raise InstrumentConflict(
            f"instrument {instrument.code} version {instrument.version} already exists "
            "with different content; give the changed file a new version"
        )
    version = InstrumentVersion(
        code=instrument.code,
        version=instrument.version,
        sha256=digest,
        source=source,
        source_name=Path(source_name).name,
    )
    db.session.add(version)
    db.session.flush()
    # only a newly stored version is a change; the same text registered again is not
    audit.record(
        "instrument.registered",
        "instrument",
        version.id,
        user=by,
        new={
            "code": version.code,
            "version": version.version,
            "sha256": version.sha256,
            "source_name": version.source_name,
        },
    )
    return version
