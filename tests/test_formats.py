"""Numbers, dates, document numbers and the coat of arms: the pure rules, as tables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from smartcity.domain import emblem, formats, numbering
from smartcity.domain.numbering import NumberFormat

from .helpers import HOSTILE_SVG, png

MINUS = "\u2212"
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (Fraction(265, 100), "2,65", "2.65"),
        (Fraction(2645, 1000), "2,65", "2.65"),  # half-up, exactly
        (Fraction(2644999, 1000000), "2,64", "2.64"),
        (Fraction(3), "3,00", "3.00"),
        (Decimal("1234.5"), "1.234,50", "1,234.50"),
        (Fraction(-3, 2), MINUS + "1,50", MINUS + "1.50"),
        (None, "-", "-"),
    ],
)
def test_an_index_has_two_decimals_in_the_language_of_the_page(value, indonesian, english):
    assert formats.index(value, "id") == indonesian
    assert formats.index(value, "en") == english


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (Fraction(3, 2), "1,5", "1.5"),  # a weight: never "3/2"
        (Fraction(1, 3), "0,333", "0.333"),
        (1234, "1.234", "1,234"),
        (Decimal("12.50"), "12,5", "12.5"),
        (2, "2", "2"),
    ],
)
def test_a_number_has_the_decimals_it_needs(value, indonesian, english):
    assert formats.number(value, "id") == indonesian
    assert formats.number(value, "en") == english


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (Fraction(-59, 100), MINUS + "0,59", MINUS + "0.59"),
        (Fraction(1, 4), "+0,25", "+0.25"),
        (Fraction(0), "0,00", "0.00"),
        (Fraction(-1, 1000), "0,00", "0.00"),  # rounds to nothing: no sign
        (None, "-", "-"),
    ],
)
def test_a_difference_carries_one_minus_sign(value, indonesian, english):
    assert formats.difference(value, "id") == indonesian
    assert formats.difference(value, "en") == english
    # never the hyphen-minus: one minus sign, U+2212
    assert value is None or "-" not in formats.difference(value, "id")


def test_dates_one_format_per_context_from_the_locale_data():
    moment = datetime(2026, 12, 6, 3, 13)  # stored as UTC: 10.13 in Sampit
    assert formats.document_date(date(2025, 7, 12), "id") == "12 Juli 2025"
    assert formats.document_date(date(2025, 7, 12), "en") == "July 12, 2025"
    assert formats.list_datetime(moment, "id", JAKARTA) == "6 Des 2026 10.13"
    assert formats.list_datetime(moment, "en", JAKARTA).startswith("Dec 6, 2026, 10:13")
    assert formats.document_datetime(moment, "id", JAKARTA) == "6 Desember 2026 10.13"
    assert formats.list_date(date(2026, 12, 6), "id") == "6 Des 2026"


# --- document numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "classification", "unit", "year", "month", "sequence", "number"),
    [
        ("{klasifikasi}/{nomor}/{unit}/{tahun}", "000.8.3", "BAPPERIDA", 2026, 7, 17,
         "000.8.3/017/BAPPERIDA/2026"),
        ("{klasifikasi}/{nomor}/{unit}/{bulan}/{tahun}", "800", "DISKOMINFO", 2025, 12, 4,
         "800/004/DISKOMINFO/XII/2025"),
        ("BA-{nomor}/{tahun}", "", "", 2026, 1, 1234, "BA-1234/2026"),
    ],
)  # fmt: skip
def test_a_number_is_made_from_its_pattern(
    pattern, classification, unit, year, month, sequence, number
):
    form = NumberFormat(pattern, classification)
    assert numbering.problems(pattern) == []
    assert numbering.render(form, unit, year, month, sequence) == number


def test_the_running_number_counts_per_series_and_year_not_per_month():
    monthly = NumberFormat("{klasifikasi}/{nomor}/{unit}/{bulan}/{tahun}", "000.8.3")
    assert numbering.series(monthly, "BAPPERIDA", 2026) == "000.8.3/{nomor}/BAPPERIDA/{bulan}/2026"
    # same pattern and classification: one series (one counter, never the same number)
    other_kind = NumberFormat("{klasifikasi}/{nomor}/{unit}/{bulan}/{tahun}", "000.8.3")
    assert numbering.series(other_kind, "BAPPERIDA", 2026) == numbering.series(
        monthly, "BAPPERIDA", 2026
    )
    assert numbering.series(monthly, "BAPPERIDA", 2027) != numbering.series(
        monthly, "BAPPERIDA", 2026
    )


@pytest.mark.parametrize(
    ("pattern", "problems"),
    [
        ("{klasifikasi}/{nomor}/{unit}/{tahun}", []),
        ("{klasifikasi}/{unit}/{tahun}", ["missing:nomor"]),
        ("{nomor}/{unit}", ["missing:tahun"]),
        ("{nomor}/{nomor}/{tahun}", ["twice:nomor"]),
        ("{nomor}/{tahun}/{kode}", ["unknown:kode"]),
        ("{nomor}/{tahun}/{unit", ["braces"]),
        ("{nomor}/{tahun}/" + "x" * 120, ["length"]),
    ],
)
def test_a_pattern_that_could_repeat_a_number_is_refused(pattern, problems):
    assert numbering.problems(pattern) == problems


# --- the coat of arms ------------------------------------------------------------------------


def test_a_png_is_kept_exactly_and_checked_by_content():
    image = png()
    assert emblem.checked(image) == emblem.Emblem(image, "image/png")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (png(tail=b"<script>alert(1)</script>"), "png"),  # something hidden after IEND
        (png()[:-5], "png"),  # cut short
        (png().replace(b"IDAT", b"IDAX", 1), "png"),  # a chunk whose CRC no longer matches
        (png(width=5000), "size"),
        (b"GIF89a" + b"\x00" * 20, "type"),
        (b"%PDF-1.7\n", "type"),
        (b"<html><script>alert(1)</script></html>", "type"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>',
         "svg"),
        (b'<?xml-stylesheet href="http://evil/x.css"?><svg xmlns="http://www.w3.org/2000/svg"/>', "svg"),
        (b"<svg><unclosed>", "svg"),
        (b" " * (emblem.MAX_BYTES + 1), "size"),
    ],
)  # fmt: skip
def test_anything_else_is_refused(data, reason):
    with pytest.raises(emblem.EmblemRefused) as refused:
        emblem.checked(data)
    assert refused.value.reason == reason


def test_an_svg_is_rebuilt_without_anything_that_can_run_or_fetch():
    cleaned = emblem.checked(HOSTILE_SVG)
    assert cleaned.media_type == "image/svg+xml"
    text = cleaned.content.decode().lower()
    for gone in ("script", "alert", "onload", "onclick", "foreignobject", "javascript", "http://evil",
                 "<style", "<image", "<a ", "<animate", "<set", "@import"):  # fmt: skip
        assert gone not in text, gone
    # the drawing itself stays: shapes, local references, allowed styles, text
    assert 'fill="url(#grad)"' in text and 'href="#shape"' in text and "fill:red" in text
    assert "<path" in text and "lambang" in text
    # cleaning is stable: a cleaned SVG comes back unchanged
    assert emblem.checked(cleaned.content).content == cleaned.content


def test_the_demo_emblem_is_a_clean_svg():
    from smartcity.seed.data import DEMO_EMBLEM

    original = DEMO_EMBLEM.read_bytes()
    cleaned = emblem.checked(original)
    assert cleaned.media_type == "image/svg+xml"
    assert b"<path" in cleaned.content and b"CONTOH" in cleaned.content


def test_formats_import_no_flask():
    import subprocess
    import sys

    code = (
        "import sys; import smartcity.domain.formats, smartcity.domain.numbering, "
        "smartcity.domain.emblem; print('flask' in sys.modules or 'sqlalchemy' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
