"""`seed-demo --national`: the ministry's users and more regions of Kalimantan Tengah.

The regions are real regencies and the city of the province; their agencies, answers and
results are synthetic (the agencies' heads are named "Data sintetis", the answers say so):
each region answers the demo instrument in 2024 and 2025, every assessment final, with a
verified level per indicator and the results the scoring engine stores at finalization
(`services.results.record`), so the national pages and API have a few years to show. A region
already present is left as it is; running it again adds nothing.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import select

from ..domain.workflow import Status
from ..extensions import db
from ..models import (
    Agency,
    AgencyDimension,
    Answer,
    Assessment,
    PeriodStatus,
    Region,
    RegionKind,
    Review,
    Role,
    stamped_at,
)
from ..region_context import working_in
from ..services import periods, results
from ..services.instruments import DEMO_INSTRUMENT, instrument_of, register_instrument
from .data import PROVINCE_CODE
from .people import ensure_user

# (username, role, full name): the ministry's demo accounts
MINISTRY_USERS = (
    ("kementerian-admin", Role.MINISTRY_ADMIN, "Administrator Kementerian (demo)"),
    ("kementerian-evaluator", Role.MINISTRY_EVALUATOR, "Evaluator Kementerian (demo)"),
    ("kementerian-pimpinan", Role.NATIONAL_VIEWER, "Pimpinan Kementerian (demo)"),
)
# Kemendagri codes of Kalimantan Tengah's regions, their names and seats
NATIONAL_REGIONS = (
    ("62.01", "Kabupaten Kotawaringin Barat", RegionKind.KABUPATEN, "Pangkalan Bun"),
    ("62.03", "Kabupaten Kapuas", RegionKind.KABUPATEN, "Kuala Kapuas"),
    ("62.04", "Kabupaten Barito Selatan", RegionKind.KABUPATEN, "Buntok"),
    ("62.09", "Kabupaten Katingan", RegionKind.KABUPATEN, "Kasongan"),
    ("62.71", "Kota Palangka Raya", RegionKind.KOTA, "Palangka Raya"),
)
# (code, name, dimensions answered): the agencies every synthetic region has
NATIONAL_AGENCIES = (
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", ("GOV", "INF", "PPL")),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", ("GOV", "ECO")),
    ("DINKES", "Dinas Kesehatan", ("LIV",)),
    ("DLH", "Dinas Lingkungan Hidup", ("ENV",)),
    ("DPMPTSP", "Dinas Penanaman Modal dan PTSP", ("ECO", "GOV")),
    ("DISDIK", "Dinas Pendidikan", ("PPL", "LIV")),
)
YEARS = (2024, 2025)
SYNTHETIC = "Data sintetis"


def seed_national(password_for, report: list[str]) -> None:
    """The ministry's users (passwords from `password_for()`) and the synthetic regions."""
    report.append("National demo (ministry logins; the other regions' results are synthetic):")
    with working_in(None):
        for username, role, full_name in MINISTRY_USERS:
            ensure_user(username, role, full_name, password_for(), None, report)
    version = register_instrument(DEMO_INSTRUMENT.read_text(encoding="utf-8"), str(DEMO_INSTRUMENT))
    for position, (code, name, kind, seat) in enumerate(NATIONAL_REGIONS):
        with working_in(None):
            if db.session.scalar(select(Region.id).filter_by(code=code)) is not None:
                report.append(f"  region {code} {name} (already exists)")
                continue
        add_synthetic_region(code, name, kind, seat, version, random.Random(f"{code}-{position}"))
        report.append(f"  region {code} {name}: {len(NATIONAL_AGENCIES)} agencies, {YEARS}")
    db.session.commit()


def add_synthetic_region(
    code: str, name: str, kind: str, seat: str, version, rng: random.Random
) -> Region:
    """A region of Kalimantan Tengah with the synthetic agencies and final years."""
    region = Region(code=code, name=name, kind=kind, province_code=PROVINCE_CODE, seat=seat)
    db.session.add(region)
    db.session.flush()
    with working_in(region.id):
        _fill(region, version, rng)
    return region


def _fill(region: Region, version, rng: random.Random) -> None:
    agencies = []
    for code, name, dimensions in NATIONAL_AGENCIES:
        agency = Agency(
            region=region,
            code=code,
            name=name,
            head_name=SYNTHETIC,
            head_position=f"Kepala {name}",
            dimension_links=[
                AgencyDimension(dimension_code=d, position=i) for i, d in enumerate(dimensions)
            ],
        )
        db.session.add(agency)
        agencies.append(agency)
    db.session.flush()
    # each region has its own bent: a base level its agencies lean to
    base = rng.choice((2, 2, 3, 3, 4))
    for year in YEARS:
        with stamped_at(datetime(year, 11, 20, 2, 0)):
            period, _ = periods.open_period(year, version)
            periods.open_assessments_for_all(period)
            instrument = instrument_of(version)
            lean = base + (year - YEARS[0]) * rng.choice((0, 0, 1))
            for assessment in db.session.scalars(select(Assessment).filter_by(period_id=period.id)):
                synthetic_final(assessment, instrument, lean, rng)
            period.status = PeriodStatus.CLOSED
            db.session.flush()


def synthetic_final(assessment: Assessment, instrument, lean: int, rng: random.Random) -> None:
    """Answer and verify the agency's indicators around level `lean`, make the assessment
    final and store its result as the scoring engine computes it."""
    codes = assessment.agency.dimension_codes
    for dimension in instrument.dimensions:
        if dimension.code not in codes:
            continue
        for indicator in dimension.indicators:
            numbers = sorted(indicator.level_numbers)
            wanted = min(max(lean + rng.choice((-1, 0, 0, 1)), numbers[0]), numbers[-1])
            level = min(numbers, key=lambda n: abs(n - wanted))
            verified = level if rng.random() > 1 / 5 else max(numbers[0], level - 1)
            db.session.add(
                Answer(
                    assessment_id=assessment.id,
                    indicator_code=indicator.code,
                    level=level,
                    justification=f"{SYNTHETIC}: capaian tingkat {level}.",
                )
            )
            db.session.add(
                Review(
                    assessment_id=assessment.id,
                    indicator_code=indicator.code,
                    verified_level=verified,
                    note="" if verified == level else f"{SYNTHETIC}: terverifikasi {verified}.",
                )
            )
    assessment.status = Status.FINAL
    db.session.flush()
    results.record(assessment)
