"""The instrument's second axis: evaluation dimensions (Baseline, Output, Outcome, Impact, Quick
Win) declared with their weights, named by every indicator, read, checked, scored and written."""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from smartcity.domain.instrument import EvaluationDimension, Text
from smartcity.domain.loader import (
    InstrumentError,
    dump_instrument,
    load_instrument,
    validate_instrument,
)
from smartcity.domain.scoring import AnswerValue, display_index, score_assessment
from smartcity.domain.workbook import read_workbook, write_workbook

from .indonesian import indonesian, untranslated_keys


def _levels(indent: str) -> str:
    return "".join(f"{indent}{n}: {{id: T{n}, en: L{n}}}\n" for n in range(1, 6))


def _indicator(code: str, weight: int, stage: str | None, allow_na: bool = False) -> str:
    lines = [
        f"      - code: {code}",
        f"        question: {{id: Pertanyaan {code}, en: Question {code}}}",
        "        explanation: {id: Penjelasan, en: Explanation}",
        f"        weight: {weight}",
    ]
    if stage is not None:
        lines.append(f"        evaluation_dimension: {stage}")
    if allow_na:
        lines.append("        allow_na: true")
    lines.append("        levels:")
    return "\n".join(lines) + "\n" + _levels("          ")


# GOV weighs 2 and ENV 1 (pillar weights); the evaluation dimensions weigh 10/20/30/30/10.
# Line numbers in PROBLEM_CASES refer to this text: the evaluation dimensions start on line 4
# (BASELINE's code on line 5, OUTPUT's on 8, ... QUICKWIN's on 17), the dimensions on line 20.
HEAD = textwrap.dedent(
    """\
    code: axes
    version: "1"
    title: {id: Uji Dua Sumbu, en: Two Axes Test}
    evaluation_dimensions:
      - code: BASELINE
        name: {id: Baseline, en: Baseline}
        weight: 10
      - code: OUTPUT
        name: {id: Output, en: Output}
        weight: 20
      - code: OUTCOME
        name: {id: Outcome, en: Outcome}
        weight: 30
      - code: IMPACT
        name: {id: Dampak, en: Impact}
        weight: 30
      - code: QUICKWIN
        name: {id: Quick Win, en: Quick Win}
        weight: 10
    dimensions:
      - code: GOV
        name: {id: Tata Kelola, en: Governance}
        weight: 2
        indicators:
    """
)
# each indicator takes 5 + 5 lines (one more with allow_na); GOV-1 starts on line 25
AXES = (
    HEAD
    + _indicator("GOV-1", 1, "BASELINE")
    + _indicator("GOV-2", 2, "OUTPUT")
    + _indicator("GOV-3", 1, "OUTCOME", allow_na=True)
    + "  - code: ENV\n"
    + "    name: {id: Lingkungan, en: Environment}\n"
    + "    weight: 1\n"
    + "    indicators:\n"
    + _indicator("ENV-1", 1, "OUTPUT")
    + _indicator("ENV-2", 1, "IMPACT")
    + _indicator("ENV-3", 1, "QUICKWIN", allow_na=True)
)
INSTRUMENT = load_instrument(AXES, "axes.yaml")
NA = "na"
CODES = ("GOV-1", "GOV-2", "GOV-3", "ENV-1", "ENV-2", "ENV-3")


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def _without_axis_declared() -> str:
    return AXES[: AXES.index("evaluation_dimensions:")] + AXES[AXES.index("\ndimensions:\n") + 1 :]


def _without_axis() -> str:
    """The same pillars and indicators with no second axis at all."""
    return re.sub(r"        evaluation_dimension: \w+\n", "", _without_axis_declared())


