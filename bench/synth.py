"""Synthetic data for scale measurements: N agencies x the demo instrument x Y years of final,
reviewed answers, written with bulk inserts (seconds for thousands of agencies).

    .venv/bin/python -m bench.synth --agencies 400 --years 3 --database-url URL [--migrate]

Every synthetic agency answers one to three dimensions of the demo instrument; each of its
assessments is final, with an answer and a review (the verified level, a step off for about
one indicator in six, with a note) for every indicator of those dimensions and its stored
result (`services.results.record_missing`), as the workflow leaves them. Workflow
transitions, evidence files and audit events are not made: the dashboards, results and
exports read assessments, answers, reviews and stored results only. Missing periods
are opened with the demo instrument (closed when earlier than the latest year). Agencies get
codes `<prefix>00001`...; running again adds agencies after the highest existing number.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select

LEVELS = (1, 2, 2, 3, 3, 3, 4, 4, 5)  # self-assessed levels lean to the middle of the scale
BATCH = 5_000  # rows per executemany


@dataclass(frozen=True)
class Filled:
    agencies: int
    assessments: int
    answers: int
    reviews: int
    seconds: float


def _chunks(rows: list[dict], size: int = BATCH):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def fill(
    agencies: int,
    years: Sequence[int],
    *,
    prefix: str = "SYN",
    seed: int = 2026,
) -> Filled:
    """Add `agencies` synthetic agencies with a final assessment in each of `years`.

    Runs inside an app context; commits once at the end.
    """
    from smartcity.domain.workflow import Status
    from smartcity.extensions import db
    from smartcity.models import (
        Agency,
        AgencyDimension,
        Answer,
        Assessment,
        Period,
        PeriodStatus,
        Region,
        Review,
    )
    from smartcity.services.instruments import DEMO_INSTRUMENT, instrument_of, register_instrument
    from smartcity.services.periods import open_period
    from smartcity.services.results import record_missing

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime(2026, 11, 29, 8, 0, 0)
    region = db.session.scalar(select(Region).order_by(Region.id).limit(1))
    if region is None:
        region = Region(code="99.99", name="Wilayah Sintetis", seat="Sampit")
        db.session.add(region)
        db.session.flush()
    version = register_instrument(DEMO_INSTRUMENT.read_text(encoding="utf-8"), str(DEMO_INSTRUMENT))
    latest = max(years)
    periods = {}
    for year in sorted(years):
        period = db.session.scalar(select(Period).filter_by(year=year))
        if period is None:
            period, _ = open_period(year, version)
            if year < latest:
                period.status = PeriodStatus.CLOSED
        periods[year] = period
    db.session.flush()

    existing = db.session.scalar(
        select(func.count()).select_from(Agency).where(Agency.code.like(f"{prefix}%"))
    )
    start = (existing or 0) + 1
    agency_rows = [
        {
            "region_id": region.id,
            "code": f"{prefix}{n:05d}",
            "name": f"Perangkat Daerah Sintetis {n:05d}",
            "head_name": f"Kepala {n:05d}",
            "head_nip": "",
            "head_position": "Kepala Perangkat Daerah",
            "active": True,
        }
        for n in range(start, start + agencies)
    ]
    agency_ids: list[int] = []
    for chunk in _chunks(agency_rows):
        agency_ids += [
            row.id for row in db.session.execute(insert(Agency).returning(Agency.id), chunk)
        ]

    dimension_codes = {}
    link_rows = []
    all_codes = [d.code for d in instrument_of(version).dimensions]
    for agency_id in agency_ids:
        chosen = rng.sample(all_codes, k=rng.choice((1, 2, 2, 3)))
        chosen.sort(key=all_codes.index)
        dimension_codes[agency_id] = chosen
        link_rows += [
            {"agency_id": agency_id, "dimension_code": code, "position": i}
            for i, code in enumerate(chosen)
        ]
    for chunk in _chunks(link_rows):
        db.session.execute(insert(AgencyDimension.__table__), chunk)

    answers = reviews = assessments = 0
    for year, period in periods.items():
        instrument = instrument_of(period.instrument_version)
        assessment_rows = [
            {
                "agency_id": agency_id,
                "period_id": period.id,
                "status": Status.FINAL,
                "submitted_at": now,
                "round": 1,
                "review_comment": "",
                "created_at": now,
            }
            for agency_id in agency_ids
        ]
        ids: list[tuple[int, int]] = []
        for chunk in _chunks(assessment_rows):
            ids += [
                (row.id, row.agency_id)
                for row in db.session.execute(
                    insert(Assessment).returning(Assessment.id, Assessment.agency_id), chunk
                )
            ]
        assessments += len(ids)
        answer_rows: list[dict] = []
        review_rows: list[dict] = []
        for assessment_id, agency_id in ids:
            for dimension_code in dimension_codes[agency_id]:
                dimension = instrument.dimension(dimension_code)
                assert dimension is not None
                for indicator in dimension.indicators:
                    numbers = indicator.level_numbers
                    level = rng.choice([n for n in LEVELS if n in numbers] or list(numbers))
                    verified = level
                    note = ""
                    if rng.random() < 1 / 6:
                        verified = level - 1 if level - 1 in numbers else level + 1
                        if verified not in numbers:
                            verified = level
                        else:
                            note = f"Tingkat terverifikasi {verified} (sintetis, tahun {year})."
                    answer_rows.append(
                        {
                            "assessment_id": assessment_id,
                            "indicator_code": indicator.code,
                            "level": level,
                            "not_applicable": False,
                            "justification": f"Capaian {year}: kriteria tingkat {level} terpenuhi.",
                            "version": 1,
                            "updated_at": now,
                        }
                    )
                    review_rows.append(
                        {
                            "assessment_id": assessment_id,
                            "indicator_code": indicator.code,
                            "verified_level": verified,
                            "verified_not_applicable": False,
                            "note": note,
                            "version": 1,
                            "updated_at": now,
                        }
                    )
        for chunk in _chunks(answer_rows):
            db.session.execute(insert(Answer.__table__), chunk)
        for chunk in _chunks(review_rows):
            db.session.execute(insert(Review.__table__), chunk)
        answers += len(answer_rows)
        reviews += len(review_rows)
    # the results a finalization stores, from the scoring engine (services.results)
    record_missing()
    db.session.commit()
    return Filled(len(agency_ids), assessments, answers, reviews, time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, required=True)
    parser.add_argument("--years", type=int, default=3, help="how many years, ending --last-year")
    parser.add_argument("--last-year", type=int, default=2025)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--prefix", default="SYN")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--migrate", action="store_true", help="run the migrations first (an empty database)"
    )
    args = parser.parse_args(argv)

    from smartcity.extensions import db
    from smartcity.factory import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "synth"})
    with app.app_context():
        if args.migrate:
            from flask_migrate import upgrade

            upgrade()
        years = list(range(args.last_year - args.years + 1, args.last_year + 1))
        done = fill(args.agencies, years, prefix=args.prefix, seed=args.seed)
        db.session.remove()
    print(
        f"{done.agencies} agencies, {done.assessments} final assessments, {done.answers} "
        f"answers, {done.reviews} reviews in {done.seconds:.1f} s ({', '.join(map(str, years))})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
