"""Synthetic data for scale measurements: agencies (or whole regions of them) x the demo
instrument x Y years of final, reviewed answers with their stored results, written in bulk.

    .venv/bin/python -m bench.synth --agencies 400 --years 3 --database-url URL [--migrate]
    .venv/bin/python -m bench.synth --regions 514 --agencies-per-region 40 --years 5 \
        --database-url URL [--migrate] [--national-year 2025]

`--agencies`: N agencies added to the first region (made when there is none). Every synthetic
agency answers one to three dimensions of the demo instrument; each of its assessments is
final, with an answer and a review (the verified level, a step off for about one indicator
in six, with a note) for every indicator of those dimensions and its stored result
(`services.results.record_missing`), as the workflow leaves them. Workflow transitions,
evidence files and audit events are not made: the dashboards, results and exports read
assessments, answers, reviews and stored results only. Missing periods are opened with the
demo instrument (closed when earlier than the latest year). Agencies get codes
`<prefix>00001`...; running again adds agencies after the highest existing number. Bulk
inserts: seconds for thousands of agencies, on SQLite too.

`--regions`: a national deployment. R regions with synthetic kode wilayah ("91.01"; kota
numbered from 71 as Kemendagri does) spread over the 38 provinces, every fifth a kota (102 of
514; Indonesia has 98), named "Kabupaten Sintetis 91.01"; M agencies each
(codes `<prefix>001`..., some with a remit tag of the instrument's `applies_to` rules), a
period per region and year pinned to the demo instrument, and every agency's final assessment
in every year, answering only the indicators that apply to it. Answers, reviews and results
come from a pool of `--patterns` answer patterns per scope (dimensions and applicable
indicators): each pattern is scored once with the real engine and its rows are exactly what
`services.results` stores for it. Written with PostgreSQL's COPY (36 s for 20,560
agencies x 5 years); other databases get bulk inserts.

`--national-year YEAR` (with `--regions`): then one FINAL national period of YEAR on the
example national instrument and every new region's FINAL submission with its stored results
(overall, pillars, evaluation dimensions; `fill_national_year`): synthetic indices, levels from
the instrument's bands, about four regions in five at level 3 or more (an award).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlalchemy import Table, func, insert, select, text

LEVELS = (1, 2, 2, 3, 3, 3, 4, 4, 5)  # self-assessed levels lean to the middle of the scale
BATCH = 5_000  # rows per executemany
NOW = datetime(2026, 11, 29, 8, 0, 0)
# Kemendagri's 38 province codes; the synthetic regions are spread over them in turn
PROVINCES = (
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 "
    "81 82 91 92 93 94 95 96"
).split()
KOTA_EVERY = 5  # every fifth region is a kota (102 of 514; Indonesia has 98)
KOTA_FROM = 71  # a province's kota are numbered from 71, its kabupaten from 01
PATTERNS = 64  # answer patterns per scope (dimensions x applicable indicators)
TAGGED = 0.3  # share of agencies with one remit tag of the instrument's applies_to rules


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


def _verdict(rng: random.Random, numbers: Sequence[int]) -> tuple[int, int]:
    """A self-assessed level and the verified one: a step off for about one indicator in six."""
    level = rng.choice([n for n in LEVELS if n in numbers] or list(numbers))
    verified = level
    if rng.random() < 1 / 6:
        verified = level - 1 if level - 1 in numbers else level + 1
        if verified not in numbers:
            verified = level
    return level, verified


def _answer_row(assessment_id: int | None, code: str, level: int, year: int | None) -> dict:
    when = f" {year}" if year is not None else ""
    return {
        "assessment_id": assessment_id,
        "indicator_code": code,
        "level": level,
        "not_applicable": False,
        "justification": f"Capaian{when}: kriteria tingkat {level} terpenuhi.",
        "version": 1,
        "updated_at": NOW,
    }


def _review_row(
    assessment_id: int | None, code: str, level: int, verified: int, year: int | None
) -> dict:
    when = f", tahun {year}" if year is not None else ""
    note = f"Tingkat terverifikasi {verified} (sintetis{when})." if verified != level else ""
    return {
        "assessment_id": assessment_id,
        "indicator_code": code,
        "verified_level": verified,
        "verified_not_applicable": False,
        "note": note,
        "version": 1,
        "updated_at": NOW,
    }


def _assessment_row(agency_id: int, period_id: int, assessment_id: int | None = None) -> dict:
    from smartcity.domain.workflow import Status

    row = {
        "agency_id": agency_id,
        "period_id": period_id,
        "status": Status.FINAL.value,
        "submitted_at": NOW,
        "round": 1,
        "review_comment": "",
        "created_at": NOW,
    }
    if assessment_id is not None:
        row = {"id": assessment_id, **row}
    return row


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
        assessment_rows = [_assessment_row(agency_id, period.id) for agency_id in agency_ids]
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
                    level, verified = _verdict(rng, indicator.level_numbers)
                    answer_rows.append(_answer_row(assessment_id, indicator.code, level, year))
                    review_rows.append(
                        _review_row(assessment_id, indicator.code, level, verified, year)
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


# --- a national deployment: many regions, written with COPY ---------------------------------


@dataclass
class RegionsFilled:
    """Rows written by `fill_regions`, by table, and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    patterns: int = 0  # answer patterns scored by the engine (twice each: self and verified)
    seconds: float = 0.0
    region_ids: list[int] = field(default_factory=list)


