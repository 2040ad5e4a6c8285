"""`seed-demo --national`: the ministry's users and more regions of Kalimantan Tengah.

The regions are real regencies and the city of the province; their agencies, answers and
results are synthetic (the agencies' heads are named "Data sintetis", the answers say so):
each region answers the demo instrument in 2024 and 2025, every assessment final, with a
verified level per indicator and the results the scoring engine stores at finalization
(`services.results.record`), so the national pages and API have a few years to show. A region
already present is left as it is; running it again adds nothing.

It also finishes one national year (2025) of the ministry's evaluation of regions with the
example national instrument: every region's submission (synthetic answers, evidence, a
programme and a quick win, its agencies' 2025 results attached) is assembled by the region's
administrator, approved by its head, reviewed by `kementerian-evaluator` (a few scores
adjusted, with a note) and verified; the year is finalized and the awards are issued, each
step through the services on its day of late 2025 (`NATIONAL_CALENDAR`). A synthetic region
has no users of its own: it gets an administrator and a head ("admin-62.01", "pimpinan-62.01").
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from .. import pdf
from ..domain.instrument import Indicator
from ..domain.workflow import Status
from ..extensions import db
from ..models import (
    Agency,
    AgencyDimension,
    Answer,
    Assessment,
    Period,
    PeriodStatus,
    ProgrammeKind,
    Region,
    RegionKind,
    RegionSubmission,
    Review,
    Role,
    User,
    stamped_at,
)
from ..region_context import working_in
from ..services import national_evaluation, periods, results
from ..services.accounts import find_user
from ..services.assessments import AnswerInput
from ..services.instruments import DEMO_INSTRUMENT, instrument_of, register_instrument
from ..services.review import ReviewInput
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
    seed_national_year(password_for, report)


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


# --- the finished national year ---------------------------------------------------------------

NATIONAL_YEAR = 2025
NATIONAL_INSTRUMENT = Path(__file__).parent.parent / "instruments" / "contoh-evaluasi-nasional.yaml"
# each step of the national year 2025 on its days (after the regions' own 2025 periods)
NATIONAL_CALENDAR: dict[str, date] = {
    "opened": date(2025, 11, 24),
    "assembled": date(2025, 11, 25),  # + one working day per region
    "approved": date(2025, 12, 2),
    "assigned": date(2025, 12, 3),
    "verified": date(2025, 12, 8),
    "finalized": date(2025, 12, 19),
}
WIB = timedelta(hours=7)


def _moment(step: str, turn: int = 0) -> datetime:
    """The step's day (the `turn`-th region a working day later), 09.00 WIB, as stored (UTC)."""
    day = NATIONAL_CALENDAR[step]
    for _ in range(turn):
        day += timedelta(days=3 if day.weekday() == 4 else 1)
    return datetime.combine(day, time(9)) - WIB


def seed_national_year(password_for, report: list[str]) -> None:
    """The national year 2025, finished: every region with its own 2025 period submits,
    is verified and ranked, and the awards are issued. Left alone once it exists."""
    # the services' messages and the awards' templates read a request (its language)
    with current_app.test_request_context(), _quick_commits():
        _seed_national_year(password_for, report)


