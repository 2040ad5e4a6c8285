"""The demo region: Kabupaten Kotawaringin Timur, its agencies, users and the 2026 period."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from .extensions import db
from .models import Agency, AgencyDimension, Period, PeriodStatus, Region, Role, User
from .services.accounts import create_user, find_user
from .services.assessments import open_assessments_for_all
from .services.instruments import DEMO_INSTRUMENT, register_instrument

REGION_NAME = "Kabupaten Kotawaringin Timur"
REGION_SEAT = "Sampit"
DEMO_YEAR = 2026


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


def seed_demo_region(password: str | None = None) -> list[str]:
    """Create whatever of the demo region is missing; returns lines to print."""
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
        period = Period(year=DEMO_YEAR, instrument_version=version, status=PeriodStatus.OPEN)
        db.session.add(period)
        db.session.flush()
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
