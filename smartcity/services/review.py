"""The evaluator's side: workflow transitions, verified levels and notes, assignments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..domain.instrument import AnswerValue, Instrument
from ..domain.scoring import AssessmentScore, score_assessment
from ..domain.workflow import (
    REVIEWABLE,
    REVIEWERS,
    TRANSITIONS,
    WITH_THE_AGENCY,
    Action,
    Status,
    available_actions,
)
from ..extensions import db
from ..models import (
    Agency,
    Answer,
    Assessment,
    AuditEvent,
    EvaluatorAssignment,
    Evidence,
    Period,
    Review,
    Role,
    Transition,
    User,
    utcnow,
)
from ..policy import actor_for, can_review, reviews_by_assignment
from . import audit
from .assessments import (
    AnswerInput,
    AnswersInvalid,
    AssessmentRefused,
    AssessmentRow,
    answer_value,
    answer_values,
    answers_by_code,
    applicable_codes,
    checked_value,
    dimension_codes,
    instrument_for,
    period_overview,
    questionnaire,
    store_change,
    stored_columns,
)
from .instruments import instrument_of


def status_text(status: str) -> str:
    labels = {
        Status.DRAFT: _("draft"),
        Status.AWAITING_APPROVAL: _("awaiting the head's approval"),
        Status.SUBMITTED: _("submitted"),
        Status.IN_REVIEW: _("in review"),
        Status.RETURNED: _("returned"),
        Status.VERIFIED: _("verified"),
        Status.FINAL: _("final"),
    }
    return labels.get(Status(status), status) if status in set(Status) else status


def actions_for(user: User, assessment: Assessment) -> list[Action]:
    return available_actions(Status(assessment.status), actor_for(user, assessment))


def needs_comment(action: Action) -> bool:
    return TRANSITIONS[action].needs_comment


def history(assessment: Assessment) -> list[Transition]:
    return list(
        db.session.scalars(
            select(Transition)
            .filter_by(assessment_id=assessment.id)
            .options(joinedload(Transition.user))
            .order_by(Transition.at, Transition.id)
        )
    )


def pending_return(assessment: Assessment) -> Transition | None:
    """The team's last return if the agency has not submitted again since (the head's
    approval submits): what the agency still has to answer."""
    steps = db.session.scalars(
        select(Transition)
        .filter(
            Transition.assessment_id == assessment.id,
            Transition.action.in_((Action.RETURN, Action.APPROVE, Action.SUBMIT)),
        )
        .order_by(Transition.at.desc(), Transition.id.desc())
    )
    for step in steps:
        if step.action == Action.RETURN:
            return step
        # an approval, or a submission straight to the evaluators (before heads approved)
        if step.to_status == Status.SUBMITTED:
            return None
    return None


def head_return(assessment: Assessment) -> Transition | None:
    """The head's note when the head has just sent the assessment back to the operators."""
    if assessment.status != Status.DRAFT:
        return None
    last = db.session.scalar(
        select(Transition)
        .filter_by(assessment_id=assessment.id)
        .order_by(Transition.at.desc(), Transition.id.desc())
        .limit(1)
    )
    return last if last is not None and last.action == Action.RETURN_TO_OPERATORS else None


def last_return(assessment: Assessment) -> Transition | None:
    return db.session.scalar(
        select(Transition)
        .filter_by(assessment_id=assessment.id, action=Action.RETURN)
        .order_by(Transition.at.desc(), Transition.id.desc())
        .limit(1)
    )


# --- verified levels -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewInput:
    """One indicator's verdict as the evaluator sent it (the value fields as on AnswerInput)."""

    level: int | None
    not_applicable: bool
    note: str
    choice: str | None = None
    checked: frozenset[str] | None = None
    number: str | None = None

    def answer(self) -> AnswerInput:
        return AnswerInput(
            self.level, self.not_applicable, "", self.choice, self.checked, self.number
        )


def verified_value(row: Review) -> AnswerValue:
    """The verified answer of a review row as the scoring engine takes it."""
    return row.verified.answer()


def reviews_by_code(assessment: Assessment) -> dict[str, Review]:
    rows = db.session.scalars(
        select(Review).filter_by(assessment_id=assessment.id).options(joinedload(Review.updated_by))
    )
    return {row.indicator_code: row for row in rows}


def differs(answer: Any, verdict: AnswerValue) -> bool:
    """Whether a verdict (a value or N/A) differs from the self-assessed answer."""
    if answer is None:
        return verdict.is_answered
    own = answer_value(answer)
    if verdict.not_applicable or own.not_applicable:
        return verdict.not_applicable != own.not_applicable
    return verdict != own