@contextmanager
def _quick_commits() -> Iterator[None]:
    """The services commit after every step (about 150 commits): as `history`'s
    `_many_small_commits`, objects are not reloaded after each, and on SQLite the commits skip
    their disk sync, unless the connection is inside a transaction already (a test's), where
    SQLite refuses to change it."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    previous = None
    connection = session.connection()
    if (
        connection.dialect.name == "sqlite"
        and not connection.connection.dbapi_connection.in_transaction
    ):
        previous = int(connection.exec_driver_sql("PRAGMA synchronous").scalar() or 2)
        connection.exec_driver_sql("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        session.expire_on_commit = expire
        if previous is not None:
            session.connection().exec_driver_sql(f"PRAGMA synchronous={previous}")
            session.commit()


def _seed_national_year(password_for, report: list[str]) -> None:
    from ..services import documents

    with working_in(None):
        ministry = find_user("kementerian-admin")
        evaluator = find_user("kementerian-evaluator")
        if ministry is None or evaluator is None:
            report.append(f"  national year {NATIONAL_YEAR} skipped (no ministry users)")
            return
        if national_evaluation.national_period(NATIONAL_YEAR) is not None:
            report.append(f"  national year {NATIONAL_YEAR} (already exists)")
            return
        with stamped_at(_moment("opened")):
            version = register_instrument(
                NATIONAL_INSTRUMENT.read_text(encoding="utf-8"), str(NATIONAL_INSTRUMENT)
            )
            period = national_evaluation.open_national_period(NATIONAL_YEAR, version, ministry)
        regions = list(
            db.session.scalars(
                select(Region)
                .join(Period, Period.region_id == Region.id)
                .where(Period.year == NATIONAL_YEAR, Region.kind != RegionKind.PROVINSI)
                .order_by(Region.code)
            )
        )
    instrument = national_evaluation.instrument_for(period)
    for turn, region in enumerate(regions):
        rng = random.Random(f"national-{NATIONAL_YEAR}-{region.code}")
        admin, head = _region_people(region, password_for, report)
        with working_in(region.id):
            submission = _assemble(period, region, instrument, admin, rng, turn)
            with stamped_at(_moment("approved", turn)):
                national_evaluation.approve(submission, head)
        with working_in(None), stamped_at(_moment("assigned")):
            national_evaluation.assign(period, region, evaluator, ministry)
        with working_in(None), stamped_at(_moment("verified", turn)):
            _review(submission, instrument, evaluator, rng)
            national_evaluation.verify(submission, evaluator)
    with working_in(None), stamped_at(_moment("finalized")):
        final = national_evaluation.finalize(period, ministry)
        awards = documents.issue_awards(period, ministry, documents.official_language())
    report.append(
        f"  national year {NATIONAL_YEAR} (final): {len(final)} region(s) ranked, "
        f"{len(awards)} award(s)"
    )


def _region_people(region: Region, password_for, report: list[str]) -> tuple[User, User]:
    """The region's administrator and head: its own, or synthetic ones made for it."""
    found = []
    for role, prefix, title in (
        (Role.ADMIN, "admin", "Administrator"),
        (Role.VIEWER, "pimpinan", "Pimpinan"),
    ):
        with working_in(region.id):
            user = db.session.scalar(
                select(User)
                .filter_by(region_id=region.id, role=role, active=True)
                .order_by(User.id)
                .limit(1)
            )
            if user is None:
                username = f"{prefix}-{region.code}"
                ensure_user(
                    username,
                    role,
                    f"{title} {region.name} ({SYNTHETIC})",
                    password_for(),
                    None,
                    report,
                )
                user = find_user(username)
        found.append(user)
    return found[0], found[1]


