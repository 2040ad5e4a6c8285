"""Scoring specification: answer sets and the index and maturity level each must give."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from fractions import Fraction

import pytest

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
    indicator_applies,
)
from smartcity.domain.scoring import (
    AnswerValue,
    IndicatorScore,
    answer_problem,
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


# -- answer types: each answer's exact score on the 0-5 scale ----------------------------------

KAMI = tuple(
    Option(code, Text(label, label), Fraction(points))
    for code, label, points in (
        ("0", "Tidak dilakukan", 0),
        ("1", "Direncanakan", 1),
        ("2", "Diterapkan sebagian", 2),
        ("3", "Diterapkan secara menyeluruh", 3),
    )
)
CHOICE = replace(
    indicator("CH", 1, allow_na=True),
    answer_type="choice",
    levels=(),
    options=KAMI,
    max_points=Fraction(3),
    evidence_from_level=3,
)
# any 4 points give a full score
CHECKLIST = replace(
    indicator("CL", 1),
    answer_type="checklist",
    levels=(),
    options=tuple(
        Option(code, Text(code, code), Fraction(points))
        for code, points in (("air", 2), ("udara", 2), ("dasbor", 1), ("pusat", "0.5"))
    ),
    max_points=Fraction(4),
)
NUMBER_UP = replace(
    indicator("UP", 1),
    answer_type="number",
    levels=(),
    unit=Text("persen", "percent"),
    minimum=Fraction(0),
    maximum=Fraction(100),
    direction="higher_is_better",
    thresholds=tuple(
        Threshold(Fraction(start), level)
        for start, level in ((0, 1), (20, 2), (40, 3), (60, 4), (80, 5))
    ),
)
NUMBER_DOWN = replace(
    NUMBER_UP,
    code="DOWN",
    unit=Text("hari", "days"),
    maximum=Fraction(365),
    direction="lower_is_better",
    thresholds=tuple(
        Threshold(Fraction(start), level)
        for start, level in ((0, 5), (2, 4), (7, 3), (14, 2), (30, 1))
    ),
)

CHOICE_CASES = [
    # option code -> exact score: points / max_points x 5
    ("0", Fraction(0)),
    ("1", Fraction(5, 3)),
    ("2", Fraction(10, 3)),
    ("3", Fraction(5)),
]

CHECKLIST_CASES = [
    # items ticked -> exact score: min(points, max_points) / max_points x 5
    ((), Fraction(0)),
    (("dasbor",), Fraction(5, 4)),
    (("pusat",), Fraction(5, 8)),
    (("air", "dasbor"), Fraction(15, 4)),
    (("air", "dasbor", "pusat"), Fraction(35, 8)),
    (("air", "udara"), Fraction(5)),
    (("air", "udara", "dasbor", "pusat"), Fraction(5)),  # capped at max_points
]

NUMBER_CASES = [
    # indicator, measured value -> level (= score); lower edges are inclusive
    (NUMBER_UP, "0", 1),
    (NUMBER_UP, "19.99", 1),
    (NUMBER_UP, "20", 2),
    (NUMBER_UP, "59.5", 3),
    (NUMBER_UP, "80", 5),
    (NUMBER_UP, "100", 5),
    (NUMBER_DOWN, "0", 5),
    (NUMBER_DOWN, "1.5", 5),
    (NUMBER_DOWN, "2", 4),
    (NUMBER_DOWN, "13", 3),
    (NUMBER_DOWN, "14", 2),
    (NUMBER_DOWN, "30", 1),
    (NUMBER_DOWN, "365", 1),
]


@pytest.mark.parametrize(("choice", "score"), CHOICE_CASES)
def test_choice_score_is_points_over_max_times_five(choice, score):
    assert CHOICE.score(AnswerValue(choice=choice)) == score


@pytest.mark.parametrize(("ticked", "score"), CHECKLIST_CASES)
def test_checklist_score_is_ticked_points_over_max_times_five(ticked, score):
    assert CHECKLIST.score(AnswerValue(checked=frozenset(ticked))) == score


@pytest.mark.parametrize(
    ("item", "value", "level"),
    NUMBER_CASES,
    ids=[f"{item.code}-{value}" for item, value, _ in NUMBER_CASES],
)
def test_number_score_is_the_level_of_its_threshold_band(item, value, level):
    answer = AnswerValue(number=Fraction(value))
    assert item.score(answer) == level
    assert item.answer_level(answer) == level


def test_level_score_is_the_level():
    plain = indicator("LV", 1)
    assert [plain.score(AnswerValue(level)) for level in range(1, 6)] == [1, 2, 3, 4, 5]


UNFIT_ANSWERS = [
    # indicator, answer that cannot be scored, message fragment
    (CHOICE, AnswerValue(choice="9"), "'9' is not an option of CH"),
    (CHOICE, AnswerValue(level=3), "CH is a choice indicator, not a level indicator"),
    (CHECKLIST, AnswerValue(checked=frozenset({"air", "laut"})), "laut not an item of CL"),
    (NUMBER_UP, AnswerValue(number=Fraction(101)), "101 is outside the range of UP (0 to 100)"),
    (NUMBER_UP, AnswerValue(number=Fraction(-1)), "outside the range"),
    (NUMBER_UP, AnswerValue(choice="1"), "UP is a number indicator, not a choice indicator"),
    (indicator("LV", 1), AnswerValue(level=6), "level 6 is not a level of indicator LV"),
]


@pytest.mark.parametrize(("item", "answer", "fragment"), UNFIT_ANSWERS)
def test_an_answer_that_does_not_fit_is_refused(item, answer, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        item.score(answer)
    assert fragment in (answer_problem(item, answer) or "")


def test_unanswered_and_na_score_nothing():
    for item in (CHOICE, CHECKLIST, NUMBER_UP):
        assert item.score(AnswerValue()) is None
        assert not item.is_answered(AnswerValue())
    assert CHOICE.score(AnswerValue(not_applicable=True, choice="3")) is None
    # an empty tick set is an answer (nothing ticked), not a missing one
    assert CHECKLIST.is_answered(AnswerValue(checked=frozenset()))


# -- roll-up: indicator -> sub-element -> dimension -> overall ----------------------------------

# GOV (weight 2) has sub-elements SVC (weight 3: L1 weight 1, CH weight 1) and POL (weight 1: UP);
# ENV (weight 1) lists CL and DOWN directly.
GROUPED = Instrument(
    code="grouped",
    version="1",
    title=Text("Uji", "Test"),
    dimensions=(
        Dimension(
            "GOV",
            Text("Tata Kelola", "Governance"),
            Fraction(2),
            (),
            sub_elements=(
                SubElement(
                    "SVC", Text("Layanan", "Services"), Fraction(3), (indicator("L1", 1), CHOICE)
                ),
                SubElement("POL", Text("Kebijakan", "Policy"), Fraction(1), (NUMBER_UP,)),
            ),
        ),
        Dimension(
            "ENV",
            Text("Lingkungan", "Environment"),
            Fraction(1),
            (
                replace(CHECKLIST, applies_to=("DLH", "dinas-teknis")),
                replace(NUMBER_DOWN, weight=Fraction(3, 2)),
            ),
        ),
    ),
    level_names=DEFAULT_LEVEL_NAMES,
    maturity_bands=DEFAULT_MATURITY_BANDS,
)


def grouped_answers(l1, ch, up, cl, down) -> dict[str, AnswerValue]:
    values = {
        "L1": None if l1 is None else AnswerValue(level=l1),
        "CH": AnswerValue(not_applicable=True)
        if ch == NA
        else (None if ch is None else AnswerValue(choice=ch)),
        "UP": None if up is None else AnswerValue(number=Fraction(up)),
        "CL": None if cl is None else AnswerValue(checked=frozenset(cl)),
        "DOWN": None if down is None else AnswerValue(number=Fraction(down)),
    }
    return {code: value for code, value in values.items() if value is not None}


ROLL_UP_CASES = [
    # answers (L1, CH, UP, CL, DOWN) -> SVC, POL, GOV, ENV, overall (exact)
    (
        "every type answered",
        (4, "2", 55, ("air", "dasbor"), 3),
        # SVC = (4 + 10/3) / 2 = 11/3; POL = 3; GOV = (3 x 11/3 + 3) / 4 = 7/2
        # ENV = (15/4 + 3/2 x 4) / (5/2) = 39/10; overall = (2 x 7/2 + 39/10) / 3 = 109/30
        (Fraction(11, 3), Fraction(3), Fraction(7, 2), Fraction(39, 10), Fraction(109, 30)),
    ),
    (
        "N/A renormalises inside the sub-element",
        (4, NA, 55, None, None),
        # SVC = 4 (CH left out); GOV = (3 x 4 + 3) / 4 = 15/4; ENV has nothing
        (Fraction(4), Fraction(3), Fraction(15, 4), None, Fraction(15, 4)),
    ),
    (
        "an empty sub-element leaves the dimension",
        (2, "3", None, None, None),
        # SVC = (2 + 5) / 2 = 7/2; POL unanswered: GOV = SVC alone
        (Fraction(7, 2), None, Fraction(7, 2), None, Fraction(7, 2)),
    ),
    ("nothing answered", (None, None, None, None, None), (None, None, None, None, None)),
]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [case[1:] for case in ROLL_UP_CASES],
    ids=[case[0] for case in ROLL_UP_CASES],
)
def test_scores_roll_up_through_sub_elements(answers, expected):
    result = score_assessment(GROUPED, grouped_answers(*answers))
    governance, environment = result.dimensions
    svc, pol = governance.sub_elements
    assert (svc.index, pol.index, governance.index, environment.index, result.index) == expected
    assert environment.sub_elements == ()
    assert governance.sub_element("POL") is pol


def test_indicator_scores_keep_level_and_score():
    result = score_assessment(GROUPED, grouped_answers(4, "2", 55, ("air",), 3))
    by_code = {s.indicator.code: s for d in result.dimensions for s in d.indicators}
    assert (by_code["L1"].level, by_code["L1"].score) == (4, 4)
    assert (by_code["CH"].level, by_code["CH"].score) == (None, Fraction(10, 3))
    assert (by_code["UP"].level, by_code["UP"].score) == (3, 3)
    assert (by_code["CL"].level, by_code["CL"].score) == (None, Fraction(5, 2))
    assert result.dimension("GOV").answered == 3 and result.dimension("GOV").total == 3


APPLIES_CASES = [
    # applies_to, agency code, agency tags -> answers it?
    (("all",), "DINKES", (), True),
    (("DLH",), "DLH", (), True),
    (("DLH",), "dlh", (), True),  # case is no signal
    (("DLH",), "DINKES", (), False),
    (("DLH", "dinas-teknis"), "DPUPR", ("dinas-teknis", "infrastruktur"), True),
    (("dinas-teknis",), "DINKES", ("kesehatan",), False),
    (("Dinas-Teknis",), "DPUPR", ("dinas-teknis",), True),
]


@pytest.mark.parametrize(("applies_to", "agency", "tags", "expected"), APPLIES_CASES)
def test_indicator_applies_by_agency_code_or_tag(applies_to, agency, tags, expected):
    item = replace(CHECKLIST, applies_to=applies_to)
    assert indicator_applies(item, agency, tags) is expected


def test_indicators_that_do_not_apply_are_not_scored_or_required():
    answers = grouped_answers(4, "2", 55, None, 3)
    for_dinkes = score_assessment(
        GROUPED, answers, agency_code="DINKES", agency_tags=("kesehatan",)
    )
    assert [s.indicator.code for s in for_dinkes.dimension("ENV").indicators] == ["DOWN"]
    assert missing_answers(GROUPED, answers, {}, agency_code="DINKES") == []
    for_dlh = missing_answers(GROUPED, answers, {}, agency_code="DLH")
    assert [(m.indicator.code, m.reason) for m in for_dlh] == [("CL", "unanswered")]
    # without an agency every indicator counts, as before
    assert [m.indicator.code for m in missing_answers(GROUPED, answers, {})] == ["CL"]


MISSING_TYPE_CASES = [
    # answers (L1, CH, UP, CL, DOWN), evidence files per code -> what blocks submission
    ("all answered, no evidence rules hit", (2, "1", 10, ("air",), 40), {}, []),
    ("nothing ticked is an answer", (2, "1", 10, (), 40), {}, []),
    ("a choice scoring 10/3 needs evidence", (2, "2", 10, (), 40), {}, [("CH", "evidence_required")]),
    ("evidence attached", (2, "2", 10, (), 40), {"CH": 1}, []),
    ("unanswered of each type", (None, None, None, None, None), {}, [
        ("L1", "unanswered"), ("CH", "unanswered"), ("UP", "unanswered"),
        ("CL", "unanswered"), ("DOWN", "unanswered"),
    ]),
    ("an unknown option counts as unanswered", (2, "9", 10, (), 40), {}, [("CH", "unanswered")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "evidence", "expected"),
    [case[1:] for case in MISSING_TYPE_CASES],
    ids=[case[0] for case in MISSING_TYPE_CASES],
)
def test_missing_answers_understand_every_answer_type(answers, evidence, expected):
    missing = missing_answers(GROUPED, grouped_answers(*answers), {}, None, evidence)
    assert [(m.indicator.code, m.reason) for m in missing] == expected


def test_an_indicator_score_built_from_a_level_alone_still_counts():
    plain = indicator("LV", 1)
    assert IndicatorScore(plain, 3, False).score == 3 and IndicatorScore(plain, 3, False).counts
    assert IndicatorScore(plain, None, True).score is None
