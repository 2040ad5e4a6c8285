"""`flask agency import FILE [--dry-run]`: check every row, then import all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from smartcity.extensions import db
from smartcity.models import Agency, Assessment, AuditEvent

HEADER = "code,name,head_name,head_nip,head_position,tags"
NIP = "198501012010011001"

GOOD_ROWS = [
    [
        "DINSOS",
        "Dinas Sosial",
        "Hj. Rusmini, S.Sos.",
        NIP,
        "Kepala Dinas Sosial",
        "Sosial, Layanan Publik",
    ],
    [
        "DISPERKIM",
        "Dinas Perumahan dan Kawasan Permukiman",
        "Ir. Darmawan",
        "197001011995031002",
        "Kepala Dinas",
        "",
    ],
    # an existing code: updated (its head changed)
    [
        "dinkes",
        "Dinas Kesehatan",
        "dr. Baru Kepala, M.Kes.",
        "197512122000032001",
        "Kepala Dinas Kesehatan",
        "kesehatan",
    ],
]


def write_csv(tmp_path: Path, rows: list[list[str]], header: str = HEADER) -> Path:
    path = tmp_path / "agencies.csv"
    lines = [header] + [",".join(f'"{cell}"' for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(tmp_path: Path, rows: list[list[object]]) -> Path:
    path = tmp_path / "agencies.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Agency, Assessment, AuditEvent)
        }


def agency(app, code: str) -> Agency | None:
    with app.app_context():
        found = db.session.scalar(select(Agency).filter_by(code=code))
        if found is not None:
            db.session.expunge(found)
        return found


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_good_file_creates_and_updates(demo, runner, tmp_path, kind):
    path = write_csv(tmp_path, GOOD_ROWS) if kind == "csv" else write_xlsx(tmp_path, GOOD_ROWS)
    before = counts(demo)
    result = runner.invoke(args=["agency", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 created, 1 updated, 0 unchanged" in result.output
    assert "  created: DINSOS, DISPERKIM\n  updated: DINKES" in result.output
    dinsos = agency(demo, "DINSOS")
    assert (dinsos.head_nip, dinsos.tags, dinsos.active) == (NIP, "sosial,layanan-publik", True)
    assert agency(demo, "DINKES").head_name == "dr. Baru Kepala, M.Kes."
    after = counts(demo)
    assert after["Agency"] == before["Agency"] + 2
    # the new agencies answer the open 2026 period at once
    assert after["Assessment"] == before["Assessment"] + 2
    with demo.app_context():
        actions = list(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "agency"))
        )
    assert sorted(actions) == ["agency.changed", "agency.created", "agency.created"]
    # the same file again: nothing to do
    again = runner.invoke(args=["agency", "import", str(path)])
    assert "0 created, 0 updated, 3 unchanged" in again.output


BAD_ROWS = [
    # (row, problem lines for that row)
    (
        ["DINSOS", "Dinas Sosial", "Hj. Rusmini", "19850101201001100A", "Kepala", ""],
        ["row 2, head_nip: The NIP must be exactly 18 digits."],
    ),
    (
        ["DISPERKIM", "Dinas Perkim", "Darmawan", "1970010119950310", "Kepala", ""],
        ["row 3, head_nip: The NIP must be exactly 18 digits."],
    ),
    (
        ["DINSOS", "Dinas Sosial lagi", "Rusmini", NIP, "Kepala", ""],
        ["row 4, code: The code DINSOS appears twice: first in row 2."],
    ),
    (
        ["DINAS SOSIAL", "Dinas", "Rusmini", NIP, "Kepala", ""],
        [
            "row 5, code: A code uses capital letters, digits, '-' or '_' (at most 40 characters), e.g. DISKOMINFO."
        ],
    ),
    (
        ["", "", "Rusmini", NIP, "", ""],
        [
            "row 6, code: This field is required.",
            "row 6, name: This field is required.",
            "row 6, head_position: This field is required.",
        ],
    ),
    (["DISPORA", "Dinas Pemuda", "Andi", NIP, "Kepala", ""], []),  # good, yet not imported
]


@pytest.mark.parametrize("dry_run", [False, True])
def test_bad_rows_are_all_reported_and_nothing_is_imported(demo, runner, tmp_path, dry_run):
    path = write_csv(tmp_path, [row for row, _ in BAD_ROWS])
    before = counts(demo)
    result = runner.invoke(
        args=["agency", "import", str(path), *(["--dry-run"] if dry_run else [])]
    )
    assert result.exit_code == 1
    expected = [line for _, lines in BAD_ROWS for line in lines]
    reported = [line for line in result.output.splitlines() if line.startswith("row ")]
    assert reported == expected
    assert "7 problem(s) found; nothing imported" in result.output
    assert counts(demo) == before
    assert agency(demo, "DISPORA") is None


def test_a_nip_stored_as_a_number_in_xlsx_is_refused(demo, runner, tmp_path):
    path = write_xlsx(
        tmp_path, [["DINSOS", "Dinas Sosial", "Rusmini", 198501012010011001, "Kepala", ""]]
    )
    result = runner.invoke(args=["agency", "import", str(path)])
    assert result.exit_code == 1
    assert (
        "row 2, head_nip: The NIP is stored as a number, which keeps only 15 digits"
        in result.output
    )
    assert agency(demo, "DINSOS") is None


FILE_PROBLEMS = [
    (
        "code;name\nX;Y\n",
        "agencies.csv",
        "row 1, header: The header must be: code,name,head_name,head_nip,head_position,tags",
    ),
    ("", "agencies.csv", "row 1, header: The file is empty."),
    ("code,name", "agencies.txt", "Only .csv and .xlsx files can be imported."),
    ("not a workbook", "agencies.xlsx", "Not a readable XLSX file"),
]


def test_unreadable_files_are_refused(demo, runner, tmp_path):
    for content, name, message in FILE_PROBLEMS:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result = runner.invoke(args=["agency", "import", str(path)])
        assert result.exit_code == 1, name
        assert message in result.output, name


def test_dry_run_of_a_good_file_changes_nothing(demo, runner, tmp_path):
    path = write_csv(tmp_path, GOOD_ROWS)
    before = counts(demo)
    result = runner.invoke(args=["agency", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would give 2 created, 1 updated, 0 unchanged; nothing changed" in result.output
    assert counts(demo) == before
    assert agency(demo, "DINKES").head_name == "dr. Siti Rahmawati, M.Kes."


def test_a_semicolon_csv_with_a_byte_order_mark_is_read(demo, runner, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text(
        "\ufeff"
        + HEADER.replace(",", ";")
        + f"\nDINSOS;Dinas Sosial;Rusmini;{NIP};Kepala Dinas;\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["agency", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert agency(demo, "DINSOS").head_nip == NIP


def test_a_name_with_an_unquoted_comma_is_reported_not_shifted(demo, runner, tmp_path):
    path = tmp_path / "agencies.csv"
    path.write_text(
        HEADER + "\n"
        f"DISKOMINFO,Dinas Komunikasi, Informatika,Rahmat,{NIP},Kepala Dinas,\n"
        f'DINSOS,"Dinas Sosial, Pemberdayaan",Rusmini,{NIP},Kepala Dinas,\n',
        encoding="utf-8",
    )
    result = runner.invoke(args=["agency", "import", str(path)])
    assert result.exit_code == 1
    reported = [line for line in result.output.splitlines() if line.startswith("row ")]
    assert reported == [
        "row 2, columns: 7 values where the header has 6: put a text with a comma in double quotes.",
        "row 2, head_nip: The NIP must be exactly 18 digits.",
    ]
