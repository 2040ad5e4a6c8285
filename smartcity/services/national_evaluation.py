"""The ministry's evaluation of regions: a national period, each region's submission (its own
answers to the national instrument with evidence, its master plan programmes and quick wins,
its agencies' final results attached), the region head's approval, the ministry evaluators'
review, finalization and the results stored for the ranking and the awards.

The rules follow an agency's assessment (services.assessments, services.review): the same
answer types, the same checks of a value, the same scoring engine and bands, with the second
axis (evaluation dimensions) of the national instrument. A region's users reach only their
own submission (tenancy.SCOPES); who may do what is `policy.py`'s.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..domain.instrument import Instrument
from ..domain.region import region_result
from ..domain.scoring import AnswerValue, AssessmentScore, missing_answers, score_assessment
from ..extensions import db
from ..models import (
    InstrumentVersion,
    NationalPeriod,
    NationalPeriodStatus,
    ProgrammeKind,
    Region,
    RegionAnswer,
    RegionEvaluatorAssignment,
    RegionEvidence,
    RegionProgramme,
    RegionResult,
    RegionReview,
    RegionSubmission,
    Role,
    SubmissionStatus,
    User,
    utcnow,
)
from ..policy import (
    administers_nation,
    can_approve_submission,
    can_assemble_submission,
    can_review_submission,
)
from . import audit
from .assessments import (
    AnswerInput,
    AnswersInvalid,
    SavedAnswer,
    stage_answers,
    store_change,
    stored_columns,
)
from .evidence import EvidenceRefused, max_files_per_indicator, store_file
from .instruments import instrument_of
from .review import ReviewInput, checked_verdicts, differs

OVERALL = "overall"
PILLAR = "pillar"
EVALUATION_DIMENSION = "evaluation_dimension"
MAX_TITLE = 300
MAX_TEXT = 20_000


class EvaluationRefused(Exception):
    """An operation the rules do not allow now; the message is for the user."""


# --- national periods ------------------------------------------------------------------------


def national_periods() -> list[NationalPeriod]:
    return list(
        db.session.scalars(
            select(NationalPeriod)
            .options(joinedload(NationalPeriod.instrument_version))
            .order_by(NationalPeriod.year.desc())
        )
    )


def national_period(year: int) -> NationalPeriod | None:
    return db.session.scalar(
        select(NationalPeriod)
        .filter_by(year=year)
        .options(joinedload(NationalPeriod.instrument_version))
    )


def instrument_for(period: NationalPeriod) -> Instrument:
    return instrument_of(period.instrument_version)


def open_national_period(
    year: int, version: InstrumentVersion, user: User | None
) -> NationalPeriod:
    """A new national period with an instrument that has the evaluation dimensions."""
    if user is not None and not administers_nation(user):
        raise EvaluationRefused(_("Only the ministry's administrators open a national period."))
    if not instrument_of(version).has_evaluation_dimensions:
        raise EvaluationRefused(
            _(
                "%(code)s %(version)s has no evaluation dimensions (Baseline, Output, Outcome, "
                "Impact, Quick Win): a national period needs them.",
                code=version.code,
                version=version.version,
            )
        )
    if national_period(year) is not None:
        raise EvaluationRefused(_("The national period %(year)s already exists.", year=year))
    period = NationalPeriod(year=year, instrument_version_id=version.id)
    db.session.add(period)
    db.session.flush()
    audit.record(
        "national_period.opened",
        "national_period",
        year,
        user=user,
        new={"year": year, "instrument": f"{version.code} {version.version}"},
    )
    db.session.commit()
    return period


# --- a region's submission -------------------------------------------------------------------


def submission_of(period: NationalPeriod, region: Region) -> RegionSubmission | None:
    return db.session.scalar(
        select(RegionSubmission).filter_by(national_period_id=period.id, region_id=region.id)
    )


def ensure_submission(period: NationalPeriod, region: Region) -> RegionSubmission:
    """The region's submission, begun (as a draft) when first needed."""
    found = submission_of(period, region)
    if found is None:
        if period.status != NationalPeriodStatus.OPEN:
            raise EvaluationRefused(_("This national period is final."))
        found = RegionSubmission(national_period_id=period.id, region_id=region.id)
        db.session.add(found)
        db.session.flush()
    return found


def any_national_period() -> bool:
    return db.session.scalar(select(NationalPeriod.id).limit(1)) is not None


