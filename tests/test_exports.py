"""Exports of a period's answers and results (docs/EXPORTS.md): documented columns that survive a
round trip through a CSV and an XLSX reader, and text that never runs as a formula."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from smartcity.domain.scoring import display_index
from smartcity.extensions import db
from smartcity.models import Agency, Answer, Assessment, Evidence, Period
from smartcity.services import exports, spreadsheets
from smartcity.services.accounts import create_user

from .helpers import PASSWORD

DOCS = Path(__file__).resolve().parent.parent / "docs" / "EXPORTS.md"


def documented_columns(section: str) -> list[str]:
    """The column names listed in docs/EXPORTS.md under `## <section>`, in order."""
    text = DOCS.read_text(encoding="utf-8")
    part = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.MULTILINE)


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(content: bytes) -> tuple[list[str], list[tuple]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def download(client, year: int, what: str, file_format: str, dialect: str = ""):
    extra = f"&dialect={dialect}" if dialect else ""
    return client.get(f"/periods/{year}/export?what={what}&format={file_format}{extra}")


# the XLSX headers people read, in Indonesian (docs/EXPORTS.md, "The XLSX columns")
XLSX_RESULTS_ID = [
    "Periode", "Kode perangkat daerah", "Perangkat daerah", "Status", "Cakupan", "Kode dimensi",
    "Dimensi", "Indeks penilaian mandiri", "Indeks terverifikasi", "Indeks akhir", "Predikat",
    "Tingkat kematangan", "Nama tingkat kematangan",
]  # fmt: skip
XLSX_ANSWERS_ID = [
    "Periode", "Kode perangkat daerah", "Perangkat daerah", "Status", "Kode dimensi", "Dimensi",
    "Indikator", "Pertanyaan", "Jenis jawaban", "Tingkat penilaian mandiri",
    "Mandiri: tidak berlaku", "Nilai penilaian mandiri", "Tingkat terverifikasi",
    "Terverifikasi: tidak berlaku", "Nilai terverifikasi", "Justifikasi", "Catatan evaluator",
    "Berkas data dukung",
]  # fmt: skip


def documented_xlsx_columns(what: str) -> list[str]:
    text = DOCS.read_text(encoding="utf-8").split("## The XLSX columns", 1)[1]
    listed = text.split(f"- **{what}**:", 1)[1].split(";", 1)[0].split(".\n", 1)[0]
    return [" ".join(name.split()) for name in listed.split(",")]


# --- the documented columns ------------------------------------------------------------------


def test_the_documented_columns_are_the_exported_ones():
    assert documented_columns("Answers") == list(exports.ANSWER_COLUMNS)
    assert documented_columns("Results") == list(exports.RESULT_COLUMNS)
    assert documented_xlsx_columns("results") == XLSX_RESULTS_ID
    assert documented_xlsx_columns("answers") == XLSX_ANSWERS_ID


def test_csv_and_xlsx_round_trip_with_the_stored_values(demo_history, client, auth):
    auth.login("admin")
    with demo_history.app_context():
        agencies = db.session.scalar(
            select(db.func.count(Assessment.id)).join(Period).filter(Period.year == 2025)
        )
    for what, columns in (("answers", exports.ANSWER_COLUMNS), ("results", exports.RESULT_COLUMNS)):
        response = download(client, 2025, what, "csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert f"smartcity-2025-{what}.csv" in response.headers["Content-Disposition"]
        rows = read_csv(response.data)
        assert list(rows[0]) == list(columns)
        assert len({row["agency_code"] for row in rows}) == agencies
        assert {row["period"] for row in rows} == {"2025"}
        sheet = download(client, 2025, what, "xlsx")
        assert sheet.mimetype == exports.MEDIA_TYPES["xlsx"]
        header, cells = read_xlsx(sheet.data)
        assert header == (XLSX_ANSWERS_ID if what == "answers" else XLSX_RESULTS_ID)
        assert len(cells) == len(rows)
        assert isinstance(dict(zip(header, cells[0], strict=True))["Periode"], int)

    rows = read_csv(download(client, 2025, "answers", "csv").data)
    with demo_history.app_context():
        stored = db.session.execute(
            select(Answer.indicator_code, Answer.level, Answer.justification, Answer.not_applicable)
            .join(Assessment)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == "DISKOMINFO", Period.year == 2025)
        ).all()
        files = db.session.scalar(
            select(db.func.count(Evidence.id))
            .join(Assessment)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == "DISKOMINFO", Period.year == 2025, Evidence.deleted_at.is_(None))
        )
    mine = {row["indicator_code"]: row for row in rows if row["agency_code"] == "DISKOMINFO"}
    for code, level, justification, not_applicable in stored:
        assert mine[code]["self_level"] == ("" if level is None else str(level))
        assert mine[code]["self_not_applicable"] == str(int(not_applicable))
        assert mine[code]["justification"] == spreadsheets.neutralised(justification)
    assert sum(int(row["evidence_count"]) for row in mine.values()) == files > 0
    # a final assessment shows its verified levels
    assert any(row["verified_level"] for row in mine.values())


def test_results_match_the_pages(demo_history, client, auth):
    auth.login("admin")
    client.get("/language/en")  # the XLSX speaks the reader's language
    header, rows = read_xlsx(download(client, 2025, "results", "xlsx").data)
    assert header[:6] == ["Period", "Agency code", "Agency", "Status", "Scope", "Dimension code"]
    result = {(r[1], r[4], r[5]): dict(zip(header, r, strict=True)) for r in rows}
    with demo_history.app_context():
        from smartcity.services.review import scores

        assessment = db.session.scalar(
            select(Assessment)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == "DISKOMINFO", Period.year == 2025)
        )
        pair = scores(assessment)
    overall = result[("DISKOMINFO", "Overall", None)]
    # numbers stay numbers, rounded half-up exactly like the pages
    assert isinstance(overall["Verified index"], float)
    assert f"{overall['Verified index']:.2f}" == display_index(pair.verified.index)
    assert f"{overall['Self-assessed index']:.2f}" == display_index(pair.self_assessed.index)
    assert overall["Final index"] == overall["Verified index"]
    assert overall["Maturity level"] == pair.verified.maturity.level
    assert isinstance(overall["Maturity level"], int)
    assert overall["Predicate"] == pair.verified.maturity.name.en
    assert overall["Status"] == "final"
    for dimension in pair.verified.dimensions:
        row = result[("DISKOMINFO", "Dimension", dimension.dimension.code)]
        assert f"{row['Verified index']:.2f}" == display_index(dimension.index)
        # the dimension's name next to its code, in the reader's language
        assert row["Dimension"] == dimension.dimension.name.en


def test_the_xlsx_is_made_for_people(demo_history, client, auth):
    auth.login("admin")
    content = download(client, 2025, "results", "xlsx").data
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.freeze_panes == "A2"  # the header row stays in view
    header = [cell.value for cell in sheet[1]]
    assert header == XLSX_RESULTS_ID
    index_column = header.index("Indeks akhir") + 1
    numbers = [row[index_column - 1] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.number_format == "0.00" for cell in numbers if cell.value is not None)
    assert any(isinstance(cell.value, float) for cell in numbers)
    # every column is as wide as its longest value, within reason
    for position, name in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=position).column_letter
        width = sheet.column_dimensions[letter].width
        longest = max(len(str(c.value or "")) for c in sheet[letter])
        assert min(longest, spreadsheets.MAX_WIDTH) + 2 == width, name
    rows = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    diskominfo = [r for r in rows if r["Kode perangkat daerah"] == "DISKOMINFO"]
    assert {r["Cakupan"] for r in diskominfo} == {"Dimensi", "Keseluruhan"}
    assert all(r["Dimensi"] for r in diskominfo if r["Cakupan"] == "Dimensi")
    assert {r["Status"] for r in diskominfo} == {"final"}


def test_the_excel_id_dialect_is_the_same_table_with_semicolons_and_decimal_commas(
    demo_history, client, auth
):
    auth.login("admin")
    plain = download(client, 2025, "results", "csv")
    excel = download(client, 2025, "results", "csv", "excel-id")
    assert excel.status_code == 200
    assert "smartcity-2025-results-excel-id.csv" in excel.headers["Content-Disposition"]
    assert excel.data.startswith(b"\xef\xbb\xbf")
    text = excel.data.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(exports.RESULT_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    expected = read_csv(plain.data)
    assert len(rows) == len(expected)
    for mine, theirs in zip(rows, expected, strict=True):
        for column in exports.RESULT_COLUMNS:
            # the same values; numbers with a decimal comma ("2,65")
            assert mine[column] == theirs[column].replace(".", ","), column
    assert any("," in row["verified_index"] for row in rows)
    # only for CSV, and only this dialect
    assert download(client, 2025, "results", "xlsx", "excel-id").status_code == 400
    assert download(client, 2025, "results", "csv", "excel").status_code == 400


# --- formula injection and hostile text -------------------------------------------------------

INJECTION = [
    ("=1+1", "'=1+1"),
    ("+62 811 000", "'+62 811 000"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=cmd", "'\t=cmd"),
    ("\r=cmd", "'\r=cmd"),
    ('=HYPERLINK("http://evil.example","klik")', '\'=HYPERLINK("http://evil.example","klik")'),
    # what spreadsheets also run: white space or a line break before the sign, full-width signs
    (" =1+1", "' =1+1"),
    ("  \t @SUM(A1)", "'  \t @SUM(A1)"),
    ("\n=cmd|' /C calc'!A0", "'\n=cmd|' /C calc'!A0"),
    ("\u3000=1+1", "'\u3000=1+1"),
    ("\uff1d1+1", "'\uff1d1+1"),
    ("\uff0b62 811", "'\uff0b62 811"),
    ("\uff0d2+3", "'\uff0d2+3"),
    ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
    ("\ufe66HYPERLINK()", "'\ufe66HYPERLINK()"),
    ("Sudah ada = rencana", "Sudah ada = rencana"),
    ("  Sudah ada", "  Sudah ada"),
    ("", ""),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
]


@pytest.mark.parametrize(("text", "shown"), INJECTION)
def test_formula_injection_is_neutralised(text, shown):
    assert spreadsheets.neutralised(text) == shown
    rows = read_csv(spreadsheets.to_csv(["justification", "level"], [[text, 3]]))
    assert rows[0] == {"justification": shown, "level": "3"}
    _header, cells = read_xlsx(spreadsheets.to_xlsx(["justification", "level"], [[text, 3]], "t"))
    # openpyxl reads a formula back as its text starting with "=": here it is plain text
    assert cells[0] == ((shown or None), 3)


def test_negative_numbers_stay_numbers():
    _header, cells = read_xlsx(spreadsheets.to_xlsx(["x"], [[Decimal("-1.50")], [-2]], "t"))
    assert cells == [(-1.5,), (-2,)]
    assert read_csv(spreadsheets.to_csv(["x"], [[-2]]))[0]["x"] == "-2"


def test_hostile_answers_stay_literal_in_both_formats(demo, client, auth):
    hostile = '=HYPERLINK("http://evil.example")\x07<img src=x onerror=alert(1)>;"koma, kutip"\n2'
    with demo.app_context():
        assessment = db.session.scalar(
            select(Assessment)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == "DISKOMINFO", Period.year == 2026)
        )
        db.session.add(
            Answer(
                assessment_id=assessment.id, indicator_code="GOV-01", level=2, justification=hostile
            )
        )
        db.session.commit()
    auth.login("admin")
    rows = read_csv(download(client, 2026, "answers", "csv").data)
    row = next(
        r for r in rows if r["agency_code"] == "DISKOMINFO" and r["indicator_code"] == "GOV-01"
    )
    assert row["justification"] == "'" + hostile
    header, cells = read_xlsx(download(client, 2026, "answers", "xlsx").data)
    found = next(
        dict(zip(header, c, strict=True))
        for c in cells
        if c[header.index("Kode perangkat daerah")] == "DISKOMINFO"
        and c[header.index("Indikator")] == "GOV-01"
    )
    # the bell character cannot live in a sheet's XML: dropped, everything else kept literally
    assert found["Justifikasi"] == "'" + hostile.replace("\x07", "")
    assert found["Tingkat penilaian mandiri"] == 2


# --- who exports what -------------------------------------------------------------------------


def test_an_evaluator_exports_only_assigned_agencies(demo, client, auth):
    with demo.app_context():
        create_user("evaluator2", "evaluator", PASSWORD, full_name="Evaluator Dua")
        db.session.commit()
    auth.login("evaluator2")
    assert read_csv(download(client, 2026, "results", "csv").data) == []
    auth.logout()
    auth.login("evaluator")  # assigned to every demo agency
    assert {row["agency_code"] for row in read_csv(download(client, 2026, "results", "csv").data)}


def test_the_leadership_sees_verified_levels_only_once_verified(demo, client, auth):
    from smartcity.models import Review

    with demo.app_context():
        assessment = db.session.scalar(
            select(Assessment)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == "DINKES", Period.year == 2026)
        )
        assessment.status = "in_review"
        db.session.add(
            Review(
                assessment_id=assessment.id,
                indicator_code="LIV-01",
                verified_level=1,
                note="kurang",
            )
        )
        db.session.commit()

    def dinkes_row(username: str) -> dict[str, str]:
        auth.login(username)
        rows = read_csv(download(client, 2026, "answers", "csv").data)
        auth.logout()
        return next(
            r for r in rows if r["agency_code"] == "DINKES" and r["indicator_code"] == "LIV-01"
        )

    assert (dinkes_row("admin")["verified_level"], dinkes_row("admin")["evaluator_note"]) == (
        "1",
        "kurang",
    )
    assert (dinkes_row("pimpinan")["verified_level"], dinkes_row("pimpinan")["evaluator_note"]) == (
        "",
        "",
    )


def test_unknown_export_choices_are_400(demo, client, auth):
    auth.login("admin")
    for query in ("what=everything&format=csv", "what=answers&format=pdf", "what=results&format="):
        assert client.get(f"/periods/2026/export?{query}").status_code == 400, query


# --- command line ----------------------------------------------------------------------------


def export_args(year: int, what: str, file_format: str, out) -> list[str]:
    return [
        "export",
        "--period",
        str(year),
        "--what",
        what,
        "--format",
        file_format,
        "--out",
        str(out),
    ]


def test_export_command(demo, runner, tmp_path):
    for file_format in ("csv", "xlsx"):
        out = tmp_path / f"answers.{file_format}"
        result = runner.invoke(args=export_args(2026, "answers", file_format, out))
        assert result.exit_code == 0, result.output
        if file_format == "csv":
            assert list(read_csv(out.read_bytes())[0]) == list(exports.ANSWER_COLUMNS)
        else:
            assert read_xlsx(out.read_bytes())[0] == XLSX_ANSWERS_ID
    out = tmp_path / "x.csv"
    refused = runner.invoke(args=export_args(1999, "answers", "csv", out))
    assert refused.exit_code != 0 and "1999" in refused.output
    assert not out.exists()
