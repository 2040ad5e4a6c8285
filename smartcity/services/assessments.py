"""Operations on an agency's self-assessment: answering, submitting, scoring."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..domain import answer_types, limits
from ..domain.answer_types import REGISTRY, StoredValue
from ..domain.answer_types import number as number_type
from ..domain.instrument import Indicator, Instrument
from ..domain.scoring import (
    AnswerValue,
    AssessmentScore,
    MissingAnswer,
    answer_problem,
    missing_answers,
    score_assessment,
)
from ..domain.workflow import WITH_THE_AGENCY
from ..extensions import db
from ..models import (
    Agency,
    Answer,
    Assessment,
    Evidence,
    Period,
    User,
    utcnow,
)
from ..policy import can_edit_assessment
from . import audit
from .agencies import applicable_indicator_codes
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
    """One indicator's answer as a user sent it; which value counts depends on the indicator's
    answer type (`level`, `choice`, `checked` for a checklist, `number` as typed text)."""

    level: int | None
    not_applicable: bool
    justification: str
    choice: str | None = None
    # None: not answered; an empty set: answered with nothing ticked
    checked: frozenset[str] | None = None
    # as typed: "12,5" and "12.5" are the same number; checked by `answer_problems`
    number: str | None = None

    def value(self) -> AnswerValue:
        """The answer for the scoring engine (ValueError for a value that is not one, such as
        a number that is no number)."""
        if self.not_applicable:
            return AnswerValue(not_applicable=True)
        return AnswerValue(
            **{kind.field: kind.from_typed(getattr(self, kind.field)) for kind in REGISTRY.values()}
        )


def decimal_text(typed: str) -> str:
    """The exact decimal text of a typed number ("12,50" -> "12.5"); ValueError if it is none."""
    return number_type.typed_decimal(typed)


def answer_value(row: Answer) -> AnswerValue:
    """The agency's stored answer as the scoring engine takes it."""
    return row.value.answer()


def answer_text(indicator: Indicator, value: AnswerValue, language: str) -> str:
    """An answer for people, as its type describes it: "3", "N/A", "-" (none), "Diterapkan
    sebagian (2/3)", "Sensor kualitas air, Dasbor publik (3/4)", "85 persen → level 4"."""
    if value.not_applicable:
        return "N/A"
    try:
        if not indicator.is_answered(value) or indicator.score(value) is None:
            return "-"
    except ValueError:
        return "?"
    return indicator.answer_kind.describe(indicator, value, language, _)


def instrument_for(assessment: Assessment) -> Instrument:
    return instrument_of(assessment.period.instrument_version)


def applicable_codes(assessment: Assessment, instrument: Instrument) -> frozenset[str]:
    """The indicators the agency answers: its dimensions, the instrument's `applies_to` rules
    for its code and tags, and the administrator's overrides."""
    return frozenset(applicable_indicator_codes(assessment.agency, instrument))


@lru_cache(maxsize=256)
def scoped_instrument(instrument: Instrument, codes: frozenset[str]) -> Instrument:
    """The instrument with only the indicators in `codes` (sub-elements and dimensions that
    keep none stay, empty: scoring leaves them out). Pure; cached per instrument and scope."""
    if all(indicator.code in codes for indicator in instrument.indicators):
        return instrument
    dimensions = []
    for dimension in instrument.dimensions:
        subs = tuple(
            dataclasses.replace(sub, indicators=tuple(i for i in sub.indicators if i.code in codes))
            for sub in dimension.sub_elements
        )
        dimensions.append(
            dataclasses.replace(
                dimension,
                indicators=tuple(i for i in dimension.indicators if i.code in codes),
                sub_elements=subs,
            )
        )
    return dataclasses.replace(instrument, dimensions=tuple(dimensions))


def questionnaire(assessment: Assessment, instrument: Instrument | None = None) -> Instrument:
    """The instrument as this agency sees it: only the indicators that apply to it."""
    full = instrument or instrument_for(assessment)
    return scoped_instrument(full, applicable_codes(assessment, full))