def _assemble(period, region, instrument, admin: User, rng: random.Random, turn: int):
    """The region administrator's part: its agencies' results, answers around the region's
    own level with evidence where an answer needs it, a programme and a quick win."""
    with stamped_at(_moment("assembled", turn)):
        submission = national_evaluation.ensure_submission(period, region)
        attached = national_evaluation.attach_agencies(submission, admin, NATIONAL_YEAR)
        # the region leans to its own agencies' level of the year, give or take
        own = attached.region_index if attached.region_index is not None else Fraction(3)
        lean = min(max(round(own) + rng.choice((0, 0, 1)), 2), 4)
        entries = {
            indicator.code: _answer_for(indicator, lean + rng.choice((-1, 0, 0, 1)), rng)
            for indicator in instrument.indicators
        }
        national_evaluation.save_answers(submission, admin, entries)
        content = pdf.one_page(f"{SYNTHETIC}: data dukung {region.name} {NATIONAL_YEAR}")
        for indicator in instrument.indicators:
            if indicator.needs_evidence(indicator.score(entries[indicator.code].value())):
                national_evaluation.attach_evidence(
                    submission,
                    admin,
                    indicator.code,
                    f"data-dukung-{indicator.code.lower()}-{NATIONAL_YEAR}.pdf",
                    io.BytesIO(content),
                )
        pillars = [d.code for d in instrument.dimensions]
        for kind, title, years in (
            (ProgrammeKind.PROGRAMME, "Satu Data dan layanan publik terintegrasi", "2024-2028"),
            (ProgrammeKind.QUICK_WIN, "Aduan warga daring satu pintu", str(NATIONAL_YEAR)),
        ):
            national_evaluation.add_programme(
                submission,
                admin,
                national_evaluation.ProgrammeInput(
                    kind,
                    rng.choice(pillars),
                    f"{title} ({SYNTHETIC})",
                    f"{SYNTHETIC}: program contoh {region.name}.",
                    years,
                ),
            )
        national_evaluation.ask_approval(submission, admin)
    return submission


def _candidates(indicator: Indicator, rng: random.Random) -> list[AnswerInput]:
    """Answers the indicator can take, one per score it can give."""
    if indicator.answer_type == "level":
        return [
            AnswerInput(n, False, f"{SYNTHETIC}: capaian tingkat {n}.")
            for n in indicator.level_numbers
        ]
    if indicator.answer_type == "choice":
        return [
            AnswerInput(None, False, f"{SYNTHETIC}: {o.label.get('id')}.", choice=o.code)
            for o in indicator.options
        ]
    if indicator.answer_type == "checklist":
        items = [o.code for o in indicator.options]
        return [
            AnswerInput(None, False, f"{SYNTHETIC}: {n} butir.", checked=frozenset(items[:n]))
            for n in range(len(items) + 1)
        ]
    bounds = sorted(t.minimum for t in indicator.thresholds)
    top = indicator.maximum if indicator.maximum is not None else bounds[-1] + 10
    unit = indicator.unit.get("id") if indicator.unit is not None else ""
    found = []
    for low, high in zip(bounds, [*bounds[1:], top + 1], strict=True):
        value = min(int(low + (high - low) * Fraction(rng.randint(1, 7), 10)), int(top))
        value = max(value, int(low))
        found.append(AnswerInput(None, False, f"{SYNTHETIC}: {value} {unit}.", number=str(value)))
    return found


def _score(indicator: Indicator, entry: AnswerInput) -> Fraction:
    return indicator.score(entry.value()) or Fraction(0)


def _answer_for(indicator: Indicator, target: int, rng: random.Random) -> AnswerInput:
    """The answer whose score is nearest `target` (ties: either)."""
    candidates = _candidates(indicator, rng)
    rng.shuffle(candidates)
    return min(candidates, key=lambda entry: abs(_score(indicator, entry) - target))


def _review(submission: RegionSubmission, instrument, evaluator: User, rng: random.Random) -> None:
    """The evaluator's part: two scores of the region set one step lower, with a note."""
    answers = national_evaluation.answers_by_code(submission)
    verdicts = {}
    for indicator in rng.sample(list(instrument.indicators), 2):
        own = answers[indicator.code].value.answer()
        score = indicator.score(own) or Fraction(0)
        lower = [entry for entry in _candidates(indicator, rng) if _score(indicator, entry) < score]
        if not lower:
            continue
        chosen = max(lower, key=lambda entry: _score(indicator, entry))
        verdicts[indicator.code] = ReviewInput(
            chosen.level,
            False,
            f"{SYNTHETIC}: data dukung belum menunjukkan capaian yang dinyatakan.",
            choice=chosen.choice,
            checked=chosen.checked,
            number=chosen.number,
        )
    if verdicts:
        national_evaluation.save_review(submission, evaluator, verdicts)