def test_the_axis_loads_with_exact_weights_in_order():
    assert INSTRUMENT.has_evaluation_dimensions
    assert [e.code for e in INSTRUMENT.evaluation_dimensions] == [
        "BASELINE", "OUTPUT", "OUTCOME", "IMPACT", "QUICKWIN",
    ]  # fmt: skip
    assert [e.weight for e in INSTRUMENT.evaluation_dimensions] == [10, 20, 30, 30, 10]
    assert INSTRUMENT.evaluation_dimension("IMPACT") == EvaluationDimension(
        "IMPACT", Text("Dampak", "Impact"), Fraction(30)
    )
    assert INSTRUMENT.indicator("ENV-1").evaluation_dimension == "OUTPUT"
    # the first axis is untouched: the pillars keep their indicators and weights
    assert [d.code for d in INSTRUMENT.dimensions] == ["GOV", "ENV"]
    assert [len(d.indicators) for d in INSTRUMENT.dimensions] == [3, 3]


def test_an_instrument_without_the_axis_has_none():
    instrument = load_instrument(_without_axis())
    assert instrument.evaluation_dimensions == ()
    assert not instrument.has_evaluation_dimensions
    assert all(i.evaluation_dimension is None for i in instrument.indicators)
    assert "evaluation_dimension" not in dump_instrument(instrument)
    assert score_assessment(instrument, {}).evaluation_dimensions == ()
    # the overall index stays the pillars' weighted mean: (2 x 7/2 + 1 x 8/3) / 3
    assert score_assessment(instrument, answers(1, 4, 5, 1, 2, 5)).index == Fraction(29, 9)


def test_dump_then_load_keeps_the_axis():
    text = dump_instrument(INSTRUMENT)
    assert load_instrument(text) == INSTRUMENT
    assert "evaluation_dimensions:\n- code: BASELINE" in text
    assert "  evaluation_dimension: QUICKWIN\n" in text


def test_an_instrument_built_in_code_must_hold_to_its_axis():
    gov1 = INSTRUMENT.indicator("GOV-1")
    with pytest.raises(ValueError, match="GOV-1"):
        replace(INSTRUMENT, evaluation_dimensions=INSTRUMENT.evaluation_dimensions[1:])
    with pytest.raises(ValueError, match="GOV-1"):
        replace(INSTRUMENT, evaluation_dimensions=())
    assert gov1 is not None and gov1.evaluation_dimension == "BASELINE"


# -- scores: the ministry's rule ---------------------------------------------------------------


def answers(*levels) -> dict[str, AnswerValue]:
    result = {}
    for code, level in zip(CODES, levels, strict=True):
        if level == NA:
            result[code] = AnswerValue(not_applicable=True)
        elif level is not None:
            result[code] = AnswerValue(level=level)
    return result


# answers (GOV-1 BASELINE w1, GOV-2 OUTPUT w2, GOV-3 OUTCOME w1 N/A allowed, ENV-1 OUTPUT w1,
# ENV-2 IMPACT w1, ENV-3 QUICKWIN w1 N/A allowed), pillars answered (None: all)
# -> (BASELINE, OUTPUT, OUTCOME, IMPACT, QUICKWIN), (GOV, ENV), overall, shown, maturity level
CASES = [
    (
        "all level 3",
        (3, 3, 3, 3, 3, 3),
        None,
        (3, 3, 3, 3, 3),
        (3, 3),
        3,
        "3.00",
        3,
    ),
    (
        "overall from the evaluation dimensions' weights, not the pillars'",
        (1, 4, 5, 1, 2, 5),
        None,
        # OUTPUT = (2 x 4 + 1 x 1) / 3 = 3; overall = (10 x 1 + 20 x 3 + 30 x 5 + 30 x 2 + 10 x 5)
        # / 100 = 33/10 (with the pillars' weights it would be (2 x 7/2 + 8/3) / 3 = 29/9)
        (1, 3, 5, 2, 5),
        (Fraction(7, 2), Fraction(8, 3)),
        Fraction(33, 10),
        "3.30",
        3,
    ),
    (
        "N/A leaves an evaluation dimension out and the weights renormalise",
        (2, 3, NA, 5, 4, NA),
        None,
        # OUTPUT = (2 x 3 + 5) / 3 = 11/3; overall = (10 x 2 + 20 x 11/3 + 30 x 4) / 60 = 32/9
        (2, Fraction(11, 3), None, 4, None),
        (Fraction(8, 3), Fraction(9, 2)),
        Fraction(32, 9),
        "3.56",
        4,
    ),
    (
        "exactly on a band's lower edge",
        (2, 2, 3, 2, 3, 2),
        None,
        # (10 x 2 + 20 x 2 + 30 x 3 + 30 x 3 + 10 x 2) / 100 = 260/100 = 2.6: Baik, level 3
        (2, 2, 3, 3, 2),
        (Fraction(9, 4), Fraction(7, 3)),
        Fraction(13, 5),
        "2.60",
        3,
    ),
    (
        "a draft: unanswered indicators are left out",
        (4, None, None, None, None, None),
        None,
        (4, None, None, None, None),
        (4, None),
        4,
        "4.00",
        4,
    ),
    (
        "only the pillars the agency answers",
        (1, 4, 5, 1, 2, 5),
        ("ENV",),
        # BASELINE and OUTCOME live in GOV only; overall = (20 x 1 + 30 x 2 + 10 x 5) / 60 = 13/6
        (None, 1, None, 2, 5),
        (Fraction(8, 3),),
        Fraction(13, 6),
        "2.17",
        2,
    ),
    (
        "nothing answered",
        (None,) * 6,
        None,
        (None,) * 5,
        (None, None),
        None,
        "-",
        None,
    ),
]


