"""Operations on an agency's self-assessment: answering, submitting, scoring."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..domain.instrument import Instrument
from ..domain.scoring import (
    AnswerValue,
    AssessmentScore,
    MissingAnswer,
    missing_answers,
    score_assessment,
)
from ..domain.workflow import Action, Status
from ..extensions import db
from ..models import (
    Agency,
    Answer,
    Assessment,
    AssessmentStatus,
    Evidence,
    Period,
    User,
    utcnow,
)
from ..policy import can_edit_assessment
from . import audit
from .instruments import instrument_of


class AssessmentRefused(Exception):
    """An operation the rules do not allow; the message is for the user."""


class AnswersInvalid(Exception):
    """Submitted answers that cannot be stored; nothing was saved."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class AnswerConflict(Exception):
    """Someone else saved some of these answers after the user loaded them; nothing was saved."""

    def __init__(self, answers: list[Answer]):
        super().__init__(", ".join(a.indicator_code for a in answers))
        self.answers = answers


class Incomplete(Exception):
    def __init__(self, missing: list[MissingAnswer]):
        super().__init__(f"{len(missing)} answers missing")
        self.missing = missing


@dataclass(frozen=True)
class AnswerInput:
    """One indicator's answer as a user sent it."""

    level: int | None
    not_applicable: bool
    justification: str


def instrument_for(assessment: Assessment) -> Instrument:
    return instrument_of(assessment.period.instrument_version)


def ensure_assessment(agency: Agency, period: Period) -> Assessment:
    assessment = db.session.scalar(
        select(Assessment).filter_by(agency_id=agency.id, period_id=period.id)
    )
    if assessment is None:
        assessment = Assessment(agency=agency, period=period)
        db.session.add(assessment)
        db.session.flush()
    return assessment


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


def answers_by_code(assessment: Assessment) -> dict[str, Answer]:
    rows = db.session.scalars(
        select(Answer).filter_by(assessment_id=assessment.id).options(joinedload(Answer.updated_by))
    )
    return {row.indicator_code: row for row in rows}


def answer_values(answers: Iterable[Answer]) -> dict[str, AnswerValue]:
    return {
        a.indicator_code: AnswerValue(level=a.level, not_applicable=a.not_applicable)
        for a in answers
    }


def dimension_codes(assessment: Assessment, instrument: Instrument) -> list[str]:
    """The dimensions the agency answers, in questionnaire order (all when none are set)."""
    chosen = set(assessment.agency.dimension_codes)
    codes = [d.code for d in instrument.dimensions]
    return [c for c in codes if c in chosen] or codes


def score(assessment: Assessment) -> AssessmentScore:
    instrument = instrument_for(assessment)
    values = answer_values(answers_by_code(assessment).values())
    return score_assessment(instrument, values, dimension_codes(assessment, instrument))


def level_problems(
    instrument: Instrument, allowed: set[str], code: str, level: int | None, not_applicable: bool
) -> list[str]:
    """Why a level (or N/A) cannot be stored for an indicator of the allowed dimensions."""
    indicator = instrument.indicator(code)
    dimension = instrument.dimension_of(code)
    if indicator is None or dimension is None or dimension.code not in allowed:
        return [_("Unknown indicator %(code)s.", code=code)]
    problems = []
    if not_applicable and not indicator.allow_not_applicable:
        problems.append(_("%(code)s cannot be answered N/A.", code=code))
    if level is not None and level not in indicator.level_numbers:
        problems.append(_("%(level)s is not a level of %(code)s.", level=level, code=code))
    return problems


def save_answers(
    assessment: Assessment,
    user: User,
    entries: Mapping[str, AnswerInput],
    expected_versions: Mapping[str, int] | None = None,
) -> int:
    """Store the given answers (complete or not); returns how many changed.

    All or nothing: one invalid entry and no entry is stored. `expected_versions` (indicator
    code -> the version the user's page showed) turns a colleague's save in between into an
    AnswerConflict instead of silently overwriting it.
    """
    if not can_edit_assessment(user, assessment):
        raise AssessmentRefused(_("This assessment can no longer be changed."))
    instrument = instrument_for(assessment)
    allowed = set(dimension_codes(assessment, instrument))
    problems: list[str] = []
    for code, entry in entries.items():
        problems += level_problems(instrument, allowed, code, entry.level, entry.not_applicable)
    if problems:
        raise AnswersInvalid(problems)

    existing = answers_by_code(assessment)
    if expected_versions:
        conflicts = [
            row
            for code, entry in entries.items()
            if (row := existing.get(code)) is not None
            and code in expected_versions
            and (row.version or 0) != expected_versions[code]
            and _stored_values(row) != _input_values(entry)
        ]
        if conflicts:
            raise AnswerConflict(conflicts)
    changed = 0
    now = utcnow()
    for code, entry in entries.items():
        values = {
            "level": None if entry.not_applicable else entry.level,
            "not_applicable": entry.not_applicable,
            "justification": entry.justification.replace("\x00", ""),
        }
        changed += store_change(
            existing.get(code),
            lambda code=code: Answer(assessment=assessment, indicator_code=code, version=0),
            values,
            event="answer.changed",
            code=code,
            user=user,
            assessment=assessment,
            now=now,
        )
    db.session.commit()
    return changed


