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
    utcnow,
)
from .policy import can_edit_assessment
from .services import audit
from .services.accounts import create_user, find_user
from .services.assessments import (
    AnswerInput,
    AssessmentRefused,
    answers_by_code,
    dimension_codes,
    evidence_counts,
    open_assessments_for_all,
    save_answers,
    submit,
)
from .services.instruments import DEMO_INSTRUMENT, instrument_of, register_instrument

REGION_NAME = "Kabupaten Kotawaringin Timur"
REGION_SEAT = "Sampit"
DEMO_YEAR = 2026
HISTORY_YEAR = 2025


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

    version = register_instrument(DEMO_INSTRUMENT.read_text(encoding="utf-8"), str(DEMO_INSTRUMENT))
    period = db.session.scalar(select(Period).filter_by(year=DEMO_YEAR))
    if period is None:
        from .cli import open_period

        period, _ = open_period(DEMO_YEAR, version)
    open_assessments_for_all(period)

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
    _assign_demo_evaluator(period, agencies.values())
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
    levels: dict[str, int] = {}
    entries = {}
    for dimension_code in dimension_codes(assessment, instrument):
        dimension = instrument.dimension(dimension_code)
        assert dimension is not None
        for indicator in dimension.indicators:
            level = rng.choice([n for n in LEVEL_CHOICES if n in indicator.level_numbers])
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
) -> None:
    """Take one agency's 2025 assessment from wherever it is to final, through the services."""
    from .services.review import save_review, transition

    rng = random.Random(f"{assessment.agency.code}-{HISTORY_YEAR}")
    if assessment.status == Status.DRAFT:
        _answer(assessment, agency_user, instrument, rng)
        submit(assessment, agency_user)
        if assessment.agency.code == RETURNED_AGENCY and assessment.round == 1:
            first = sorted(answers_by_code(assessment))[0]
            transition(
                assessment,
                evaluator,
                Action.RETURN,
                f"Justifikasi {first} belum menjelaskan kondisi nyata tahun 2025. Mohon "
                "dilengkapi dengan capaian dan data dukung yang relevan.",
            )
    if assessment.status == Status.RETURNED:
        answers = answers_by_code(assessment)
        first = sorted(answers)[0]
        row = answers[first]
        save_answers(
            assessment,
            agency_user,
            {
                first: AnswerInput(
                    row.level,
                    row.not_applicable,
                    row.justification
                    + " Rincian capaian 2025 dan daftar data dukung telah ditambahkan sesuai "
                    "catatan evaluator.",
                )
            },
        )
        submit(assessment, agency_user)
    if assessment.status == Status.SUBMITTED:
        entries = _verdicts(assessment, instrument, rng)
        if entries:
            save_review(assessment, evaluator, entries)
        else:
            transition(assessment, evaluator, Action.START_REVIEW)
    if assessment.status == Status.IN_REVIEW:
        transition(assessment, evaluator, Action.VERIFY)
    if assessment.status == Status.VERIFIED:
        transition(assessment, admin, Action.FINALIZE)


def seed_history(version: InstrumentVersion, agencies: Iterable[Agency]) -> str:
    """The completed 2025 period: every demo agency final, then the period closed.

    Resumable and idempotent: a closed 2025 period is left alone.
    """
    from .cli import open_period, set_period_status

    period = db.session.scalar(select(Period).filter_by(year=HISTORY_YEAR))
    if period is not None and not period.is_open:
        return f"Demo history: period {HISTORY_YEAR} ({period.status}, already exists)"
    evaluator = find_user("evaluator")
    admin = find_user("admin")
    if evaluator is None or admin is None or evaluator.role != Role.EVALUATOR:
        return f"Demo history: period {HISTORY_YEAR} skipped (no demo evaluator or admin)"
    if period is None:
        period, _ = open_period(HISTORY_YEAR, version)
    agencies = list(agencies)
    _assign_demo_evaluator(period, agencies)
    db.session.commit()
    instrument = instrument_of(period.instrument_version)
    final = 0
    with _many_small_commits():
        final = _complete_all(period, agencies, instrument, evaluator, admin)
    set_period_status(period, PeriodStatus.CLOSED)
    db.session.commit()
    return f"Demo history: period {HISTORY_YEAR} (closed), {final} final assessment(s)"


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
    for agency in agencies:
        assessment = db.session.scalar(
            select(Assessment).filter_by(agency_id=agency.id, period_id=period.id)
        )
        agency_user = find_user(agency.code.lower())
        if assessment is None or agency_user is None or agency_user.agency_id != agency.id:
            continue
        _complete_2025(assessment, instrument, agency_user, evaluator, admin)
        final += assessment.status == Status.FINAL
    return final