def region_of(user: User) -> Region | None:
    """A region user's own region (None for the ministry's users)."""
    return db.session.get(Region, user.region_id) if user.region_id is not None else None


def begin_submission(period: NationalPeriod, region: Region) -> RegionSubmission:
    """`ensure_submission`, committed: the region's administrator's first visit begins it (a
    colleague's first visit at the same moment: theirs is the one)."""
    try:
        found = ensure_submission(period, region)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        found = submission_of(period, region)
        if found is None:
            raise
    return found


def submission_by_id(submission_id: int) -> RegionSubmission | None:
    """A submission by its id, with its period and instrument (another region's finds nothing:
    tenancy)."""
    return db.session.get(
        RegionSubmission,
        submission_id,
        options=[
            joinedload(RegionSubmission.national_period).joinedload(
                NationalPeriod.instrument_version
            )
        ],
    )


def submission_evidence(submission: RegionSubmission, evidence_id: int) -> RegionEvidence | None:
    """One attached file of the submission (another region's id finds nothing: tenancy)."""
    return db.session.scalar(
        select(RegionEvidence).filter_by(
            id=evidence_id, submission_id=submission.id, deleted_at=None
        )
    )


def submissions(period: NationalPeriod) -> list[RegionSubmission]:
    """The period's submissions (a region's user: only their own), by region code."""
    return list(
        db.session.scalars(
            select(RegionSubmission)
            .join(Region, Region.id == RegionSubmission.region_id)
            .where(RegionSubmission.national_period_id == period.id)
            .options(joinedload(RegionSubmission.region))
            .order_by(Region.code)
        )
    )


def get_submission(period: NationalPeriod, region_code: str) -> RegionSubmission | None:
    return db.session.scalar(
        select(RegionSubmission)
        .join(Region, Region.id == RegionSubmission.region_id)
        .where(RegionSubmission.national_period_id == period.id, Region.code == region_code)
        .options(joinedload(RegionSubmission.region), joinedload(RegionSubmission.national_period))
    )


def answers_by_code(submission: RegionSubmission) -> dict[str, RegionAnswer]:
    rows = db.session.scalars(
        select(RegionAnswer)
        .filter_by(submission_id=submission.id)
        .options(joinedload(RegionAnswer.updated_by))
    )
    return {row.indicator_code: row for row in rows}


def reviews_by_code(submission: RegionSubmission) -> dict[str, RegionReview]:
    rows = db.session.scalars(
        select(RegionReview)
        .filter_by(submission_id=submission.id)
        .options(joinedload(RegionReview.updated_by))
    )
    return {row.indicator_code: row for row in rows}


def evidence_by_code(submission: RegionSubmission) -> dict[str, list[RegionEvidence]]:
    found: dict[str, list[RegionEvidence]] = {}
    for row in db.session.scalars(
        select(RegionEvidence)
        .filter_by(submission_id=submission.id, deleted_at=None)
        .order_by(RegionEvidence.id)
    ):
        found.setdefault(row.indicator_code, []).append(row)
    return found


def programmes(submission: RegionSubmission) -> list[RegionProgramme]:
    return list(
        db.session.scalars(
            select(RegionProgramme)
            .filter_by(submission_id=submission.id)
            .order_by(RegionProgramme.kind, RegionProgramme.pillar, RegionProgramme.id)
        )
    )


def _audit(action: str, submission: RegionSubmission, user: User | None, **change) -> None:
    audit.record(
        action,
        "region_submission",
        f"{submission.national_period_id}:{submission.region_id}",
        user=user,
        **change,
    )


def _editable(submission: RegionSubmission, user: User) -> None:
    if not can_assemble_submission(user, submission):
        raise EvaluationRefused(_("This submission cannot be changed now."))


def save_answers(
    submission: RegionSubmission,
    user: User,
    entries: Mapping[str, AnswerInput],
    expected_versions: Mapping[str, int] | None = None,
) -> int:
    """Store the region's answers, all or nothing; returns how many changed.

    `expected_versions` (code -> the version the page showed) turns a colleague's save in
    between into an AnswerConflict; nothing is stored then and the page keeps what was typed.
    """
    changed, _rows = _store_answers(submission, user, entries, expected_versions)
    db.session.commit()
    return changed


