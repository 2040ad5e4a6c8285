"""Scripted set-up: instrument import/export and period create/close on the command line."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from smartcity.extensions import db
from smartcity.models import Agency, Assessment, InstrumentVersion, Period

from .helpers import BROKEN, SMALL


def versions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InstrumentVersion))


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "uji.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_import_publishes_once_and_export_gives_the_same_text(app, runner, small, tmp_path):
    first = runner.invoke(args=["instrument", "import", str(small)])
    assert first.exit_code == 0, first.output
    assert "published uji-admin 2027.1" in first.output
    again = runner.invoke(args=["instrument", "import", str(small)])
    assert again.exit_code == 0 and "already published" in again.output
    assert versions(app) == 1
    out = tmp_path / "keluar.yaml"
    exported = runner.invoke(
        args=["instrument", "export", "uji-admin", "--version", "2027.1", "--format", "yaml"]
        + ["--out", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    assert out.read_text(encoding="utf-8") == SMALL


def test_a_workbook_exported_and_changed_imports_as_a_new_version(app, runner, small, tmp_path):
    from smartcity.services.instruments import workbooks_supported

    if not workbooks_supported():
        pytest.skip("smartcity.domain.workbook (XLSX) is not installed here")
    from smartcity.domain.loader import dump_instrument, load_instrument
    from smartcity.domain.workbook import write_workbook

    assert runner.invoke(args=["instrument", "import", str(small)]).exit_code == 0
    book = tmp_path / "uji.xlsx"
    exported = runner.invoke(
        args=["instrument", "export", "uji-admin", "--version", "2027.1", "--format", "xlsx"]
        + ["--out", str(book)]
    )
    assert exported.exit_code == 0, exported.output
    assert book.read_bytes()[:4] == b"PK\x03\x04"
    # the workbook of the published version is that version: nothing new
    same = runner.invoke(args=["instrument", "import", str(book)])
    assert same.exit_code == 0 and "already published" in same.output, same.output
    # a workbook with a new version is published, stored as YAML
    newer = load_instrument(SMALL.replace('"2027.1"', '"2027.2"'), "uji.yaml")
    book.write_bytes(write_workbook(newer))
    result = runner.invoke(args=["instrument", "import", str(book)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = db.session.scalar(select(InstrumentVersion).filter_by(version="2027.2"))
        assert stored.source == dump_instrument(newer) and stored.source_name == "uji.yaml"


IMPORT_REFUSED = [
    (
        "invalid YAML: every problem with its line",
        BROKEN,
        "uji.yaml",
        ["uji.yaml:9", "uji.yaml:12"],
    ),
    ("not a workbook", SMALL, "uji.xlsx", ["not an Excel workbook"]),
    (
        "the version exists with other content",
        SMALL.replace("Tata Kelola", "Tata Pemerintahan"),
        "lain.yaml",
        ["2027.1 already exists with other content: give it a new version"],
    ),
]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [c[1:] for c in IMPORT_REFUSED],
    ids=[c[0] for c in IMPORT_REFUSED],
)
def test_import_refuses_with_exit_1_and_stores_nothing(
    app, runner, small, tmp_path, content, name, expected
):
    assert runner.invoke(args=["instrument", "import", str(small)]).exit_code == 0
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["instrument", "import", str(path)])
    assert result.exit_code == 1
    for text in expected:
        assert text in result.output
    assert versions(app) == 1


def test_import_refuses_a_file_over_the_limit(app, runner, small):
    app.config["INSTRUMENT_MAX_BYTES"] = 100
    result = runner.invoke(args=["instrument", "import", str(small)])
    assert result.exit_code == 1 and "at most 100 bytes" in result.output
    assert versions(app) == 0


def test_export_of_an_unknown_version_fails(app, runner, small, tmp_path):
    runner.invoke(args=["instrument", "import", str(small)])
    out = tmp_path / "x.yaml"
    result = runner.invoke(
        args=["instrument", "export", "uji-admin", "--version", "9", "--out", str(out)]
    )
    assert result.exit_code == 1 and "not published" in result.output
    assert not out.exists()


def test_period_create_uses_the_latest_version_and_close_ends_it(demo, runner, small):
    assert runner.invoke(args=["instrument", "import", str(small)]).exit_code == 0
    result = runner.invoke(
        args=["period", "create", "2027", "--instrument", "uji-admin"]
        + ["--opens", "2027-02-01", "--closes", "2027-06-07"]
    )
    assert result.exit_code == 0, result.output
    assert "period 2027 open with uji-admin 2027.1" in result.output
    with demo.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2027))
        assert (period.opens_on, period.closes_on) == (date(2027, 2, 1), date(2027, 6, 7))
        agencies = db.session.scalar(
            select(func.count()).select_from(Agency).filter_by(active=True)
        )
        assessments = db.session.scalar(
            select(func.count()).select_from(Assessment).filter_by(period_id=period.id)
        )
        assert assessments == agencies
    closed = runner.invoke(args=["period", "close", "2027"])
    assert closed.exit_code == 0 and "period 2027 closed" in closed.output
    with demo.app_context():
        assert db.session.scalar(select(Period.status).filter_by(year=2027)) == "closed"


PERIOD_REFUSED = [
    ("year exists", ["2026", "--instrument", "kotim-smart-city"], "Period 2026 already exists"),
    ("unknown instrument", ["2027", "--instrument", "tidak-ada"], "tidak-ada is not published"),
    (
        "unknown version",
        ["2027", "--instrument", "kotim-smart-city", "--version", "1.0"],
        "version 1.0 is not published",
    ),
    (
        "not a date",
        ["2027", "--instrument", "kotim-smart-city", "--closes", "07-06-2027"],
        "--closes must be a date such as 2026-03-31",
    ),
    (
        "last day first",
        [
            "2027",
            "--instrument",
            "kotim-smart-city",
            "--opens",
            "2027-06-01",
            "--closes",
            "2027-01-01",
        ],
        "The last day must not be before the first day.",
    ),
]


@pytest.mark.parametrize(
    ("args", "message"), [c[1:] for c in PERIOD_REFUSED], ids=[c[0] for c in PERIOD_REFUSED]
)
def test_period_create_refuses_with_exit_1(demo, runner, args, message):
    with demo.app_context():
        before = db.session.scalar(select(func.count()).select_from(Period))
    result = runner.invoke(args=["period", "create", *args])
    assert result.exit_code == 1
    assert message in result.output
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(Period)) == before


def test_validate_reads_the_workbook_that_export_wrote(app, runner, small, tmp_path):
    """A newcomer exports a workbook and checks it before editing: it is valid, like YAML."""
    from smartcity.domain.loader import load_instrument
    from smartcity.domain.workbook import write_workbook

    assert runner.invoke(args=["instrument", "import", str(small)]).exit_code == 0
    book = tmp_path / "uji.xlsx"
    exported = runner.invoke(
        args=["instrument", "export", "uji-admin", "--format", "xlsx", "--out", str(book)]
    )
    assert exported.exit_code == 0, exported.output
    result = runner.invoke(args=["instrument", "validate", str(book)])
    assert result.exit_code == 0, result.output
    assert f"{book}: valid" in result.output
    # a broken workbook (its version cell emptied) is refused with its problems, as by `import`
    workbook = load_workbook(io.BytesIO(write_workbook(load_instrument(SMALL, "uji.yaml"))))
    emptied = 0
    for row in workbook.worksheets[0].iter_rows():
        for cell in row:
            if cell.value == "2027.1":
                cell.value, emptied = None, emptied + 1
    assert emptied == 1
    out = io.BytesIO()
    workbook.save(out)
    book.write_bytes(out.getvalue())
    refused = runner.invoke(args=["instrument", "validate", str(book)])
    imported = runner.invoke(args=["instrument", "import", str(book)])
    assert refused.exit_code == 1 and imported.exit_code == 1
    assert "version" in refused.output
    assert refused.output.splitlines()[0] in imported.output
    # a file named .xlsx that is not a workbook: the same words as `import`
    fake = tmp_path / "palsu.xlsx"
    fake.write_text(SMALL, encoding="utf-8")
    result = runner.invoke(args=["instrument", "validate", str(fake)])
    assert result.exit_code == 1 and "not an Excel workbook" in result.output


def test_export_without_a_version_writes_the_latest_and_says_which(app, runner, small, tmp_path):
    assert runner.invoke(args=["instrument", "import", str(small)]).exit_code == 0
    newer = tmp_path / "uji-2.yaml"
    newer.write_text(SMALL.replace('"2027.1"', '"2027.2"'), encoding="utf-8")
    assert runner.invoke(args=["instrument", "import", str(newer)]).exit_code == 0
    out = tmp_path / "terbaru.yaml"
    result = runner.invoke(args=["instrument", "export", "uji-admin", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "uji-admin 2027.2 written to" in result.output
    assert out.read_text(encoding="utf-8") == newer.read_text(encoding="utf-8")
    unknown = runner.invoke(args=["instrument", "export", "nope", "--out", str(out)])
    assert unknown.exit_code == 1 and "instrument nope is not published" in unknown.output


def test_the_national_example_is_published_and_exported_with_its_second_axis(app, runner, tmp_path):
    from smartcity.domain.loader import load_instrument_file
    from smartcity.domain.workbook import read_workbook
    from smartcity.services.instruments import DEMO_INSTRUMENT

    example = DEMO_INSTRUMENT.parent / "contoh-evaluasi-nasional.yaml"
    imported = runner.invoke(args=["instrument", "import", str(example)])
    assert imported.exit_code == 0, imported.output
    expected = load_instrument_file(example)
    assert len(expected.evaluation_dimensions) == 5
    for file_format in ("yaml", "xlsx"):
        out = tmp_path / f"contoh.{file_format}"
        exported = runner.invoke(
            args=["instrument", "export", expected.code, "--format", file_format]
            + ["--out", str(out)]
        )
        assert exported.exit_code == 0, exported.output
        if file_format == "yaml":
            assert load_instrument_file(out) == expected
        else:
            assert read_workbook(out.read_bytes(), out.name) == expected