class BulkWriter:
    """Rows into a table on the session's connection (its transaction): PostgreSQL's COPY,
    else bulk inserts. Values pass through the columns' own bind processing (ExactFraction's
    text), so they are stored exactly as the ORM would store them."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.copy = self.dialect.name == "postgresql"

    def reserve_ids(self, table: Table, count: int) -> int:
        """The first of `count` new consecutive ids of `table` (taken from its sequence, or
        after its highest id where there is none)."""
        if self.copy:
            last = self.connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                    "nextval(pg_get_serial_sequence(:t, 'id')) + :n - 1)"
                ),
                {"t": table.name, "n": count},
            ).scalar_one()
            return last - count + 1
        highest = self.connection.execute(select(func.max(table.c.id))).scalar()
        return (highest or 0) + 1

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        processors = [table.c[name].type.bind_processor(self.dialect) for name in columns]

        def processed(row: Sequence) -> list:
            return [
                value if p is None else p(value) for p, value in zip(processors, row, strict=True)
            ]

        count = 0
        if self.copy:
            raw = self.connection.connection.dbapi_connection
            names = ", ".join(columns)
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(processed(row))
                        count += 1
            return count
        batch: list[dict] = []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            count += 1
            if len(batch) == BATCH:
                self.connection.execute(insert(table), batch)
                batch = []
        if batch:
            self.connection.execute(insert(table), batch)
        return count


def region_codes(count: int, taken: Iterable[str] = ()) -> list[tuple[str, str, str]]:
    """`count` synthetic (code, kind, province code) spread over the 38 provinces in turn,
    skipping codes in `taken`: "11.01" kabupaten, "11.71" kota."""
    from smartcity.models import RegionKind

    taken = set(taken)
    made: list[tuple[str, str, str]] = []
    kabupaten = dict.fromkeys(PROVINCES, 0)
    kota = dict.fromkeys(PROVINCES, 0)
    n = 0
    while len(made) < count:
        province = PROVINCES[n % len(PROVINCES)]
        if n % KOTA_EVERY == KOTA_EVERY - 1:
            kota[province] += 1
            number, kind = KOTA_FROM - 1 + kota[province], RegionKind.KOTA.value
        else:
            kabupaten[province] += 1
            number, kind = kabupaten[province], RegionKind.KABUPATEN.value
        if (kind == RegionKind.KABUPATEN.value and number >= KOTA_FROM) or number > 99:
            raise ValueError(f"at most about {len(PROVINCES) * 70} synthetic regions")
        code = f"{province}.{number:02d}"
        n += 1
        if code not in taken:
            made.append((code, kind, province))
    return made


@dataclass(frozen=True)
class Pattern:
    """One assessment's answers, verdicts and stored result, without its id: rows to repeat."""

    answers: tuple[tuple, ...]
    reviews: tuple[tuple, ...]
    results: tuple[tuple, ...]
    indicators: tuple[tuple, ...]