def save_answer(
    submission: RegionSubmission, user: User, code: str, entry: AnswerInput, based_on: int
) -> SavedAnswer:
    """Save one answer as the administrator changes it (autosave), with the rules of
    `save_answers`; as `services.assessments.save_answer` for an agency: content already
    stored is no conflict and no change (a retry whose reply was lost)."""
    changed, rows = _store_answers(submission, user, {code: entry}, {code: based_on})
    result = SavedAnswer.of(code, rows.get(code), changed)
    db.session.commit()
    return result


def _lock(submission: RegionSubmission) -> None:
    """Take the submission's row lock (PostgreSQL; SQLite has one writer) and read its status
    again under it: saves and the hand-over to the head take turns."""
    db.session.refresh(submission, attribute_names=["status"], with_for_update=True)


def _store_answers(
    submission: RegionSubmission,
    user: User,
    entries: Mapping[str, AnswerInput],
    expected_versions: Mapping[str, int] | None,
) -> tuple[int, dict[str, RegionAnswer]]:
    """Check and stage the answers (not committed); how many changed and the rows by code.

    Saves of one submission take turns (a row lock on PostgreSQL; SQLite has one writer): the
    status is read again under the lock, so no answer slips in after the submission was handed
    on, and the version check sees every save committed before. A stored answer whose content
    equals the one sent is no conflict, whatever its version.
    """
    _lock(submission)
    try:
        _editable(submission, user)
    except EvaluationRefused:
        db.session.rollback()  # the lock is let go at once
        raise
    instrument = instrument_for(submission.national_period)
    return stage_answers(
        instrument,
        (indicator.code for indicator in instrument.indicators),
        entries,
        expected_versions,
        current=lambda codes: _current_answers(submission, codes),
        new_row=lambda code: RegionAnswer(
            submission_id=submission.id, indicator_code=code, version=0
        ),
        event="region_answer.changed",
        user=user,
        assessment=None,
    )


def _current_answers(submission: RegionSubmission, codes: list[str]) -> dict[str, RegionAnswer]:
    """The stored answers for these codes as committed now, not as this session first saw them."""
    rows = db.session.scalars(
        select(RegionAnswer)
        .filter(RegionAnswer.submission_id == submission.id, RegionAnswer.indicator_code.in_(codes))
        .options(joinedload(RegionAnswer.updated_by))
        .execution_options(populate_existing=True)
    )
    return {row.indicator_code: row for row in rows}


def attach_evidence(
    submission: RegionSubmission,
    user: User,
    indicator_code: str,
    name: str,
    stream: BinaryIO,
    *,
    upload_key: str | None = None,
) -> RegionEvidence:
    """Check and store one file for one of the region's answers; commits.

    `upload_key` is the browser's id of a file sent at once (see `attach_upload`). Raises
    EvaluationRefused when the submission cannot be changed by this user, EvidenceRefused (with
    its status, as an agency's file) when the file or the indicator is refused.
    """
    _editable(submission, user)
    if instrument_for(submission.national_period).indicator(indicator_code) is None:
        raise EvidenceRefused(_("Unknown indicator %(code)s.", code=indicator_code), 422)
    if len(evidence_by_code(submission).get(indicator_code, [])) >= max_files_per_indicator():
        raise EvidenceRefused(
            _(
                "%(name)s was not attached: %(code)s already has the most files allowed.",
                name=name,
                code=indicator_code,
            ),
            409,
        )
    stored = store_file(name, stream)
    row = RegionEvidence(
        submission_id=submission.id,
        indicator_code=indicator_code,
        sha256=stored.sha256,
        original_name=stored.name,
        media_type=stored.media_type,
        size=stored.size,
        uploaded_by_id=user.id,
        uploaded_at=utcnow(),
        upload_key=upload_key,
    )
    db.session.add(row)
    db.session.flush()
    _audit(
        "region_evidence.added",
        submission,
        user,
        new={"indicator": indicator_code, "name": stored.name, "sha256": stored.sha256},
    )
    db.session.commit()
    return row


def attach_upload(
    submission: RegionSubmission,
    user: User,
    indicator_code: str,
    name: str,
    stream: BinaryIO,
    upload_key: str,
) -> tuple[RegionEvidence, bool]:
    """A file the pillar page sent on its own as soon as it was chosen, attached through
    `attach_evidence` (the same checks); returns the row and whether it is new.

    An upload whose `upload_key` is already attached to the submission is the same file sent
    again after a lost reply (as an agency's, services.evidence.attach_upload).
    """
    earlier = _upload(submission, upload_key)
    if earlier is not None:
        return earlier, False
    try:
        row = attach_evidence(submission, user, indicator_code, name, stream, upload_key=upload_key)
    except IntegrityError:
        # the same upload, sent twice at once: the other request attached it
        db.session.rollback()
        earlier = _upload(submission, upload_key)
        if earlier is None:
            raise
        return earlier, False
    return row, True


