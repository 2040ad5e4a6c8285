"""The answer types as plain code: each one converts its value to and from the stored
columns, the form and the autosave JSON without loss, and describes it in both languages."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from smartcity.domain.answer_types import REGISTRY, StoredValue, untranslated
from smartcity.domain.loader import load_instrument_file
from smartcity.domain.scoring import AnswerValue

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENT = load_instrument_file(ROOT / "smartcity" / "instruments" / "test-all-features.yaml")

# indicator, a value, its stored columns, its text (id, en), its export data
CASES = [
    ("GOV-SVC-01", AnswerValue(level=3), StoredValue(level=3), ("3", "3"), "3"),
    (
        "GOV-POL-01",
        AnswerValue(choice="2"),
        StoredValue(choice="2"),
        ("Diterapkan sebagian (2/3)", "Partly applied (2/3)"),
        "2",
    ),
    (
        "ENV-01",
        AnswerValue(checked=frozenset({"dasbor", "air"})),
        StoredValue(checked="air,dasbor"),
        None,
        "air,dasbor",
    ),
    ("ENV-01", AnswerValue(checked=frozenset()), StoredValue(checked=""), None, ""),
    (
        "GOV-SVC-02",
        AnswerValue(number=Fraction(125, 10)),
        StoredValue(number="12.5"),
        ("12,5 persen → level 1", "12.5 percent → level 1"),
        "12.5",
    ),
    ("GOV-SVC-02", AnswerValue(not_applicable=True), StoredValue(not_applicable=True), None, ""),
]


@pytest.mark.parametrize(("code", "value", "columns", "texts", "data"), CASES)
def test_a_value_goes_to_its_columns_and_back(code, value, columns, texts, data):
    assert StoredValue.of(value) == columns
    assert columns.answer() == value


@pytest.mark.parametrize(("code", "value", "columns", "texts", "data"), CASES)
def test_a_value_goes_to_the_form_and_the_json_and_back(code, value, columns, texts, data):
    indicator = INSTRUMENT.indicator(code)
    kind = indicator.answer_kind
    if value.not_applicable:
        return
    part = getattr(value, kind.field)
    for language in ("id", "en"):
        typed = kind.from_form(kind.form_value(value, language))
        assert kind.from_typed(typed) == part
    sent = kind.to_json(columns)
    assert kind.json_ok(sent)
    assert kind.from_typed(kind.from_json(sent)) == part


@pytest.mark.parametrize(("code", "value", "columns", "texts", "data"), CASES)
def test_a_value_is_described_and_exported(code, value, columns, texts, data):
    indicator = INSTRUMENT.indicator(code)
    kind = indicator.answer_kind
    if texts is not None:
        described = tuple(
            kind.describe(indicator, value, language, untranslated) for language in ("id", "en")
        )
        assert described == texts
    assert ("" if value.not_applicable else kind.data(value)) == data


def test_each_type_names_its_own_field_and_keys():
    assert [kind.name for kind in REGISTRY.values()] == ["level", "choice", "checklist", "number"]
    fields = [kind.field for kind in REGISTRY.values()]
    assert len(set(fields)) == len(fields)
    assert set(fields) <= set(AnswerValue.__dataclass_fields__)
    for kind in REGISTRY.values():
        assert set(kind.required) <= set(kind.keys)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_each_type_has_its_template(name):
    assert (ROOT / "templates" / "assessment" / "answer_types" / f"{name}.html").is_file()


@pytest.mark.parametrize(
    ("name", "raw", "ok"),
    [
        ("level", 3, True),
        ("level", True, False),
        ("level", "3", False),
        ("choice", "2", True),
        ("choice", 2, False),
        ("checklist", ["air"], True),
        ("checklist", "air", False),
        ("checklist", ["air", 1], False),
        ("number", "12,5", True),
        ("number", 12.5, False),
    ],
)
def test_the_json_of_autosave_has_each_types_shape(name, raw, ok):
    assert REGISTRY[name].json_ok(raw) is ok
    assert REGISTRY[name].json_ok(None)


def test_a_typed_number_that_is_none_is_refused_with_its_text():
    indicator = INSTRUMENT.indicator("GOV-SVC-02")
    kind = indicator.answer_kind
    with pytest.raises(ValueError):
        kind.from_typed("12e3")
    assert kind.unreadable(indicator, "12e3", untranslated) == (
        "GOV-SVC-02: “12e3” is not a number (write e.g. 12,5)."
    )