def get_assessment(assessment_id: int) -> Assessment | None:
    """An assessment with what its pages and saves read (period, questionnaire version, agency
    with its dimensions and indicator choices) in one round trip instead of one per relation.
    An agency has a handful of dimensions and indicator choices: the joined rows stay few."""
    return db.session.get(
        Assessment,
        assessment_id,
        options=[
            joinedload(Assessment.period).joinedload(Period.instrument_version),
            joinedload(Assessment.agency).joinedload(Agency.dimension_links),
            joinedload(Assessment.agency).joinedload(Agency.indicator_scope),
        ],
    )


def ensure_assessment(agency: Agency, period: Period) -> Assessment:
    assessment = db.session.scalar(
        select(Assessment).filter_by(agency_id=agency.id, period_id=period.id)
    )
    if assessment is None:
        assessment = Assessment(agency=agency, period=period)
        db.session.add(assessment)
        db.session.flush()
    return assessment


def answers_by_code(assessment: Assessment) -> dict[str, Answer]:
    rows = db.session.scalars(
        select(Answer).filter_by(assessment_id=assessment.id).options(joinedload(Answer.updated_by))
    )
    return {row.indicator_code: row for row in rows}


def answer_values(answers: Iterable[Answer]) -> dict[str, AnswerValue]:
    return {a.indicator_code: answer_value(a) for a in answers}


def dimension_codes(assessment: Assessment, instrument: Instrument) -> list[str]:
    """The dimensions the agency answers, in questionnaire order (all when none are set)."""
    chosen = set(assessment.agency.dimension_codes)
    codes = [d.code for d in instrument.dimensions]
    return [c for c in codes if c in chosen] or codes


def score(assessment: Assessment) -> AssessmentScore:
    instrument = questionnaire(assessment)
    values = answer_values(answers_by_code(assessment).values())
    return score_assessment(instrument, values, dimension_codes(assessment, instrument))


def checked_value(
    instrument: Instrument,
    allowed: Iterable[str],
    code: str,
    entry: AnswerInput,
) -> tuple[AnswerValue | None, list[str]]:
    """The value an entry stands for, read once, and why it cannot be stored for an indicator
    the agency answers (`allowed` holds their codes), in the user's language; the domain
    decides what fits."""
    indicator = instrument.indicator(code)
    if indicator is None or code not in allowed:
        return None, [_("Unknown indicator %(code)s.", code=code)]
    if entry.not_applicable:
        if not indicator.allow_not_applicable:
            return None, [_("%(code)s cannot be answered N/A.", code=code)]
        return AnswerValue(not_applicable=True), []
    parts = {}
    for kind in REGISTRY.values():
        typed = getattr(entry, kind.field)
        try:
            parts[kind.field] = kind.from_typed(typed)
        except ValueError:
            return None, [kind.unreadable(indicator, typed, _)]
    value = AnswerValue(**parts)
    if answer_problem(indicator, value) is None:
        return value, []
    return None, [_mismatch_text(indicator, value)]


def value_problems(
    instrument: Instrument,
    allowed: Iterable[str],
    code: str,
    entry: AnswerInput,
) -> list[str]:
    """Why a value (or N/A) cannot be stored (see `checked_value`)."""
    return checked_value(instrument, allowed, code, entry)[1]


def _mismatch_text(indicator: Indicator, value: AnswerValue) -> str:
    kind = indicator.answer_kind
    if any(other.given(value) for other in REGISTRY.values() if other is not kind):
        return _("%(code)s does not take this kind of answer.", code=indicator.code)
    return kind.mismatch(indicator, value, _language(), _)


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "id"


def number_display(value: Fraction | None) -> str:
    """A number for people ("12,5" in Indonesian, "12.5" in English); "" when absent."""
    return answer_types.number_display(value, _language())


MAX_JUSTIFICATION = 20_000


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
    changed, _rows = _store_answers(assessment, user, entries, expected_versions)
    db.session.commit()
    return changed


@dataclass(frozen=True)
class SavedAnswer:
    """The outcome of saving one answer on its own: the version it now has and when it was saved."""

    indicator_code: str
    version: int
    saved_at: datetime | None
    changed: bool

    @classmethod
    def of(cls, code: str, row, changed: int) -> SavedAnswer:
        """From the row as just written (None: nothing stored) and how many answers changed.
        Read it before the commit: afterwards a colleague's later save could be visible."""
        return cls(
            indicator_code=code,
            version=(row.version or 0) if row is not None else 0,
            saved_at=row.updated_at if row is not None else None,
            changed=changed > 0,
        )