def _upload(submission: RegionSubmission, upload_key: str) -> RegionEvidence | None:
    return db.session.scalar(
        select(RegionEvidence).filter_by(submission_id=submission.id, upload_key=upload_key)
    )


def remove_evidence(submission: RegionSubmission, evidence: RegionEvidence, user: User) -> None:
    """Detach a file (the row and the bytes stay for the trail); commits."""
    _editable(submission, user)
    if evidence.submission_id != submission.id or evidence.deleted_at is not None:
        return
    evidence.deleted_at = utcnow()
    evidence.deleted_by_id = user.id
    _audit(
        "region_evidence.removed",
        submission,
        user,
        old={"indicator": evidence.indicator_code, "name": evidence.original_name},
    )
    db.session.commit()


@dataclass(frozen=True)
class ProgrammeInput:
    kind: str
    pillar: str
    title: str
    description: str = ""
    years: str = ""


def programme_problems(submission: RegionSubmission, entry: ProgrammeInput) -> list[str]:
    instrument = instrument_for(submission.national_period)
    problems = []
    if entry.kind not in {k.value for k in ProgrammeKind}:
        problems.append(_("Choose a programme or a quick win."))
    if instrument.dimension(entry.pillar) is None:
        problems.append(_("Choose the pillar the programme serves."))
    if not entry.title.strip():
        problems.append(_("The programme needs a title."))
    if len(entry.title) > MAX_TITLE or len(entry.description) > MAX_TEXT or len(entry.years) > 40:
        problems.append(_("The programme's text is too long."))
    return problems