ANSWER_COLUMNS = (
    "assessment_id",
    "indicator_code",
    "level",
    "not_applicable",
    "justification",
    "version",
    "updated_at",
)
REVIEW_COLUMNS = (
    "assessment_id",
    "indicator_code",
    "verified_level",
    "verified_not_applicable",
    "note",
    "version",
    "updated_at",
)
RESULT_COLUMNS = (
    "assessment_id",
    "dimension_code",
    "self_index",
    "self_level",
    "verified_index",
    "verified_level",
)
INDICATOR_COLUMNS = (
    "assessment_id",
    "indicator_code",
    "score_numerator",
    "score_denominator",
    "level",
)


class Patterns:
    """Answer patterns per scope, each scored once by the engine on transient ORM objects,
    exactly as `review.period_scores` scores a final assessment and `services.results` turns
    the scores into stored rows."""

    def __init__(self, instrument, rng: random.Random, per_scope: int) -> None:
        self.instrument = instrument
        self.rng = rng
        self.per_scope = per_scope
        self.pools: dict[tuple, list[Pattern | None]] = {}
        self.scopes: dict[tuple, tuple[frozenset[str], tuple[str, ...]]] = {}
        self.scored = 0

    def _scope(self, code: str, tags: str, dimensions: tuple[str, ...]):
        """(applicable indicator codes, dimension codes) of such an agency, from the app."""
        from smartcity.models import Agency, AgencyDimension, Assessment
        from smartcity.services.assessments import applicable_codes

        key = (code, tags, dimensions)
        if key not in self.scopes:
            agency = Agency(
                code=code,
                tags=tags,
                dimension_links=[
                    AgencyDimension(dimension_code=c, position=i) for i, c in enumerate(dimensions)
                ],
            )
            assessment = Assessment(agency=agency)
            self.scopes[key] = (applicable_codes(assessment, self.instrument), dimensions)
        return self.scopes[key]

    def pick(self, code: str, tags: str, dimensions: tuple[str, ...]) -> Pattern:
        scope = self._scope(code, tags, dimensions)
        pool = self.pools.setdefault(scope, [None] * self.per_scope)
        number = self.rng.randrange(self.per_scope)
        if pool[number] is None:
            pool[number] = self._make(code, tags, dimensions, scope[0])
        return pool[number]

    def _make(self, code: str, tags: str, dimensions: tuple[str, ...], applicable: frozenset[str]):
        from smartcity.domain.scoring import score_assessment
        from smartcity.domain.workflow import Status
        from smartcity.models import Agency, AgencyDimension, Answer, Assessment, Review
        from smartcity.services.assessments import answer_values, dimension_codes, questionnaire
        from smartcity.services.results import _indicator_rows, _rows
        from smartcity.services.review import ScorePair, verified_values

        answers: dict[str, Answer] = {}
        reviews: dict[str, Review] = {}
        answer_rows, review_rows = [], []
        for indicator in self.instrument.indicators:
            if indicator.code not in applicable:
                continue
            level, verified = _verdict(self.rng, indicator.level_numbers)
            answer = _answer_row(None, indicator.code, level, None)
            review = _review_row(None, indicator.code, level, verified, None)
            answer_rows.append(tuple(answer[c] for c in ANSWER_COLUMNS[1:]))
            review_rows.append(tuple(review[c] for c in REVIEW_COLUMNS[1:]))
            answers[indicator.code] = Answer(indicator_code=indicator.code, level=level)
            reviews[indicator.code] = Review(indicator_code=indicator.code, verified_level=verified)
        # as review.period_scores scores a final assessment of such an agency
        agency = Agency(
            code=code,
            tags=tags,
            dimension_links=[AgencyDimension(dimension_code=c) for c in dimensions],
        )
        assessment = Assessment(agency=agency, status=Status.FINAL)
        instrument = questionnaire(assessment, self.instrument)
        codes = dimension_codes(assessment, instrument)
        pair = ScorePair(
            score_assessment(instrument, answer_values(answers.values()), codes),
            score_assessment(instrument, verified_values(answers, reviews), codes),
        )
        self.scored += 1
        return Pattern(
            tuple(answer_rows),
            tuple(review_rows),
            tuple(tuple(row[c] for c in RESULT_COLUMNS[1:]) for row in _rows(0, pair)),
            tuple(tuple(row[c] for c in INDICATOR_COLUMNS[1:]) for row in _indicator_rows(0, pair)),
        )


