"""Questionnaire files that the database could not store, or that would never finish parsing.

- Every code the database stores has its column's length (`domain/limits.py`, which the models
  use: one source). A longer one is a validation problem with its line or cell, in
  `instrument validate`, `instrument import` and the admin upload alike, on SQLite and
  PostgreSQL; a questionnaire published before this check still opens, and saving an answer of
  an over-long indicator is refused (422), never a 500.
- An uploaded file name longer than its column is shortened before it is stored.
- YAML aliases that would expand without end are a validation problem (the file is refused at
  once, not after minutes and gigabytes).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import String, select

from smartcity.domain import limits
from smartcity.domain.loader import MAX_ALIAS_EXPANSION, load_instrument, validate_instrument
from smartcity.domain.workbook import read_workbook, write_workbook
from smartcity.extensions import db
from smartcity.models import Agency, Assessment, InstrumentVersion, Period

from .indonesian import indonesian

SHIPPED = Path(__file__).resolve().parent.parent / "smartcity" / "instruments"
SOURCE = (SHIPPED / "test-all-features.yaml").read_text(encoding="utf-8")


# -- one source ----------------------------------------------------------------------------------

# (table.column, the limit the validator holds its values to)
COLUMNS = [
    ("instrument_versions.code", limits.INSTRUMENT_CODE),
    ("instrument_versions.version", limits.INSTRUMENT_VERSION),
    ("instrument_versions.source_name", limits.INSTRUMENT_SOURCE_NAME),
    ("agency_dimensions.dimension_code", limits.DIMENSION_CODE),
    ("answers.indicator_code", limits.INDICATOR_CODE),
    ("answers.choice", limits.OPTION_CODE),
    ("reviews.indicator_code", limits.INDICATOR_CODE),
    ("reviews.verified_choice", limits.OPTION_CODE),
    ("evidence.indicator_code", limits.INDICATOR_CODE),
    ("evidence.original_name", limits.FILE_NAME),
    ("agency_indicator_scope.indicator_code", limits.INDICATOR_CODE),
    ("audit_events.subject_id", limits.AUDIT_SUBJECT),
]


@pytest.mark.parametrize(("column", "limit"), COLUMNS)
def test_the_models_take_their_lengths_from_the_limits(column, limit):
    table, name = column.split(".")
    assert db.metadata.tables[table].columns[name].type.length == limit


def test_every_column_holding_an_indicator_or_dimension_code_has_the_same_length():
    """A new table naming indicators (threads, follow-ups, ...) must fit every code there is."""
    wanted = {"indicator_code": limits.INDICATOR_CODE, "dimension_code": limits.DIMENSION_CODE}
    found = {
        f"{table.name}.{column.name}": column.type.length
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.name in wanted and isinstance(column.type, String)
    }
    assert found and all(length == wanted[c.split(".")[1]] for c, length in found.items()), found


# -- too long for the database ---------------------------------------------------------------------


def with_code(source: str, old: str, new: str) -> str:
    assert old in source
    return source.replace(old, new)


LONG = "X" * 51
# (what is made too long, the source, line of the problem, the message)
TOO_LONG = [
    (
        "indicator code of 51",
        with_code(SOURCE, "code: GOV-SVC-01", f"code: GOV-SVC-{LONG}"),
        "code is too long: 59 characters, at most 40",
    ),
    (
        "instrument code of 81",
        with_code(SOURCE, "code: test-all-features", "code: t" + "x" * 80),
        "code is too long: 81 characters, at most 80",
    ),
    (
        "version of 41",
        with_code(SOURCE, 'version: "1.0"', 'version: "1.' + "0" * 39 + '"'),
        "version is too long: 41 characters, at most 40",
    ),
    (
        "dimension code of 41",
        with_code(SOURCE, "- code: ENV\n", "- code: E" + "V" * 40 + "\n"),
        "code is too long: 41 characters, at most 40",
    ),
    (
        "option code of 41",
        with_code(SOURCE, '{code: "3",', '{code: "' + "3" * 41 + '",'),
        "code is too long: 41 characters, at most 40",
    ),
]


@pytest.mark.parametrize(
    ("source", "message"), [c[1:] for c in TOO_LONG], ids=[c[0] for c in TOO_LONG]
)
def test_a_code_longer_than_its_column_is_a_problem_with_its_line(source, message):
    problems = validate_instrument(source, "kuesioner.yaml")
    assert [p.message.split(":")[0:2] for p in problems] == [message.split(":")[0:2]], problems
    assert problems[0].message.startswith(message)
    assert problems[0].line is not None and problems[0].line > 1
    in_indonesian = problems[0].text(indonesian)
    assert in_indonesian.startswith(("kode terlalu panjang", "version terlalu panjang"))


def test_a_published_questionnaire_is_read_as_it_was_stored():
    source = with_code(SOURCE, "code: GOV-SVC-01", f"code: GOV-SVC-{LONG}")
    assert load_instrument(source, lengths=None).indicator(f"GOV-SVC-{LONG}") is not None


def test_the_workbook_names_the_cell(tmp_path):
    book = load_workbook(io.BytesIO(write_workbook(load_instrument(SOURCE))))
    sheet = book["Indicators"]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("code") + 1)
    cell.value = "I" * 41
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(Exception) as refused:
        read_workbook(out.getvalue(), "kuesioner.xlsx")
    problems = refused.value.problems
    assert any(
        p.field == f"Indicators!{cell.coordinate}" and "too long: 41 characters" in p.message
        for p in problems
    ), problems


def test_instrument_validate_and_import_list_the_problem(app, runner, tmp_path):
    path = tmp_path / "panjang.yaml"
    path.write_text(
        with_code(SOURCE, 'version: "1.0"', 'version: "1.' + "0" * 39 + '"'), encoding="utf-8"
    )
    for command in ("validate", "import"):
        result = runner.invoke(args=["instrument", command, str(path)])
        assert result.exit_code == 1, result.output
        assert "version is too long: 41 characters, at most 40" in result.output
        assert "Traceback" not in result.output
    with app.app_context():
        assert (
            db.session.scalar(select(InstrumentVersion).filter_by(code="test-all-features")) is None
        )


def upload(client, content: str, name: str):
    return client.post(
        "/admin/instruments/upload",
        data={"file": (io.BytesIO(content.encode()), name)},
        content_type="multipart/form-data",
    )


def test_the_admin_upload_reports_the_problem(demo, client, auth, english):
    auth.login("admin")
    response = upload(
        client, with_code(SOURCE, "code: GOV-SVC-01", f"code: GOV-SVC-{LONG}"), "a.yaml"
    )
    assert response.status_code == 422
    assert "code is too long: 59 characters, at most 40" in response.get_data(as_text=True)


def test_a_long_file_name_is_shortened_before_it_is_stored(demo, client, auth):
    from smartcity.services.instruments import check_upload, publish

    name = "kuesioner-" + "panjang-" * 48 + "x.yaml"  # 400 characters
    assert len(name) == 400
    source = with_code(SOURCE, 'version: "1.0"', 'version: "1.9"')
    with demo.test_request_context():
        checked = check_upload(source.encode(), name)
        version, created = publish(checked.token)
        db.session.commit()
        stored = db.session.get(InstrumentVersion, version.id).source_name
    assert created
    assert len(stored) == limits.INSTRUMENT_SOURCE_NAME and stored.endswith("\u2026.yaml")
    assert stored.startswith("kuesioner-panjang-")


# -- an over-long indicator published before the check -------------------------------------------


@pytest.fixture
def long_indicator_period(demo):
    """Period 2027 on a questionnaire stored before codes were checked: an indicator code of
    59 characters in the dimension GOV, which Diskominfo answers."""
    from smartcity.services.periods import create_period

    source = with_code(SOURCE, "code: GOV-SVC-01", f"code: GOV-SVC-{LONG}")
    with demo.app_context():
        version = InstrumentVersion(
            code="test-all-features", version="1.0", sha256="e" * 64, source=source
        )
        db.session.add(version)
        db.session.flush()
        agency = db.session.scalar(select(Agency).filter_by(code="DISKOMINFO"))
        create_period(2027, version)
        db.session.commit()
        period = db.session.scalar(select(Period).filter_by(year=2027))
        return db.session.scalar(
            select(Assessment).filter_by(agency_id=agency.id, period_id=period.id)
        ).id


def test_saving_an_over_long_indicator_is_refused_not_a_server_error(
    demo, client, auth, english, long_indicator_period
):
    auth.login("diskominfo")
    page = client.get(f"/assessments/{long_indicator_period}/dimensions/GOV")
    assert page.status_code == 200  # the questionnaire still opens
    response = client.post(
        f"/assessments/{long_indicator_period}/autosave",
        json={
            "indicator": f"GOV-SVC-{LONG}",
            "level": 2,
            "not_applicable": False,
            "justification": "x",
        },
    )
    assert response.status_code == 422, response.get_json()
    assert "its code is longer than 40 characters" in response.get_json()["message"]
    # the other indicators are saved as always
    other = client.post(
        f"/assessments/{long_indicator_period}/autosave",
        json={"indicator": "GOV-POL-01", "choice": "2", "justification": "x"},
    )
    assert other.status_code == 200, other.get_json()


# -- YAML aliases ----------------------------------------------------------------------------------


def alias_bomb(levels: int = 9, width: int = 100) -> str:
    """About 1.5 KB: each level a list of `width` aliases to the level below."""
    lines = ["code: bom", 'version: "1"', "title: {id: a, en: a}", "description: &l0 [ha]"]
    for level in range(1, levels + 1):
        lines.append(f"x{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    lines.append(f"dimensions: *l{levels}")
    return "\n".join(lines) + "\n"


def just_too_many_aliases() -> str:
    """Aliases that add a little more than the allowed entries (and nothing else wrong)."""
    items = "[" + ", ".join(["ha"] * 100) + "]"
    count = MAX_ALIAS_EXPANSION // 100 + 1
    return SOURCE.replace(
        'version: "1.0"',
        'version: "1.0"\n'
        + f"_unused: &many {items}\n"
        + "_also: ["
        + ", ".join(["*many"] * count)
        + "]",
        1,
    )


ALIAS_MESSAGE = f"the aliases (*name) repeat more than {MAX_ALIAS_EXPANSION} entries"


@pytest.mark.parametrize("source", [alias_bomb(), just_too_many_aliases()], ids=["bomb", "edge"])
def test_an_alias_bomb_is_a_validation_problem(source):
    problems = validate_instrument(source, "bom.yaml")
    assert [p.message for p in problems] == [ALIAS_MESSAGE + ": write the values out instead"]
    assert problems[0].text(indonesian).startswith("alias (*nama) mengulang lebih dari")


def test_a_few_aliases_are_fine():
    source = SOURCE.replace('version: "1.0"', 'version: "1.0"\n_x: &same [a, b]\n_y: *same')
    assert all("aliases" not in p.message for p in validate_instrument(source))


def test_an_alias_loop_is_a_validation_problem():
    assert [p.message for p in validate_instrument("a: &loop [*loop]\n")] == [
        "an alias (*name) refers to a value that contains it (a loop)"
    ]


def test_the_command_line_refuses_the_bomb(runner, tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    result = runner.invoke(args=["instrument", "validate", str(path)])
    assert result.exit_code == 1 and ALIAS_MESSAGE in result.output


def test_the_admin_upload_refuses_the_bomb(demo, client, auth, english):
    auth.login("admin")
    response = upload(client, alias_bomb(), "bom.yaml")
    assert response.status_code == 422
    assert ALIAS_MESSAGE in response.get_data(as_text=True)
