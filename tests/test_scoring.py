"""Scoring specification: answer sets and the index and maturity level each must give."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest

from smartcity.domain.instrument import (
    DEFAULT_LEVEL_NAMES,
    DEFAULT_MATURITY_BANDS,
    Dimension,
    Indicator,
    Instrument,
    Text,
)
from smartcity.domain.scoring import (
    AnswerValue,
    display_index,
    missing_answers,
    score_assessment,
)


def indicator(code: str, weight: int, allow_na: bool = False) -> Indicator:
    levels = tuple((n, Text(f"{code} tingkat {n}", f"{code} level {n}")) for n in range(1, 6))
    return Indicator(
        code=code,
        question=Text(f"Pertanyaan {code}", f"Question {code}"),
        explanation=Text("", ""),
        weight=Fraction(weight),
        levels=levels,
        allow_not_applicable=allow_na,
    )


# Dimension A weighs 2, B weighs 1. A2 weighs 3 within A; A2, B1 and B2 allow N/A.
INSTRUMENT = Instrument(
    code="spec",
    version="1",
    title=Text("Uji", "Test"),
    dimensions=(
        Dimension(
            "A",
            Text("A", "A"),
            Fraction(2),
            (indicator("A1", 1), indicator("A2", 3, allow_na=True), indicator("A3", 1)),
        ),
        Dimension(
            "B",
            Text("B", "B"),
            Fraction(1),
            (indicator("B1", 1, allow_na=True), indicator("B2", 1, allow_na=True)),
        ),
    ),
    level_names=DEFAULT_LEVEL_NAMES,
    maturity_bands=DEFAULT_MATURITY_BANDS,
)

NA = "na"

# answers (A1, A2, A3, B1, B2; None = unanswered, "na" = not applicable), dimensions
# answered (None = all), expected overall index shown, expected maturity level
CASES = [
    ("all level 1", (1, 1, 1, 1, 1), None, "1.00", 1),
    ("all level 5", (5, 5, 5, 5, 5), None, "5.00", 5),
    ("all level 3", (3, 3, 3, 3, 3), None, "3.00", 3),
    ("indicator weights count", (1, 5, 1, 2, 2), None, "2.93", 3),
    ("N/A left out, weights renormalised", (4, NA, 2, 3, 3), None, "3.00", 3),
    ("dimension weights: strong A", (5, 5, 5, 1, 1), None, "3.67", 4),
    ("dimension weights: strong B", (1, 1, 1, 5, 5), None, "2.33", 2),
    ("edge 1.8 exactly is Cukup", (1, 2, 2, None, None), ["A"], "1.80", 2),
    ("below 1.8 is Kurang", (1, 2, 1, None, None), ["A"], "1.60", 1),
    ("edge 2.6 exactly is Baik", (1, 3, 3, None, None), ["A"], "2.60", 3),
    ("just below 2.6 is Cukup", (1, 3, 3, 2, 3), None, "2.57", 2),
    ("edge 3.5 exactly is Sangat Baik", (5, 4, 3, 2, 3), None, "3.50", 4),
    ("edge 4.2 exactly is Memuaskan", (3, 5, 3, None, None), ["A"], "4.20", 5),
    ("just below 4.2 is Sangat Baik", (3, 5, 3, 4, 4), None, "4.13", 4),
    ("a dimension all N/A leaves the overall", (2, 2, 2, NA, NA), None, "2.00", 2),
    ("only the agency's dimensions count", (1, 1, 1, 4, 5), ["B"], "4.50", 5),
    ("draft: unanswered indicators left out", (5, None, None, None, None), None, "5.00", 5),
    (
        "one dimension weighs alone when the other is empty",
        (2, None, 4, None, None),
        None,
        "3.00",
        3,
    ),
]


def answers_from(values) -> dict[str, AnswerValue]:
    codes = ("A1", "A2", "A3", "B1", "B2")
    result = {}
    for code, value in zip(codes, values, strict=True):
        if value == NA:
            result[code] = AnswerValue(not_applicable=True)
        elif value is not None:
            result[code] = AnswerValue(level=value)
    return result


@pytest.mark.parametrize(
    ("answers", "dimensions", "shown", "level"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_answer_set_gives_index_and_level(answers, dimensions, shown, level):
    result = score_assessment(INSTRUMENT, answers_from(answers), dimensions)
    assert display_index(result.index) == shown
    assert result.maturity is not None
    assert result.maturity.level == level


def test_indices_are_exact_fractions():
    result = score_assessment(INSTRUMENT, answers_from((1, 5, 1, 2, 2)), None)
    # A = 17/5, B = 2, overall = (2 x 17/5 + 2) / 3 = 44/15
    assert result.dimension("A").index == Fraction(17, 5)
    assert result.dimension("B").index == Fraction(2)
    assert result.index == Fraction(44, 15)


def test_nothing_answered_has_no_index_and_no_level():
    result = score_assessment(INSTRUMENT, {}, None)
    assert result.index is None and result.maturity is None
    assert display_index(result.index) == "-"


def test_na_where_not_allowed_does_not_count_as_na():
    result = score_assessment(INSTRUMENT, {"A1": AnswerValue(not_applicable=True)}, ["A"])
    assert result.dimension("A").indicators[0].not_applicable is False
    assert result.index is None


def test_level_outside_the_indicator_is_refused():
    with pytest.raises(ValueError):
        score_assessment(INSTRUMENT, {"A1": AnswerValue(level=6)}, None)


@pytest.mark.parametrize(
    ("index", "shown"),
    [
        (Fraction(2125, 1000), "2.13"),  # half-up, not half-even
        (Fraction(2135, 1000), "2.14"),
        (Fraction(1, 3), "0.33"),
        (Fraction(2, 3), "0.67"),
        (Fraction(5), "5.00"),
        (Fraction(0), "0.00"),
        (Fraction(4999, 1000), "5.00"),
    ],
)
def test_display_rounds_half_up_to_two_decimals(index, shown):
    assert display_index(index) == shown


MISSING_CASES = [
    ("complete", (1, 2, 3, 4, 5), {}, []),
    ("unanswered", (1, None, 3, 4, 5), {}, [("A2", "unanswered")]),
    ("N/A with justification", (1, NA, 3, 4, 5), {"A2": "Tidak ada layanan fisik"}, []),
    (
        "N/A without justification",
        (1, NA, 3, 4, 5),
        {"A2": "   "},
        [("A2", "na_without_justification")],
    ),
    ("N/A not allowed", (NA, 2, 3, 4, 5), {"A1": "alasan"}, [("A1", "na_not_allowed")]),
    (
        "several, in questionnaire order",
        (None, 2, None, None, 5),
        {},
        [("A1", "unanswered"), ("A3", "unanswered"), ("B1", "unanswered")],
    ),
]


@pytest.mark.parametrize(
    ("answers", "justifications", "expected"),
    [case[1:] for case in MISSING_CASES],
    ids=[case[0] for case in MISSING_CASES],
)
def test_missing_answers_block_submission(answers, justifications, expected):
    missing = missing_answers(INSTRUMENT, answers_from(answers), justifications, None)
    assert [(m.indicator.code, m.reason) for m in missing] == expected


def test_missing_answers_only_for_the_agencys_dimensions():
    missing = missing_answers(INSTRUMENT, answers_from((1, 1, 1, None, None)), {}, ["A"])
    assert missing == []


def test_domain_core_imports_no_framework():
    code = (
        "import sys, smartcity.domain.instrument, smartcity.domain.scoring, "
        "smartcity.domain.loader\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