def fill_regions(
    regions: int,
    agencies_per_region: int,
    years: Sequence[int],
    *,
    prefix: str = "SYN",
    seed: int = 2026,
    patterns: int = PATTERNS,
    progress=None,
) -> RegionsFilled:
    """Add `regions` synthetic regions of `agencies_per_region` agencies each, a period per
    region and year (the demo instrument; closed but the latest) and every agency's final
    assessment with answers, reviews and stored results in each of `years`.

    Runs inside an app context, on the session's connection; commits once at the end.
    `progress(message)` hears of each table written.
    """
    from smartcity.domain.instrument import ALL_AGENCIES
    from smartcity.extensions import db
    from smartcity.models import (
        Agency,
        AgencyDimension,
        Answer,
        Assessment,
        AssessmentResult,
        IndicatorResult,
        Period,
        PeriodStatus,
        Region,
        Review,
    )
    from smartcity.region_context import working_in
    from smartcity.services.instruments import DEMO_INSTRUMENT, instrument_of, register_instrument

    started = time.perf_counter()
    say = progress or (lambda message: None)
    rng = random.Random(seed)
    done = RegionsFilled()
    with working_in(None):
        version = register_instrument(
            DEMO_INSTRUMENT.read_text(encoding="utf-8"), str(DEMO_INSTRUMENT)
        )
        taken = db.session.scalars(select(Region.code)).all()
    instrument = instrument_of(version)
    writer = BulkWriter(db.session.connection())

    def write(model, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        table = model.__table__
        count = writer.write(table, columns, rows)
        done.rows[table.name] = done.rows.get(table.name, 0) + count
        say(f"{table.name}: {count} rows ({time.perf_counter() - started:.1f} s)")

    codes = region_codes(regions, taken)
    first_region = writer.reserve_ids(Region.__table__, len(codes))
    region_ids = list(range(first_region, first_region + len(codes)))
    done.region_ids = region_ids
    write(
        Region,
        ("id", "code", "name", "kind", "province_code", "seat"),
        (
            (rid, code, f"{kind.capitalize()} Sintetis {code}", kind, province, f"Ibukota {code}")
            for rid, (code, kind, province) in zip(region_ids, codes, strict=True)
        ),
    )

    # agencies: codes <prefix>001... in every region, some with a remit tag
    tags = sorted(
        {
            tag
            for indicator in instrument.indicators
            for tag in indicator.applies_to
            if tag != ALL_AGENCIES
        }
    )
    dimension_codes = [d.code for d in instrument.dimensions]
    agencies: list[tuple[int, int, str, str, tuple[str, ...]]] = []  # id, region, code, tags, dims
    first_agency = writer.reserve_ids(Agency.__table__, len(region_ids) * agencies_per_region)
    for rid in region_ids:
        for n in range(1, agencies_per_region + 1):
            chosen = rng.sample(dimension_codes, k=rng.choice((1, 2, 2, 3)))
            chosen.sort(key=dimension_codes.index)
            tag = rng.choice(tags) if tags and rng.random() < TAGGED else ""
            agencies.append(
                (first_agency + len(agencies), rid, f"{prefix}{n:03d}", tag, tuple(chosen))
            )
    write(
        Agency,
        ("id", "region_id", "code", "name", "head_name", "head_nip", "head_position", "active",
         "tags"),
        (
            (aid, rid, code, f"Perangkat Daerah Sintetis {code[len(prefix):]}",
             f"Kepala {code}", "", "Kepala Perangkat Daerah", True, tag)
            for aid, rid, code, tag, _ in agencies
        ),
    )  # fmt: skip
    write(
        AgencyDimension,
        ("agency_id", "dimension_code", "position"),
        ((aid, c, i) for aid, *_, dims in agencies for i, c in enumerate(dims)),
    )

    latest = max(years)
    ordered = sorted(years)
    first_period = writer.reserve_ids(Period.__table__, len(region_ids) * len(ordered))
    period_of: dict[tuple[int, int], int] = {}
    for rid in region_ids:
        for year in ordered:
            period_of[rid, year] = first_period + len(period_of)
    write(
        Period,
        ("id", "region_id", "year", "instrument_version_id", "status", "created_at"),
        (
            (
                pid,
                rid,
                year,
                version.id,
                (PeriodStatus.OPEN if year == latest else PeriodStatus.CLOSED).value,
                NOW,
            )
            for (rid, year), pid in period_of.items()
        ),
    )

    # every agency's final assessment in every year, each with an answer pattern
    table = Patterns(instrument, rng, patterns)
    first_assessment = writer.reserve_ids(Assessment.__table__, len(agencies) * len(ordered))
    chosen: list[tuple[int, int, int, Pattern]] = []  # assessment, agency, period, pattern
    for year in ordered:
        for aid, rid, code, tag, dims in agencies:
            pattern = table.pick(code, tag, dims)
            chosen.append((first_assessment + len(chosen), aid, period_of[rid, year], pattern))
    done.patterns = table.scored
    say(f"{table.scored} answer patterns scored ({time.perf_counter() - started:.1f} s)")
    columns = tuple(_assessment_row(0, 0, 0))
    write(
        Assessment,
        columns,
        (tuple(_assessment_row(aid, pid, sid).values()) for sid, aid, pid, _ in chosen),
    )

    def expanded(part: str) -> Iterator[tuple]:
        for assessment_id, _agency, _period, pattern in chosen:
            for row in getattr(pattern, part):
                yield (assessment_id, *row)

    write(Answer, ANSWER_COLUMNS, expanded("answers"))
    write(Review, REVIEW_COLUMNS, expanded("reviews"))
    write(AssessmentResult, RESULT_COLUMNS, expanded("results"))
    write(IndicatorResult, INDICATOR_COLUMNS, expanded("indicators"))
    db.session.commit()
    done.seconds = time.perf_counter() - started
    return done


# --- a final national year of the ministry's evaluation of the regions ----------------------


@dataclass
class NationalFilled:
    """What `fill_national_year` wrote: rows by table, the regions by overall level."""

    year: int
    rows: dict[str, int] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)  # overall level -> regions
    seconds: float = 0.0


