"""The questionnaires shipped in smartcity/instruments: each validates and has what it promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartcity.domain.instrument import Instrument
from smartcity.domain.loader import load_instrument_file, validate_instrument

INSTRUMENTS = Path(__file__).resolve().parent.parent / "smartcity" / "instruments"
SHIPPED = sorted(INSTRUMENTS.glob("*.y*ml"))


def load(name: str) -> Instrument:
    return load_instrument_file(INSTRUMENTS / name)


def test_the_expected_instruments_are_shipped():
    assert {path.name for path in SHIPPED} >= {
        "kotim-smart-city.yaml",
        "kotim-smart-city-2027.yaml",
        "ministry-six-pillars.yaml",
        "test-all-features.yaml",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_every_shipped_instrument_validates(path: Path):
    assert validate_instrument(path.read_text(encoding="utf-8"), path.name) == []
    instrument = load_instrument_file(path)
    codes = [indicator.code for indicator in instrument.indicators]
    assert len(codes) == len(set(codes))


def test_kotim_2026_is_still_six_dimensions_of_five_level_indicators():
    instrument = load("kotim-smart-city.yaml")
    assert (instrument.code, instrument.version) == ("kotim-smart-city", "2026.1")
    assert [len(d.indicators) for d in instrument.dimensions] == [5] * 6
    assert {i.answer_type for i in instrument.indicators} == {"level"}


def test_kotim_2027_extends_the_six_dimensions_with_new_answer_types():
    before = load("kotim-smart-city.yaml")
    instrument = load("kotim-smart-city-2027.yaml")
    assert (instrument.code, instrument.version) == ("kotim-smart-city", "2027.1")
    assert [d.code for d in instrument.dimensions] == [d.code for d in before.dimensions]
    assert all(len(d.indicators) >= 6 for d in instrument.dimensions)
    assert {i.answer_type for i in instrument.indicators} >= {"level", "choice", "number"}
    # the 2026 indicators carry over unchanged
    for indicator in before.indicators:
        assert instrument.indicator(indicator.code) == indicator


def test_ministry_six_pillars_have_three_sub_elements_each():
    instrument = load("ministry-six-pillars.yaml")
    assert [d.name.en for d in instrument.dimensions] == [
        "Smart Governance", "Smart Branding", "Smart Economy",
        "Smart Living", "Smart Society", "Smart Environment",
    ]  # fmt: skip
    for dimension in instrument.dimensions:
        assert len(dimension.sub_elements) == 3
        assert all(sub.indicators for sub in dimension.sub_elements)
    choices = [i for i in instrument.indicators if i.answer_type == "choice"]
    assert choices and all(i.max_points == 3 for i in choices)
    assert [o.label.id for o in choices[0].options] == [
        "Tidak dilakukan", "Direncanakan", "Diterapkan sebagian", "Diterapkan secara menyeluruh",
    ]  # fmt: skip


def test_the_test_instrument_uses_every_feature():
    instrument = load("test-all-features.yaml")
    indicators = instrument.indicators
    assert {i.answer_type for i in indicators} == {"level", "choice", "checklist", "number"}
    assert any(d.sub_elements for d in instrument.dimensions)
    assert any(not d.sub_elements for d in instrument.dimensions)
    assert any(i.allow_not_applicable for i in indicators)
    applies = {entry for i in indicators for entry in i.applies_to}
    assert {"all", "DLH", "dinas-teknis"} <= applies  # an agency code and a tag
    assert any(i.evidence_hints for i in indicators)
    assert {i.direction for i in indicators if i.answer_type == "number"} == {
        "higher_is_better",
        "lower_is_better",
    }
    assert {i.evidence_from_level for i in indicators} == {None, 3, 4}


def test_the_format_documents_the_test_instrument_as_its_complete_example():
    doc = (INSTRUMENTS.parent.parent / "docs" / "INSTRUMENT_FORMAT.md").read_text(encoding="utf-8")
    example = doc.split("## Complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert example == (INSTRUMENTS / "test-all-features.yaml").read_text(encoding="utf-8")