def check_review(
    assessment: Assessment, user: User, entries: Mapping[str, ReviewInput]
) -> dict[str, AnswerValue]:
    """The verdicts, each read once, or AnswersInvalid with every verified level and note that
    cannot be stored (`workflow.save_review`)."""
    if not can_review(user, assessment):
        raise AssessmentRefused(_("The review of this assessment cannot be changed now."))
    instrument = instrument_for(assessment)
    allowed = applicable_codes(assessment, instrument)
    return checked_verdicts(instrument, allowed, answers_by_code(assessment), entries)


def checked_verdicts(
    instrument: Instrument,
    allowed: Iterable[str],
    answers: Mapping[str, Any],
    entries: Mapping[str, ReviewInput],
) -> dict[str, AnswerValue]:
    """Each verdict's value, read once, or AnswersInvalid with every verdict that cannot be
    stored and every one that differs from the answer (`answers`: code -> an agency's or a
    region's stored answer) without a note."""
    problems: list[str] = []
    values: dict[str, AnswerValue] = {}
    for code, entry in entries.items():
        value, own_problems = checked_value(instrument, allowed, code, entry.answer())
        problems += own_problems
        if value is None:
            continue
        values[code] = value
        if differs(answers.get(code), value) and not entry.note.strip():
            problems.append(
                _("%(code)s: a note is required when the verified level differs.", code=code)
            )
    if problems:
        raise AnswersInvalid(problems)
    return values


def store_review(
    assessment: Assessment,
    user: User,
    entries: Mapping[str, ReviewInput],
    values: Mapping[str, AnswerValue],
) -> int:
    """Store the verdicts `check_review` read, with their notes; returns how many changed."""
    instrument = instrument_for(assessment)
    existing = reviews_by_code(assessment)
    now = utcnow()
    changed = 0
    for code, entry in entries.items():
        indicator = instrument.indicator(code)
        assert indicator is not None  # checked above
        columns = {
            ("verified_" + name): stored
            for name, stored in stored_columns(indicator, values[code]).items()
        }
        columns["note"] = entry.note.replace("\x00", "")
        changed += store_change(
            existing.get(code),
            lambda code=code: Review(assessment_id=assessment.id, indicator_code=code, version=0),
            columns,
            event="review.changed",
            code=code,
            user=user,
            assessment=assessment,
            now=now,
        )
    db.session.commit()
    return changed


def review_problems(assessment: Assessment) -> list[str]:
    """What stops verification: verdicts that differ from the answer without a note."""
    answers = answers_by_code(assessment)
    problems = []
    for code, row in sorted(reviews_by_code(assessment).items()):
        if differs(answers.get(code), verified_value(row)) and not row.note.strip():
            problems.append(
                _("%(code)s: a note is required when the verified level differs.", code=code)
            )
    return problems


def fill_default_reviews(assessment: Assessment, user: User) -> None:
    """On verification, indicators the evaluator left untouched take the self-assessed level."""
    existing = reviews_by_code(assessment)
    now = utcnow()
    for code, answer in answers_by_code(assessment).items():
        if code in existing:
            continue
        db.session.add(
            Review(
                assessment_id=assessment.id,
                indicator_code=code,
                verified=answer.value,
                note="",
                version=1,
                updated_by_id=user.id,
                updated_at=now,
            )
        )


def verified_values(
    answers: Mapping[str, Answer], reviews: Mapping[str, Review]
) -> dict[str, AnswerValue]:
    """The values that count: the verified one where set, else the self-assessed one."""
    values = answer_values(answers.values())
    for code, row in reviews.items():
        verdict = verified_value(row)
        if verdict.is_answered:
            values[code] = verdict
    return values


@dataclass(frozen=True)
class ScorePair:
    """Self-assessed and verified scores side by side; `verified` is None before any review."""

    self_assessed: AssessmentScore
    verified: AssessmentScore | None


def scores(assessment: Assessment) -> ScorePair:
    instrument = questionnaire(assessment)
    codes = dimension_codes(assessment, instrument)
    answers = answers_by_code(assessment)
    self_assessed = score_assessment(instrument, answer_values(answers.values()), codes)
    reviews = reviews_by_code(assessment)
    if not reviews and assessment.status not in (Status.VERIFIED, Status.FINAL):
        return ScorePair(self_assessed, None)
    verified = score_assessment(instrument, verified_values(answers, reviews), codes)
    return ScorePair(self_assessed, verified)


# --- assignments -----------------------------------------------------------------------------


class AssignmentRefused(Exception):
    """An assignment the rules forbid; the message is for the user."""


