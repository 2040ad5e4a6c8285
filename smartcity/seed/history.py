"""The demo's completed 2025 period: answered, reviewed, verified and finalized through the
services, each step on its day of a real year, so its audit trail and history are genuine."""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from .. import pdf
from ..domain.instrument import Instrument
from ..domain.workflow import Action, Status
from ..extensions import db
from ..models import (
    Agency,
    Assessment,
    Evidence,
    InstrumentVersion,
    Period,
    PeriodStatus,
    Role,
    User,
    stamped_at,
    utcnow,
)
from ..policy import can_edit_assessment
from ..services import audit, periods
from ..services.accounts import find_user
from ..services.assessments import (
    AnswerInput,
    AssessmentRefused,
    answers_by_code,
    dimension_codes,
    evidence_counts,
    save_answers,
)
from ..services.instruments import instrument_of, register_instrument
from .data import (
    ACADEMIC_AGENCIES,
    HISTORY_INSTRUMENT,
    HISTORY_YEAR,
    LEVEL_CHOICES,
    LOW_AGENCY,
    LOW_LEVELS,
    OBSTACLES,
    OPENINGS,
    REGION_NAME,
    REGION_SEAT,
    RETURNED_AGENCY,
)
from .people import assign_demo_evaluator, ensure_demo_team, head_username

# The demo's past year as a real one runs: every step of the 2025 history (its timestamps,
# audit events and transitions) happens on a working day between these dates, the agencies
# taking their turns in order. One table, so each demo part stamps its steps the same way.
HISTORY_CALENDAR: dict[str, tuple[date, date]] = {
    "opened": (date(2025, 3, 3), date(2025, 3, 3)),  # period opened, evaluators assigned
    "answered": (date(2025, 3, 17), date(2025, 5, 9)),  # the agencies fill in
    "submitted": (date(2025, 5, 12), date(2025, 5, 28)),
    "approved": (date(2025, 5, 13), date(2025, 5, 30)),  # the agency head approves
    "review_started": (date(2025, 6, 2), date(2025, 6, 6)),
    "returned": (date(2025, 6, 10), date(2025, 6, 10)),  # one agency is asked for more
    "resubmitted": (date(2025, 6, 16), date(2025, 6, 17)),
    "verified": (date(2025, 6, 18), date(2025, 6, 30)),
    "finalized": (date(2025, 7, 7), date(2025, 7, 18)),
    "closed": (date(2025, 7, 31), date(2025, 7, 31)),
}
# the 2025 filling-in window, and the returned agency's later deadline
HISTORY_OPENS_ON, HISTORY_CLOSES_ON = date(2025, 3, 3), date(2025, 5, 31)
HISTORY_EXTENSION = date(2025, 6, 20)
LOCAL_OFFSET = timedelta(hours=7)  # WIB (Sampit): the hours below are local office hours