def add_programme(
    submission: RegionSubmission, user: User, entry: ProgrammeInput
) -> RegionProgramme:
    _editable(submission, user)
    problems = programme_problems(submission, entry)
    if problems:
        raise AnswersInvalid(problems)
    row = RegionProgramme(
        submission_id=submission.id,
        kind=entry.kind,
        pillar=entry.pillar,
        title=entry.title.strip(),
        description=entry.description.strip(),
        years=entry.years.strip(),
        updated_by_id=user.id,
        updated_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    _audit(
        "region_programme.added",
        submission,
        user,
        new={"kind": row.kind, "pillar": row.pillar, "title": row.title, "years": row.years},
    )
    db.session.commit()
    return row


def remove_programme(submission: RegionSubmission, programme_id: int, user: User) -> None:
    _editable(submission, user)
    row = db.session.get(RegionProgramme, programme_id)
    if row is None or row.submission_id != submission.id:
        return
    _audit(
        "region_programme.removed",
        submission,
        user,
        old={"kind": row.kind, "pillar": row.pillar, "title": row.title},
    )
    db.session.delete(row)
    db.session.commit()


@dataclass(frozen=True)
class AttachedAgency:
    code: str
    name: str
    status: str
    index: Fraction | None


@dataclass(frozen=True)
class Attachment:
    """The region's agencies' results as attached to the submission."""

    year: int
    region_index: Fraction | None
    agencies: tuple[AttachedAgency, ...]


def attachment(submission: RegionSubmission) -> Attachment | None:
    if not submission.agencies_attachment:
        return None
    data = json.loads(submission.agencies_attachment)

    def fraction(text: str | None) -> Fraction | None:
        return Fraction(text) if text else None

    return Attachment(
        year=data["year"],
        region_index=fraction(data.get("region_index")),
        agencies=tuple(
            AttachedAgency(a["code"], a["name"], a["status"], fraction(a.get("index")))
            for a in data["agencies"]
        ),
    )


def attach_agencies(submission: RegionSubmission, user: User, year: int) -> Attachment:
    """Attach the region's agencies' final results of its own period `year` as they stand."""
    from .region import find_period, period_agencies  # the region's own evaluation

    _editable(submission, user)
    period = find_period(year)
    if period is None:
        raise EvaluationRefused(_("The region has no period %(year)s.", year=year))
    instrument = instrument_of(period.instrument_version)
    agencies = period_agencies(period)
    result = region_result(instrument, agencies)
    data = {
        "year": year,
        "region_index": str(result.index) if result.index is not None else None,
        "agencies": [
            {
                "code": a.code,
                "name": a.name,
                "status": a.status,
                "index": str(a.index) if a.is_final else None,
            }
            for a in agencies
        ],
    }
    submission.agencies_year = year
    submission.agencies_attachment = json.dumps(data, ensure_ascii=False, sort_keys=True)
    _audit("region_submission.attached", submission, user, new={"year": year})
    db.session.commit()
    return attachment(submission)


def missing(submission: RegionSubmission) -> list[str]:
    """What the region must still give before its head can approve, in the user's words."""
    instrument = instrument_for(submission.national_period)
    rows = answers_by_code(submission)
    counts = {code: len(files) for code, files in evidence_by_code(submission).items()}
    problems = []
    for gap in missing_answers(
        instrument,
        {code: row.value.answer() for code, row in rows.items()},
        {code: row.justification for code, row in rows.items()},
        None,
        counts,
    ):
        if gap.reason == "evidence_required":
            problems.append(_("%(code)s needs an evidence file.", code=gap.indicator.code))
        elif gap.reason == "na_without_justification":
            problems.append(_("%(code)s: N/A needs a justification.", code=gap.indicator.code))
        else:
            problems.append(_("%(code)s is not answered.", code=gap.indicator.code))
    kinds = {row.kind for row in programmes(submission)}
    if ProgrammeKind.PROGRAMME not in kinds:
        problems.append(_("Add at least one programme of the Smart City master plan."))
    if ProgrammeKind.QUICK_WIN not in kinds:
        problems.append(_("Add at least one quick win."))
    if not submission.agencies_attachment:
        problems.append(_("Attach the agencies' results of the region's own evaluation."))
    return problems


def _move(
    submission: RegionSubmission, user: User, to: str, action: str, comment: str = ""
) -> None:
    before = submission.status
    submission.status = to
    _audit(action, submission, user, old={"status": before}, new={"status": to, "comment": comment})
    db.session.commit()


def ask_approval(submission: RegionSubmission, user: User) -> None:
    """The administrator hands the complete submission to the region head.

    Under the submission's row lock, as the saves take it: an answer saved (or cleared) at
    the same moment is either in what is checked here or refused after the hand-over."""
    _lock(submission)
    try:
        _editable(submission, user)
        problems = missing(submission)
        if problems:
            raise AnswersInvalid(problems)
    except (EvaluationRefused, AnswersInvalid):
        db.session.rollback()  # the lock is let go at once
        raise
    _move(submission, user, SubmissionStatus.AWAITING_APPROVAL, "region_submission.to_head")


def approve(submission: RegionSubmission, user: User) -> None:
    """The region head approves: the submission goes to the ministry."""
    if not can_approve_submission(user, submission):
        raise EvaluationRefused(_("Only the region head approves this submission, once."))
    if submission.submitted_at is not None:
        submission.round += 1
    submission.approved_by_id = user.id
    submission.submitted_at = utcnow()
    submission.review_comment = ""
    _move(submission, user, SubmissionStatus.SUBMITTED, "region_submission.submitted")


def send_back(submission: RegionSubmission, user: User, comment: str) -> None:
    """The region head sends it back to the administrator, saying why."""
    if not can_approve_submission(user, submission):
        raise EvaluationRefused(_("Only the region head approves this submission, once."))
    if not comment.strip():
        raise AnswersInvalid([_("Say what must change.")])
    submission.review_comment = comment.strip()[:MAX_TEXT]
    _move(submission, user, SubmissionStatus.DRAFT, "region_submission.sent_back", comment)


# --- the ministry's review -------------------------------------------------------------------


def assigned_evaluator(submission: RegionSubmission) -> User | None:
    row = db.session.scalar(
        select(RegionEvaluatorAssignment)
        .filter_by(national_period_id=submission.national_period_id, region_id=submission.region_id)
        .options(joinedload(RegionEvaluatorAssignment.evaluator))
    )
    return row.evaluator if row is not None else None


def assignments(period: NationalPeriod) -> dict[int, User]:
    """Region id -> the ministry evaluator assigned to it."""
    rows = db.session.scalars(
        select(RegionEvaluatorAssignment)
        .filter_by(national_period_id=period.id)
        .options(joinedload(RegionEvaluatorAssignment.evaluator))
    )
    return {row.region_id: row.evaluator for row in rows}


def ministry_evaluators() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .filter_by(role=Role.MINISTRY_EVALUATOR, active=True)
            .order_by(User.full_name, User.username)
        )
    )


