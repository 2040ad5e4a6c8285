"""The demo region: Kabupaten Kotawaringin Timur, its agencies, users, the open 2026 period
and a completed 2025 period (answered, reviewed, verified and finalized through the services,
so its audit trail and history are genuine)."""

from __future__ import annotations

import hashlib
import io
import random
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from .domain.instrument import Instrument
from .domain.workflow import Action, Status
from .extensions import db
from .models import (
    Agency,
    AgencyDimension,
    Assessment,
    Evidence,
    InstrumentVersion,
    Period,
    PeriodStatus,
    Region,
    Role,
    User,
    stamped_at,
    utcnow,
)
from .policy import can_edit_assessment
from .services import audit, periods
from .services.accounts import create_user, find_user
from .services.assessments import (
    AnswerInput,
    AssessmentRefused,
    answers_by_code,
    dimension_codes,
    evidence_counts,
    save_answers,
)
from .services.instruments import DEMO_INSTRUMENT, instrument_of, register_instrument

REGION_NAME = "Kabupaten Kotawaringin Timur"
REGION_SEAT = "Sampit"
DEMO_YEAR = 2026
HISTORY_YEAR = 2025
# the questionnaire version the 2025 period used (the same indicators as 2026.1)
HISTORY_INSTRUMENT = DEMO_INSTRUMENT.with_name("kotim-smart-city-2025.yaml")

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


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    head_name: str
    head_nip: str
    head_position: str
    dimensions: tuple[str, ...]


# Fictional heads; NIPs follow the 18-digit pattern (birth date, appointment, sex, sequence).
DEMO_AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency(
        "BAPPERIDA",
        "Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah",
        "Ir. Hendra Saputra, M.T.",
        "197303152000031004",
        "Kepala Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah",
        ("GOV", "ECO", "PPL"),
    ),
    DemoAgency(
        "DISKOMINFO",
        "Dinas Komunikasi, Informatika, Statistik dan Persandian",
        "Rahmat Hidayat, S.Kom., M.Si.",
        "197806212003121002",
        "Kepala Dinas Komunikasi, Informatika, Statistik dan Persandian",
        ("GOV", "INF"),
    ),
    DemoAgency(
        "DINKES",
        "Dinas Kesehatan",
        "dr. Siti Rahmawati, M.Kes.",
        "198004102006042011",
        "Kepala Dinas Kesehatan",
        ("LIV",),
    ),
    DemoAgency(
        "DISDIK",
        "Dinas Pendidikan",
        "Drs. Bambang Irawan, M.Pd.",
        "196911051994031007",
        "Kepala Dinas Pendidikan",
        ("PPL",),
    ),
    DemoAgency(
        "DLH",
        "Dinas Lingkungan Hidup",
        "Yuliana Kristanti, S.Hut., M.P.",
        "198207182008012015",
        "Kepala Dinas Lingkungan Hidup",
        ("ENV",),
    ),
    DemoAgency(
        "DPUPR",
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        "Agus Priyanto, S.T., M.T.",
        "197512302002121003",
        "Kepala Dinas Pekerjaan Umum dan Penataan Ruang",
        ("INF", "ENV"),
    ),
    DemoAgency(
        "DISHUB",
        "Dinas Perhubungan",
        "Muhammad Noor, S.Sos.",
        "197709092005011006",
        "Kepala Dinas Perhubungan",
        ("INF", "LIV"),
    ),
    DemoAgency(
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        "Dewi Anggraini, S.E., M.M.",
        "198103252009022008",
        "Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        ("GOV", "ECO"),
    ),
    DemoAgency(
        "BAPENDA",
        "Badan Pendapatan Daerah",
        "H. Syahrani, S.E.",
        "197406142001121005",
        "Kepala Badan Pendapatan Daerah",
        ("ECO",),
    ),
    DemoAgency(
        "DISDUKCAPIL",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Fitriani, S.H., M.H.",
        "198306022010012019",
        "Kepala Dinas Kependudukan dan Pencatatan Sipil",
        ("GOV",),
    ),
    DemoAgency(
        "DISBUDPAR",
        "Dinas Kebudayaan, Pariwisata, Kepemudaan dan Olahraga",
        "Yohanes Dedi, S.Pd., M.Si.",
        "197912112006041009",
        "Kepala Dinas Kebudayaan, Pariwisata, Kepemudaan dan Olahraga",
        ("ECO", "PPL"),
    ),
    DemoAgency(
        "BPBD",
        "Badan Penanggulangan Bencana Daerah",
        "Kurniawan Saleh, S.IP.",
        "197602282003121004",
        "Kepala Pelaksana Badan Penanggulangan Bencana Daerah",
        ("LIV", "ENV"),
    ),
)