def assign(period: Period, agency: Agency, evaluator: User, by: User) -> EvaluatorAssignment:
    if evaluator.role != Role.EVALUATOR or not evaluator.active:
        raise AssignmentRefused(_("%(name)s is not an active evaluator.", name=evaluator.username))
    if evaluator.agency_id == agency.id:
        raise AssignmentRefused(
            _(
                "%(name)s belongs to %(agency)s and cannot review it.",
                name=evaluator.username,
                agency=agency.name,
            )
        )
    existing = db.session.scalar(
        select(EvaluatorAssignment).filter_by(
            period_id=period.id, agency_id=agency.id, evaluator_id=evaluator.id
        )
    )
    if existing is not None:
        return existing
    row = EvaluatorAssignment(
        period_id=period.id, agency_id=agency.id, evaluator_id=evaluator.id, assigned_by_id=by.id
    )
    db.session.add(row)
    audit.record(
        "assignment.added",
        "assignment",
        f"{period.year}/{agency.code}/{evaluator.username}",
        user=by,
        agency_id=agency.id,
        period_id=period.id,
        new={"evaluator": evaluator.username, "agency": agency.code, "year": period.year},
    )
    db.session.flush()
    return row


def unassign(period: Period, agency: Agency, evaluator: User, by: User) -> bool:
    row = db.session.scalar(
        select(EvaluatorAssignment).filter_by(
            period_id=period.id, agency_id=agency.id, evaluator_id=evaluator.id
        )
    )
    if row is None:
        return False
    db.session.delete(row)
    audit.record(
        "assignment.removed",
        "assignment",
        f"{period.year}/{agency.code}/{evaluator.username}",
        user=by,
        agency_id=agency.id,
        period_id=period.id,
        old={"evaluator": evaluator.username, "agency": agency.code, "year": period.year},
    )
    db.session.flush()
    return True


def assignments(period: Period) -> dict[int, list[User]]:
    """Agency id -> its evaluators for the period."""
    result: dict[int, list[User]] = {}
    rows = db.session.scalars(
        select(EvaluatorAssignment)
        .filter_by(period_id=period.id)
        .options(joinedload(EvaluatorAssignment.evaluator))
    )
    for row in rows:
        result.setdefault(row.agency_id, []).append(row.evaluator)
    return result


def overview_for(user: User, period: Period, queue: bool = False) -> list[AssessmentRow]:
    """The period's assessments on the user's overview: every agency's, or for an evaluator
    those of the agencies assigned to them (never of their own agency); `queue` keeps those
    waiting for review."""
    rows = period_overview(period)
    if reviews_by_assignment(user):
        assigned = assigned_agency_ids(user, period)
        rows = [
            row
            for row in rows
            if row.assessment.agency_id in assigned and row.assessment.agency_id != user.agency_id
        ]
    if queue:
        rows = [row for row in rows if row.assessment.status in REVIEWABLE]
    return rows


def assigned_agency_ids(evaluator: User, period: Period) -> set[int]:
    return set(
        db.session.scalars(
            select(EvaluatorAssignment.agency_id).filter_by(
                period_id=period.id, evaluator_id=evaluator.id
            )
        )
    )


def is_reviewer(user: User, assessment: Assessment) -> bool:
    return actor_for(user, assessment) in REVIEWERS


# --- what the review page and the overviews show ---------------------------------------------


def notes_by_code(assessment: Assessment) -> dict[str, str]:
    """The evaluator's non-empty notes per indicator (what the agency reads after a return)."""
    return {code: row.note for code, row in reviews_by_code(assessment).items() if row.note.strip()}


def evidence_by_code(assessment: Assessment) -> dict[str, list[Evidence]]:
    """Attached (not deleted) evidence files per indicator, oldest first."""
    result: dict[str, list[Evidence]] = {}
    rows = db.session.scalars(
        select(Evidence)
        .filter(Evidence.assessment_id == assessment.id, Evidence.deleted_at.is_(None))
        .order_by(Evidence.uploaded_at, Evidence.id)
    )
    for row in rows:
        result.setdefault(row.indicator_code, []).append(row)
    return result


@dataclass
class RoundChange:
    """How one indicator changed since the last return: its level before, and what changed.

    `value_changed` and `justification_changed` compare the answer at the return with the
    answer now, so a level changed and changed back is not listed as a level change.
    """

    code: str
    old_level: int | None = None
    old_not_applicable: bool = False
    answer_changed: bool = False  # the answer was saved with any change (value or text)
    evidence_changed: bool = False
    value_changed: bool = False  # level, N/A, choice, checklist or number differs
    justification_changed: bool = False  # only meaningful together with `answer_changed`


CHANGE_ACTIONS = ("answer.changed", "evidence.added", "evidence.removed")


def _indicator_of_event(event: AuditEvent, codes: set[str]) -> str | None:
    for value in (audit.decoded(event.new_value), audit.decoded(event.old_value)):
        if isinstance(value, dict):
            for key in ("indicator_code", "indicator"):
                if value.get(key) in codes:
                    return value[key]
    if event.subject_id in codes:
        return event.subject_id
    if event.subject_type == "evidence" and event.subject_id.isdigit():
        row = db.session.get(Evidence, int(event.subject_id))
        if row is not None and row.assessment_id == event.assessment_id:
            return row.indicator_code
    return None