def assign(period: NationalPeriod, region: Region, evaluator: User | None, by: User) -> None:
    """Assign (or, with None, unassign) the ministry evaluator of one region."""
    if not administers_nation(by):
        raise EvaluationRefused(_("Only the ministry's administrators assign evaluators."))
    if evaluator is not None and evaluator.role != Role.MINISTRY_EVALUATOR:
        raise EvaluationRefused(_("Only a ministry evaluator can review a region."))
    row = db.session.scalar(
        select(RegionEvaluatorAssignment).filter_by(
            national_period_id=period.id, region_id=region.id
        )
    )
    before = row.evaluator_id if row is not None else None
    if evaluator is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(
            RegionEvaluatorAssignment(
                national_period_id=period.id,
                region_id=region.id,
                evaluator_id=evaluator.id,
                assigned_by_id=by.id,
            )
        )
    else:
        row.evaluator_id = evaluator.id
        row.assigned_by_id = by.id
        row.assigned_at = utcnow()
    after = evaluator.id if evaluator is not None else None
    if before != after:
        audit.record(
            "region_evaluator.assigned",
            "region",
            region.code,
            user=by,
            old={"evaluator": before},
            new={"evaluator": after, "year": period.year},
        )
    db.session.commit()


def _reviewing(submission: RegionSubmission, user: User) -> None:
    evaluator = assigned_evaluator(submission)
    if not can_review_submission(user, submission, evaluator.id if evaluator else None):
        raise EvaluationRefused(_("This submission cannot be reviewed by you now."))


def save_review(
    submission: RegionSubmission, user: User, entries: Mapping[str, ReviewInput]
) -> int:
    """Store the evaluator's verdicts; a verdict that differs from the answer needs a note."""
    _reviewing(submission, user)
    instrument = instrument_for(submission.national_period)
    allowed = {indicator.code for indicator in instrument.indicators}
    values = checked_verdicts(instrument, allowed, answers_by_code(submission), entries)
    existing = reviews_by_code(submission)
    now = utcnow()
    changed = 0
    for code, entry in entries.items():
        indicator = instrument.indicator(code)
        assert indicator is not None
        columns = {
            ("verified_" + name): stored
            for name, stored in stored_columns(indicator, values[code]).items()
        }
        columns["note"] = entry.note.replace("\x00", "")[:MAX_TEXT]
        changed += store_change(
            existing.get(code),
            lambda code=code: RegionReview(
                submission_id=submission.id, indicator_code=code, version=0
            ),
            columns,
            event="region_review.changed",
            code=code,
            user=user,
            assessment=None,
            now=now,
        )
    db.session.commit()
    return changed


def return_to_region(submission: RegionSubmission, user: User, comment: str) -> None:
    """The evaluator sends the submission back to the region, saying what to fix."""
    _reviewing(submission, user)
    if not comment.strip():
        raise AnswersInvalid([_("Say what the region must fix.")])
    submission.review_comment = comment.strip()[:MAX_TEXT]
    _move(submission, user, SubmissionStatus.RETURNED, "region_submission.returned", comment)


def verify(submission: RegionSubmission, user: User) -> None:
    """The evaluator verifies: untouched indicators keep the region's own answer."""
    _reviewing(submission, user)
    answers = answers_by_code(submission)
    reviews = reviews_by_code(submission)
    problems = [
        _("%(code)s: a note is required when the verified level differs.", code=code)
        for code, row in sorted(reviews.items())
        if differs(answers.get(code), row.verified.answer()) and not row.note.strip()
    ]
    if problems:
        raise AnswersInvalid(problems)
    now = utcnow()
    for code, answer in answers.items():
        if code not in reviews:
            db.session.add(
                RegionReview(
                    submission_id=submission.id,
                    indicator_code=code,
                    verified=answer.value,
                    note="",
                    version=1,
                    updated_by_id=user.id,
                    updated_at=now,
                )
            )
    _move(submission, user, SubmissionStatus.VERIFIED, "region_submission.verified")


# --- scores, finalization and the ranking ----------------------------------------------------


@dataclass(frozen=True)
class SubmissionScores:
    self_assessed: AssessmentScore
    verified: AssessmentScore | None


