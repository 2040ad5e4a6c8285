"""Document numbers (nomor surat): from the region's patterns, running per series and year,
never given twice, also when documents are issued at the same moment on other connections.

Run on PostgreSQL too (TEST_DATABASE_URL): there the threads below are real concurrent
transactions on separate connections.
"""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import DocumentSettings, IssuedDocument, Period, Region, User
from smartcity.services import documents, letterhead

PATTERN = "{klasifikasi}/{nomor}/{unit}/{tahun}"


def a_region() -> Region:
    """The installation's region (numbers are always a region's series)."""
    region = db.session.scalar(select(Region).order_by(Region.id))
    if region is None:
        region = Region(code="99.01", name="Kabupaten Contoh", seat="Contoh")
        db.session.add(region)
        db.session.commit()
    return region


def set_numbering(numbering: dict[str, dict[str, str]], unit_code: str = "BAPPERIDA") -> None:
    region = a_region()
    row = db.session.scalar(select(DocumentSettings).filter_by(region_id=region.id))
    if row is None:
        row = DocumentSettings(region_id=region.id, emblem_type="")
        db.session.add(row)
    row.unit_code = unit_code
    row.numbering = json.dumps(numbering)
    db.session.commit()


def test_numbers_run_per_series_and_restart_every_year(app):
    with app.app_context():
        set_numbering(
            {
                "report": {"pattern": PATTERN, "classification": "000.8.3"},
                "certificate": {"pattern": PATTERN, "classification": "000.8.3"},
                "region_report": {"pattern": "{klasifikasi}/{nomor}/{bulan}/{tahun}", "classification": "050"},
            }
        )  # fmt: skip
        july = date(2026, 7, 12)
        taken = [
            letterhead.take_number("report", july),
            letterhead.take_number("report", july),
            # the same pattern and classification: the same series, the next number
            letterhead.take_number("certificate", july),
            # another series counts on its own
            letterhead.take_number("region_report", july),
            # a new year starts again at 1
            letterhead.take_number("report", date(2027, 1, 4)),
            letterhead.take_number("report", july),
        ]
    assert taken == [
        "000.8.3/001/BAPPERIDA/2026",
        "000.8.3/002/BAPPERIDA/2026",
        "000.8.3/003/BAPPERIDA/2026",
        "050/001/VII/2026",
        "000.8.3/001/BAPPERIDA/2027",
        "000.8.3/004/BAPPERIDA/2026",
    ]


def test_without_settings_every_kind_still_gets_a_unique_number(app):
    with app.app_context():
        a_region()
        first = letterhead.take_number("report", date(2026, 1, 2))
        second = letterhead.take_number("certificate", date(2026, 1, 2))
    assert first != second and first.endswith("/2026") and second.endswith("/2026")


def _concurrently(count: int, work) -> list:
    """Run `work(i)` in `count` threads that start together; their results (or errors)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - reported by the test below
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.commits
def test_numbers_taken_at_the_same_moment_are_all_different(app):
    with app.app_context():
        set_numbering({"report": {"pattern": PATTERN, "classification": "000.8.3"}})

    def take(_i: int) -> str:
        # each thread: its own app context, session and database connection
        with app.app_context():
            return letterhead.take_number("report", date(2026, 7, 12))

    taken = _concurrently(6, take)
    assert not [t for t in taken if isinstance(t, Exception)], taken
    assert sorted(taken) == [f"000.8.3/{n:03d}/BAPPERIDA/2026" for n in range(1, 7)]


@pytest.mark.commits
def test_documents_issued_at_the_same_moment_never_share_a_number(demo):
    """Four region recaps (four periods) signed and registered at once on four connections."""
    with demo.app_context():
        set_numbering({"region_report": {"pattern": PATTERN, "classification": "000.8.3"}})
        pinned = db.session.scalar(select(Period).filter_by(year=2026)).instrument_version_id
        for year in (2021, 2022, 2023, 2024):
            db.session.add(Period(year=year, instrument_version_id=pinned, status="closed"))
        db.session.commit()
        admin_id = db.session.scalar(select(User.id).filter_by(username="admin"))

    def issue(i: int) -> tuple[str, int]:
        with demo.test_request_context():
            period = db.session.scalar(select(Period).filter_by(year=2021 + i))
            admin = db.session.get(User, admin_id)
            document = documents.issue_region_report(period, admin, "id")
            return document.number, document.id

    issued = _concurrently(4, issue)
    assert not [i for i in issued if isinstance(i, Exception)], issued
    numbers = sorted(number for number, _id in issued)
    year = numbers[0].rsplit("/", 1)[1]
    assert numbers == [f"000.8.3/{n:03d}/BAPPERIDA/{year}" for n in range(1, 5)]
    with demo.app_context():
        stored = db.session.scalars(select(IssuedDocument.number)).all()
    assert sorted(stored) == numbers