@pytest.mark.parametrize(
    ("levels", "pillars", "stages", "pillar_indices", "overall", "shown", "level"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_answer_set_gives_indices_on_both_axes(
    levels, pillars, stages, pillar_indices, overall, shown, level
):
    result = score_assessment(INSTRUMENT, answers(*levels), pillars)
    assert tuple(s.index for s in result.evaluation_dimensions) == stages
    assert tuple(s.index for s in result.dimensions) == pillar_indices
    assert result.index == overall
    assert display_index(result.index) == shown
    assert (result.maturity.level if result.maturity else None) == level
    for score in (*result.evaluation_dimensions, *result.dimensions):
        expected = INSTRUMENT.band_for(score.index) if score.index is not None else None
        assert score.maturity == expected  # the same bands on both axes


def test_evaluation_dimension_scores_keep_their_indicators():
    result = score_assessment(INSTRUMENT, answers(1, 4, 5, 1, 2, NA))
    output = result.evaluation_dimension("OUTPUT")
    assert output is not None
    assert [s.indicator.code for s in output.indicators] == ["GOV-2", "ENV-1"]
    assert (output.answered, output.total) == (2, 2)
    quick_win = result.evaluation_dimension("QUICKWIN")
    assert quick_win is not None and quick_win.index is None and quick_win.answered == 1
    assert result.evaluation_dimension("NOPE") is None


def test_indicators_that_do_not_apply_leave_their_evaluation_dimension():
    instrument = load_instrument(
        _replace(
            AXES,
            "        evaluation_dimension: IMPACT\n",
            "        evaluation_dimension: IMPACT\n        applies_to: [DLH]\n",
        )
    )
    result = score_assessment(instrument, answers(1, 4, 5, 1, 2, 5), agency_code="DISKOMINFO")
    assert result.evaluation_dimension("IMPACT").index is None
    # (10 x 1 + 20 x 3 + 30 x 5 + 10 x 5) / 70 = 27/7
    assert result.index == Fraction(27, 7)


# -- problems ----------------------------------------------------------------------------------

GOV1 = "dimensions[0].indicators[0]"
PROBLEM_CASES = [
    (
        "unknown evaluation dimension with a hint",
        _replace(AXES, "evaluation_dimension: BASELINE", "evaluation_dimension: BASELIN"),
        [
            (5, "evaluation_dimensions[0].code", "evaluation dimension 'BASELINE' has no indicator"),
            (29, f"{GOV1}.evaluation_dimension",
             "unknown evaluation dimension 'BASELIN' (did you mean 'BASELINE'?): the instrument "
             "declares BASELINE, OUTPUT, OUTCOME, IMPACT, QUICKWIN"),
        ],
    ),
    (
        "an indicator without its evaluation dimension",
        _replace(AXES, "        evaluation_dimension: BASELINE\n", ""),
        [
            (5, "evaluation_dimensions[0].code", "'BASELINE' has no indicator"),
            (25, f"{GOV1}.evaluation_dimension",
             "required key 'evaluation_dimension' is missing: the instrument declares "
             "evaluation dimensions (BASELINE, OUTPUT, OUTCOME, IMPACT, QUICKWIN)"),
        ],
    ),
    (
        "a weight of zero",
        _replace(AXES, "weight: 10\n  - code: OUTPUT", "weight: 0\n  - code: OUTPUT"),
        [(7, "evaluation_dimensions[0].weight", "weight must be a positive number, got '0'")],
    ),
    (
        "a weight that is no number",
        _replace(AXES, "weight: 20", "weight: 20%"),
        [(10, "evaluation_dimensions[1].weight", "weight must be a positive number, got '20%'")],
    ),
    (
        "a duplicate code",
        _replace(AXES, "code: QUICKWIN", "code: IMPACT"),
        [
            (17, "evaluation_dimensions[4].code",
             "duplicate evaluation dimension code 'IMPACT' (first defined on line 14)"),
            (89, "dimensions[1].indicators[2].evaluation_dimension",
             "unknown evaluation dimension 'QUICKWIN': the instrument declares BASELINE, OUTPUT, "
             "OUTCOME, IMPACT"),
        ],
    ),
    (
        "a misspelt key of an evaluation dimension",
        _replace(AXES, "weight: 30\n  - code: IMPACT", "wieght: 30\n  - code: IMPACT"),
        [
            (11, "evaluation_dimensions[2].weight", "required key 'weight' is missing"),
            (13, "evaluation_dimensions[2].wieght", "unknown key 'wieght' (did you mean 'weight'?)"),
        ],
    ),
    (
        "a misspelt key on an indicator",
        _replace(AXES, "evaluation_dimension: OUTCOME", "evaluation_dimensions: OUTCOME"),
        [
            (11, "evaluation_dimensions[2].code", "'OUTCOME' has no indicator"),
            (47, "dimensions[0].indicators[2].evaluation_dimension", "required key"),
            (51, "dimensions[0].indicators[2].evaluation_dimensions",
             "unknown key 'evaluation_dimensions' (did you mean 'evaluation_dimension'?)"),
        ],
    ),
    (
        "an empty list",
        AXES[: AXES.index("evaluation_dimensions:")]
        + "evaluation_dimensions: []\n"
        + AXES[AXES.index("\ndimensions:\n") + 1 :],
        [(4, "evaluation_dimensions", "at least one evaluation dimension is required")],
    ),
    (
        "an evaluation dimension that is no mapping",
        _replace(AXES, "  - code: QUICKWIN\n", "  - QUICKWIN\n  - code: QUICKWIN2\n"),
        [(17, "evaluation_dimensions[4]", "an evaluation dimension must be a mapping, got 'QUICKWIN'")],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in PROBLEM_CASES],
    ids=[case[0] for case in PROBLEM_CASES],
)
def test_each_axis_problem_is_located(text: str, expected):
    problems = validate_instrument(text, "axes.yaml")
    assert [(p.line, p.field) for p in problems] == [(line, field) for line, field, _ in expected]
    for problem, (_, _, fragment) in zip(problems, expected, strict=True):
        assert fragment in problem.message


def test_an_indicator_naming_an_undeclared_axis_is_refused():
    problems = validate_instrument(_without_axis_declared(), "axes.yaml")
    assert len(problems) == 6  # every indicator, each on its own line
    first = problems[0]
    assert (first.line, first.field) == (13, f"{GOV1}.evaluation_dimension")
    assert "declares no evaluation dimensions" in first.message


def test_an_empty_axis_is_one_problem_not_one_per_indicator():
    text = _without_axis().replace("dimensions:\n", "evaluation_dimensions: []\ndimensions:\n", 1)
    problems = validate_instrument(text, "axes.yaml")
    assert [(p.line, p.field) for p in problems] == [(4, "evaluation_dimensions")]


def test_every_axis_problem_is_reported_at_once():
    text = _replace(AXES, "weight: 20", "weight: -1")
    text = _replace(text, "evaluation_dimension: IMPACT", "evaluation_dimension: IMPAKT")
    text = _replace(text, "        evaluation_dimension: QUICKWIN\n", "")
    with pytest.raises(InstrumentError) as raised:
        load_instrument(text, "axes.yaml")
    messages = [p.message for p in raised.value.problems]
    assert len(messages) == 5, messages
    assert any("weight must be a positive number" in m for m in messages)
    assert any("did you mean 'IMPACT'" in m for m in messages)
    assert any("required key 'evaluation_dimension' is missing" in m for m in messages)


@pytest.mark.parametrize("text", [case[1] for case in PROBLEM_CASES] + [_without_axis_declared()])
def test_every_axis_problem_has_its_indonesian(text: str):
    problems = validate_instrument(text, "axes.yaml")
    assert problems and [key for p in problems for key in untranslated_keys(p)] == []
    assert all(p.located(indonesian) != p.located() for p in problems)


# -- the workbook ------------------------------------------------------------------------------

BOOK = write_workbook(INSTRUMENT)


def test_the_workbook_keeps_the_axis():
    assert read_workbook(BOOK, "axes.xlsx") == INSTRUMENT
    workbook = load_workbook(io.BytesIO(BOOK))
    assert workbook.sheetnames == [
        "Instrument", "LevelNames", "Bands", "EvaluationDimensions", "Dimensions", "SubElements",
        "Indicators", "Levels",
    ]  # fmt: skip
    stages = list(workbook["EvaluationDimensions"].iter_rows(values_only=True))
    assert stages[0] == ("code", "name_id", "name_en", "weight", "description_id", "description_en")
    assert [row[0] for row in stages[1:]] == ["BASELINE", "OUTPUT", "OUTCOME", "IMPACT", "QUICKWIN"]
    assert [row[3] for row in stages[1:]] == [10, 20, 30, 30, 10]
    indicators = workbook["Indicators"]
    assert [c.value for c in indicators[1]][:4] == [
        "dimension", "sub_element", "evaluation_dimension", "code",
    ]  # fmt: skip
    assert [row[2] for row in indicators.iter_rows(min_row=2, values_only=True)] == [
        "BASELINE", "OUTPUT", "OUTCOME", "OUTPUT", "IMPACT", "QUICKWIN",
    ]  # fmt: skip
    # staff pick an indicator's evaluation dimension from the codes of the sheet
    rules = indicators.data_validations.dataValidation
    assert any(rule.formula1 == "EvaluationDimensions!$A$2:$A$6" for rule in rules)


def test_a_workbook_without_the_axis_has_neither_its_sheet_nor_its_column():
    instrument = load_instrument(_without_axis())
    workbook = load_workbook(io.BytesIO(write_workbook(instrument)))
    assert "EvaluationDimensions" not in workbook.sheetnames
    assert "evaluation_dimension" not in [c.value for c in workbook["Indicators"][1]]


def _edited(changes: dict[str, object]) -> bytes:
    workbook = load_workbook(io.BytesIO(BOOK))
    for where, value in changes.items():
        sheet, cell = where.split("!")
        workbook[sheet][cell] = value
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


BOOK_CASES = [
    (
        "unknown evaluation dimension",
        {"Indicators!C3": "OUTPT"},
        [("Indicators!C3", "unknown evaluation dimension 'OUTPT' (did you mean 'OUTPUT'?)")],
    ),
    (
        "an indicator without one",
        {"Indicators!C2": None},
        [
            ("EvaluationDimensions!A2", "evaluation dimension 'BASELINE' has no indicator"),
            ("Indicators!D2", "required key 'evaluation_dimension' is missing"),
        ],
    ),
    (
        "a weight that is no number",
        {"EvaluationDimensions!D3": "dua puluh"},
        [("EvaluationDimensions!D3", "weight must be a positive number, got 'dua puluh'")],
    ),
    (
        "a duplicate code",
        {"EvaluationDimensions!A6": "IMPACT"},
        [
            ("EvaluationDimensions!A6", "duplicate evaluation dimension code 'IMPACT'"),
            ("Indicators!C7", "unknown evaluation dimension 'QUICKWIN'"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [case[1:] for case in BOOK_CASES],
    ids=[case[0] for case in BOOK_CASES],
)
def test_each_workbook_axis_problem_names_its_cell(changes, expected):
    with pytest.raises(InstrumentError) as raised:
        read_workbook(_edited(changes), "axes.xlsx")
    problems = raised.value.problems
    assert [p.field for p in problems] == [cell for cell, _ in expected]
    for problem, (_, fragment) in zip(problems, expected, strict=True):
        assert fragment in problem.message
        assert untranslated_keys(problem) == []


def test_a_header_only_evaluation_dimensions_sheet_declares_no_axis():
    workbook = load_workbook(io.BytesIO(BOOK))
    workbook["EvaluationDimensions"].delete_rows(2, 5)
    output = io.BytesIO()
    workbook.save(output)
    with pytest.raises(InstrumentError) as raised:
        read_workbook(output.getvalue(), "axes.xlsx")
    assert [p.field for p in raised.value.problems] == [f"Indicators!C{n}" for n in range(2, 8)]
    assert "declares no evaluation dimensions" in raised.value.problems[0].message


# -- any instrument with the axis --------------------------------------------------------------


texts = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=12
).filter(str.strip)
bilingual = st.builds(Text, texts, texts)
# twelfths: decimals (0.25) and ratios without one (1/3)
positive = st.integers(min_value=1, max_value=1200).map(lambda n: Fraction(n, 12))


@st.composite
def instruments_with_axis(draw):
    """The test instrument with 1-5 evaluation dimensions of any names, weights and
    descriptions, spread over its six indicators so that each has at least one."""
    size = draw(st.integers(min_value=1, max_value=5))
    stages = tuple(
        EvaluationDimension(f"E{n}", draw(bilingual), draw(positive), draw(st.none() | bilingual))
        for n in range(size)
    )
    picks = iter(draw(st.permutations([n % size for n in range(len(CODES))])))
    dimensions = tuple(
        replace(
            d,
            indicators=tuple(
                replace(i, evaluation_dimension=f"E{next(picks)}") for i in d.indicators
            ),
        )
        for d in INSTRUMENT.dimensions
    )
    return replace(INSTRUMENT, dimensions=dimensions, evaluation_dimensions=stages)


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(instruments_with_axis())
def test_any_instrument_with_the_axis_survives_dump_and_workbook(instrument):
    assert load_instrument(dump_instrument(instrument)) == instrument
    assert read_workbook(write_workbook(instrument)) == instrument


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.lists(st.sampled_from([None, NA, 1, 2, 3, 4, 5]), min_size=6, max_size=6),
    st.none() | st.sets(st.sampled_from(["GOV", "ENV"]), min_size=1),
)
def test_each_indicator_counts_in_one_evaluation_dimension_and_the_overall_lies_between(
    levels, pillars
):
    result = score_assessment(INSTRUMENT, answers(*levels), pillars)
    scored = [s.indicator.code for d in result.dimensions for s in d.indicators]
    staged = [s.indicator.code for e in result.evaluation_dimensions for s in e.indicators]
    assert sorted(staged) == sorted(scored)
    indices = [e.index for e in result.evaluation_dimensions if e.index is not None]
    if not indices:
        assert result.index is None
    else:
        assert min(indices) <= result.index <= max(indices)
        assert result.maturity == INSTRUMENT.band_for(result.index)