def changes_since_last_return(assessment: Assessment) -> dict[str, RoundChange]:
    """Indicators whose answer or evidence changed after the last return (empty in round 1)."""
    returned = last_return(assessment)
    if returned is None or assessment.round <= 1:
        return {}
    instrument = instrument_for(assessment)
    codes = {
        indicator.code
        for code in dimension_codes(assessment, instrument)
        for indicator in instrument.dimension(code).indicators  # type: ignore[union-attr]
    }
    events = db.session.scalars(
        select(AuditEvent)
        .filter(
            AuditEvent.assessment_id == assessment.id,
            AuditEvent.action.in_(CHANGE_ACTIONS),
            AuditEvent.at > returned.at,
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    changes: dict[str, RoundChange] = {}
    befores: dict[str, dict] = {}  # the answer as it was at the return, per changed indicator
    answers = answers_by_code(assessment)
    for event in events:
        code = _indicator_of_event(event, codes)
        if code is None:
            continue
        change = changes.get(code)
        if change is None:
            change = changes[code] = RoundChange(code)
            current = answers.get(code)
            # until an answer change says otherwise, the level before is the current one
            if current is not None:
                change.old_level, change.old_not_applicable = current.level, current.not_applicable
        if event.action == "answer.changed":
            if not change.answer_changed:
                before = audit.decoded(event.old_value) or {}
                change.old_level = before.get("level")
                change.old_not_applicable = bool(before.get("not_applicable"))
                befores[code] = before
            change.answer_changed = True
        else:
            change.evidence_changed = True
    for code, before in befores.items():
        change, current = changes[code], answers.get(code)
        now = {name: getattr(current, name, None) for name in ANSWER_VALUE_COLUMNS}
        was = {name: before.get(name) for name in ANSWER_VALUE_COLUMNS}
        was["not_applicable"] = bool(was["not_applicable"])
        now["not_applicable"] = bool(now["not_applicable"])
        change.value_changed = current is None or not before or was != now
        change.justification_changed = (before.get("justification") or "") != (
            current.justification if current is not None else ""
        )
    return dict(sorted(changes.items()))


# the columns of an answer that hold its value (everything but the justification)
ANSWER_VALUE_COLUMNS = ("level", "not_applicable", "choice", "checked", "number")


def period_scores(period: Period, assessments: list[Assessment]) -> dict[int, ScorePair]:
    """Self-assessed and verified scores of the period's assessments that left the draft state.

    Set-based: a fixed number of queries however many assessments there are.
    """
    full = instrument_of(period.instrument_version)
    # the evaluators receive nothing before the head's approval
    wanted = {a.id: a for a in assessments if a.status not in WITH_THE_AGENCY}
    if not wanted:
        return {}
    # what each agency answers (dimensions, overrides): one query each for all the agencies
    agency_ids = sorted({a.agency_id for a in wanted.values()})
    # kept in a variable: the session holds loaded objects only while something refers to them
    loaded = db.session.scalars(  # noqa: F841 - referenced until the loop below is done
        select(Agency)
        .filter(Agency.id.in_(agency_ids))
        .options(selectinload(Agency.dimension_links), selectinload(Agency.indicator_scope))
    ).all()
    answers: dict[int, dict[str, Answer]] = {}
    for row in db.session.scalars(select(Answer).filter(Answer.assessment_id.in_(wanted))):
        answers.setdefault(row.assessment_id, {})[row.indicator_code] = row
    reviews: dict[int, dict[str, Review]] = {}
    for row in db.session.scalars(select(Review).filter(Review.assessment_id.in_(wanted))):
        reviews.setdefault(row.assessment_id, {})[row.indicator_code] = row
    result = {}
    for assessment_id, assessment in wanted.items():
        instrument = questionnaire(assessment, full)
        codes = dimension_codes(assessment, instrument)
        own = answers.get(assessment_id, {})
        given = reviews.get(assessment_id, {})
        self_assessed = score_assessment(instrument, answer_values(own.values()), codes)
        verified = None
        if given or assessment.status in (Status.VERIFIED, Status.FINAL):
            verified = score_assessment(instrument, verified_values(own, given), codes)
        result[assessment_id] = ScorePair(self_assessed, verified)
    return result


def scores_for(user: User, assessment: Assessment) -> ScorePair:
    """The scores this user may see: the agency sees verified levels only once they are settled."""
    pair = scores(assessment)
    if actor_for(user, assessment) not in REVIEWERS and (
        assessment.status not in (Status.VERIFIED, Status.FINAL)
    ):
        return ScorePair(pair.self_assessed, None)
    return pair