def _input_values(entry: AnswerInput) -> tuple[int | None, bool, str]:
    level = None if entry.not_applicable else entry.level
    return (level, entry.not_applicable, entry.justification.replace("\x00", ""))


def _stored_values(row: Answer) -> tuple[int | None, bool, str]:
    return (row.level, row.not_applicable, row.justification)


def store_change(
    row: Any,
    create: Callable[[], Any],
    values: dict[str, Any],
    *,
    event: str,
    code: str,
    user: User,
    assessment: Assessment,
    now: datetime,
) -> bool:
    """Set `values` on a versioned per-indicator row (answer or review) and audit the change.

    A missing row is created only when something was given. Returns whether anything changed.
    """
    if row is None:
        if not any(v.strip() if isinstance(v, str) else v for v in values.values()):
            return False
        row = create()
        db.session.add(row)
        before = None
    else:
        before = {name: getattr(row, name) for name in values}
        if before == values:
            return False
    for name, value in values.items():
        setattr(row, name, value)
    row.version = (row.version or 0) + 1
    row.updated_by_id = user.id
    row.updated_at = now
    audit.record(
        event,
        event.split(".")[0],
        code,
        user=user,
        assessment=assessment,
        old=before,
        new=dict(values),
    )
    return True


def evidence_counts(assessment: Assessment) -> dict[str, int]:
    """Attached (not deleted) evidence files per indicator."""
    rows = db.session.execute(
        select(Evidence.indicator_code, func.count(Evidence.id))
        .filter(Evidence.assessment_id == assessment.id, Evidence.deleted_at.is_(None))
        .group_by(Evidence.indicator_code)
    )
    return {code: count for code, count in rows}


def missing_for(assessment: Assessment) -> list[MissingAnswer]:
    instrument = instrument_for(assessment)
    rows = answers_by_code(assessment)
    return missing_answers(
        instrument,
        answer_values(rows.values()),
        {code: row.justification for code, row in rows.items()},
        dimension_codes(assessment, instrument),
        evidence_counts(assessment),
    )


def submit(assessment: Assessment, user: User) -> bool:
    """Hand in a complete assessment (again, after a return).

    Returns False when it was already submitted: a repeated click or a second tab.
    """
    if assessment.status == Status.SUBMITTED and user.agency_id == assessment.agency_id:
        return False
    if not can_edit_assessment(user, assessment):
        raise AssessmentRefused(_("This assessment can no longer be submitted."))
    missing = missing_for(assessment)
    if missing:
        raise Incomplete(missing)
    from .review import transition  # review builds on this module

    try:
        transition(assessment, user, Action.SUBMIT)
    except AssessmentRefused:
        db.session.refresh(assessment)
        if assessment.status == Status.SUBMITTED:
            return False  # the other click won
        raise
    return True


@dataclass(frozen=True)
class DimensionProgress:
    code: str
    answered: int
    total: int


def progress(
    assessment: Assessment, answers: Iterable[Answer] | None = None
) -> list[DimensionProgress]:
    instrument = instrument_for(assessment)
    rows = list(answers) if answers is not None else list(answers_by_code(assessment).values())
    done = {a.indicator_code for a in rows if a.level is not None or a.not_applicable}
    result = []
    for code in dimension_codes(assessment, instrument):
        dimension = instrument.dimension(code)
        assert dimension is not None
        codes = [i.code for i in dimension.indicators]
        result.append(DimensionProgress(code, sum(1 for c in codes if c in done), len(codes)))
    return result


@dataclass(frozen=True)
class AssessmentRow:
    """One line of the period overview."""

    assessment: Assessment
    answered: int
    total: int
    score: AssessmentScore | None


def period_overview(period: Period) -> list[AssessmentRow]:
    """Every agency's assessment in the period with progress and (once submitted) its score.

    Set-based: three queries however many agencies there are.
    """
    assessments = list(
        db.session.scalars(
            select(Assessment)
            .join(Agency)
            .filter(Assessment.period_id == period.id)
            .order_by(Agency.name)
            .options(joinedload(Assessment.agency).selectinload(Agency.dimension_links))
        )
    )
    grouped: dict[int, list[Answer]] = defaultdict(list)
    for answer in db.session.scalars(
        select(Answer).join(Assessment).filter(Assessment.period_id == period.id)
    ):
        grouped[answer.assessment_id].append(answer)
    instrument = instrument_of(period.instrument_version)
    rows = []
    for assessment in assessments:
        answers = grouped.get(assessment.id, [])
        codes = dimension_codes(assessment, instrument)
        steps = progress(assessment, answers)
        scored = None
        if assessment.status != AssessmentStatus.DRAFT:
            scored = score_assessment(instrument, answer_values(answers), codes)
        rows.append(
            AssessmentRow(
                assessment,
                sum(s.answered for s in steps),
                sum(s.total for s in steps),
                scored,
            )
        )
    return rows
