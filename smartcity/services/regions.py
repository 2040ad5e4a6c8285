"""The regions one deployment serves: creating, correcting and listing them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import REGION_ROLES, Agency, Period, Region, RegionKind, User
from ..region_context import working_in
from ..tenancy import any_region
from ..tenancy import find_region as find
from . import audit
from .i18n import gettext_or_english as _

# Kemendagri's kode wilayah: "62" a province, "62.02" a kabupaten or kota in it
PROVINCE_CODE = re.compile(r"\d{2}")
REGENCY_CODE = re.compile(r"\d{2}\.\d{2}")


class RegionError(Exception):
    """A region that cannot be created or changed as asked; the message is for the operator."""


@dataclass(frozen=True)
class RegionRow:
    """A region as listed: its code, name, kind, province and how many agencies and users."""

    code: str
    name: str
    kind: str
    province_code: str
    agencies: int
    users: int


def _checked(code: str, name: str, kind: str, province_code: str | None) -> tuple[str, str]:
    """The code and province code to store, or RegionError naming what is wrong."""
    code, name = code.strip(), name.strip()
    if kind not in {k.value for k in RegionKind}:
        raise RegionError(_("The kind of region is kabupaten, kota or provinsi."))
    if not name:
        raise RegionError(_("A region needs a name."))
    if kind == RegionKind.PROVINSI:
        if not PROVINCE_CODE.fullmatch(code):
            raise RegionError(
                _("A province's code has two digits, such as 62 (not %(code)s).", code=code)
            )
        if province_code:
            raise RegionError(_("A province belongs to no other province."))
        return code, ""
    if not REGENCY_CODE.fullmatch(code):
        raise RegionError(
            _(
                "A kabupaten's or kota's code is its province's code, a dot and two digits, "
                "such as 62.02 (not %(code)s).",
                code=code,
            )
        )
    prefix = code.split(".")[0]
    if province_code and province_code.strip() != prefix:
        raise RegionError(
            _(
                "Region %(code)s lies in province %(prefix)s, not %(province)s.",
                code=code,
                prefix=prefix,
                province=province_code.strip(),
            )
        )
    return code, prefix


def create_region(
    code: str,
    *,
    name: str,
    kind: str,
    province_code: str | None = None,
    seat: str = "",
    by: User | None = None,
) -> Region:
    """A new region, recorded in the audit trail (`by` None: the command line)."""
    code, province = _checked(code, name, kind, province_code)
    if find(code) is not None:
        raise RegionError(_("Region %(code)s exists already.", code=code))
    first = not any_region()
    region = Region(code=code, name=name.strip(), kind=kind, province_code=province, seat=seat)
    db.session.add(region)
    db.session.flush()
    if first:
        # what was made before any region (an administrator, a period) is the first region's
        with working_in(None):
            db.session.execute(
                update(User)
                .where(User.region_id.is_(None), User.role.in_([r.value for r in REGION_ROLES]))
                .values(region_id=region.id)
            )
            db.session.execute(
                update(Period).where(Period.region_id.is_(None)).values(region_id=region.id)
            )
    with working_in(region.id):
        audit.record("region.created", "region", code, user=by, new=record_of(region))
    return region


def update_region(
    region: Region,
    *,
    code: str | None = None,
    name: str | None = None,
    kind: str | None = None,
    province_code: str | None = None,
    seat: str | None = None,
    by: User | None = None,
) -> bool:
    """Correct a region's code, name, kind, province or seat; False when nothing changed."""
    before = record_of(region)
    new_code, province = _checked(
        code if code is not None else region.code,
        name if name is not None else region.name,
        kind if kind is not None else region.kind,
        province_code,
    )
    if new_code != region.code and find(new_code) is not None:
        raise RegionError(_("Region %(code)s exists already.", code=new_code))
    region.code = new_code
    region.province_code = province
    if name is not None:
        region.name = name.strip()
    if kind is not None:
        region.kind = kind
    if seat is not None:
        region.seat = seat.strip()
    after = record_of(region)
    if after == before:
        return False
    db.session.flush()
    with working_in(region.id):
        audit.record("region.changed", "region", region.code, user=by, old=before, new=after)
    return True


def record_of(region: Region) -> dict[str, str]:
    return {
        "code": region.code,
        "name": region.name,
        "kind": str(region.kind),
        "province_code": region.province_code,
        "seat": region.seat,
    }


def all_regions() -> list[RegionRow]:
    """Every region, by code, with its agency and user counts (three queries in all)."""
    with working_in(None):
        agencies: dict[int, int] = {
            region_id: count
            for region_id, count in db.session.execute(
                select(Agency.region_id, func.count()).group_by(Agency.region_id)
            )
        }
        users: dict[int | None, int] = {
            region_id: count
            for region_id, count in db.session.execute(
                select(User.region_id, func.count()).group_by(User.region_id)
            )
        }
        regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return [
        RegionRow(
            code=region.code,
            name=region.name,
            kind=str(region.kind),
            province_code=region.province_code,
            agencies=agencies.get(region.id, 0),
            users=users.get(region.id, 0),
        )
        for region in regions
    ]