def scores(submission: RegionSubmission) -> SubmissionScores:
    """The region's own score and, once reviewed, the verified one (same engine, same bands)."""
    instrument = instrument_for(submission.national_period)
    answers = answers_by_code(submission)
    own = {code: row.value.answer() for code, row in answers.items()}
    self_assessed = score_assessment(instrument, own)
    reviews = reviews_by_code(submission)
    if not reviews and submission.status not in (SubmissionStatus.VERIFIED, SubmissionStatus.FINAL):
        return SubmissionScores(self_assessed, None)
    values = dict(own)
    for code, row in reviews.items():
        verdict = row.verified.answer()
        if verdict.is_answered:
            values[code] = verdict
    return SubmissionScores(self_assessed, score_assessment(instrument, values))


def indices_of(
    found: list[RegionSubmission],
) -> dict[int, tuple[Fraction | None, Fraction | None]]:
    """Submission id -> (self-assessed, verified) overall index, as `scores` gives them, for
    a list of submissions: two queries however many regions (the answers, the reviews)."""
    ids = [s.id for s in found]
    answers: dict[int, dict[str, AnswerValue]] = {i: {} for i in ids}
    reviews: dict[int, dict[str, AnswerValue]] = {i: {} for i in ids}
    if ids:
        for row in db.session.scalars(
            select(RegionAnswer).where(RegionAnswer.submission_id.in_(ids))
        ):
            answers[row.submission_id][row.indicator_code] = row.value.answer()
        for row in db.session.scalars(
            select(RegionReview).where(RegionReview.submission_id.in_(ids))
        ):
            reviews[row.submission_id][row.indicator_code] = row.verified.answer()
    result = {}
    for submission in found:
        instrument = instrument_for(submission.national_period)
        own = answers[submission.id]
        self_index = score_assessment(instrument, own).index
        reviewed = reviews[submission.id]
        verified_index = None
        if reviewed or submission.status in (SubmissionStatus.VERIFIED, SubmissionStatus.FINAL):
            values = dict(own)
            values.update({c: v for c, v in reviewed.items() if v.is_answered})
            verified_index = score_assessment(instrument, values).index
        result[submission.id] = (self_index, verified_index)
    return result


def finalize_refusal(period: NationalPeriod) -> str | None:
    """Why the period cannot be finalized now (None: it can)."""
    if period.status != NationalPeriodStatus.OPEN:
        return _("This national period is final.")
    found = submissions(period)
    waiting = [
        s.region.name
        for s in found
        if s.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.AWAITING_APPROVAL)
    ]
    if waiting:
        return _(
            "These regions' submissions are not reviewed yet: %(names)s.",
            names=", ".join(waiting),
        )
    if not any(s.status == SubmissionStatus.VERIFIED for s in found):
        return _("No region's submission is verified yet.")
    return None


def finalize(period: NationalPeriod, user: User | None) -> list[RegionSubmission]:
    """Finalize the national period: each verified submission's result is computed once and
    stored (RegionResult); drafts and returned submissions are left out of the ranking.
    `user` None: the command line (`flask national-period finalize`)."""
    if user is not None and not administers_nation(user):
        raise EvaluationRefused(_("Only the ministry's administrators finalize."))
    refusal = finalize_refusal(period)
    if refusal:
        raise EvaluationRefused(refusal)
    final = []
    for submission in submissions(period):
        if submission.status != SubmissionStatus.VERIFIED:
            continue
        record_result(submission)
        submission.status = SubmissionStatus.FINAL
        final.append(submission)
    period.status = NationalPeriodStatus.FINAL
    period.finalized_at = utcnow()
    period.finalized_by_id = user.id if user is not None else None
    audit.record(
        "national_period.finalized",
        "national_period",
        period.year,
        user=user,
        new={"regions": [s.region.code for s in final]},
    )
    db.session.commit()
    return final


def record_result(submission: RegionSubmission) -> None:
    """Store the verified result of one submission (replacing any stored before)."""
    verified = scores(submission).verified
    assert verified is not None
    db.session.execute(delete(RegionResult).where(RegionResult.submission_id == submission.id))
    rows = [(OVERALL, "", verified.index, verified.maturity)]
    rows += [(PILLAR, d.dimension.code, d.index, d.maturity) for d in verified.dimensions]
    rows += [
        (EVALUATION_DIMENSION, e.evaluation_dimension.code, e.index, e.maturity)
        for e in verified.evaluation_dimensions
    ]
    for kind, code, index, maturity in rows:
        db.session.add(
            RegionResult(
                submission_id=submission.id,
                kind=kind,
                code=code,
                index=index,
                level=maturity.level if maturity is not None else None,
            )
        )


