"""Running an assessment year: creating, opening and closing periods, dates and extensions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Agency,
    Assessment,
    InstrumentVersion,
    Period,
    PeriodExtension,
    PeriodStatus,
    User,
)
from . import audit
from .i18n import gettext_or_english as _
from .instruments import instrument_of
from .paging import PAGE_SIZE, Page, paginate

FIRST_YEAR, LAST_YEAR = 2000, 2100


class PeriodRefused(Exception):
    """A change to a period that is not allowed; the message is for the user."""


def find_period(year: int) -> Period | None:
    return db.session.scalar(select(Period).filter_by(year=year))


STATUS_WORDS = {"dibuka": "open", "buka": "open", "ditutup": "closed", "tutup": "closed"}


def periods_page(search: str = "", number: int = 1, size: int = PAGE_SIZE) -> Page[Period]:
    """Periods, newest first; `search` matches the year, the status or the instrument code."""
    query = (
        select(Period)
        .join(Period.instrument_version)
        .options(joinedload(Period.instrument_version))
        .order_by(Period.year.desc())
    )
    term = search.strip().lower()
    if term:
        like = f"%{term}%"
        # the status as the page names it, in either language ("dibuka" or "open")
        status = STATUS_WORDS.get(term, term)
        query = query.filter(
            or_(
                cast(Period.year, String).like(like),
                func.lower(Period.status) == status,
                func.lower(InstrumentVersion.code).like(like),
            )
        )
    return paginate(query, number, size)


def _check_dates(opens_on: date | None, closes_on: date | None) -> None:
    if opens_on is not None and closes_on is not None and closes_on < opens_on:
        raise PeriodRefused(_("The last day must not be before the first day."))


def create_period(
    year: int,
    version: InstrumentVersion,
    opens_on: date | None = None,
    closes_on: date | None = None,
    by: User | None = None,
) -> tuple[Period, int]:
    """Open a new period pinned to `version`, with an assessment for every active agency.

    Returns the period and how many assessments were created. The caller commits.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodRefused(
            _("The year must be between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
        )
    if find_period(year) is not None:
        raise PeriodRefused(_("Period %(year)s already exists.", year=year))
    if instrument_of(version).evaluation_dimensions:
        # the region's pages, dashboards and documents add up agencies by dimension alone
        raise PeriodRefused(
            _(
                "The questionnaire %(code)s %(version)s has evaluation dimensions (Baseline, "
                "Output, ...): it is for the ministry's evaluation of regions, not for a "
                "period of the region's agencies.",
                code=version.code,
                version=version.version,
            )
        )
    _check_dates(opens_on, closes_on)
    period = Period(
        year=year,
        instrument_version=version,
        status=PeriodStatus.OPEN,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    try:
        with db.session.begin_nested():
            db.session.add(period)
            db.session.flush()
    except IntegrityError:  # created by someone else at the same moment
        raise PeriodRefused(_("Period %(year)s already exists.", year=year)) from None
    dates = {"opens_on": opens_on, "closes_on": closes_on}
    audit.record(
        "period.opened",
        "period",
        year,
        user=by,
        period_id=period.id,
        new={
            "year": year,
            "status": str(PeriodStatus.OPEN),
            "instrument": f"{version.code} {version.version}",
            # the dates only when there are any (the command line opens periods without)
            **{name: day.isoformat() for name, day in dates.items() if day is not None},
        },
    )
    return period, open_assessments_for_all(period)


def _audit(period: Period, action: str, by: User | None, *, old: Any, new: Any) -> None:
    """A change to a period's settings in the audit trail."""
    audit.record(action, "period", period.year, user=by, period_id=period.id, old=old, new=new)


def _change(
    period: Period,
    attribute: str,
    value: Any,
    action: str,
    by: User | None,
    shown: Callable[[Any], Any] = lambda value: value,
) -> bool:
    """Set one of the period's settings and audit it (as `shown`); False when unchanged."""
    before = getattr(period, attribute)
    if before == value:
        return False
    setattr(period, attribute, value)
    db.session.flush()
    _audit(period, action, by, old={attribute: shown(before)}, new={attribute: shown(value)})
    return True


def open_period(
    year: int, version: InstrumentVersion, by: User | None = None
) -> tuple[Period, int]:
    """Open (or reopen) period YEAR with the instrument version; returns it and new assessments.

    Refused when the year exists with another instrument version. The audit trail records
    the opening; `by` None is the command line ("system"). The caller commits.
    """
    period = find_period(year)
    if period is None:
        return create_period(year, version, by=by)
    if period.instrument_version_id != version.id:
        raise PeriodRefused(
            _(
                "period %(year)s already exists with instrument %(code)s %(version)s",
                year=year,
                code=period.instrument_version.code,
                version=period.instrument_version.version,
            )
        )
    set_status(period, PeriodStatus.OPEN, by)
    return period, open_assessments_for_all(period)


def set_status(period: Period, status: PeriodStatus, by: User | None = None) -> bool:
    """Open or close a period, recorded in the audit trail; False when it already was."""
    action = "period.opened" if status == PeriodStatus.OPEN else "period.closed"
    if not _change(period, "status", status, action, by, shown=str):
        return False
    if status == PeriodStatus.OPEN:
        # agencies added while it was closed get their assessment too
        open_assessments_for_all(period)
    return True


def set_dates(
    period: Period, opens_on: date | None, closes_on: date | None, by: User | None = None
) -> bool:
    """Change a period's first and last day; False when both are unchanged."""
    _check_dates(opens_on, closes_on)
    old = {"opens_on": period.opens_on, "closes_on": period.closes_on}
    new = {"opens_on": opens_on, "closes_on": closes_on}
    if old == new:
        return False
    period.opens_on, period.closes_on = opens_on, closes_on
    db.session.flush()
    _audit(
        period,
        "period.dates_changed",
        by,
        old={k: v.isoformat() if v else None for k, v in old.items()},
        new={k: v.isoformat() if v else None for k, v in new.items()},
    )
    return True


def certificate_minimum(period: Period, default: int) -> int:
    """The lowest maturity level that earns a certificate in this period (0: every final
    assessment gets one stating its level); `default` when the administrator chose none."""
    return default if period.certificate_min_level is None else period.certificate_min_level


def set_certificate_minimum(period: Period, level: int, by: User | None = None) -> bool:
    """Choose the lowest maturity level that earns a certificate; False when unchanged.

    Certificates already issued stay valid: the rule applies to the ones printed from now on.
    """
    levels = {band.level for band in instrument_of(period.instrument_version).maturity_bands}
    if level != 0 and level not in levels:
        raise PeriodRefused(
            _("Choose a maturity level of this questionnaire (or every final assessment).")
        )
    return _change(period, "certificate_min_level", level, "period.certificate_minimum_changed", by)


def extensions_of(period: Period) -> list[PeriodExtension]:
    return list(
        db.session.scalars(
            select(PeriodExtension)
            .filter_by(period_id=period.id)
            .join(PeriodExtension.agency)
            .options(joinedload(PeriodExtension.agency), joinedload(PeriodExtension.granted_by))
            .order_by(Agency.name)
        )
    )


def grant_extension(
    period: Period, agency: Agency, until: date, reason: str, by: User | None = None
) -> PeriodExtension:
    """Give one agency its own last day in the period (a second grant replaces the first)."""
    reason = reason.strip()
    if not reason:
        raise PeriodRefused(_("Give the reason for the new deadline."))
    if not period.is_open:
        raise PeriodRefused(
            _(
                "Period %(year)s is closed: open it before giving an agency more time.",
                year=period.year,
            )
        )
    if period.opens_on is not None and until < period.opens_on:
        raise PeriodRefused(_("The new deadline must not be before the period's first day."))
    extension = db.session.scalar(
        select(PeriodExtension).filter_by(period_id=period.id, agency_id=agency.id)
    )
    old = None
    if extension is None:
        extension = PeriodExtension(period_id=period.id, agency_id=agency.id)
        db.session.add(extension)
    else:
        old = {"until": extension.until.isoformat(), "reason": extension.reason}
    extension.until = until
    extension.reason = reason
    extension.granted_by_id = by.id if by is not None else None
    db.session.flush()
    audit.record(
        "period.extended",
        "period",
        period.year,
        user=by,
        agency_id=agency.id,
        period_id=period.id,
        old=old,
        new={"agency": agency.code, "until": until.isoformat(), "reason": reason},
    )
    return extension


def all_periods() -> list[Period]:
    """Every period, newest first, with its instrument version."""
    return list(
        db.session.scalars(
            select(Period)
            .options(joinedload(Period.instrument_version))
            .order_by(Period.year.desc())
        )
    )


def active_agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).filter_by(active=True).order_by(Agency.name)))


def open_assessments_for_all(period: Period) -> int:
    """Create a draft for every active agency that has none in the period."""
    existing = set(db.session.scalars(select(Assessment.agency_id).filter_by(period_id=period.id)))
    created = 0
    for agency in db.session.scalars(select(Agency).filter_by(active=True)):
        if agency.id not in existing:
            db.session.add(Assessment(agency=agency, period=period))
            created += 1
    db.session.flush()
    return created