def history_moment(step: str, turn: int = 0, of: int = 1, minute: int = 0) -> datetime:
    """When the `turn`-th of `of` agencies took `step` of the 2025 history (naive UTC, as
    stored): spread over the step's working days (Monday to Friday), between 08.00 and 15.00."""
    first, last = HISTORY_CALENDAR[step]
    days = [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + timedelta(days=n)).weekday() < 5
    ]
    day = days[turn * len(days) // max(of, 1)] if of > 1 else days[0]
    local = datetime.combine(day, time(8)) + timedelta(minutes=(turn * 97 + minute) % 420)
    return local - LOCAL_OFFSET


def seed_history(version: InstrumentVersion, agencies: Iterable[Agency]) -> str:
    """The completed 2025 period: every demo agency final, then the period closed.

    Resumable and idempotent: a closed 2025 period is left alone.
    """
    period = db.session.scalar(select(Period).filter_by(year=HISTORY_YEAR))
    if period is not None and not period.is_open:
        return f"Demo history: period {HISTORY_YEAR} ({period.status}, already exists)"
    evaluator = find_user("evaluator")
    admin = find_user("admin")
    if evaluator is None or admin is None or evaluator.role != Role.EVALUATOR:
        return f"Demo history: period {HISTORY_YEAR} skipped (no demo evaluator or admin)"
    agencies = list(agencies)
    if period is None:
        from ..services.periods import create_period

        # the 2025 questionnaire, opened on the first day of the 2025 calendar
        with stamped_at(history_moment("opened")):
            version = register_instrument(
                HISTORY_INSTRUMENT.read_text(encoding="utf-8"), str(HISTORY_INSTRUMENT)
            )
            period, _ = create_period(
                HISTORY_YEAR, version, HISTORY_OPENS_ON, HISTORY_CLOSES_ON, by=admin
            )
        with stamped_at(history_moment("opened", minute=30)):
            assign_demo_evaluator(period, agencies)
            ensure_demo_team(period, {a.code: a for a in agencies}, admin)
        db.session.commit()
    instrument = instrument_of(period.instrument_version)
    final = 0
    with _many_small_commits():
        final = _complete_all(period, agencies, instrument, evaluator, admin)
    with stamped_at(history_moment("closed")):
        periods.set_status(period, PeriodStatus.CLOSED, admin)
        _history_notifications_read(period)
        db.session.commit()
    return f"Demo history: period {HISTORY_YEAR} (closed), {final} final assessment(s)"


def _history_notifications_read(period: Period) -> None:
    """The 2025 notifications were read back then: the demo starts with none of them unread."""
    from sqlalchemy import update

    from ..models import Notification

    db.session.execute(
        update(Notification)
        .where(
            Notification.assessment_id.in_(
                select(Assessment.id).where(Assessment.period_id == period.id)
            ),
            Notification.read_at.is_(None),
        )
        .values(read_at=Notification.created_at)
    )


@contextmanager
def _many_small_commits() -> Iterator[None]:
    """The services commit after every step (about 90 commits for the 2025 history).

    While seeding: objects are not reloaded after each commit (nothing else writes these
    rows meanwhile), and on SQLite the commits skip their disk sync (PRAGMA synchronous=OFF
    on this connection, restored afterwards), which is most of the time seeding takes.
    """
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    previous = None
    if db.engine.dialect.name == "sqlite":
        previous = int(session.connection().exec_driver_sql("PRAGMA synchronous").scalar() or 2)
        session.connection().exec_driver_sql("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        session.expire_on_commit = expire
        if previous is not None:
            session.connection().exec_driver_sql(f"PRAGMA synchronous={previous}")
            session.commit()


def _complete_all(
    period: Period, agencies: list[Agency], instrument: Instrument, evaluator: User, admin: User
) -> int:
    final = 0
    for turn, agency in enumerate(agencies):
        assessment = db.session.scalar(
            select(Assessment).filter_by(agency_id=agency.id, period_id=period.id)
        )
        agency_user = find_user(agency.code.lower())
        if assessment is None or agency_user is None or agency_user.agency_id != agency.id:
            continue
        _complete_2025(assessment, instrument, agency_user, evaluator, admin, turn, len(agencies))
        final += assessment.status == Status.FINAL
    return final


def _complete_2025(
    assessment: Assessment,
    instrument: Instrument,
    agency_user: User,
    evaluator: User,
    admin: User,
    turn: int = 0,
    of: int = 1,
) -> None:
    """Take one agency's 2025 assessment from wherever it is to final, through the services,
    each step on its day of `HISTORY_CALENDAR` (the agency's `turn` of `of`)."""
    from ..services.periods import grant_extension
    from ..services.workflow import save_review, submit, transition

    def on(step: str, minute: int = 0):
        return stamped_at(history_moment(step, turn, of, minute))

    rng = random.Random(f"{assessment.agency.code}-{HISTORY_YEAR}")
    if assessment.status == Status.DRAFT:
        with on("answered"):
            _answer(assessment, agency_user, instrument, rng)
            _state_obstacles(assessment, agency_user, instrument, rng)
        with on("submitted"):
            submit(assessment, agency_user)
        with on("approved"):
            _approve_as_head(assessment)
        if assessment.agency.code == RETURNED_AGENCY and assessment.round == 1:
            first = sorted(answers_by_code(assessment))[0]
            with on("review_started"):
                transition(assessment, evaluator, Action.START_REVIEW)
            with on("returned"):
                transition(
                    assessment,
                    evaluator,
                    Action.RETURN,
                    f"Justifikasi {first} belum menjelaskan kondisi nyata tahun 2025. Mohon "
                    "dilengkapi dengan capaian dan data dukung yang relevan.",
                )
            with on("returned", 45):  # the deadline has passed: the agency gets more time
                grant_extension(
                    assessment.period,
                    assessment.agency,
                    HISTORY_EXTENSION,
                    "Perbaikan penilaian mandiri setelah dikembalikan evaluator.",
                    by=admin,
                )
                db.session.commit()
    if assessment.status == Status.RETURNED:
        answers = answers_by_code(assessment)
        first = sorted(answers)[0]
        row = answers[first]
        with on("resubmitted"):
            save_answers(
                assessment,
                agency_user,
                {
                    first: AnswerInput(
                        row.level,
                        row.not_applicable,
                        row.justification
                        + " Rincian capaian 2025 dan daftar data dukung telah ditambahkan "
                        "sesuai catatan evaluator.",
                    )
                },
            )
        with on("resubmitted", 30):
            submit(assessment, agency_user)
        with on("resubmitted", 90):
            _approve_as_head(assessment)
    if assessment.status == Status.AWAITING_APPROVAL:  # seeding stopped half-way before
        with on("approved"):
            _approve_as_head(assessment)
    if assessment.status == Status.SUBMITTED:
        entries = _verdicts(assessment, instrument, rng)
        # a resubmission is taken up again when the team verifies it
        with on("verified" if assessment.round > 1 else "review_started"):
            if entries:
                save_review(assessment, evaluator, entries)
            else:
                transition(assessment, evaluator, Action.START_REVIEW)
    if assessment.status == Status.IN_REVIEW:
        with on("verified", 60):
            transition(assessment, evaluator, Action.VERIFY)
    if assessment.status == Status.VERIFIED:
        with on("finalized"):
            _set_follow_ups(assessment, evaluator, instrument)
            _finalize_as_chair(assessment)


def _answer(assessment: Assessment, user: User, instrument: Instrument, rng) -> dict[str, int]:
    """Answer every indicator of the agency's dimensions, with evidence where it is due."""
    from ..services.assessments import questionnaire

    instrument = questionnaire(assessment, instrument)  # the indicators of its remit only
    choices = LOW_LEVELS if assessment.agency.code == LOW_AGENCY else LEVEL_CHOICES
    levels: dict[str, int] = {}
    entries = {}
    for dimension_code in dimension_codes(assessment, instrument):
        dimension = instrument.dimension(dimension_code)
        assert dimension is not None
        for indicator in dimension.indicators:
            level = rng.choice([n for n in choices if n in indicator.level_numbers])
            levels[indicator.code] = level
            entries[indicator.code] = AnswerInput(
                level,
                False,
                _justification(assessment.agency, instrument, indicator.code, level, rng),
            )
    save_answers(assessment, user, entries)
    attached = evidence_counts(assessment)
    due = [
        code
        for code, level in levels.items()
        if (level >= 3 or instrument.indicator(code).needs_evidence(level))  # type: ignore[union-attr]
        and not attached.get(code)
    ]
    _attach_demo_evidence(assessment, user, due)
    return levels


def _verdicts(assessment: Assessment, instrument: Instrument, rng) -> dict[str, object]:
    """The evaluator's changed levels: one or two per agency, each with its reason."""
    from ..services.review import ReviewInput

    answers = answers_by_code(assessment)
    codes = sorted(answers)
    chosen = rng.sample(codes, k=min(len(codes), rng.choice((1, 2))))
    entries = {}
    for code in chosen:
        level = answers[code].level
        assert level is not None
        indicator = instrument.indicator(code)
        assert indicator is not None
        if level > min(indicator.level_numbers) and (level >= 3 or rng.random() < 0.7):
            verified = level - 1
            note = (
                f"Data dukung belum membuktikan kriteria tingkat {level}; yang terverifikasi "
                f"melalui penilaian dokumen dan interviu baru tingkat {verified}. Lengkapi "
                "bukti pelaksanaan (laporan, tangkapan layar, SK) untuk penilaian berikutnya."
            )
        elif level < max(indicator.level_numbers):
            verified = level + 1
            note = (
                f"Hasil interviu dan visitasi menunjukkan kriteria tingkat {verified} sudah "
                "terpenuhi, meskipun belum dicantumkan dalam penilaian mandiri."
            )
        else:
            continue
        entries[code] = ReviewInput(verified, False, note)
    return entries


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].lower() + text[1:] if text else text


def _justification(agency: Agency, instrument: Instrument, code: str, level: int, rng) -> str:
    indicator = instrument.indicator(code)
    assert indicator is not None
    descriptor = indicator.descriptor(level)
    criteria = _sentence(descriptor.id) if descriptor is not None else ""
    text = f"{rng.choice(OPENINGS)} {agency.code} memenuhi kriteria tingkat {level}: {criteria}"
    if level >= 3:
        text += " Data dukung terlampir."
    return text


def _attach_demo_evidence(assessment: Assessment, user: User, codes: list[str]) -> None:
    """The agency's supporting document (a small real PDF) attached to each indicator given.

    Like `services.evidence.attach`, but the demo's one document is stored once (the storage
    is content-addressed) and the rows are added in one flush: attach commits and syncs a
    file per call, which made seeding several times slower. The rows and their audit events
    are the same as the service's.
    """
    from ..services.evidence import _record
    from ..storage import evidence_storage

    if not codes:
        return
    if not can_edit_assessment(user, assessment):
        raise AssessmentRefused("the demo agency cannot change its 2025 assessment")
    name = f"data-dukung-{assessment.agency.code.lower()}-{HISTORY_YEAR}.pdf"
    content = pdf.one_page(f"Data dukung Smart City {HISTORY_YEAR} - {REGION_NAME}")
    digest = hashlib.sha256(content).hexdigest()
    storage = evidence_storage()
    if not storage.exists(digest):
        storage.put(io.BytesIO(content))
    rows = [
        Evidence(
            assessment_id=assessment.id,
            indicator_code=code,
            sha256=digest,
            original_name=name,
            media_type="application/pdf",
            size=len(content),
            uploaded_by_id=user.id,
            uploaded_at=utcnow(),
        )
        for code in codes
    ]
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        audit.record(
            "evidence.added", "evidence", row.id, user=user, assessment=assessment, new=_record(row)
        )


def _approve_as_head(assessment: Assessment) -> None:
    """The agency's head reads what the operators sent and approves it."""
    from ..services.workflow import approve

    head = find_user(head_username(assessment.agency.code))
    if head is not None and assessment.status == Status.AWAITING_APPROVAL:
        approve(assessment, head, confirmed=True)


def _state_obstacles(assessment: Assessment, operator: User, instrument: Instrument, rng) -> None:
    """The operator's achievements and obstacles per dimension (capaian dan kendala)."""
    from ..services.follow_ups import ObstacleInput, save_obstacles

    entries = {}
    for code in dimension_codes(assessment, instrument):
        dimension = instrument.dimension(code)
        assert dimension is not None
        entries[code] = ObstacleInput(
            f"Capaian {HISTORY_YEAR}: sebagian layanan {dimension.name.id.split(' (')[0]} "
            "sudah berjalan daring dan datanya dilaporkan berkala.",
            rng.choice(OBSTACLES),
        )
    save_obstacles(assessment, operator, entries)
    db.session.commit()


def _set_follow_ups(assessment: Assessment, evaluator: User, instrument: Instrument) -> None:
    """The team's follow-up action for each dimension, due before next year's assessment."""
    from ..services.follow_ups import FollowUpInput, add_follow_up, follow_ups_of

    if follow_ups_of(assessment):
        return
    for code in dimension_codes(assessment, instrument):
        add_follow_up(
            assessment,
            evaluator,
            FollowUpInput(
                code,
                f"Menyusun SOP dan melengkapi data dukung dimensi {code}, lalu melaporkan "
                "capaiannya pada rapat koordinasi Tim Pelaksana.",
                assessment.agency.head_position or assessment.agency.name,
                date(HISTORY_YEAR + 1, 3, 31),
            ),
        )
    db.session.commit()


def _finalize_as_chair(assessment: Assessment) -> None:
    """The interview or site visit the 2025 period required, then the chair (or, for the
    chair's own agency, the vice-chair) makes the result final with its Berita Acara data."""
    from ..policy import acting_chair
    from ..services import minutes, team
    from ..services.workflow import transition

    chair_id, _acting = acting_chair(assessment.period_id, assessment.agency_id)
    chair = db.session.get(User, chair_id) if chair_id is not None else None
    if chair is None or assessment.status != Status.VERIFIED:
        return
    today = utcnow().date()
    if team.interview_required(assessment.period) and not team.interviews_of(assessment):
        team.record_interview(
            assessment,
            chair,
            team.InterviewInput(
                kind=(
                    team.SITE_VISIT
                    if assessment.agency.code in ACADEMIC_AGENCIES
                    else team.INTERVIEW
                ),
                held_on=today,
                place=f"Kantor {assessment.agency.name}, {REGION_SEAT}",
                attendees=f"Tim Pelaksana Smart City; {assessment.agency.head_name}; "
                f"Operator {assessment.agency.code}",
            ),
        )
        db.session.commit()
    defaults = minutes.default_minutes(assessment)
    transition(
        assessment,
        chair,
        Action.FINALIZE,
        minutes=minutes.MinutesInput(
            held_on=today,
            place="Ruang Sampit Creative Hub, Kantor Diskominfo Kotawaringin Timur",
            member_ids=defaults.member_ids,
            representatives=defaults.representatives,
        ),
    )
