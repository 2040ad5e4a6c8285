"""The questionnaires shipped in smartcity/instruments: each validates and has what it promises."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from smartcity.domain.instrument import Instrument
from smartcity.domain.loader import load_instrument_file, validate_instrument
from smartcity.domain.scoring import AnswerValue, display_index, score_assessment

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


def test_the_national_example_crosses_six_pillars_with_five_evaluation_dimensions():
    instrument = load("contoh-evaluasi-nasional.yaml")
    # clearly an example, never mistaken for the ministry's text
    assert "Contoh" in instrument.title.id and "bukan naskah resmi" in instrument.title.id
    assert "not an official text" in instrument.title.en
    assert [d.name.en for d in instrument.dimensions] == [
        "Smart Governance", "Smart Branding", "Smart Economy",
        "Smart Living", "Smart Society", "Smart Environment",
    ]  # fmt: skip
    assert [(e.code, e.weight) for e in instrument.evaluation_dimensions] == [
        ("BASELINE", 10), ("OUTPUT", 20), ("OUTCOME", 30), ("IMPACT", 30), ("QUICKWIN", 10),
    ]  # fmt: skip
    assert all(2 <= len(d.indicators) <= 3 for d in instrument.dimensions)
    stages = {i.evaluation_dimension for i in instrument.indicators}
    assert stages == {"BASELINE", "OUTPUT", "OUTCOME", "IMPACT", "QUICKWIN"}
    for dimension in instrument.dimensions:  # each pillar spreads over several of them
        assert len({i.evaluation_dimension for i in dimension.indicators}) >= 2


def test_the_national_example_scores_per_pillar_per_evaluation_dimension_and_overall():
    instrument = load("contoh-evaluasi-nasional.yaml")
    given = {
        "GOV-01": AnswerValue(level=3),  # BASELINE 3
        "GOV-02": AnswerValue(number=Fraction(60)),  # OUTPUT level 3
        "GOV-03": AnswerValue(choice="2"),  # OUTCOME 10/3
        "BRA-01": AnswerValue(choice="1"),  # BASELINE 5/3
        "BRA-02": AnswerValue(choice="3"),  # OUTPUT 5
        "BRA-03": AnswerValue(number=Fraction(12)),  # IMPACT level 4
        "ECO-01": AnswerValue(choice="2"),  # OUTPUT 10/3
        "ECO-02": AnswerValue(number=Fraction(45)),  # OUTCOME level 3
        "ECO-03": AnswerValue(level=4),  # QUICKWIN 4
        "LIV-01": AnswerValue(choice="2"),  # BASELINE 10/3
        "LIV-02": AnswerValue(number=Fraction(100)),  # OUTPUT level 5
        "LIV-03": AnswerValue(not_applicable=True),  # IMPACT, left out
        "SOC-01": AnswerValue(choice="1"),  # OUTPUT 5/3
        "SOC-02": AnswerValue(number=Fraction(20)),  # OUTCOME level 2
        "SOC-03": AnswerValue(level=3),  # QUICKWIN 3
        "ENV-01": AnswerValue(choice="3"),  # BASELINE 5
        "ENV-02": AnswerValue(number=Fraction(70)),  # IMPACT level 3
        "ENV-03": AnswerValue(choice="2"),  # QUICKWIN 10/3
    }
    result = score_assessment(instrument, given)
    # every indicator weighs 1: BASELINE (3 + 5/3 + 10/3 + 5) / 4 = 13/4, OUTPUT 18/5,
    # OUTCOME (10/3 + 3 + 2) / 3 = 25/9, IMPACT (4 + 3) / 2 = 7/2, QUICKWIN 31/9
    assert [s.index for s in result.evaluation_dimensions] == [
        Fraction(13, 4), Fraction(18, 5), Fraction(25, 9), Fraction(7, 2), Fraction(31, 9),
    ]  # fmt: skip
    assert [s.index for s in result.dimensions] == [
        Fraction(28, 9), Fraction(32, 9), Fraction(31, 9),
        Fraction(25, 6), Fraction(20, 9), Fraction(34, 9),
    ]  # fmt: skip
    # (10 x 13/4 + 20 x 18/5 + 30 x 25/9 + 30 x 7/2 + 10 x 31/9) / 100; the pillars' equal
    # weights would have given 365/108 (3.38)
    assert result.index == Fraction(5891, 1800)
    assert display_index(result.index) == "3.27"
    assert result.maturity is not None and result.maturity.name.id == "Baik"
    assert [s.maturity.name.id for s in result.evaluation_dimensions] == [
        "Baik", "Sangat Baik", "Baik", "Sangat Baik", "Baik",
    ]  # fmt: skip