STAFF_USERS = (
    ("evaluator", Role.EVALUATOR, "Tim Evaluator Smart City"),
    ("admin", Role.ADMIN, "Administrator Tim Pelaksana Smart City"),
    ("pimpinan", Role.VIEWER, "Pimpinan Daerah (hanya membaca)"),
)


def _password(fixed: str | None) -> str:
    return fixed if fixed is not None else secrets.token_urlsafe(9)


def _ensure_user(
    username: str,
    role: str,
    full_name: str,
    password: str,
    agency: Agency | None,
    report: list[str],
) -> None:
    existing: User | None = find_user(username)
    if existing is not None:
        report.append(f"  {username:<14} (already exists, password unchanged)")
        return
    create_user(
        username, role, password, agency_code=agency.code if agency else None, full_name=full_name
    )
    report.append(f"  {username:<14} {password:<16} {role}")


def seed_demo_region(password: str | None = None, history: bool = True) -> list[str]:
    """Create whatever of the demo region is missing; returns lines to print.

    `history` adds the completed 2025 period (about 0.4 s of the seeding on SQLite).
    """
    report: list[str] = []
    region = db.session.scalar(select(Region).filter_by(name=REGION_NAME))
    if region is None:
        region = Region(name=REGION_NAME, seat=REGION_SEAT)
        db.session.add(region)
        db.session.flush()
    agencies = {}
    for demo in DEMO_AGENCIES:
        agency = db.session.scalar(select(Agency).filter_by(code=demo.code))
        if agency is None:
            agency = Agency(
                region=region,
                code=demo.code,
                name=demo.name,
                head_name=demo.head_name,
                head_nip=demo.head_nip,
                head_position=demo.head_position,
                dimension_links=[
                    AgencyDimension(dimension_code=code, position=i)
                    for i, code in enumerate(demo.dimensions)
                ],
            )
            db.session.add(agency)
            db.session.flush()
        agencies[demo.code] = agency
    _tag_demo_agencies(agencies)

    version = register_instrument(DEMO_INSTRUMENT.read_text(encoding="utf-8"), str(DEMO_INSTRUMENT))
    period = db.session.scalar(select(Period).filter_by(year=DEMO_YEAR))
    if period is None:
        period, _ = periods.open_period(DEMO_YEAR, version)
    periods.open_assessments_for_all(period)

    report.append(f"Demo region: {REGION_NAME}, period {DEMO_YEAR} ({period.status})")
    report.append("Demo logins (username, password, role):")
    for username, role, full_name in STAFF_USERS:
        _ensure_user(username, role, full_name, _password(password), None, report)
    for demo in DEMO_AGENCIES:
        _ensure_user(
            demo.code.lower(),
            Role.AGENCY,
            f"Operator {demo.code}",
            _password(password),
            agencies[demo.code],
            report,
        )
    _ensure_heads(agencies, password, report)
    _assign_demo_evaluator(period, agencies.values())
    _ensure_demo_team(period, agencies, find_user("admin"))
    _ensure_letterhead(region)
    db.session.commit()
    if history:
        report.append(seed_history(version, agencies.values()))
    return report


def _assign_demo_evaluator(period: Period, agencies) -> None:
    """The demo evaluator reviews every agency; the admin is the one who assigned them."""
    from .services.review import assign

    evaluator = find_user("evaluator")
    admin = find_user("admin")
    if evaluator is None or admin is None or evaluator.role != Role.EVALUATOR:
        return
    for agency in agencies:
        assign(period, agency, evaluator, admin)


