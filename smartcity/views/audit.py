"""Reading the audit trail: one assessment's history, and the whole trail for administrators.

Read-only by design: no route here (or anywhere) changes or deletes an event.
- /assessments/<id>/history: administrators and the evaluators assigned to the agency;
  everyone else gets 404, as for any assessment they may not read.
- /audit: administrators only, filtered by user, agency and local (Asia/Jakarta) days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ..domain.instrument import Instrument
from ..extensions import db
from ..models import Agency, Assessment, AuditEvent, Period, Role
from ..policy import can_read_trail
from ..services import audit
from ..services.accounts import find_user
from ..services.instruments import instrument_of
from .helpers import BadArgument, date_argument, number_argument, roles_required, text_in

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50
# longer texts are cut in the table; the full text stays one click away (<details>)
SHORT_TEXT = 80

ACTION_LABELS = {
    "answer.changed": _l("Answer changed"),
    "answer.added": _l("Answer given"),
    "review.changed": _l("Verified level changed"),
    "review.added": _l("Verified level set"),
    "evidence.added": _l("Evidence attached"),
    "evidence.removed": _l("Evidence removed"),
    "assessment.submitted": _l("Assessment submitted"),
    "assessment.review_started": _l("Review started"),
    "assessment.returned": _l("Returned to the agency"),
    "assessment.verified": _l("Assessment verified"),
    "assessment.finalized": _l("Assessment finalized"),
    "assessment.reopened": _l("Assessment reopened"),
    "assignment.added": _l("Evaluator assigned"),
    "assignment.removed": _l("Evaluator unassigned"),
    "user.created": _l("User created"),
    "user.changed": _l("User changed"),
    "instrument.registered": _l("Questionnaire version registered"),
    "period.opened": _l("Period opened"),
    "period.closed": _l("Period closed"),
    "period.dates_changed": _l("Period dates changed"),
    "period.extended": _l("Deadline extended for an agency"),
    "agency.created": _l("Agency created"),
    "agency.changed": _l("Agency changed"),
    "agency.deactivated": _l("Agency deactivated"),
    "agency.reactivated": _l("Agency reactivated"),
    "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset": _l("Password reset by an administrator"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "document.issued": _l("Document issued"),
    "document.revoked": _l("Document revoked"),
    "region.documents_changed": _l("Letterhead and document numbers changed"),
    # the workflow of issue 16: the agency head, the team, its stages, follow-ups
    "assessment.approved": _l("Approved by the head and submitted"),
    "assessment.returned_to_operators": _l("Returned to the operators by the head"),
    "assessment.interview_recorded": _l("Interview or site visit recorded"),
    "period.certificate_minimum_changed": _l("Certificate minimum changed"),
    "team.settings_changed": _l("Team settings changed"),
    "team.member_added": _l("Team member added"),
    "team.member_changed": _l("Team member changed"),
    "team.member_removed": _l("Team member removed"),
    "team.assignment_added": _l("Team member assigned to an agency"),
    "team.assignment_removed": _l("Team member unassigned from an agency"),
    "follow_up.added": _l("Follow-up action added"),
    "follow_up.answered": _l("Follow-up action answered"),
    "follow_up.removed": _l("Follow-up action removed"),
    "obstacle.changed": _l("Achievements and obstacles changed"),
    "user.agency_role_changed": _l("Role in the agency changed"),
    "user.sessions_ended": _l("Sessions ended"),
    "print_job.started": _l("Batch printing started"),
    "thread.message_added": _l("Message on an indicator"),
    "user.email_changed": _l("E-mail address for notifications changed"),
}

FIELD_LABELS = {
    "level": _l("Level"),
    "not_applicable": _l("Not applicable"),
    "justification": _l("Justification"),
    "verified_level": _l("Verified level"),
    "verified_not_applicable": _l("Verified not applicable"),
    "note": _l("Note"),
    "status": _l("Status"),
    "round": _l("Round"),
    "comment": _l("Comment"),
    "evaluator": _l("Evaluator"),
    "agency": _l("Agency"),
    "year": _l("Year"),
    "username": _l("Username"),
    "full_name": _l("Full name"),
    "role": _l("Role"),
    "opens_on": _l("First day"),
    "closes_on": _l("Last day"),
    "until": _l("Deadline"),
    "reason": _l("Reason"),
    "tags": _l("Tags"),
    "head_name": _l("Head of agency: name"),
    "head_nip": _l("Head of agency: NIP"),
    "head_position": _l("Head of agency: position"),
    "active": _l("Active"),
    "code": _l("Code"),
    "version": _l("Version"),
    "sha256": _l("SHA-256"),
    "source_name": _l("File"),
    "instrument": _l("Questionnaire"),
    "indicator_code": _l("Indicator"),
    "indicator": _l("Indicator"),
    "name": _l("File name"),
    "original_name": _l("File name"),
    "media_type": _l("Type"),
    "type": _l("Type"),
    "size": _l("Size (bytes)"),
    # documents (issue 17): what was issued, for which agency and year, and what it replaced
    "kind": _l("Document"),
    "language": _l("Language"),
    "number": _l("Document number"),
    "superseded": _l("Replaces number"),
    "government": _l("Government"),
    "unit": _l("Issuing unit"),
    "unit_code": _l("Unit in document numbers"),
    "address": _l("Address"),
    "telephone": _l("Telephone"),
    "email": _l("E-mail"),
    "website": _l("Website"),
    "emblem": _l("Coat of arms"),
    "numbering": _l("Number patterns"),
    # people and the team (issue 16)
    "user": _l("User"),
    "nip": _l("NIP"),
    "rank": _l("Rank (pangkat/golongan)"),
    "position": _l("Position (jabatan)"),
    "institution": _l("Institution"),
    "agency_role": _l("Role in the agency"),
    "statement": _l("Statement of responsibility"),
    "decree_number": _l("Decree number"),
    "decree_date": _l("Decree date"),
    "interview_required": _l("Interview required"),
    "chair_absent": _l("Chair absent"),
    "chair_absent_note": _l("Why the chair is absent"),
    "held_on": _l("Held on"),
    "place": _l("Place"),
    "attendees": _l("Attendees"),
    "notes": _l("Notes"),
    "dimension": _l("Dimension"),
    "action": _l("Follow-up action"),
    "owner": _l("Owner"),
    "target_date": _l("Target date"),
    "outcome": _l("Outcome"),
    "outcome_note": _l("Note on the outcome"),
    "achievements": _l("Achievements"),
    "obstacles": _l("Obstacles"),
    "message": _l("Message"),
    "body": _l("Message"),
    "side": _l("Side"),
    "sessions": _l("Sessions"),
    "prefix": _l("Prefix"),
    "what": _l("Documents"),
    "runner": _l("Runs on"),
    "agencies": _l("Agencies"),
    "certificate_min_level": _l("Certificate minimum"),
    "id": _l("Number"),
}

# what an event is about, for the kinds without their own wording in _subject
SUBJECT_LABELS = {
    "team": _l("Team of the period"),
    "team_member": _l("Team member"),
    "team_assignment": _l("Team assignment"),
    "follow_up": _l("Follow-up action"),
    "obstacle": _l("Achievements and obstacles"),
    "interview": _l("Interview or site visit"),
    "api_token": _l("API token"),
    "print_job": _l("Batch printing"),
}

# values that are codes in the data and words on the page
VALUE_LABELS = {
    "agency_role": {"operator": _l("Operator"), "head": _l("Head of the agency")},
    "side": {"agency": _l("Agency"), "team": _l("Team")},
    "what": {"all": _l("All documents")},
    "runner": {"thread": _l("the web server"), "rq": _l("the print queue")},
}

LANGUAGE_NAMES = {"id": _l("Indonesian"), "en": _l("English")}

LEVEL_FIELDS = ("level", "verified_level")
STATUS_FIELDS = ("status",)


@dataclass(frozen=True)
class Shown:
    """A value as shown: `text` in the table, `full` (when cut) behind a disclosure."""

    text: str
    full: str = ""


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: Shown | None
    new: Shown | None


@dataclass
class EventRow:
    event: AuditEvent
    who: str
    what: str
    subject: str
    changes: list[FieldChange] = field(default_factory=list)


class _Instruments:
    """The questionnaire of each period, loaded once per page (for level names)."""

    def __init__(self) -> None:
        self._by_period: dict[int, Instrument | None] = {}

    def of(self, period_id: int | None) -> Instrument | None:
        if period_id is None:
            return None
        if period_id not in self._by_period:
            period = db.session.get(Period, period_id)
            self._by_period[period_id] = (
                instrument_of(period.instrument_version) if period is not None else None
            )
        return self._by_period[period_id]


def _shown(key: str, value: Any, instrument: Instrument | None) -> Shown:
    if value is None or value == "":
        return Shown("–")
    if isinstance(value, bool):
        return Shown(_("yes") if value else _("no"))
    if key in LEVEL_FIELDS and isinstance(value, int):
        name = instrument.level_name(value) if instrument is not None else None
        return Shown(f"{value} ({text_in(name)})" if name is not None else str(value))
    if key in STATUS_FIELDS:
        from .review import status_name

        return Shown(status_name(str(value)))
    if key == "kind" and isinstance(value, str):
        from ..services.documents import KINDS, kind_title

        if value in KINDS:
            return Shown(kind_title(value))
    if key == "language" and value in LANGUAGE_NAMES:
        return Shown(str(LANGUAGE_NAMES[value]))
    if key == "role" and isinstance(value, str):
        from .admin_people import role_name

        return Shown(_team_role(value) or role_name(value))
    if key == "what" and isinstance(value, str):
        from ..services.documents import KINDS, kind_title

        if value in KINDS:
            return Shown(kind_title(value))
    if key in VALUE_LABELS and value in VALUE_LABELS[key]:
        return Shown(str(VALUE_LABELS[key][value]))
    text = value if isinstance(value, str) else str(value)
    if len(text) > SHORT_TEXT:
        return Shown(text[:SHORT_TEXT].rstrip() + "…", text)
    return Shown(text)


def _team_role(value: str) -> str:
    """A position in the Tim Pelaksana (chair, vice-chair, ...) as the team page names it."""
    try:
        from .team import ROLE_LABELS
    except ImportError:  # pragma: no cover - the team pages are there (issue 16)
        return ""
    label = ROLE_LABELS.get(value)
    return str(label) if label is not None else ""


def _field_label(key: str, subject_type: str) -> str:
    if key == "name" and subject_type != "evidence":
        return _("Name")  # a person's or a token's name; "File name" only for evidence
    return str(FIELD_LABELS.get(key, key))


def _changes(event: AuditEvent, instrument: Instrument | None) -> list[FieldChange]:
    old = audit.decoded(event.old_value)
    new = audit.decoded(event.new_value)
    if not isinstance(old, dict) and not isinstance(new, dict):
        if old is None and new is None:
            return []
        return [
            FieldChange(
                str(_("Value")),
                _shown("", old, instrument) if old is not None else None,
                _shown("", new, instrument) if new is not None else None,
            )
        ]
    old = old if isinstance(old, dict) else None
    new = new if isinstance(new, dict) else None
    keys = list(dict.fromkeys([*(new or {}), *(old or {})]))
    changes = []
    for key in keys:
        before = old.get(key) if old is not None else None
        after = new.get(key) if new is not None else None
        if old is not None and new is not None and before == after:
            continue  # unchanged fields are left out of a change
        if old is None and after in (None, "", False):
            continue  # a creation lists what was set
        if new is None and before in (None, "", False):
            continue
        # a field only one side has is shown as set (or as it was), without an arrow
        changes.append(
            FieldChange(
                _field_label(key, event.subject_type),
                _shown(key, before, instrument) if old is not None and key in old else None,
                _shown(key, after, instrument) if new is not None and key in new else None,
            )
        )
    return changes


def _who(event: AuditEvent) -> str:
    if event.user is None:
        return _("system")
    if event.user.full_name:
        return f"{event.user.full_name} ({event.user.username})"
    return event.user.username


def _what(event: AuditEvent) -> str:
    action = event.action
    if action in ("answer.changed", "review.changed") and not event.old_value:
        action = action.replace(".changed", ".added")
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else event.action


def _subject(event: AuditEvent, instrument: Instrument | None) -> str:
    kind, ident = event.subject_type, event.subject_id
    agency = event.agency.name if event.agency is not None else ""
    if kind in ("answer", "review", "thread"):
        indicator = instrument.indicator(ident) if instrument is not None else None
        text = _("Indicator %(code)s", code=ident)
        if indicator is not None:
            text = f"{text}: {text_in(indicator.question)}"
        return f"{agency} · {text}" if agency else text
    if kind == "evidence":
        value = audit.decoded(event.new_value) or audit.decoded(event.old_value) or {}
        code = (
            value.get("indicator_code") or value.get("indicator") if isinstance(value, dict) else ""
        )
        text = _("Evidence for %(code)s", code=code) if code else _("Evidence %(id)s", id=ident)
        return f"{agency} · {text}" if agency else text
    if kind == "assessment":
        return agency or _("Assessment %(id)s", id=ident)
    if kind == "assignment":
        return agency or ident
    if kind == "user":
        value = audit.decoded(event.new_value) or audit.decoded(event.old_value) or {}
        name = value.get("username") if isinstance(value, dict) else None
        return _("User %(name)s", name=name or ident)
    if kind == "period":
        return _("Period %(year)s", year=ident)
    if kind == "instrument":
        value = audit.decoded(event.new_value) or {}
        if isinstance(value, dict) and value.get("code"):
            return _(
                "Questionnaire %(code)s %(version)s",
                code=value["code"],
                version=value.get("version", ""),
            )
        return _("Questionnaire %(id)s", id=ident)
    if kind == "document":
        value = audit.decoded(event.new_value) or {}
        if isinstance(value, dict) and value.get("year"):
            return _(
                "Document %(code)s · %(agency)s %(year)s",
                code=ident,
                agency=value.get("agency") or agency,
                year=value["year"],
            )
        return _("Document %(code)s", code=ident)
    if kind == "region":
        return _("Letterhead and document numbers")
    label = SUBJECT_LABELS.get(kind)
    if label is not None:
        text = f"{label} {ident}".strip()
        return f"{agency} · {text}" if agency else text
    return f"{kind} {ident}".strip()


def rows_for(events: list[AuditEvent]) -> list[EventRow]:
    instruments = _Instruments()
    rows = []
    for event in events:
        instrument = instruments.of(event.period_id)
        rows.append(
            EventRow(
                event=event,
                who=_who(event),
                what=_what(event),
                subject=_subject(event, instrument),
                changes=_changes(event, instrument),
            )
        )
    return rows


def _page() -> tuple[int, str | None]:
    try:
        return number_argument("page") or 1, None
    except BadArgument:
        return 1, _("The page must be a whole number from 1.")


def _page_links(page: int, more: bool, **args: Any) -> dict[str, str | None]:
    """URLs of the newer and older pages of the current view, keeping its filter."""
    endpoint = request.endpoint or ""
    view_args = request.view_args or {}
    return {
        "prev_url": url_for(endpoint, **view_args, **args, page=page - 1) if page > 1 else None,
        "next_url": url_for(endpoint, **view_args, **args, page=page + 1) if more else None,
    }


def _paged(query, page: int) -> tuple[list[AuditEvent], bool]:
    rows = list(
        db.session.scalars(
            query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(PAGE_SIZE + 1)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@bp.route("/assessments/<int:assessment_id>/history")
@login_required
def assessment_history(assessment_id: int):
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not can_read_trail(current_user, assessment):
        abort(404)
    page, problem = _page()
    if problem:
        abort(400, problem)
    # the assessment's own events, and the assignments of evaluators to it
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.user), joinedload(AuditEvent.agency))
        .filter(
            or_(
                AuditEvent.assessment_id == assessment.id,
                and_(
                    AuditEvent.subject_type == "assignment",
                    AuditEvent.agency_id == assessment.agency_id,
                    AuditEvent.period_id == assessment.period_id,
                ),
            )
        )
    )
    events, more = _paged(query, page)
    return render_template(
        "audit/history.html",
        assessment=assessment,
        rows=rows_for(events),
        page=page,
        **_page_links(page, more),
    )


def _local_day_start(day: date) -> datetime:
    """The UTC instant (naive, as stored) at which a local day begins."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Jakarta")
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _parse_filters() -> tuple[audit.AuditFilter, list[str]]:
    args = request.args
    problems: list[str] = []
    user_id = agency_id = None
    since = until = None
    username = args.get("user", "").strip()
    if username:
        user = find_user(username)
        if user is None:
            problems.append(_("There is no user named %(name)s.", name=username))
        else:
            user_id = user.id
    code = args.get("agency", "").strip()
    if code:
        agency = db.session.scalar(select(Agency).filter_by(code=code.upper()))
        if agency is None:
            problems.append(_("There is no agency with the code %(code)s.", code=code))
        else:
            agency_id = agency.id
    days: dict[str, date] = {}
    for name, label in (("from", _("From")), ("to", _("To"))):
        try:
            day = date_argument(name)
        except BadArgument:
            problems.append(_("%(field)s must be a date such as 2026-03-31.", field=label))
            continue
        if day is not None:
            days[name] = day
    if "from" in days and "to" in days and days["from"] > days["to"]:
        problems.append(_("The first day must not be after the last day."))
    if "from" in days:
        since = _local_day_start(days["from"])
    if "to" in days:
        until = _local_day_start(days["to"] + timedelta(days=1))
    return audit.AuditFilter(
        user_id=user_id, agency_id=agency_id, since=since, until=until
    ), problems


@bp.route("/audit")
@roles_required(Role.ADMIN)
def trail():
    criteria, problems = _parse_filters()
    page, problem = _page()
    if problem:
        problems.append(problem)
    rows: list[EventRow] = []
    more = False
    if not problems:
        events = audit.events(criteria, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        more = len(events) > PAGE_SIZE
        rows = rows_for(events[:PAGE_SIZE])
    values = {key: request.args.get(key, "").strip() for key in ("user", "agency", "from", "to")}
    filters = {key: value for key, value in values.items() if value}
    return render_template(
        "audit/trail.html",
        rows=rows,
        problems=problems,
        values=values,
        filters=filters,
        page=page,
        **_page_links(page, more, **filters),
    ), (400 if problems else 200)