def _synthetic_index(rng: random.Random, lean: Fraction) -> Fraction:
    """An index near the region's `lean`, in hundredths, between 1 and 5."""
    return min(max(lean + Fraction(rng.randint(-60, 60), 100), Fraction(1)), Fraction(5))


def fill_national_year(
    year: int,
    region_ids: Sequence[int],
    *,
    seed: int = 2026,
    progress=None,
) -> NationalFilled:
    """A FINAL national period for `year` pinned to the example national instrument, and for
    every region of `region_ids` a FINAL submission with its stored results (RegionResult:
    overall, each pillar, each evaluation dimension), as `national_evaluation.finalize`
    leaves them, so the ranking and the awards (services.batch.print_awards) read them.

    The indices are synthetic (no answers, reviews, evidence or programmes): each region
    leans to an index between 2.10 and 4.70 (four in five reach level 3, predicate Baik, on the
    example instrument's bands), each pillar and evaluation dimension within 0.60 of it; the
    overall index is the evaluation dimensions' weighted mean (the ministry's rule, as
    `score_assessment`) and every level is the instrument's own band of its index
    (`Instrument.band_for`). Runs inside an app context; commits.
    """
    from smartcity.domain.scoring import weighted_mean
    from smartcity.extensions import db
    from smartcity.models import (
        NationalPeriodStatus,
        RegionResult,
        RegionSubmission,
        SubmissionStatus,
    )
    from smartcity.region_context import working_in
    from smartcity.seed.national import NATIONAL_INSTRUMENT
    from smartcity.services import national_evaluation as ne
    from smartcity.services.instruments import register_instrument

    started = time.perf_counter()
    say = progress or (lambda message: None)
    rng = random.Random(f"{seed}-national-{year}")
    done = NationalFilled(year)
    with working_in(None):
        if ne.national_period(year) is not None:
            raise ValueError(f"the national period {year} exists already")
        version = register_instrument(
            NATIONAL_INSTRUMENT.read_text(encoding="utf-8"), str(NATIONAL_INSTRUMENT)
        )
        period = ne.open_national_period(year, version, None)  # commits, with its audit event
        period.status = NationalPeriodStatus.FINAL
        period.finalized_at = NOW
        db.session.flush()
        instrument = ne.instrument_for(period)
    writer = BulkWriter(db.session.connection())

    def write(model, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        table = model.__table__
        count = writer.write(table, columns, rows)
        done.rows[table.name] = done.rows.get(table.name, 0) + count
        say(f"{table.name}: {count} rows ({time.perf_counter() - started:.1f} s)")

    first = writer.reserve_ids(RegionSubmission.__table__, len(region_ids))
    submissions = list(range(first, first + len(region_ids)))
    write(
        RegionSubmission,
        ("id", "national_period_id", "region_id", "status", "round", "submitted_at",
         "review_comment", "agencies_attachment", "created_at"),
        (
            (sid, period.id, rid, SubmissionStatus.FINAL.value, 1, NOW, "", "", NOW)
            for sid, rid in zip(submissions, region_ids, strict=True)
        ),
    )  # fmt: skip

    def level(index: Fraction) -> int:
        return instrument.band_for(index).level

    results: list[tuple] = []
    for sid in submissions:
        lean = Fraction(rng.randint(210, 470), 100)
        stages = [
            (stage.code, stage.weight, _synthetic_index(rng, lean))
            for stage in instrument.evaluation_dimensions
        ]
        overall = weighted_mean((weight, index) for _, weight, index in stages)
        assert overall is not None
        results.append((sid, ne.OVERALL, "", overall, level(overall)))
        for dimension in instrument.dimensions:
            index = _synthetic_index(rng, lean)
            results.append((sid, ne.PILLAR, dimension.code, index, level(index)))
        for code, _, index in stages:
            results.append((sid, ne.EVALUATION_DIMENSION, code, index, level(index)))
        done.levels[level(overall)] = done.levels.get(level(overall), 0) + 1
    write(RegionResult, ("submission_id", "kind", "code", "index", "level"), results)
    db.session.commit()
    done.levels = dict(sorted(done.levels.items()))
    done.seconds = time.perf_counter() - started
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--agencies", type=int, help="agencies added to the first region")
    size.add_argument("--regions", type=int, help="regions added, each with its agencies")
    parser.add_argument("--agencies-per-region", type=int, default=40)
    parser.add_argument("--patterns", type=int, default=PATTERNS, help="answer patterns a scope")
    parser.add_argument("--years", type=int, default=3, help="how many years, ending --last-year")
    parser.add_argument("--last-year", type=int, default=2025)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--prefix", default="SYN")
    parser.add_argument(
        "--national-year",
        type=int,
        help="with --regions: a final national period of that year, every region ranked",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--migrate", action="store_true", help="run the migrations first (an empty database)"
    )
    args = parser.parse_args(argv)
    if args.national_year is not None and not args.regions:
        parser.error("--national-year goes with --regions")

    from smartcity.extensions import db
    from smartcity.factory import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "synth"})
    years = list(range(args.last_year - args.years + 1, args.last_year + 1))
    with app.app_context():
        if args.migrate:
            from flask_migrate import upgrade

            upgrade()
        if args.regions:
            filled = fill_regions(
                args.regions,
                args.agencies_per_region,
                years,
                prefix=args.prefix,
                seed=args.seed,
                patterns=args.patterns,
                progress=lambda message: print(f"  {message}", flush=True),
            )
            national = None
            if args.national_year is not None:
                national = fill_national_year(
                    args.national_year,
                    filled.region_ids,
                    seed=args.seed,
                    progress=lambda message: print(f"  {message}", flush=True),
                )
            started = time.perf_counter()
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect() as conn:
                    conn.execute(text("ANALYZE"))
                    conn.commit()
            analyzed = time.perf_counter() - started
        else:
            done = fill(args.agencies, years, prefix=args.prefix, seed=args.seed)
        db.session.remove()
    if args.regions:
        print(
            f"{filled.rows.get('regions', 0)} regions x {args.agencies_per_region} agencies x "
            f"{len(years)} years ({', '.join(map(str, years))}) in {filled.seconds:.1f} s "
            f"(+ ANALYZE {analyzed:.1f} s); {filled.patterns} answer patterns scored"
        )
        for name, count in filled.rows.items():
            print(f"  {name:<20}{count:>12,}")
        if national is not None:
            print(
                f"national year {national.year} (final) in {national.seconds:.1f} s: regions by "
                f"overall level {national.levels}"
            )
            for name, count in national.rows.items():
                print(f"  {name:<20}{count:>12,}")
        return 0
    print(
        f"{done.agencies} agencies, {done.assessments} final assessments, {done.answers} "
        f"answers, {done.reviews} reviews in {done.seconds:.1f} s ({', '.join(map(str, years))})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