# --- the completed 2025 period ---------------------------------------------------------------

OPENINGS = (
    "Berdasarkan evaluasi internal tahun 2025,",
    "Sesuai laporan kinerja perangkat daerah tahun 2025,",
    "Hasil monitoring triwulan IV tahun 2025 menunjukkan bahwa",
    "Merujuk pada dokumen Renja dan capaian tahun 2025,",
)
# self-assessed levels lean to the middle of the scale, as in real submissions
LEVEL_CHOICES = (1, 2, 2, 3, 3, 3, 4, 4, 5)
# the demo agency whose 2025 submission was returned once before being verified
RETURNED_AGENCY = "DISHUB"


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


def _demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF naming the document (real bytes for real hashes)."""
    safe = (
        title.encode("ascii", "replace").replace(b"\\", b"").replace(b"(", b"[").replace(b")", b"]")
    )
    content = b"BT /F1 12 Tf 56 780 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _attach_demo_evidence(assessment: Assessment, user: User, codes: list[str]) -> None:
    """The agency's supporting document (a small real PDF) attached to each indicator given.

    Like `services.evidence.attach`, but the demo's one document is stored once (the storage
    is content-addressed) and the rows are added in one flush: attach commits and syncs a
    file per call, which made seeding several times slower. The rows and their audit events
    are the same as the service's.
    """
    from .services.evidence import _record
    from .storage import evidence_storage

    if not codes:
        return
    if not can_edit_assessment(user, assessment):
        raise AssessmentRefused("the demo agency cannot change its 2025 assessment")
    name = f"data-dukung-{assessment.agency.code.lower()}-{HISTORY_YEAR}.pdf"
    content = _demo_pdf(f"Data dukung Smart City {HISTORY_YEAR} - {REGION_NAME}")
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


def _answer(assessment: Assessment, user: User, instrument: Instrument, rng) -> dict[str, int]:
    """Answer every indicator of the agency's dimensions, with evidence where it is due."""
    from .services.assessments import questionnaire

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
    from .services.review import ReviewInput

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
    from .services.periods import grant_extension
    from .services.workflow import save_review, submit, transition

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
        from .services.periods import create_period

        # the 2025 questionnaire, opened on the first day of the 2025 calendar
        with stamped_at(history_moment("opened")):
            version = register_instrument(
                HISTORY_INSTRUMENT.read_text(encoding="utf-8"), str(HISTORY_INSTRUMENT)
            )
            period, _ = create_period(
                HISTORY_YEAR, version, HISTORY_OPENS_ON, HISTORY_CLOSES_ON, by=admin
            )
        with stamped_at(history_moment("opened", minute=30)):
            _assign_demo_evaluator(period, agencies)
            _ensure_demo_team(period, {a.code: a for a in agencies}, admin)
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

    from .models import Notification

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
        _complete_2025(
            assessment, instrument, agency_user, evaluator, admin, turn, len(agencies)
        )
        final += assessment.status == Status.FINAL
    return final


# --- WF: the agencies' heads, their remits, the Tim Pelaksana, approvals and follow-ups ------

