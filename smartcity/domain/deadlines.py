"""When an agency may still change its self-assessment: the period's dates and extensions."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# deadlines are calendar days where the agencies are, not UTC days
LOCAL_ZONE = ZoneInfo("Asia/Jakarta")


class EditState(enum.StrEnum):
    OPEN = "open"  # the agency may change answers and submit
    CLOSED = "closed"  # the administrator closed the period
    NOT_YET = "not_yet"  # the period opens on a later day
    DEADLINE_PASSED = "deadline_passed"  # the last day (or the agency's extension) is over


@dataclass(frozen=True)
class EditWindow:
    """Whether an agency may edit today, and the deadline that applies to it (None: no limit)."""

    state: EditState
    deadline: date | None = None
    opens_on: date | None = None
    extended: bool = False

    @property
    def may_edit(self) -> bool:
        return self.state == EditState.OPEN


def today_local(now: datetime | None = None) -> date:
    """Today's date in Asia/Jakarta (the instant `now`, naive values taken as UTC)."""
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_ZONE).date()


def edit_window(
    *,
    period_open: bool,
    opens_on: date | None,
    closes_on: date | None,
    extension_until: date | None,
    today: date,
) -> EditWindow:
    """The rule: open period, on or after its first day, and on or before the agency's deadline.

    An agency's extension replaces the period's last day for that agency (it may be earlier
    or later); without either there is no limit. The last day itself still counts.
    """
    deadline = extension_until if extension_until is not None else closes_on
    extended = extension_until is not None
    if not period_open:
        return EditWindow(EditState.CLOSED, deadline, opens_on, extended)
    if opens_on is not None and today < opens_on:
        return EditWindow(EditState.NOT_YET, deadline, opens_on, extended)
    if deadline is not None and today > deadline:
        return EditWindow(EditState.DEADLINE_PASSED, deadline, opens_on, extended)
    return EditWindow(EditState.OPEN, deadline, opens_on, extended)
