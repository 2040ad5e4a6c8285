"""The region's letterhead (kop surat) and document numbers: settings, the emblem, numbering.

An administrator sets them under /admin/region (docs/DOCUMENTS.md). Reports, Berita Acara and
the region recap open with the letterhead; the certificate shows the coat of arms. Every
issued document takes its number here: `take_number` counts in its own short transaction, so
two documents issued at the same moment (two web workers, two batch processes) never get
the same number, and a number once taken is never given again, even when the document that
took it failed to be stored (the sequence then has a gap, never a repeat).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from ..domain import emblem as emblems
from ..domain import numbering
from ..domain.numbering import NumberFormat
from ..extensions import db
from ..models import DocumentSequence, DocumentSettings, Region, User, utcnow
from . import audit

TEXT_FIELDS = {
    # field: longest value (the model's column)
    "government": 200,
    "unit": 200,
    "unit_code": 40,
    "address": 300,
    "telephone": 100,
    "email": 200,
    "website": 200,
}
LABELS = {
    "government": _l("Government"),
    "unit": _l("Issuing unit"),
    "unit_code": _l("Unit in document numbers"),
    "address": _l("Address"),
    "telephone": _l("Telephone"),
    "email": _l("E-mail"),
    "website": _l("Website"),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class SettingsInvalid(Exception):
    """The settings were not saved; `problems` lists every reason, for the user."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Letterhead:
    """The kop surat as the PDF templates print it; `emblem` is a data: URI or ""."""

    government: str
    unit: str
    address: str
    contact: str
    emblem: str


def _region() -> Region | None:
    return db.session.scalar(select(Region).order_by(Region.id).limit(1))


def region_name() -> str:
    """The region's name, or blank: the log-in page names the region, and it must still
    open while the database is down."""
    try:
        # the region worked in, or the only one; none for an anonymous visitor of several
        names = db.session.scalars(select(Region.name).order_by(Region.id).limit(2)).all()
        return names[0] if len(names) == 1 else ""
    except DBAPIError:
        db.session.rollback()
        return ""


def settings() -> DocumentSettings | None:
    """The region's settings row (None before an administrator or the demo saved any)."""
    region = _region()
    if region is None:
        return None
    return db.session.scalar(select(DocumentSettings).filter_by(region_id=region.id))


def emblem_data_uri(row: DocumentSettings | None) -> str:
    if row is None or not row.emblem:
        return ""
    encoded = base64.b64encode(row.emblem).decode()
    return f"data:{row.emblem_type};base64,{encoded}"


def letterhead(language: str) -> Letterhead | None:
    """The letterhead in `language` (the contact labels are translated); None when unset."""
    row = settings()
    if row is None or not (row.government or row.unit):
        return None
    with force_locale(language):
        parts = [
            _("Telephone %(number)s", number=row.telephone) if row.telephone else "",
            _("E-mail: %(address)s", address=row.email) if row.email else "",
            _("Website: %(address)s", address=row.website) if row.website else "",
        ]
    return Letterhead(
        government=row.government,
        unit=row.unit,
        address=row.address,
        contact=", ".join(part for part in parts if part),
        emblem=emblem_data_uri(row),
    )


def number_formats(row: DocumentSettings | None = None) -> dict[str, NumberFormat]:
    row = row if row is not None else settings()
    if row is None or not row.numbering:
        return {}
    stored = json.loads(row.numbering)
    return {
        kind: NumberFormat(
            value.get("pattern") or numbering.DEFAULT_PATTERN, value.get("classification", "")
        )
        for kind, value in stored.items()
    }


def number_format(kind: str) -> NumberFormat:
    return number_formats().get(kind, NumberFormat())


# --- numbers ---------------------------------------------------------------------------------


# the ministry's own series: its documents belong to no region (the awards of a national year)
MINISTRY_NUMBER_FORMAT = NumberFormat(numbering.DEFAULT_PATTERN, "000.8.3")


def ministry_unit() -> str:
    """The ministry's unit in its document numbers (MINISTRY_UNIT_CODE)."""
    return current_app.config.get("MINISTRY_UNIT_CODE") or "KEMENTERIAN"


def take_number(kind: str, day: date, *, national: bool = False) -> str:
    """The next number of `kind`'s series in `day`'s year, taken and committed at once;
    `national`: the ministry's series (no region's letterhead, no region's count).

    Runs on its own connection: the caller's transaction (rendering and signing a PDF takes a
    second or more) holds no lock on the sequence, and the number stays taken whatever becomes
    of the caller's transaction. On SQLite the caller must not hold uncommitted writes (one
    writer at a time); `documents.issuing.issue` commits before it asks.
    """
    if national:
        unit = ministry_unit()
        series = numbering.series(MINISTRY_NUMBER_FORMAT, unit, day.year)
        sequence = _next_in_ministry_series(series, day.year)
        return numbering.render(MINISTRY_NUMBER_FORMAT, unit, day.year, day.month, sequence)
    row = settings()
    number_format = number_format_of(row, kind)
    unit = row.unit_code if row is not None else ""
    series = numbering.series(number_format, unit, day.year)
    region = _region()
    if region is None:
        raise RuntimeError("no region to number documents in")
    sequence = _next_in_series(region.id, series, day.year)
    return numbering.render(number_format, unit, day.year, day.month, sequence)


def number_format_of(row: DocumentSettings | None, kind: str) -> NumberFormat:
    return number_formats(row).get(kind, NumberFormat()) if row is not None else NumberFormat()