# agency tags for the instruments' `applies_to` (docs/ADMINISTRATION.md, "Indicators by remit")
DEMO_TAGS: dict[str, str] = {
    "BAPPERIDA": "perencanaan",
    "DISKOMINFO": "kominfo",
    "DINKES": "kesehatan",
    "DISDIK": "pendidikan",
    "DLH": "lingkungan-hidup",
    "DPUPR": "pekerjaan-umum",
    "DISHUB": "perhubungan",
    "DPMPTSP": "perizinan",
    "BAPENDA": "pendapatan",
    "DISDUKCAPIL": "kependudukan",
    "DISBUDPAR": "pariwisata",
    "BPBD": "kebencanaan,kedaruratan",
}
# the heads' ranks (pangkat/golongan); names, NIPs and positions are in DEMO_AGENCIES
HEAD_RANKS: dict[str, str] = {
    "BAPPERIDA": "Pembina Utama Muda (IV/c)",
    "DISKOMINFO": "Pembina Tingkat I (IV/b)",
    "DINKES": "Pembina Tingkat I (IV/b)",
    "DISDIK": "Pembina Utama Muda (IV/c)",
    "DLH": "Pembina (IV/a)",
    "DPUPR": "Pembina Tingkat I (IV/b)",
    "DISHUB": "Pembina Tingkat I (IV/b)",
    "DPMPTSP": "Pembina (IV/a)",
    "BAPENDA": "Pembina Tingkat I (IV/b)",
    "DISDUKCAPIL": "Pembina (IV/a)",
    "DISBUDPAR": "Pembina Tingkat I (IV/b)",
    "BPBD": "Pembina (IV/a)",
}
# the agency whose 2025 result stays below the certificate minimum (predicate Baik)
LOW_AGENCY = "BPBD"
LOW_LEVELS = (1, 2, 2, 2)
# the decree (SK Bupati) that appoints the team of each demo period
DEMO_DECREES: dict[int, tuple[str, date]] = {
    2025: ("188.45/072/HUK/2025", date(2025, 2, 17)),
    2026: ("188.45/064/HUK/2026", date(2026, 2, 16)),
}
CHAIR_CODE, VICE_CHAIR_CODE = "BAPPERIDA", "DISKOMINFO"
# team members without an account: the secretary and an academic assessor
TEAM_SECRETARY = dict(
    name="Nor Aisyah, S.E., M.Si.",
    nip="198505172009022004",
    rank="Penata Tingkat I (III/d)",
    position="Sekretaris Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah",
    institution="Bapperida Kabupaten Kotawaringin Timur",
)
TEAM_ACADEMIC = dict(
    name="Dr. Ir. Muhammad Ridwan, M.T.",
    position="Dosen Program Studi Teknik Informatika",
    institution="Universitas Darwan Ali, Sampit",
)
ACADEMIC_AGENCIES = ("DISKOMINFO", "DINKES", "DISHUB", "BPBD")


def head_username(agency_code: str) -> str:
    return f"kepala-{agency_code.lower()}"


def _tag_demo_agencies(agencies: dict[str, Agency]) -> None:
    """The demo agencies' remits as tags (only where the administrator set none)."""
    for code, agency in agencies.items():
        if not agency.tags and code in DEMO_TAGS:
            agency.tags = DEMO_TAGS[code]
    db.session.flush()


def _ensure_heads(agencies: dict[str, Agency], password: str | None, report: list[str]) -> None:
    """A head login `kepala-<code>` for every demo agency, designated as its approver."""
    from .services.approvals import OfficialInput, designate

    for demo in DEMO_AGENCIES:
        username = head_username(demo.code)
        existing = find_user(username)
        _ensure_user(
            username, Role.AGENCY, demo.head_name, _password(password), agencies[demo.code], report
        )
        if existing is None:
            user = find_user(username)
            assert user is not None
            designate(
                user,
                OfficialInput(
                    head=True,
                    full_name=demo.head_name,
                    nip=demo.head_nip,
                    rank=HEAD_RANKS.get(demo.code, ""),
                    position=demo.head_position,
                ),
                by=None,
            )


def _ensure_demo_team(period: Period, agencies: dict[str, Agency], admin: User | None) -> None:
    """The period's Tim Pelaksana: the head of Bapperida chairs it, the head of Diskominfo is
    vice-chair (as in Kotim), a secretary, the demo evaluator and an academic assessor."""
    from .services import team

    if team.members_of(period):
        return
    number, decreed = DEMO_DECREES.get(period.year, (f"188.45/050/HUK/{period.year}", None))
    team.save_settings(
        period,
        team.TeamSettings(
            decree_number=number,
            decree_date=decreed,
            # the past year had interviews and site visits; the open year asks for none
            interview_required=period.year == HISTORY_YEAR,
            chair_absent=False,
            chair_absent_note="",
        ),
        admin,
    )
    chair = find_user(head_username(CHAIR_CODE))
    vice = find_user(head_username(VICE_CHAIR_CODE))
    evaluator = find_user("evaluator")
    if chair is not None:
        team.add_member(period, team.MemberInput(team.CHAIR, chair.id), admin)
    if vice is not None:
        team.add_member(period, team.MemberInput(team.VICE_CHAIR, vice.id), admin)
    team.add_member(period, team.MemberInput(team.SECRETARY, None, **TEAM_SECRETARY), admin)
    if evaluator is not None and evaluator.role == Role.EVALUATOR:
        # reviews the agencies of its evaluator assignments (_assign_demo_evaluator)
        team.add_member(
            period,
            team.MemberInput(
                team.MEMBER,
                evaluator.id,
                position="Evaluator Smart City",
                institution="Diskominfo Kabupaten Kotawaringin Timur",
            ),
            admin,
        )
    academic = team.add_member(period, team.MemberInput(team.MEMBER, None, **TEAM_ACADEMIC), admin)
    team.set_member_agencies(
        academic, [agencies[c].id for c in ACADEMIC_AGENCIES if c in agencies], admin
    )
    db.session.flush()


