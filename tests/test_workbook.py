"""Instruments as Excel workbooks: lossless round trips, and every problem named by its cell."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from smartcity.domain.instrument import (
    DEFAULT_LEVEL_NAMES,
    DEFAULT_MATURITY_BANDS,
    Dimension,
    Indicator,
    Instrument,
    Option,
    SubElement,
    Text,
    Threshold,
)
from smartcity.domain.loader import (
    InstrumentError,
    dump_instrument,
    load_instrument,
    load_instrument_file,
)
from smartcity.domain.workbook import SHEETS, read_workbook, write_workbook

from .indonesian import untranslated_keys

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "smartcity" / "instruments").glob("*.yaml"))
FEATURES = ROOT / "smartcity" / "instruments" / "test-all-features.yaml"
FEATURES_INSTRUMENT = load_instrument_file(FEATURES)
FEATURES_BOOK = write_workbook(FEATURES_INSTRUMENT)


@pytest.fixture(scope="module")
def features_book() -> bytes:
    return FEATURES_BOOK


def edited(book: bytes, changes: dict[str, object] | None = None, **actions) -> bytes:
    """The workbook with cells changed ({"Indicators!E2": None}) and sheets or rows removed."""
    workbook = load_workbook(io.BytesIO(book))
    for where, value in (changes or {}).items():
        sheet, cell = where.split("!")
        workbook[sheet][cell] = value
    for name in actions.get("remove_sheets", ()):
        del workbook[name]
    for where in actions.get("delete_rows", ()):
        sheet, row = where.split("!")
        workbook[sheet].delete_rows(int(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def problems_of(data: bytes, **limits) -> list[tuple[str, str]]:
    with pytest.raises(InstrumentError) as caught:
        read_workbook(data, "book.xlsx", **limits)
    assert all(p.file == "book.xlsx" and p.line is None for p in caught.value.problems)
    # every workbook problem reads in Bahasa Indonesia too
    assert all(untranslated_keys(p) == [] for p in caught.value.problems), caught.value.problems
    return [(p.field, p.message) for p in caught.value.problems]


# -- lossless ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_every_shipped_instrument_survives_yaml_to_xlsx_to_instrument(path: Path):
    instrument = load_instrument_file(path)
    assert read_workbook(write_workbook(instrument), path.name) == instrument


@pytest.mark.parametrize("path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_every_shipped_instrument_survives_dump_and_load(path: Path):
    instrument = load_instrument_file(path)
    assert load_instrument(dump_instrument(instrument)) == instrument


def test_the_workbook_has_the_documented_sheets_and_columns(features_book: bytes):
    workbook = load_workbook(io.BytesIO(features_book))
    assert workbook.sheetnames == [sheet.name for sheet in SHEETS]
    assert workbook.sheetnames == [
        "Instrument", "LevelNames", "Bands", "Dimensions", "SubElements", "Indicators", "Levels",
    ]  # fmt: skip
    assert [c.value for c in workbook["Levels"][1]] == [
        "indicator", "kind", "level", "code", "points", "from", "text_id", "text_en",
    ]  # fmt: skip
    kinds = [row[1] for row in workbook["Levels"].iter_rows(min_row=2, values_only=True)]
    assert set(kinds) == {"level", "evidence", "option", "item", "threshold"}


def test_awkward_values_survive_the_workbook():
    instrument = load_instrument_file(FEATURES)
    first = instrument.indicators[0]
    awkward = replace(
        first,
        question=Text("=SUM(A1:A2) bukan rumus", "  spaces kept  "),
        explanation=Text("baris satu\nbaris dua", "TRUE"),
        weight=Fraction(1, 3),  # no decimal: written as text 1/3
    )
    governance = instrument.dimensions[0]
    services = governance.sub_elements[0]
    services = replace(
        services, weight=Fraction(1, 10), indicators=(awkward, *services.indicators[1:])
    )
    governance = replace(
        governance,
        indicators=(),
        weight=Fraction("123456789.000000001"),  # beyond a float: written as exact text
        sub_elements=(services, *governance.sub_elements[1:]),
    )
    changed = replace(
        instrument, version="2026.10", dimensions=(governance, *instrument.dimensions[1:])
    )
    assert read_workbook(write_workbook(changed)) == changed


def test_staff_may_reorder_columns_add_notes_and_leave_blank_rows(features_book: bytes):
    workbook = load_workbook(io.BytesIO(features_book))
    sheet = workbook["Dimensions"]
    sheet.insert_cols(1)
    sheet["A1"] = "# catatan"
    sheet["A2"] = "diperiksa Bapperida"
    sheet.insert_rows(3)
    workbook["Indicators"]["J2"] = "ya"  # allow_na in Indonesian
    output = io.BytesIO()
    workbook.save(output)
    instrument = read_workbook(output.getvalue())
    assert instrument.indicators[0].allow_not_applicable is True
    assert [d.code for d in instrument.dimensions] == ["GOV", "ENV"]


# -- broken workbooks: each problem named by sheet and cell --------------------------------------

BROKEN = [
    # (id, cell changes, every problem expected: (cell, message fragment), in workbook order)
    ("blank weight", {"Indicators!E2": None}, [("Indicators!E2", "weight must be a positive number, got nothing")]),
    ("text weight", {"Dimensions!D3": "berat"}, [("Dimensions!D3", "weight must be a positive number, got 'berat'")]),
    ("blank English question", {"Indicators!G3": None}, [("Indicators!G3", "English text 'en' is empty")]),
    ("unknown dimension", {"Indicators!A5": "ENVX"}, [("Indicators!A5", "no dimension 'ENVX' in the Dimensions sheet (did you mean 'ENV'?)")]),
    ("blank dimension", {"Indicators!A5": None}, [("Indicators!A5", "the dimension is empty")]),
    ("unknown answer type", {"Indicators!D4": "pilihan"}, [("Indicators!D4", "unknown answer type 'pilihan'")]),
    ("allow_na not true or false", {"Indicators!J2": "mungkin"}, [("Indicators!J2", "allow_na must be true or false, got 'mungkin'")]),
    ("duplicate agency in applies_to", {"Indicators!K5": "DLH, DLH"}, [("Indicators!K5", "duplicate agency or tag code 'DLH'")]),
    ("evidence level not a level", {"Indicators!L2": 7}, [("Indicators!L2", "evidence_from_level 7 is not a level")]),
    ("option points above max", {"Levels!E17": 4}, [("Levels!E17", "points 4 are above max_points 3")]),
    ("thresholds not ascending", {"Levels!F11": 10}, [("Levels!F11", "thresholds must ascend: 10 is not above 20")]),
    ("band minimums not ascending", {"Bands!A4": 1}, [("Bands!A4", "band minimums must ascend")]),
    ("level name without English", {"LevelNames!C3": None}, [("LevelNames!C3", "English text 'en' is empty")]),
    ("unknown column", {"Dimensions!G1": "colour", "Dimensions!G2": "red"}, [("Dimensions!G1", "unknown column 'colour'")]),
    ("missing column", {"Dimensions!D1": None}, [("Dimensions!1", "the column 'weight' is missing from the header row")]),
    ("two instrument rows", {"Instrument!A3": "lagi"}, [("Instrument!2", "needs exactly one row under its header, found 2")]),
    # a broken reference also leaves its group or its indicator incomplete: both are named
    ("unknown sub-element", {"Indicators!B4": "POLX"}, [
        ("SubElements!B3", "at least one indicator is required"),
        ("Indicators!B4", "no sub-element 'POLX' of dimension 'GOV' in the SubElements sheet"),
    ]),
    ("missing sub-element", {"Indicators!B4": None}, [
        ("SubElements!B3", "at least one indicator is required"),
        ("Indicators!B4", "dimension 'GOV' has sub-elements: name this indicator's sub-element"),
    ]),
    ("duplicate indicator code", {"Indicators!C3": "GOV-SVC-01"}, [
        ("Indicators!C3", "duplicate indicator code 'GOV-SVC-01' (first defined on Indicators!C2)"),
        ("Indicators!C3", "required key 'thresholds' is missing (a number indicator)"),
        ("Levels!A9", "no indicator 'GOV-SVC-02' in the Indicators sheet"),
    ]),
    ("unknown Levels kind", {"Levels!B2": "leval"}, [
        ("Indicators!C2", "level 1 is missing"),
        ("Levels!B2", "unknown kind 'leval' (did you mean 'level'?)"),
    ]),
    ("level not a number", {"Levels!C4": "tiga"}, [
        ("Indicators!C2", "level 3 is missing"),
        ("Levels!C4", "level must be a whole number, got 'tiga'"),
    ]),
    ("unknown indicator in Levels", {"Levels!A26": "ENV-99"}, [
        ("Levels!A26", "no indicator 'ENV-99' in the Indicators sheet (did you mean 'ENV-02'?)"),
        ("Levels!F27", "the first threshold must start at the minimum 0"),
    ]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_each_workbook_problem_names_its_cell(features_book: bytes, changes, expected):
    problems = problems_of(edited(features_book, changes))
    assert [cell for cell, _ in problems] == [cell for cell, _ in expected], problems
    for (_, message), (_, fragment) in zip(problems, expected, strict=True):
        assert fragment in message


def test_missing_sheet_is_named(features_book: bytes):
    assert problems_of(edited(features_book, remove_sheets=["Levels"])) == [
        ("Levels", "the sheet 'Levels' is missing")
    ]


def test_every_workbook_problem_is_reported_at_once(features_book: bytes):
    broken = edited(
        features_book, {"Dimensions!D2": 0, "Indicators!C6": "bad code", "Levels!E15": -1}
    )
    # in workbook order; the broken indicator also lacks its thresholds, whose rows are orphans
    assert [cell for cell, _ in problems_of(broken)] == [
        "Dimensions!D2", "Indicators!C6", "Indicators!C6", "Levels!E15", "Levels!A21",
    ]  # fmt: skip


def test_defaults_apply_when_optional_sheets_are_left_out(features_book: bytes):
    instrument = read_workbook(edited(features_book, remove_sheets=["LevelNames", "Bands"]))
    assert instrument == load_instrument_file(FEATURES)  # the file states the defaults


# -- refused before parsing --------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return output.getvalue()


REFUSED = [
    # (id, bytes, limits, message fragment)
    ("plain text", b"code: demo\n", {}, "not an Excel workbook (.xlsx)"),
    ("old .xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, {}, "old Excel 97-2003 (.xls)"),
    ("damaged zip", b"PK\x03\x04" + b"\0" * 60, {}, "the zip container is damaged"),
    ("zip without a workbook", _zip({"hello.txt": b"hi"}), {}, "holds no xl/workbook.xml"),
    (
        "workbook part is garbage",
        _zip({"xl/workbook.xml": b"<not-xml"}),
        {},
        "the workbook cannot be read",
    ),
    ("too big", b"PK" + b"\0" * 2000, {"max_bytes": 1000}, "workbooks of at most 1,000 bytes"),
    (
        "zip bomb",
        _zip({"xl/workbook.xml": b"", "xl/worksheets/sheet1.xml": b"\0" * (60 * 1024 * 1024)}),
        {},
        "refused as a possible zip bomb",
    ),
]


@pytest.mark.parametrize(
    ("data", "limits", "fragment"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_refused_files_get_one_clear_problem(data: bytes, limits, fragment: str):
    problems = problems_of(data, **limits)
    assert len(problems) == 1 and problems[0][0] == ""
    assert fragment in problems[0][1]


def test_workbook_module_imports_no_framework():
    code = (
        "import sys, smartcity.domain.workbook\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# -- property: any texts and exact weights survive ----------------------------------------------

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=30,
).filter(str.strip)
weights = st.fractions(min_value=Fraction(1, 1000), max_value=1000, max_denominator=1000)


@settings(
    max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(question=texts, label=texts, weight=weights, points=weights)
def test_any_text_and_weight_survive_yaml_and_workbook(question, label, weight, points):
    instrument = FEATURES_INSTRUMENT
    environment = instrument.dimensions[1]
    checklist = environment.indicators[0]
    item = replace(checklist.options[0], label=Text(label, label), points=points)
    changed_indicator = replace(
        checklist,
        question=Text(question, question),
        weight=weight,
        options=(item, *checklist.options[1:]),
        max_points=min(
            checklist.max_points,
            sum((o.points for o in (item, *checklist.options[1:])), Fraction(0)),
        ),
    )
    environment = replace(environment, indicators=(changed_indicator, *environment.indicators[1:]))
    changed = replace(instrument, dimensions=(instrument.dimensions[0], environment))
    assert load_instrument(dump_instrument(changed)) == changed
    assert read_workbook(write_workbook(changed)) == changed


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.data())
def test_damaged_workbook_only_raises_instrument_error(data):
    book = bytearray(FEATURES_BOOK)
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        position = data.draw(st.integers(min_value=0, max_value=len(book) - 1))
        book[position] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        read_workbook(bytes(book), "damaged.xlsx")
    except InstrumentError as error:
        assert error.problems
        assert all(p.file == "damaged.xlsx" for p in error.problems)


def test_a_part_needing_a_zip_version_python_lacks_is_a_damaged_workbook():
    """Found by the property above on CI: a byte of the central directory changed to say
    "version 6.4 needed to extract" made zipfile raise NotImplementedError."""
    book = bytearray(FEATURES_BOOK)
    entry = book.index(b"PK\x01\x02")  # the first part's central directory header
    book[entry + 6 : entry + 8] = (64).to_bytes(2, "little")  # version needed: 6.4
    with pytest.raises(InstrumentError) as raised:
        read_workbook(bytes(book), "damaged.xlsx")
    assert [p.file for p in raised.value.problems] == ["damaged.xlsx"]
    assert "zip container is damaged" in str(raised.value.problems[0].message)


# -- property: any valid instrument survives both round trips ----------------------------------

plain_texts = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=12
).filter(str.strip)
bilingual = st.builds(Text, plain_texts, plain_texts)
# twelfths: decimals (0.25) and ratios without one (1/3), drawn fast
exact = st.integers(min_value=-12000, max_value=12000).map(lambda n: Fraction(n, 12))
positive = st.integers(min_value=1, max_value=1200).map(lambda n: Fraction(n, 12))
LEVELS = tuple(range(1, 6))


@st.composite
def indicators(draw, code: str):
    answer_type = draw(st.sampled_from(["level", "choice", "checklist", "number"]))
    base = {
        "code": code,
        "question": draw(bilingual),
        "explanation": draw(bilingual),
        "weight": draw(positive),
        "levels": (),
        "allow_not_applicable": draw(st.booleans()),
        "evidence_hint": draw(st.none() | bilingual),
        "evidence_from_level": draw(st.none() | st.sampled_from(LEVELS)),
        "answer_type": answer_type,
        "applies_to": draw(
            st.just(("all",))
            | st.lists(
                st.sampled_from(["DLH", "DINKES", "dinas-teknis"]), min_size=1, unique=True
            ).map(tuple)
        ),
        "evidence_hints": tuple(
            (level, draw(bilingual))
            for level in sorted(draw(st.sets(st.sampled_from(LEVELS), max_size=2)))
        ),
    }
    if answer_type in ("level", "number") and (answer_type == "level" or draw(st.booleans())):
        base["levels"] = tuple((level, draw(bilingual)) for level in LEVELS)
    if answer_type in ("choice", "checklist"):
        count = draw(st.integers(min_value=2 if answer_type == "choice" else 1, max_value=4))
        top = draw(st.integers(min_value=1, max_value=120))
        lowest = 0 if answer_type == "choice" else 1
        points = [
            Fraction(draw(st.integers(min_value=lowest, max_value=top)), 12) for _ in range(count)
        ]
        top = Fraction(top, 12)
        options = tuple(Option(f"o{n}", draw(bilingual), p) for n, p in enumerate(points))
        maximum = top if answer_type == "choice" else min(top, sum(points, Fraction(0)))
        base.update(options=options, max_points=maximum)
    if answer_type == "number":
        low = draw(exact)
        steps = draw(st.lists(st.integers(min_value=1, max_value=6000), max_size=3, unique=True))
        edges = [low, *(low + Fraction(step, 12) for step in sorted(steps))]
        levels = sorted(
            draw(
                st.lists(
                    st.sampled_from(LEVELS), min_size=len(edges), max_size=len(edges), unique=True
                )
            )
        )
        higher = draw(st.booleans())
        base.update(
            unit=draw(bilingual),
            minimum=low,
            maximum=low + 500 + draw(positive),
            direction="higher_is_better" if higher else "lower_is_better",
            thresholds=tuple(
                Threshold(start, level)
                for start, level in zip(edges, levels if higher else levels[::-1], strict=True)
            ),
        )
    return Indicator(**base)


@st.composite
def instruments(draw):
    counter = iter(range(1000))
    dimensions = []
    for d in range(draw(st.integers(min_value=1, max_value=3))):
        head = {
            "code": f"D{d}",
            "name": draw(bilingual),
            "weight": draw(positive),
            "description": draw(st.none() | bilingual),
        }
        if draw(st.booleans()):
            subs = tuple(
                SubElement(
                    f"D{d}-S{s}",
                    draw(bilingual),
                    draw(positive),
                    tuple(
                        draw(indicators(f"I{next(counter)}"))
                        for _ in range(draw(st.integers(1, 2)))
                    ),
                    draw(st.none() | bilingual),
                )
                for s in range(draw(st.integers(1, 3)))
            )
            dimensions.append(Dimension(indicators=(), sub_elements=subs, **head))
        else:
            items = tuple(
                draw(indicators(f"I{next(counter)}")) for _ in range(draw(st.integers(1, 3)))
            )
            dimensions.append(Dimension(indicators=items, **head))
    return Instrument(
        code="prop",
        version=draw(st.sampled_from(["1", "2026.10", "v2"])),
        title=draw(bilingual),
        dimensions=tuple(dimensions),
        level_names=DEFAULT_LEVEL_NAMES,
        maturity_bands=DEFAULT_MATURITY_BANDS,
        description=draw(st.none() | bilingual),
    )


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(instruments())
def test_any_instrument_survives_dump_and_workbook(instrument: Instrument):
    assert load_instrument(dump_instrument(instrument)) == instrument
    assert read_workbook(write_workbook(instrument)) == instrument