def save_answer(
    assessment: Assessment, user: User, code: str, entry: AnswerInput, based_on: int
) -> SavedAnswer:
    """Save one answer as the user changes it (autosave), with the rules of `save_answers`.

    `based_on` is the version the user's page last saw (0: none yet). Sending the content that
    is already stored is no conflict and no change: a retried request whose reply was lost
    gets the current version back.
    """
    changed, rows = _store_answers(assessment, user, {code: entry}, {code: based_on})
    result = SavedAnswer.of(code, rows.get(code), changed)
    db.session.commit()
    return result


def answer_problems(
    instrument: Instrument, allowed: Iterable[str], code: str, entry: AnswerInput
) -> list[str]:
    """Why an answer cannot be stored: its value (or N/A) and the justification's length."""
    return _checked_answer(instrument, allowed, code, entry)[1]


def _checked_answer(
    instrument: Instrument, allowed: Iterable[str], code: str, entry: AnswerInput
) -> tuple[AnswerValue | None, list[str]]:
    value, problems = checked_value(instrument, allowed, code, entry)
    if len(code) > limits.INDICATOR_CODE:
        # published before codes were held to their column: the database cannot store it
        problems.append(
            _(
                "%(code)s cannot be saved: its code is longer than %(max)d characters. Ask the "
                "administrator to publish the questionnaire with a shorter code.",
                code=code[:60],
                max=limits.INDICATOR_CODE,
            )
        )
    if len(entry.justification) > MAX_JUSTIFICATION:
        problems.append(
            _(
                "The justification of %(code)s is longer than %(max)d characters.",
                code=code,
                max=MAX_JUSTIFICATION,
            )
        )
    return value, problems


def _lock_for_answers(assessment: Assessment) -> None:
    """Saves of one assessment take turns (a row lock on PostgreSQL; SQLite has one writer).

    Under the lock the status is read again, so an answer cannot slip in after a submission,
    and the version check below sees every save that committed before.
    """
    db.session.refresh(assessment, attribute_names=["status"], with_for_update=True)


def _store_answers(
    assessment: Assessment,
    user: User,
    entries: Mapping[str, AnswerInput],
    expected_versions: Mapping[str, int] | None,
) -> tuple[int, dict[str, Answer]]:
    """Check and stage the answers (not committed); how many changed and the rows by code.

    Whether the user may still edit is decided under the lock (the callers' own check before
    gives the page its message; this one is what counts).
    """
    _lock_for_answers(assessment)
    if not can_edit_assessment(user, assessment):
        db.session.rollback()
        raise AssessmentRefused(_("This assessment can no longer be changed."))
    # checked under the lock: a closed assessment is refused whatever was sent
    instrument = instrument_for(assessment)
    return stage_answers(
        instrument,
        applicable_codes(assessment, instrument),
        entries,
        expected_versions,
        current=lambda codes: _current_answers(assessment, codes),
        new_row=lambda code: Answer(assessment=assessment, indicator_code=code, version=0),
        event="answer.changed",
        user=user,
        assessment=assessment,
    )


def stage_answers(
    instrument: Instrument,
    allowed: Iterable[str],
    entries: Mapping[str, AnswerInput],
    expected_versions: Mapping[str, int] | None,
    *,
    current: Callable[[list[str]], Mapping[str, Any]],
    new_row: Callable[[str], Any],
    event: str,
    user: User,
    assessment: Assessment | None,
) -> tuple[int, dict[str, Any]]:
    """The rules of saving answers, for an agency's assessment and a region's submission
    alike: check every answer (AnswersInvalid: nothing staged), compare with the stored rows
    as committed now (`current`), stage the changes (`new_row` for a first answer; audited as
    `event`) and flush; how many changed and the rows by code. The caller holds its lock.

    `expected_versions` (code -> the version the page showed) turns a colleague's save in
    between into an AnswerConflict (rolled back); a stored answer whose content equals the
    one sent is no conflict, whatever its version (a retry whose reply was lost).
    """
    allowed = set(allowed)
    problems: list[str] = []
    values: dict[str, AnswerValue] = {}
    for code, entry in entries.items():
        value, own_problems = _checked_answer(instrument, allowed, code, entry)
        problems += own_problems
        if value is not None:
            values[code] = value
    if problems:
        raise AnswersInvalid(problems)
    existing = dict(current(list(entries)))
    if expected_versions:
        conflicts = [
            row
            for code, entry in entries.items()
            if (row := existing.get(code)) is not None
            and code in expected_versions
            and (row.version or 0) != expected_versions[code]
            and (answer_value(row), row.justification)
            != (values[code], _clean(entry.justification))
        ]
        if conflicts:
            db.session.rollback()
            raise AnswerConflict(conflicts)
    changed = 0
    now = utcnow()
    created: dict[str, Any] = {}

    def create(code: str) -> Any:
        created[code] = new_row(code)
        return created[code]

    for code, entry in entries.items():
        indicator = instrument.indicator(code)
        assert indicator is not None  # checked above
        columns = stored_columns(indicator, values[code])
        columns["justification"] = _clean(entry.justification)
        changed += store_change(
            existing.get(code),
            lambda code=code: create(code),
            columns,
            event=event,
            code=code,
            user=user,
            assessment=assessment,
            now=now,
        )
    db.session.flush()
    # the rows as just written under the lock (read again before, changed and flushed here)
    return changed, {**existing, **created}