def _approve_as_head(assessment: Assessment) -> None:
    """The agency's head reads what the operators sent and approves it."""
    from .services.workflow import approve

    head = find_user(head_username(assessment.agency.code))
    if head is not None and assessment.status == Status.AWAITING_APPROVAL:
        approve(assessment, head, confirmed=True)


OBSTACLES = (
    "Keterbatasan anggaran dan sumber daya manusia bidang TIK; jaringan internet di "
    "kecamatan jauh dari Sampit belum stabil.",
    "Integrasi data dengan aplikasi pusat masih manual; SOP belum ditetapkan.",
    "Pemanfaatan aplikasi oleh masyarakat masih rendah; sosialisasi terbatas.",
)


def _state_obstacles(assessment: Assessment, operator: User, instrument: Instrument, rng) -> None:
    """The operator's achievements and obstacles per dimension (capaian dan kendala)."""
    from .services.follow_ups import ObstacleInput, save_obstacles

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
    from .services.follow_ups import FollowUpInput, add_follow_up, follow_ups_of

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
    from .policy import acting_chair
    from .services import team
    from .services.workflow import transition

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
    defaults = team.default_minutes(assessment)
    transition(
        assessment,
        chair,
        Action.FINALIZE,
        minutes=team.MinutesInput(
            held_on=today,
            place="Ruang Sampit Creative Hub, Kantor Diskominfo Kotawaringin Timur",
            member_ids=defaults.member_ids,
            representatives=defaults.representatives,
        ),
    )


# --- DOC (issue 17): the letterhead and document numbers of the demo region -----------------

DEMO_EMBLEM = Path(__file__).parent / "data" / "demo-emblem.svg"
# Kotim's Bapperida as the issuing unit; the emblem is a neutral placeholder drawn for the demo
DEMO_LETTERHEAD = {
    "government": "PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR",
    "unit": "BADAN PERENCANAAN PEMBANGUNAN, RISET DAN INOVASI DAERAH",
    "unit_code": "BAPPERIDA",
    "address": "Jalan Jenderal Sudirman, Sampit, Kalimantan Tengah",
    "telephone": "(0531) 21000",
    "email": "bapperida@kotimkab.go.id",
    "website": "bapperida.kotimkab.go.id",
}
DEMO_CLASSIFICATION = "000.8.3"


def _ensure_letterhead(region: Region) -> None:
    """The demo's letterhead, coat of arms and number patterns, unless some are set already."""
    import json

    from .domain import emblem
    from .domain.numbering import DEFAULT_PATTERN
    from .models import DocumentSettings
    from .services.documents import KINDS

    if db.session.scalar(select(DocumentSettings).filter_by(region_id=region.id)) is not None:
        return
    drawn = emblem.checked(DEMO_EMBLEM.read_bytes())
    db.session.add(
        DocumentSettings(
            region_id=region.id,
            **DEMO_LETTERHEAD,
            emblem=drawn.content,
            emblem_type=drawn.media_type,
            numbering=json.dumps(
                {
                    kind: {"pattern": DEFAULT_PATTERN, "classification": DEMO_CLASSIFICATION}
                    for kind in KINDS
                },
                sort_keys=True,
            ),
        )
    )