def _next_in_series(region_id: int, series: str, year: int) -> int:
    table = DocumentSequence.__table__
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        # one statement: insert the series at 1, or add 1 to it, and read the result; the
        # database serialises concurrent callers on the row, each gets its own value
        statement = (
            insert(table)
            .values(region_id=region_id, series=series, year=year, last=1)
            .on_conflict_do_update(
                index_elements=[table.c.region_id, table.c.series, table.c.year],
                set_={"last": table.c["last"] + 1},
            )
            .returning(table.c["last"])
        )
        value = connection.execute(statement).scalar_one()
        connection.commit()
    return int(value)


def _next_in_ministry_series(series: str, year: int) -> int:
    """`_next_in_series` for the ministry (region_id NULL): NULLs never collide in the unique
    key, so ON CONFLICT cannot count; the row is counted under a lock instead."""
    table = DocumentSequence.__table__
    mine = (table.c.region_id.is_(None), table.c.series == series, table.c.year == year)
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"document-number:{series}:{year}"},
            )
        # on SQLite the UPDATE takes the database's write lock even when it matches no row:
        # nobody else counts or inserts until this transaction ends
        value = connection.execute(
            update(table).where(*mine).values(last=table.c["last"] + 1).returning(table.c["last"])
        ).scalar()
        if value is None:
            connection.execute(
                table.insert().values(region_id=None, series=series, year=year, last=1)
            )
            value = 1
        connection.commit()
    return int(value)


# --- saving ----------------------------------------------------------------------------------


def _emblem_problem(reason: str) -> str:
    if reason == "size":
        return _(
            "The coat of arms is too large: at most %(kib)s KiB and %(pixels)s pixels a side.",
            kib=emblems.MAX_BYTES // 1024,
            pixels=emblems.MAX_PIXELS,
        )
    if reason == "empty":
        return _("The coat of arms file is empty.")
    if reason == "png":
        return _("The coat of arms is not a valid PNG image.")
    if reason == "svg":
        return _("The coat of arms is not a valid SVG image.")
    return _("The coat of arms must be a PNG or SVG image.")


def _pattern_problem(kind_title: str, code: str) -> str:
    what, _colon, name = code.partition(":")
    if what == "unknown":
        return _(
            "%(kind)s: {%(name)s} is not a part of a number; use {klasifikasi}, {nomor}, "
            "{unit}, {tahun} or {bulan}.",
            kind=kind_title,
            name=name,
        )
    if what == "missing":
        return _("%(kind)s: the pattern needs {%(name)s}.", kind=kind_title, name=name)
    if what == "twice":
        return _("%(kind)s: {%(name)s} may appear only once.", kind=kind_title, name=name)
    if what == "length":
        return _(
            "%(kind)s: the pattern is longer than %(n)s characters.",
            kind=kind_title,
            n=numbering.MAX_LENGTH,
        )
    return _("%(kind)s: every { needs its }.", kind=kind_title)


def save(
    user: User,
    values: dict[str, str],
    formats: dict[str, NumberFormat],
    kind_titles: dict[str, str],
    *,
    emblem_upload: bytes | None = None,
    remove_emblem: bool = False,
) -> DocumentSettings:
    """Check and store the settings (all or nothing), audited; SettingsInvalid lists problems."""
    region = _region()
    if region is None:
        raise SettingsInvalid([_("There is no region yet.")])
    problems: list[str] = []
    cleaned = {}
    for name, longest in TEXT_FIELDS.items():
        value = " ".join((values.get(name) or "").split())
        if len(value) > longest:
            problems.append(
                _("%(field)s: at most %(n)s characters.", field=LABELS[name], n=longest)
            )
        cleaned[name] = value
    if cleaned["email"] and not _EMAIL.fullmatch(cleaned["email"]):
        problems.append(_("The e-mail address is not valid."))
    for kind, number_format in formats.items():
        for code in numbering.problems(number_format.pattern):
            problems.append(_pattern_problem(kind_titles.get(kind, kind), code))
        if len(number_format.classification) > 40:
            problems.append(
                _("%(kind)s: the classification is too long.", kind=kind_titles.get(kind, kind))
            )
    checked = None
    if emblem_upload is not None:
        try:
            checked = emblems.checked(emblem_upload)
        except emblems.EmblemRefused as error:
            problems.append(_emblem_problem(error.reason))
    if problems:
        raise SettingsInvalid(problems)

    row = settings()
    if row is None:
        row = DocumentSettings(region_id=region.id, emblem_type="", numbering="")
        db.session.add(row)
    before = _audited(row)
    for name, value in cleaned.items():
        setattr(row, name, value)
    row.numbering = json.dumps(
        {k: {"pattern": f.pattern, "classification": f.classification} for k, f in formats.items()},
        ensure_ascii=False,
        sort_keys=True,
    )
    if checked is not None:
        row.emblem, row.emblem_type = checked.content, checked.media_type
    elif remove_emblem:
        row.emblem, row.emblem_type = None, ""
    row.updated_by_id = user.id
    row.updated_at = utcnow()
    after = _audited(row)
    if before != after:
        audit.record(
            "region.documents_changed", "region", region.id, user=user, old=before, new=after
        )
    db.session.commit()
    return row


def _audited(row: DocumentSettings) -> dict:
    values = {name: getattr(row, name) or "" for name in TEXT_FIELDS}
    values["numbering"] = row.numbering or ""
    values["emblem"] = hashlib.sha256(row.emblem).hexdigest()[:16] if row.emblem else ""
    return values