def _current_answers(assessment: Assessment, codes: list[str]) -> dict[str, Answer]:
    """The stored answers for these codes as committed now, not as this session first saw them."""
    rows = db.session.scalars(
        select(Answer)
        .filter(Answer.assessment_id == assessment.id, Answer.indicator_code.in_(codes))
        .options(joinedload(Answer.updated_by))
        .execution_options(populate_existing=True)
    )
    return {row.indicator_code: row for row in rows}


def stored_columns(indicator: Indicator, value: AnswerValue) -> dict[str, Any]:
    """The value columns of an Answer for a (valid) value (a review's with "verified_"). A
    level indicator keeps exactly its columns of old (and its audit entries their shape);
    other types add the column of their value."""
    stored = StoredValue.of(value)
    field = indicator.answer_kind.field
    return {
        "level": stored.level,
        "not_applicable": stored.not_applicable,
        field: getattr(stored, field),
    }


def _clean(text: str) -> str:
    return text.replace("\x00", "")


def store_change(
    row: Any,
    create: Callable[[], Any],
    values: dict[str, Any],
    *,
    event: str,
    code: str,
    user: User,
    assessment: Assessment | None,
    now: datetime,
) -> bool:
    """Set `values` on a versioned per-indicator row (answer or review) and audit the change.

    A missing row is created only when something was given. Returns whether anything changed.
    """
    if row is None:
        # an empty checklist ("" ticked) is an answer too
        given = any(v.strip() if isinstance(v, str) else v for v in values.values()) or any(
            name.endswith("checked") and value == "" for name, value in values.items()
        )
        if not given:
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
    instrument = questionnaire(assessment)
    rows = answers_by_code(assessment)
    return missing_answers(
        instrument,
        answer_values(rows.values()),
        {code: row.justification for code, row in rows.items()},
        dimension_codes(assessment, instrument),
        evidence_counts(assessment),
    )


@dataclass(frozen=True)
class DimensionProgress:
    code: str
    answered: int
    total: int


def progress(
    assessment: Assessment, answers: Iterable[Answer] | None = None
) -> list[DimensionProgress]:
    instrument = questionnaire(assessment)
    rows = list(answers) if answers is not None else list(answers_by_code(assessment).values())
    done = set()
    for row in rows:
        indicator = instrument.indicator(row.indicator_code)
        if indicator is not None and indicator.is_answered(answer_value(row)):
            done.add(row.indicator_code)
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
            .options(
                joinedload(Assessment.agency).selectinload(Agency.dimension_links),
                joinedload(Assessment.agency).selectinload(Agency.indicator_scope),
            )
        )
    )
    grouped: dict[int, list[Answer]] = defaultdict(list)
    for answer in db.session.scalars(
        select(Answer).join(Assessment).filter(Assessment.period_id == period.id)
    ):
        grouped[answer.assessment_id].append(answer)
    full = instrument_of(period.instrument_version)
    rows = []
    for assessment in assessments:
        answers = grouped.get(assessment.id, [])
        instrument = questionnaire(assessment, full)
        codes = dimension_codes(assessment, instrument)
        steps = progress(assessment, answers)
        scored = None
        if assessment.status not in WITH_THE_AGENCY:
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