@dataclass(frozen=True)
class RankedRegion:
    rank: int
    code: str
    name: str
    province_code: str
    submission_id: int
    index: Fraction | None
    level: int | None
    pillars: Mapping[str, Fraction | None] = field(default_factory=dict)
    evaluation_dimensions: Mapping[str, Fraction | None] = field(default_factory=dict)


def ranking(period: NationalPeriod) -> list[RankedRegion]:
    """The final regions by their stored overall index (highest first, then by code): two
    queries however many regions there are."""
    heads = db.session.execute(
        select(RegionSubmission.id, Region.code, Region.name, Region.province_code)
        .join(Region, Region.id == RegionSubmission.region_id)
        .where(
            RegionSubmission.national_period_id == period.id,
            RegionSubmission.status == SubmissionStatus.FINAL,
        )
    ).all()
    lines: dict[int, list[RegionResult]] = {}
    for row in db.session.scalars(
        select(RegionResult)
        .join(RegionSubmission, RegionSubmission.id == RegionResult.submission_id)
        .where(RegionSubmission.national_period_id == period.id)
    ):
        lines.setdefault(row.submission_id, []).append(row)
    unranked = []
    for submission_id, code, name, province in heads:
        own = lines.get(submission_id, [])
        overall = next((r for r in own if r.kind == OVERALL), None)
        unranked.append(
            (
                submission_id,
                code,
                name,
                province,
                overall.index if overall else None,
                overall.level if overall else None,
                {r.code: r.index for r in own if r.kind == PILLAR},
                {r.code: r.index for r in own if r.kind == EVALUATION_DIMENSION},
            )
        )
    unranked.sort(key=lambda r: (r[4] is None, -(r[4] or 0), r[1]))
    return [
        RankedRegion(position, code, name, province, sid, index, level, pillars, stages)
        for position, (sid, code, name, province, index, level, pillars, stages) in enumerate(
            unranked, start=1
        )
    ]


def stored_result(submission: RegionSubmission) -> RegionResult | None:
    """A final submission's overall result as stored at finalization."""
    return db.session.scalar(
        select(RegionResult).filter_by(submission_id=submission.id, kind=OVERALL)
    )


def result_of(period: NationalPeriod, region_code: str) -> RankedRegion | None:
    return next((r for r in ranking(period) if r.code == region_code), None)


def regions_without_submission(period: NationalPeriod) -> list[Region]:
    """The deployment's kabupaten and kota that have not begun a submission."""
    begun = select(RegionSubmission.region_id).where(
        RegionSubmission.national_period_id == period.id
    )
    return list(
        db.session.scalars(
            select(Region)
            .where(Region.id.not_in(begun), Region.kind != "provinsi")
            .order_by(Region.code)
        )
    )


def _mean(values: Iterable[Fraction | None]) -> Fraction | None:
    present = [v for v in values if v is not None]
    return sum(present, Fraction(0)) / len(present) if present else None


@dataclass(frozen=True)
class PillarLevels:
    """How many ranked regions have each maturity level in one pillar, and their mean."""

    code: str
    name: object
    mean: Fraction | None
    counts: tuple[int, ...]  # one per maturity band, in the instrument's order


@dataclass(frozen=True)
class StageMean:
    code: str
    name: object
    weight: Fraction
    mean: Fraction | None


def pillar_levels(instrument: Instrument, ranked: list[RankedRegion]) -> list[PillarLevels]:
    """Per pillar, the ranked regions at each maturity level (by their stored pillar index)."""
    result = []
    for dimension in instrument.dimensions:
        indices = [r.pillars.get(dimension.code) for r in ranked]
        levels = Counter(instrument.band_for(i).level for i in indices if i is not None)
        result.append(
            PillarLevels(
                dimension.code,
                dimension.name,
                _mean(indices),
                tuple(levels[band.level] for band in instrument.maturity_bands),
            )
        )
    return result


def stage_means(instrument: Instrument, ranked: list[RankedRegion]) -> list[StageMean]:
    """Per evaluation dimension, the mean of the ranked regions' stored indices."""
    return [
        StageMean(
            stage.code,
            stage.name,
            stage.weight,
            _mean(r.evaluation_dimensions.get(stage.code) for r in ranked),
        )
        for stage in instrument.evaluation_dimensions
    ]
