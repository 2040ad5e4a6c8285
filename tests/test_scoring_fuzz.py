"""The scoring engine under random instruments and answer sets (Hypothesis).

Instruments are written as YAML and read with the public loader, so the tests follow the
instrument format as it grows. Whatever the weights, levels, N/A and gaps:

- every index is None or an exact value between the lowest and the highest level counted, so
  always within 0..5; it equals the weighted mean of the counted answers only (N/A answers
  are left out and the weights renormalised; nothing counted gives None, never a division by
  zero);
- the maturity band is the instrument's band for that index;
- a level the indicator does not have raises ValueError; nothing else raises.
"""

from __future__ import annotations

from fractions import Fraction

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcity.domain.loader import load_instrument
from smartcity.domain.scoring import (
    AnswerValue,
    display_index,
    missing_answers,
    score_assessment,
    weighted_mean,
)

FUZZ = settings(
    max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

NAMES = {1: "Rintisan", 2: "Terkelola", 3: "Terdefinisi", 4: "Terpadu", 5: "Optimum"}

# weights as an administrator writes them: 0.001 up to 1000 (YAML numbers, read exactly)
weights = st.builds(
    lambda whole, thousandths: float(f"{whole}.{thousandths:03d}"),
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=999),
).filter(lambda value: value > 0)


def text(value: str) -> dict[str, str]:
    return {"id": value, "en": value}


@st.composite
def instruments(draw):
    """(YAML text, the levels every indicator has) for a random valid instrument."""
    top = draw(st.integers(min_value=1, max_value=5))
    levels = list(range(1, top + 1))
    dimensions = []
    for d in range(draw(st.integers(min_value=1, max_value=4))):
        indicators = [
            {
                "code": f"D{d}-{i}",
                "question": text(f"Pertanyaan {d}.{i}"),
                "explanation": text("Penjelasan"),
                "weight": draw(weights),
                "allow_na": draw(st.booleans()),
                "levels": {level: text(f"Tingkat {level}") for level in levels},
            }
            for i in range(draw(st.integers(min_value=1, max_value=5)))
        ]
        dimensions.append(
            {
                "code": f"D{d}",
                "name": text(f"Dimensi {d}"),
                "weight": draw(weights),
                "indicators": indicators,
            }
        )
    document = {
        "code": "fuzz",
        "version": "1",
        "title": text("Fuzz"),
        "level_names": {level: text(NAMES[level]) for level in levels},
        "dimensions": dimensions,
    }
    if draw(st.booleans()):
        steps = draw(st.lists(st.integers(min_value=1, max_value=250), max_size=4))
        minimum, bands = 0, []
        for number, step in enumerate([0, *steps], start=1):
            minimum += step  # hundredths
            if minimum > top * 100:
                break
            bands.append(
                {
                    "min": minimum / 100 if number > 1 else 0,
                    "level": number,
                    "name": text(f"B{number}"),
                }
            )
        document["maturity_bands"] = bands
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False), levels


# what an agency may have sent for one indicator
answer_kinds = st.sampled_from(["none", "level", "na", "na_and_level"])


@st.composite
def scenarios(draw):
    source, levels = draw(instruments())
    instrument = load_instrument(source, "fuzz.yaml")
    answers = {}
    for indicator in instrument.indicators:
        kind = draw(answer_kinds)
        level = draw(st.sampled_from(levels))
        if kind == "level":
            answers[indicator.code] = AnswerValue(level=level)
        elif kind == "na":
            answers[indicator.code] = AnswerValue(not_applicable=True)
        elif kind == "na_and_level":
            answers[indicator.code] = AnswerValue(level=level, not_applicable=True)
    chosen = draw(
        st.one_of(
            st.none(),
            st.lists(st.sampled_from([d.code for d in instrument.dimensions]), unique=True),
        )
    )
    return instrument, answers, chosen


def counted(indicator, answer: AnswerValue | None) -> int | None:
    """The level that counts for an indicator (None: left out), by the documented rule."""
    if answer is None:
        return None
    if answer.not_applicable and indicator.allow_not_applicable:
        return None
    return answer.level


@FUZZ
@given(scenarios())
def test_indices_stay_on_the_scale_and_leave_out_what_does_not_count(scenario):
    instrument, answers, chosen = scenario
    result = score_assessment(instrument, answers, chosen)
    dimension_indices = []
    for score in result.dimensions:
        levels = [
            (indicator.weight, counted(indicator, answers.get(indicator.code)))
            for indicator in score.dimension.indicators
        ]
        levels = [(w, Fraction(level)) for w, level in levels if level is not None]
        if not levels:
            assert score.index is None and score.maturity is None
            continue
        expected = sum(w * v for w, v in levels) / sum(w for w, _ in levels)
        assert score.index == expected
        assert min(v for _, v in levels) <= score.index <= max(v for _, v in levels)
        assert 0 <= score.index <= 5
        assert score.maturity == instrument.band_for(score.index)
        dimension_indices.append((score.dimension.weight, score.index))
    if not dimension_indices:
        assert result.index is None and result.maturity is None
    else:
        assert result.index == weighted_mean(dimension_indices)
        assert 0 <= result.index <= 5
        assert result.maturity is not None and result.maturity.minimum <= result.index
        shown = display_index(result.index)
        assert 0 <= Fraction(shown) <= 5 and len(shown.split(".")[1]) == 2


@FUZZ
@given(scenarios())
def test_na_and_gaps_never_change_what_the_answered_indicators_give(scenario):
    """Turning every left-out answer into N/A (or dropping it) gives the same index."""
    instrument, answers, chosen = scenario
    baseline = score_assessment(instrument, answers, chosen).index
    only_counted = {
        code: answer
        for code, answer in answers.items()
        if counted(instrument.indicator(code), answer) is not None
    }
    assert score_assessment(instrument, only_counted, chosen).index == baseline
    with_na = dict(only_counted)
    for indicator in instrument.indicators:
        if indicator.code not in with_na and indicator.allow_not_applicable:
            with_na[indicator.code] = AnswerValue(not_applicable=True)
    assert score_assessment(instrument, with_na, chosen).index == baseline


@FUZZ
@given(scenarios(), st.integers(min_value=-3, max_value=9))
def test_a_level_the_indicator_lacks_raises_value_error_only(scenario, level):
    instrument, answers, chosen = scenario
    indicator = instrument.indicators[0]
    answers = {**answers, indicator.code: AnswerValue(level=level)}
    try:
        score_assessment(instrument, answers, None)
    except ValueError:
        assert level not in indicator.level_numbers
    else:
        assert level in indicator.level_numbers


@FUZZ
@given(scenarios(), st.dictionaries(st.text(max_size=8), st.text(max_size=5)))
def test_missing_answers_never_raises(scenario, justifications):
    instrument, answers, chosen = scenario
    missing = missing_answers(instrument, answers, justifications, chosen, evidence_counts={})
    codes = {item.indicator.code for item in missing}
    for indicator in instrument.indicators:
        answer = answers.get(indicator.code)
        dimension = instrument.dimension_of(indicator.code)
        wanted = chosen is None or dimension.code in chosen
        if wanted and (answer is None or not answer.is_answered):
            assert indicator.code in codes
