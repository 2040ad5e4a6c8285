"""Instrument versions: checking uploads, publishing, exporting; parsed once per content hash."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ..domain import limits
from ..domain.instrument import Instrument
from ..domain.limits import shortened_file_name
from ..domain.loader import InstrumentError, Problem, load_instrument
from ..domain.messages import N_, message
from ..extensions import db
from ..models import InstrumentVersion, Period, User
from . import audit
from .paging import PAGE_SIZE, Page, paginate

DEMO_INSTRUMENT = Path(__file__).resolve().parent.parent / "instruments" / "kotim-smart-city.yaml"


class InstrumentConflict(Exception):
    """The same code and version already exists with different content."""

    def __init__(self, code: str, version: str):
        self.code = code
        self.version = version
        super().__init__(
            f"instrument {code} version {version} already exists with other content: "
            "give it a new version"
        )

    def __reduce__(self) -> tuple[type[InstrumentConflict], tuple[str, str]]:
        return (type(self), (self.code, self.version))


@lru_cache(maxsize=32)
def _parse(sha256: str, source: str, source_name: str, stored: bool = False) -> Instrument:
    # keyed by content hash: a published version never changes, so parsing once is safe; it is
    # read as it was stored (a code longer than today's columns was published before the check)
    return load_instrument(source, source_name, lengths=None if stored else limits.QUESTIONNAIRE)


# parsed instruments by content hash: the `source` column (the whole file, ~100 KB) is only
# read from the database the first time a version is used in this process
_by_hash: dict[str, Instrument] = {}


def instrument_of(version: InstrumentVersion) -> Instrument:
    found = _by_hash.get(version.sha256)
    if found is None:
        found = _parse(
            version.sha256, version.source, version.source_name or version.code, stored=True
        )
        if len(_by_hash) >= 64:
            _by_hash.clear()
        _by_hash[version.sha256] = found
    return found


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
        raise InstrumentConflict(instrument.code, instrument.version)
    version = InstrumentVersion(
        code=instrument.code,
        version=instrument.version,
        sha256=digest,
        source=source,
        source_name=shortened_file_name(Path(source_name).name, limits.INSTRUMENT_SOURCE_NAME),
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


# --- uploading, publishing and exporting (administration) ---

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_TOKEN = re.compile(r"[0-9a-f]{64}")
FORMATS = ("yaml", "xlsx")
# a checked upload waits this long on the server for its publish
PENDING_DAYS = 2
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class InstrumentTooLarge(Exception):
    """An uploaded instrument file is larger than INSTRUMENT_MAX_BYTES."""

    def __init__(self, size: int, limit: int):
        self.size = size
        self.limit = limit
        super().__init__(f"the file has {size} bytes; at most {limit} bytes are accepted")


class UploadNotFound(Exception):
    """A publish names an upload that was never checked here (or is already gone)."""


@dataclass(frozen=True)
class CheckedUpload:
    """A valid instrument file kept on the server until it is published.

    `token` is the SHA-256 of its YAML text; `same` is the version already published with
    exactly this content, `clash` the one with its code and version but other content.
    """

    token: str
    source: str
    source_name: str
    instrument: Instrument
    same: InstrumentVersion | None
    clash: InstrumentVersion | None


def max_upload_bytes() -> int:
    """INSTRUMENT_MAX_BYTES from the app's configuration, else the environment, else 5 MiB."""
    configured = current_app.config.get("INSTRUMENT_MAX_BYTES")
    if configured is None:
        configured = os.environ.get("INSTRUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
    return int(configured)


def is_workbook(data: bytes) -> bool:
    return data.startswith(_ZIP_MAGIC)


def _workbook_module():
    try:
        from ..domain import workbook
    except ImportError:  # the XLSX reader/writer is not part of this installation
        return None
    return workbook


def workbooks_supported() -> bool:
    return _workbook_module() is not None


def source_of(data: bytes, source_name: str) -> tuple[str, Instrument]:
    """The instrument's YAML text and the instrument, from YAML or XLSX bytes (by content).

    A workbook is converted to YAML: what is stored and published is always YAML text.
    Raises `InstrumentError` listing every problem (with line, or sheet!cell), located in
    `source_name` as given.
    """
    name = source_name or "instrument"
    if is_workbook(data):
        workbook = _workbook_module()
        if workbook is None:
            raise InstrumentError(
                [Problem(name, None, "", N_("Excel workbooks cannot be read here; upload YAML"))]
            )
        from ..domain.loader import dump_instrument

        instrument = workbook.read_workbook(data, name, max_bytes=max_upload_bytes())
        return dump_instrument(instrument), instrument
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        raise InstrumentError(
            [
                Problem(
                    name,
                    None,
                    "",
                    N_("not an Excel workbook (.xlsx): the file is not a ZIP package"),
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InstrumentError(
            [
                Problem.of(
                    name, line, "", message(N_("not valid UTF-8 text (byte %(n)s)"), n=error.start)
                )
            ]
        ) from error
    return text, load_instrument(text, name)


def _pending_dir() -> Path:
    return Path(current_app.instance_path) / "uploads" / "instruments"


def check_upload(data: bytes, source_name: str) -> CheckedUpload:
    """Validate an uploaded file and keep it on the server for publishing.

    Raises `InstrumentTooLarge` or `InstrumentError`; nothing is stored in the database.
    """
    limit = max_upload_bytes()
    if len(data) > limit:
        raise InstrumentTooLarge(len(data), limit)
    source, instrument = source_of(data, Path(source_name).name)
    token = hashlib.sha256(source.encode("utf-8")).hexdigest()
    name = Path(source_name).name or f"{instrument.code}.yaml"
    if is_workbook(data):
        name = f"{Path(name).stem}.yaml"  # what is stored is the YAML made from the workbook
    folder = _pending_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old_uploads(folder)
    target = folder / token
    partial = folder / f"{token}.part"
    partial.write_text(json.dumps({"source_name": name, "source": source}), encoding="utf-8")
    partial.replace(target)  # whole or nothing, even with two uploads of the same file
    return _checked(token, source, name, instrument)


def _forget_old_uploads(folder: Path) -> None:
    """Checked files nobody published within PENDING_DAYS are removed."""
    limit = time.time() - PENDING_DAYS * 24 * 3600
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:  # removed by a parallel request: nothing to do
            continue


def _published_as(
    digest: str, instrument: Instrument
) -> tuple[InstrumentVersion | None, InstrumentVersion | None]:
    """The version with this content (same, None) or with its code and version only (None, clash).

    Content is the same when the text is, or when the questionnaire is equal: a workbook made
    from a published YAML file (or YAML with other comments) is that version, not a clash.
    """
    same = db.session.scalar(select(InstrumentVersion).filter_by(sha256=digest))
    if same is not None:
        return same, None
    clash = db.session.scalar(
        select(InstrumentVersion).filter_by(code=instrument.code, version=instrument.version)
    )
    if clash is not None and instrument_of(clash) == instrument:
        return clash, None
    return None, clash


def _checked(token: str, source: str, name: str, instrument: Instrument) -> CheckedUpload:
    same, clash = _published_as(token, instrument)
    return CheckedUpload(token, source, name, instrument, same, clash)


def pending_upload(token: str) -> CheckedUpload:
    """An upload checked before, read back from the server (never from the client)."""
    if not _TOKEN.fullmatch(token or ""):
        raise UploadNotFound(token)
    path = _pending_dir() / token
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UploadNotFound(token) from error
    source = stored["source"]
    if hashlib.sha256(source.encode("utf-8")).hexdigest() != token:
        raise UploadNotFound(token)  # changed on disk: never publish what was not checked
    instrument = _parse(token, source, stored["source_name"])
    return _checked(token, source, stored["source_name"], instrument)


def publish(token: str, by: User | None = None) -> tuple[InstrumentVersion, bool]:
    """Publish a checked upload; returns the version and whether it is new.

    Identical content published again is the existing version (no change). Raises
    `UploadNotFound` and `InstrumentConflict`. The caller commits (one transaction).
    """
    upload = pending_upload(token)
    if upload.same is not None:
        return upload.same, False
    try:
        with db.session.begin_nested():
            return register_instrument(upload.source, upload.source_name, by), True
    except IntegrityError:
        # another administrator published it (or its version) at the same moment
        same, clash = _published_as(upload.token, upload.instrument)
        if same is not None:
            return same, False
        raise InstrumentConflict(upload.instrument.code, upload.instrument.version) from None


def discard_upload(token: str) -> None:
    """Forget a published upload's server-side copy."""
    if _TOKEN.fullmatch(token or ""):
        (_pending_dir() / token).unlink(missing_ok=True)


def problems_in(data: bytes, source_name: str) -> list[Problem]:
    """Every problem of a YAML or XLSX file (recognised by content); empty when it would publish.

    The same check as `import_file` and the admin upload, without storing anything.
    """
    limit = max_upload_bytes()
    if len(data) > limit:
        too_large = message(
            N_("%(size)s bytes; at most %(limit)s bytes"), size=len(data), limit=limit
        )
        return [Problem.of(source_name, None, "", too_large)]
    try:
        source_of(data, source_name)
    except InstrumentError as error:
        return list(error.problems)
    return []


def import_file(
    data: bytes, source_name: str, by: User | None = None
) -> tuple[InstrumentVersion, bool]:
    """Validate and publish a YAML or XLSX file in one go (the command line); caller commits."""
    source, instrument = source_of(data, source_name)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    same, _clash = _published_as(digest, instrument)
    if same is not None:
        return same, False
    name = Path(source_name).name
    if is_workbook(data):
        name = f"{Path(name).stem}.yaml"
    return register_instrument(source, name, by), True


def export(version: InstrumentVersion, file_format: str) -> bytes:
    """A published version as YAML (its exact published text) or as an XLSX workbook."""
    if file_format == "yaml":
        return version.source.encode("utf-8")
    if file_format == "xlsx":
        workbook = _workbook_module()
        if workbook is None:
            raise ValueError("Excel workbooks cannot be written here; download YAML")
        return workbook.write_workbook(instrument_of(version))
    raise ValueError(f"unknown format {file_format!r}: use yaml or xlsx")


def find_version(code: str, version: str | None = None) -> InstrumentVersion | None:
    """A published version of CODE: the given one, else the latest published (the most
    recently published, as `period create` takes it)."""
    query = select(InstrumentVersion).filter_by(code=code)
    if version is not None:
        return db.session.scalar(query.filter_by(version=version))
    return db.session.scalar(
        query.order_by(InstrumentVersion.created_at.desc(), InstrumentVersion.id.desc()).limit(1)
    )


def all_versions() -> list[InstrumentVersion]:
    return list(
        db.session.scalars(
            select(InstrumentVersion).order_by(
                InstrumentVersion.code, InstrumentVersion.created_at.desc()
            )
        )
    )


def versions_page(search: str = "", number: int = 1, size: int = PAGE_SIZE) -> Page:
    """Published versions, newest first; `search` matches code, version or file name."""
    query = select(InstrumentVersion).order_by(
        InstrumentVersion.created_at.desc(), InstrumentVersion.id.desc()
    )
    term = search.strip().lower()
    if term:
        like = f"%{term}%"
        query = query.filter(
            or_(
                func.lower(InstrumentVersion.code).like(like),
                func.lower(InstrumentVersion.version).like(like),
                func.lower(InstrumentVersion.source_name).like(like),
            )
        )
    return paginate(query, number, size)


def years_using(versions: list[InstrumentVersion]) -> dict[int, list[int]]:
    """The years of the periods pinned to each version (one query for a page of versions)."""
    ids = [v.id for v in versions]
    years: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        rows = db.session.execute(
            select(Period.instrument_version_id, Period.year)
            .filter(Period.instrument_version_id.in_(ids))
            .order_by(Period.year)
        )
        for version_id, year in rows:
            years[version_id].append(year)
    return years
