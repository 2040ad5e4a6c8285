"""The instrument YAML loader: exact numbers, defaults, every problem located by line and field."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcity.domain.instrument import DEFAULT_LEVEL_NAMES, DEFAULT_MATURITY_BANDS, Text
from smartcity.domain.loader import (
    InstrumentError,
    Problem,
    dump_instrument,
    load_instrument,
    load_instrument_file,
    validate_instrument,
)

from .indonesian import indonesian, untranslated_keys

ROOT = Path(__file__).resolve().parent.parent

# Line numbers in the cases below refer to this text; keep it in step with them.
VALID = textwrap.dedent(
    """\
    code: demo
    version: 2026.10
    title: {id: Penilaian Demo, en: Demo Assessment}
    dimensions:
      - code: GOV
        name: {id: Tata Kelola, en: Governance}
        weight: 1.3
        indicators:
          - code: GOV-01
            question: {id: Pertanyaan satu, en: Question one}
            explanation: {id: Penjelasan, en: Explanation}
            weight: 2
            levels:
              1: {id: Satu, en: One}
              2: {id: Dua, en: Two}
              3: {id: Tiga, en: Three}
              4: {id: Empat, en: Four}
              5: {id: Lima, en: Five}
      - code: ECO
        name: {id: Ekonomi, en: Economy}
        weight: 1
        indicators:
          - code: ECO-01
            question: {id: Pertanyaan dua, en: Question two}
            explanation: {id: Penjelasan, en: Explanation}
            weight: 0.25
            allow_na: true
            evidence_hint: {id: Dokumen, en: Documents}
            levels: {1: {id: a, en: A}, 2: {id: b, en: B}, 3: {id: c, en: C},
                 4: {id: d, en: D}, 5: {id: e, en: E}}
    """
)

BANDS = textwrap.dedent(
    """\
    maturity_bands:
      - {min: 0, level: 1, name: {id: Kurang, en: Poor}}
      - {min: 2.5, level: 2, name: {id: Cukup, en: Fair}}
      - {min: 4, level: 3, name: {id: Baik, en: Good}}
    """
)
WITH_BANDS = VALID + BANDS  # the bands start on line 31


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def test_valid_instrument_loads_with_exact_numbers():
    instrument = load_instrument(VALID, "demo.yaml")

    assert instrument.code == "demo"
    assert instrument.version == "2026.10"  # the text as written, not the float 2026.1
    assert instrument.title == Text("Penilaian Demo", "Demo Assessment")
    assert [d.code for d in instrument.dimensions] == ["GOV", "ECO"]
    governance, economy = instrument.dimensions
    assert governance.weight == Fraction(13, 10)
    assert economy.weight == Fraction(1)
    gov01 = instrument.indicator("GOV-01")
    eco01 = instrument.indicator("ECO-01")
    assert gov01 is not None and eco01 is not None
    assert gov01.weight == Fraction(2)
    assert eco01.weight == Fraction(1, 4)
    assert gov01.level_numbers == (1, 2, 3, 4, 5)
    assert gov01.descriptor(3) == Text("Tiga", "Three")
    assert eco01.allow_not_applicable is True
    assert eco01.evidence_hint == Text("Dokumen", "Documents")


def test_defaults_are_applied():
    instrument = load_instrument(VALID)

    assert instrument.level_names == DEFAULT_LEVEL_NAMES
    assert instrument.maturity_bands == DEFAULT_MATURITY_BANDS
    assert instrument.description is None
    governance = instrument.dimension("GOV")
    assert governance is not None and governance.description is None
    gov01 = instrument.indicator("GOV-01")
    assert gov01 is not None
    assert gov01.allow_not_applicable is False
    assert gov01.evidence_hint is None
    assert gov01.evidence_from_level is None  # no evidence rule unless the file sets one
    assert not gov01.needs_evidence(5)


def test_custom_level_names_and_bands():
    text = _replace(WITH_BANDS, "          4: {id: Empat, en: Four}\n", "")
    text = _replace(text, "          5: {id: Lima, en: Five}\n", "")
    text = _replace(text, ",\n             4: {id: d, en: D}, 5: {id: e, en: E}", "")
    text += "level_names:\n  1: {id: Awal, en: Initial}\n  3: {id: Akhir, en: Final}\n"
    text += "  2: {id: Tengah, en: Middle}\n"
    instrument = load_instrument(text)

    assert [entry.level for entry in instrument.level_names] == [1, 2, 3]
    assert instrument.level_name(3) == Text("Akhir", "Final")
    assert [band.minimum for band in instrument.maturity_bands] == [0, Fraction(5, 2), 4]
    assert instrument.band_for(Fraction(5, 2)).level == 2


def test_evidence_from_level_default_and_per_indicator_override():
    text = "evidence_from_level: 3\n" + VALID
    text = _replace(text, "    weight: 2\n", "    weight: 2\n        evidence_from_level: null\n")
    text = _replace(
        text, "    allow_na: true\n", "    allow_na: true\n        evidence_from_level: 5\n"
    )
    text += textwrap.indent(
        textwrap.dedent(
            """\
          - code: PPL
            name: {id: Masyarakat, en: People}
            weight: 1
            indicators:
              - code: PPL-01
                question: {id: Pertanyaan tiga, en: Question three}
                explanation: {id: Penjelasan, en: Explanation}
                weight: 1
                levels: {1: {id: a, en: A}, 2: {id: b, en: B}, 3: {id: c, en: C},
                     4: {id: d, en: D}, 5: {id: e, en: E}}
        """
        ),
        "  ",
    )
    instrument = load_instrument(text)

    gov01, eco01, ppl01 = instrument.indicators
    # null on the indicator: never, whatever the instrument-wide default
    assert gov01.evidence_from_level is None
    assert eco01.evidence_from_level == 5
    # omitted on the indicator: the instrument-wide default
    assert ppl01.evidence_from_level == 3
    assert [ppl01.needs_evidence(level) for level in (None, 1, 2, 3, 4, 5)] == [
        False, False, False, True, True, True,
    ]  # fmt: skip
    assert eco01.needs_evidence(4) is False and eco01.needs_evidence(5) is True


def test_bundled_demo_instrument_needs_evidence_from_level_3():
    instrument = load_instrument_file(ROOT / "smartcity" / "instruments" / "kotim-smart-city.yaml")
    assert {indicator.evidence_from_level for indicator in instrument.indicators} == {3}


def test_valid_text_has_no_problems():
    assert validate_instrument(WITH_BANDS) == []


def test_bundled_demo_instrument_is_valid():
    path = ROOT / "smartcity" / "instruments" / "kotim-smart-city.yaml"
    instrument = load_instrument_file(path)
    assert instrument.code == "kotim-smart-city"
    assert len(instrument.dimensions) == 6


CASES = [
    # (id, broken text, line, field, message fragment)
    (
        "malformed yaml",
        _replace(VALID, "    weight: 1.3\n", "    weight: [1.3\n"),
        8,
        "",
        "invalid YAML",
    ),
    (
        "missing title",
        _replace(VALID, "title: {id: Penilaian Demo, en: Demo Assessment}\n", ""),
        1,
        "title",
        "required key 'title' is missing",
    ),
    (
        "missing en in level descriptor",
        _replace(VALID, "3: {id: Tiga, en: Three}", "3: {id: Tiga}"),
        16,
        "dimensions[0].indicators[0].levels.3.en",
        "English text 'en' is missing",
    ),
    (
        "missing id in title",
        _replace(VALID, "title: {id: Penilaian Demo, en: Demo Assessment}", "title: {en: Demo}"),
        3,
        "title.id",
        "Indonesian text 'id' is missing",
    ),
    (
        "missing level",
        _replace(VALID, "          3: {id: Tiga, en: Three}\n", ""),
        14,
        "dimensions[0].indicators[0].levels.3",
        "level 3 is missing",
    ),
    (
        "extra level 6",
        _replace(
            VALID,
            "5: {id: Lima, en: Five}",
            "5: {id: Lima, en: Five}\n          6: {id: Enam, en: Six}",
        ),
        19,
        "dimensions[0].indicators[0].levels.6",
        "extra level 6",
    ),
    (
        "duplicate dimension code",
        _replace(VALID, "  - code: ECO\n", "  - code: GOV\n"),
        19,
        "dimensions[1].code",
        "duplicate dimension code 'GOV' (first defined on line 5)",
    ),
    (
        "duplicate indicator code across dimensions",
        _replace(VALID, "- code: ECO-01", "- code: GOV-01"),
        23,
        "dimensions[1].indicators[0].code",
        "duplicate indicator code 'GOV-01' (first defined on line 9)",
    ),
    (
        "duplicate mapping key",
        _replace(VALID, "    weight: 1.3\n", "    weight: 1.3\n    weight: 2\n"),
        8,
        "dimensions[0].weight",
        "duplicate key 'weight' (first on line 7)",
    ),
    (
        "weight 0",
        _replace(VALID, "weight: 1.3", "weight: 0"),
        7,
        "dimensions[0].weight",
        "weight must be a positive number, got '0'",
    ),
    (
        "weight negative",
        _replace(VALID, "weight: 0.25", "weight: -1"),
        26,
        "dimensions[1].indicators[0].weight",
        "weight must be a positive number, got '-1'",
    ),
    (
        "weight not a number",
        _replace(VALID, "weight: 1.3", "weight: abc"),
        7,
        "dimensions[0].weight",
        "weight must be a positive number, got 'abc'",
    ),
    (
        "weight boolean",
        _replace(VALID, "weight: 1.3", "weight: true"),
        7,
        "dimensions[0].weight",
        "weight must be a positive number, got 'true'",
    ),
    (
        "weight infinite",
        _replace(VALID, "weight: 1.3", "weight: .inf"),
        7,
        "dimensions[0].weight",
        "weight must be a positive number",
    ),
    (
        "weight quoted",
        _replace(VALID, "weight: 1.3", 'weight: "1.3"'),
        7,
        "dimensions[0].weight",
        "got the quoted text '1.3'",
    ),
    (
        "bands not starting at 0",
        _replace(WITH_BANDS, "{min: 0, level: 1", "{min: 1, level: 1"),
        32,
        "maturity_bands[0].min",
        "bands must start at 0",
    ),
    (
        "bands not ascending",
        _replace(WITH_BANDS, "{min: 4, level: 3", "{min: 2.5, level: 3"),
        34,
        "maturity_bands[2].min",
        "band minimums must ascend",
    ),
    (
        "band levels not ascending",
        _replace(WITH_BANDS, "{min: 4, level: 3", "{min: 4, level: 2"),
        34,
        "maturity_bands[2].level",
        "band levels must ascend",
    ),
    (
        "no bands",
        VALID + "maturity_bands: []\n",
        31,
        "maturity_bands",
        "at least one band is required",
    ),
    (
        "unknown key",
        _replace(VALID, "    weight: 1.3\n", "    weight: 1.3\n    colour: red\n"),
        8,
        "dimensions[0].colour",
        "unknown key 'colour'",
    ),
    (
        "misspelt key gets a hint",
        _replace(VALID, "evidence_hint:", "evidence_hnit:"),
        28,
        "dimensions[1].indicators[0].evidence_hnit",
        "unknown key 'evidence_hnit' (did you mean 'evidence_hint'?)",
    ),
    (
        "bad code characters",
        _replace(VALID, "- code: GOV-01", "- code: GOV 01"),
        9,
        "dimensions[0].indicators[0].code",
        "invalid code 'GOV 01'",
    ),
    (
        "allow_na not boolean",
        _replace(VALID, "allow_na: true", "allow_na: maybe"),
        27,
        "dimensions[1].indicators[0].allow_na",
        "allow_na must be true or false, got 'maybe'",
    ),
    (
        "no dimensions",
        VALID[: VALID.index("dimensions:")] + "dimensions: []\n",
        4,
        "dimensions",
        "at least one dimension is required",
    ),
    (
        "dimension without indicators",
        VALID[: VALID.index("    indicators:\n      - code: ECO-01")] + "    indicators: []\n",
        22,
        "dimensions[1].indicators",
        "at least one indicator is required",
    ),
    (
        "level names not consecutive",
        VALID + "level_names: {1: {id: a, en: A}, 2: {id: b, en: B}, 4: {id: d, en: D}}\n",
        31,
        "level_names",
        "level numbers must be consecutive from 1, got 1, 2, 4",
    ),
    (
        "empty text",
        _replace(VALID, "name: {id: Ekonomi, en: Economy}", "name: {id: Ekonomi, en: ''}"),
        20,
        "dimensions[1].name.en",
        "English text 'en' is empty",
    ),
    (
        "text given as a plain string",
        _replace(VALID, "title: {id: Penilaian Demo, en: Demo Assessment}", "title: Demo"),
        3,
        "title",
        "must be a text in both languages",
    ),
    ("non-mapping root", "- just\n- a list\n", 1, "", "the top level must be a mapping"),
    (
        "evidence_from_level not a number",
        VALID + "evidence_from_level: high\n",
        31,
        "evidence_from_level",
        "evidence_from_level must be a level number (1 to 5) or null for never, got 'high'",
    ),
    (
        "evidence_from_level boolean",
        VALID + "evidence_from_level: true\n",
        31,
        "evidence_from_level",
        "or null for never, got 'true'",
    ),
    (
        "evidence_from_level quoted",
        VALID + 'evidence_from_level: "3"\n',
        31,
        "evidence_from_level",
        "got the quoted text '3'",
    ),
    (
        "evidence_from_level beyond the levels",
        VALID + "evidence_from_level: 6\n",
        31,
        "evidence_from_level",
        "evidence_from_level 6 is not a level: the levels are 1 to 5",
    ),
    (
        "evidence_from_level beyond custom level names",
        _replace(
            _replace(
                _replace(VALID, "          4: {id: Empat, en: Four}\n", ""),
                "          5: {id: Lima, en: Five}\n",
                "",
            ),
            ",\n             4: {id: d, en: D}, 5: {id: e, en: E}",
            "",
        )
        + "level_names: {1: {id: a, en: A}, 2: {id: b, en: B}, 3: {id: c, en: C}}\n"
        + "evidence_from_level: 4\n",
        29,
        "evidence_from_level",
        "evidence_from_level 4 is not a level: the levels are 1 to 3",
    ),
    (
        "indicator evidence_from_level zero",
        _replace(
            VALID, "    allow_na: true\n", "    allow_na: true\n        evidence_from_level: 0\n"
        ),
        28,
        "dimensions[1].indicators[0].evidence_from_level",
        "evidence_from_level 0 is not a level: the levels are 1 to 5",
    ),
    (
        "indicator evidence_from_level a list",
        _replace(VALID, "    weight: 2\n", "    weight: 2\n        evidence_from_level: [3]\n"),
        13,
        "dimensions[0].indicators[0].evidence_from_level",
        "must be a level number (1 to 5) or null for never, got a list",
    ),
    (
        "misspelt evidence_from_level gets a hint",
        _replace(
            VALID, "    allow_na: true\n", "    allow_na: true\n        evidence_from_lvl: 3\n"
        ),
        28,
        "dimensions[1].indicators[0].evidence_from_lvl",
        "(did you mean 'evidence_from_level'?)",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_problem_is_located(text: str, line: int, field: str, fragment: str):
    with pytest.raises(InstrumentError) as caught:
        load_instrument(text, "broken.yaml")

    problems = caught.value.problems
    assert len(problems) == 1, problems
    problem = problems[0]
    assert (problem.file, problem.line, problem.field) == ("broken.yaml", line, field)
    assert fragment in problem.message
    assert validate_instrument(text, "broken.yaml") == [problem]


def test_empty_document_is_a_problem():
    for text in ("", "# only a comment\n"):
        problems = validate_instrument(text, "empty.yaml")
        assert len(problems) == 1
        assert "empty" in problems[0].message


def test_every_problem_is_reported_at_once():
    text = _replace(VALID, "title: {id: Penilaian Demo, en: Demo Assessment}\n", "")
    text = _replace(text, "weight: 1.3", "weight: -2")
    text = _replace(text, "- code: ECO-01", "- code: GOV-01")

    with pytest.raises(InstrumentError) as caught:
        load_instrument(text, "three.yaml")

    located = [(p.line, p.field) for p in caught.value.problems]
    assert located == [
        (1, "title"),
        (6, "dimensions[0].weight"),
        (22, "dimensions[1].indicators[0].code"),
    ]
    lines = str(caught.value).splitlines()
    assert lines == [str(p) for p in caught.value.problems]
    assert lines[1] == (
        "three.yaml:6: dimensions[0].weight: weight must be a positive number, got '-2'"
    )


def test_problem_formats_as_file_line_field_message():
    assert str(Problem("a.yaml", 7, "dimensions[0].weight", "bad")) == (
        "a.yaml:7: dimensions[0].weight: bad"
    )
    assert str(Problem("a.yaml", None, "", "the file is empty")) == "a.yaml: the file is empty"


def test_load_instrument_file_names_the_file(tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    assert load_instrument_file(good).code == "demo"

    bad = tmp_path / "bad.yaml"
    bad.write_text(_replace(VALID, "weight: 1.3", "weight: 0"), encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_instrument_file(bad)
    assert caught.value.problems[0].file == str(bad)

    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(VALID.replace("Governance", "Gouvernement\xe9").encode("latin-1"))
    with pytest.raises(InstrumentError) as caught:
        load_instrument_file(latin1)
    assert caught.value.problems[0].line == 6
    assert "UTF-8" in caught.value.problems[0].message


def test_loader_imports_no_framework():
    code = (
        "import sys, smartcity.domain.loader\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# -- robustness: whatever the input, the only failure is InstrumentError ------------------------

VOCABULARY = [
    "code", "version", "title", "description", "level_names", "maturity_bands", "dimensions",
    "name", "weight", "indicators", "question", "explanation", "allow_na", "evidence_hint",
    "levels", "min", "level", "id", "en", "<<", "evidence_from_level",
    "sub_elements", "answer_type", "options", "items", "max_points", "unit", "minimum",
    "maximum", "direction", "thresholds", "from", "points", "label", "applies_to",
    "evidence_by_level", "choice", "checklist", "number", "higher_is_better", "all",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["GOV", "GOV-01", "1.3", "abc", "", " ", "2026.1", ".nan", "0x1F", "1e400"]),
    st.text(max_size=8),
)
keys = st.one_of(st.sampled_from(VOCABULARY), st.integers(min_value=-1, max_value=7))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=6),
    ),
    max_leaves=30,
)


def _loads_or_reports(text: str) -> None:
    try:
        load_instrument(text, "fuzz.yaml")
    except InstrumentError as error:
        assert error.problems
        assert all(isinstance(p, Problem) and p.file == "fuzz.yaml" for p in error.problems)
        assert all(p.line is None or p.line >= 1 for p in error.problems)


FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(st.text())
def test_arbitrary_text_only_raises_instrument_error(text: str):
    _loads_or_reports(text)


@FUZZ
@given(documents)
def test_arbitrary_yaml_only_raises_instrument_error(document: object):
    _loads_or_reports(yaml.safe_dump(document, allow_unicode=True))


@FUZZ
@given(
    st.integers(min_value=0, max_value=len(WITH_BANDS)),
    st.integers(min_value=0, max_value=40),
    st.text(max_size=20),
)
def test_damaged_instrument_only_raises_instrument_error(start: int, length: int, insert: str):
    _loads_or_reports(WITH_BANDS[:start] + insert + WITH_BANDS[start + length :])


@FUZZ
@given(
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=0, max_value=40),
    st.text(max_size=20),
)
def test_damaged_features_only_raise_instrument_error(start: int, length: int, insert: str):
    _loads_or_reports(FEATURES[:start] + insert + FEATURES[start + length :])


# -- sub-elements and answer types --------------------------------------------------------------

# Line numbers in FEATURE_CASES refer to this text; keep it in step with them.
FEATURES = textwrap.dedent(
    """\
    code: features
    version: "1"
    title: {id: Uji, en: Test}
    dimensions:
      - code: GOV
        name: {id: Tata Kelola, en: Governance}
        weight: 2
        sub_elements:
          - code: SVC
            name: {id: Layanan, en: Services}
            weight: 3
            indicators:
              - code: CH
                answer_type: choice
                question: {id: Pilihan, en: Choice}
                explanation: {id: P, en: E}
                weight: 1
                max_points: 3
                options:
                  - {code: "0", points: 0, label: {id: Tidak, en: No}}
                  - {code: "3", points: 3, label: {id: Penuh, en: Full}}
          - code: POL
            name: {id: Kebijakan, en: Policy}
            weight: 1
            indicators:
              - code: NUM
                answer_type: number
                question: {id: Angka, en: Number}
                explanation: {id: P, en: E}
                weight: 1
                unit: {id: persen, en: percent}
                minimum: 0
                maximum: 100
                direction: higher_is_better
                thresholds:
                  - {from: 0, level: 1}
                  - {from: 50, level: 3}
                  - {from: 90, level: 5}
      - code: ENV
        name: {id: Lingkungan, en: Environment}
        weight: 1
        indicators:
          - code: CL
            answer_type: checklist
            question: {id: Daftar, en: List}
            explanation: {id: P, en: E}
            weight: 1
            applies_to: [DLH, dinas-teknis]
            evidence_by_level:
              3: {id: SK, en: Decree}
            items:
              - {code: a, points: 2, label: {id: A, en: A}}
              - {code: b, points: 1, label: {id: B, en: B}}
    """
)
CH = "dimensions[0].sub_elements[0].indicators[0]"
NUM = "dimensions[0].sub_elements[1].indicators[0]"
CL = "dimensions[1].indicators[0]"


def test_sub_elements_and_answer_types_load():
    instrument = load_instrument(FEATURES, "features.yaml")

    governance, environment = instrument.dimensions
    assert [sub.code for sub in governance.sub_elements] == ["SVC", "POL"]
    assert [i.code for i in governance.indicators] == ["CH", "NUM"]  # flat, in order
    assert environment.sub_elements == ()
    assert governance.sub_elements[0].weight == Fraction(3)
    assert governance.sub_element_of("NUM") is governance.sub_elements[1]
    choice, number, checklist = instrument.indicators
    assert choice.answer_type == "choice" and choice.max_points == 3
    assert [(o.code, o.points) for o in choice.options] == [("0", 0), ("3", 3)]
    assert choice.levels == () and choice.applies_to == ("all",)
    assert number.answer_type == "number" and number.unit == Text("persen", "percent")
    assert (number.minimum, number.maximum, number.direction) == (0, 100, "higher_is_better")
    assert [(t.minimum, t.level) for t in number.thresholds] == [(0, 1), (50, 3), (90, 5)]
    assert number.level_numbers == (1, 3, 5)
    assert checklist.answer_type == "checklist"
    assert checklist.max_points == 3  # default: all items together
    assert checklist.applies_to == ("DLH", "dinas-teknis")
    assert checklist.evidence_hints == ((3, Text("SK", "Decree")),)
    assert checklist.expected_evidence(2) == () and len(checklist.expected_evidence(4)) == 1
    # an instrument without the new keys: every indicator is a level indicator for everyone
    assert {(i.answer_type, i.applies_to) for i in load_instrument(VALID).indicators} == {
        ("level", ("all",))
    }


FEATURE_CASES = [
    # (id, broken text, line, field, message fragment)
    (
        "unknown answer type",
        _replace(FEATURES, "answer_type: choice", "answer_type: choise"),
        14,
        f"{CH}.answer_type",
        "unknown answer type 'choise' (did you mean 'choice'?)",
    ),
    (
        "option points above max_points",
        _replace(FEATURES, '{code: "3", points: 3', '{code: "3", points: 4'),
        21,
        f"{CH}.options[1].points",
        "points 4 are above max_points 3",
    ),
    (
        "a choice needs two options",
        _replace(
            FEATURES, '              - {code: "0", points: 0, label: {id: Tidak, en: No}}\n', ""
        ),
        20,
        f"{CH}.options",
        "at least two options are required",
    ),
    (
        "duplicate option code",
        _replace(FEATURES, '{code: "3", points: 3', '{code: "0", points: 3'),
        21,
        f"{CH}.options[1].code",
        "duplicate option code '0' (first defined on line 20)",
    ),
    (
        "choice without max_points",
        _replace(FEATURES, "            max_points: 3\n", ""),
        13,
        f"{CH}.max_points",
        "required key 'max_points' is missing (a choice indicator)",
    ),
    (
        "thresholds not ascending",
        _replace(FEATURES, "{from: 90, level: 5}", "{from: 40, level: 5}"),
        38,
        f"{NUM}.thresholds[2].from",
        "thresholds must ascend: 40 is not above 50",
    ),
    (
        "first threshold not at the minimum",
        _replace(FEATURES, "{from: 0, level: 1}", "{from: 10, level: 1}"),
        36,
        f"{NUM}.thresholds[0].from",
        "the first threshold must start at the minimum 0",
    ),
    (
        "threshold above the maximum",
        _replace(FEATURES, "{from: 90, level: 5}", "{from: 120, level: 5}"),
        38,
        f"{NUM}.thresholds[2].from",
        "threshold 120 is above the maximum 100",
    ),
    (
        "threshold levels against the direction",
        _replace(FEATURES, "{from: 90, level: 5}", "{from: 90, level: 2}"),
        38,
        f"{NUM}.thresholds[2].level",
        "with higher_is_better the levels must ascend as the thresholds rise: 2 after 3",
    ),
    (
        "threshold level not a level",
        _replace(FEATURES, "{from: 90, level: 5}", "{from: 90, level: 6}"),
        38,
        f"{NUM}.thresholds[2].level",
        "level must be one of the levels (1 to 5), got '6'",
    ),
    (
        "number range empty",
        _replace(FEATURES, "maximum: 100", "maximum: 0"),
        33,
        f"{NUM}.maximum",
        "the number range is empty: maximum 0 is not above minimum 0",
    ),
    (
        "number minimum not a number",
        _replace(FEATURES, "minimum: 0", "minimum: low"),
        32,
        f"{NUM}.minimum",
        "minimum must be a number, got 'low'",
    ),
    (
        "unknown direction",
        _replace(FEATURES, "direction: higher_is_better", "direction: up"),
        34,
        f"{NUM}.direction",
        "direction must be higher_is_better or lower_is_better, got 'up'",
    ),
    (
        "number without unit",
        _replace(FEATURES, "            unit: {id: persen, en: percent}\n", ""),
        26,
        f"{NUM}.unit",
        "required key 'unit' is missing (a number indicator)",
    ),
    (
        "key of another answer type",
        _replace(FEATURES, "    minimum: 0\n", "    minimum: 0\n            max_points: 3\n"),
        33,
        f"{NUM}.max_points",
        "'max_points' is not used by number indicators (only by choice and checklist",
    ),
    (
        "levels on a checklist",
        _replace(
            FEATURES,
            "    weight: 1\n        applies_to",
            "    weight: 1\n        levels: {}\n        applies_to",
        ),
        48,
        f"{CL}.levels",
        "'levels' is not used by checklist indicators",
    ),
    (
        "checklist max_points above all items",
        _replace(FEATURES, "        items:\n", "        max_points: 5\n        items:\n"),
        51,
        f"{CL}.max_points",
        "max_points 5 is more than all items together (3)",
    ),
    (
        "checklist item worth nothing",
        _replace(FEATURES, "{code: b, points: 1", "{code: b, points: 0"),
        53,
        f"{CL}.items[1].points",
        "points must be a positive number, got '0'",
    ),
    (
        "sub-element weight",
        _replace(FEATURES, "weight: 3", "weight: 0"),
        11,
        "dimensions[0].sub_elements[0].weight",
        "weight must be a positive number, got '0'",
    ),
    (
        "duplicate sub-element code",
        _replace(FEATURES, "- code: POL", "- code: SVC"),
        22,
        "dimensions[0].sub_elements[1].code",
        "duplicate sub-element code 'SVC' (first defined on line 9)",
    ),
    (
        "duplicate indicator code across sub-elements",
        _replace(FEATURES, "- code: NUM", "- code: CH"),
        26,
        f"{NUM}.code",
        "duplicate indicator code 'CH' (first defined on line 13)",
    ),
    (
        "sub-element without indicators",
        FEATURES[: FEATURES.index("        indicators:\n          - code: NUM")]
        + "        indicators: []\n"
        + FEATURES[FEATURES.index("  - code: ENV") :],
        25,
        "dimensions[0].sub_elements[1].indicators",
        "at least one indicator is required",
    ),
    (
        "indicators and sub_elements together",
        _replace(FEATURES, "    weight: 2\n", "    weight: 2\n    indicators: []\n"),
        10,
        "dimensions[0].sub_elements",
        "either 'indicators' or 'sub_elements', not both",
    ),
    (
        "neither indicators nor sub_elements",
        FEATURES[: FEATURES.index("    indicators:\n      - code: CL")],
        39,
        "dimensions[1].indicators",
        "required key 'indicators' is missing (or 'sub_elements' grouping them)",
    ),
    (
        "applies_to empty",
        _replace(FEATURES, "applies_to: [DLH, dinas-teknis]", "applies_to: []"),
        48,
        f"{CL}.applies_to",
        "applies_to is empty",
    ),
    (
        "applies_to all with others",
        _replace(FEATURES, "applies_to: [DLH, dinas-teknis]", "applies_to: [all, DLH]"),
        48,
        f"{CL}.applies_to",
        "'all' already means every agency",
    ),
    (
        "applies_to duplicate",
        _replace(FEATURES, "applies_to: [DLH, dinas-teknis]", "applies_to: [DLH, DLH]"),
        48,
        f"{CL}.applies_to[1]",
        "duplicate agency or tag code 'DLH'",
    ),
    (
        "applies_to not a list",
        _replace(FEATURES, "applies_to: [DLH, dinas-teknis]", "applies_to: DLH"),
        48,
        f"{CL}.applies_to",
        "applies_to must be a list of agency codes or tags",
    ),
    (
        "evidence_by_level beyond the levels",
        _replace(FEATURES, "3: {id: SK, en: Decree}", "6: {id: SK, en: Decree}"),
        50,
        f"{CL}.evidence_by_level.6",
        "6 is not a level: the levels are 1 to 5",
    ),
    (
        "control character in a text",
        _replace(FEATURES, "{id: Uji, en: Test}", '{id: "Uji\\x07", en: Test}'),
        3,
        "title.id",
        "Indonesian text contains a control character",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [case[1:] for case in FEATURE_CASES],
    ids=[case[0] for case in FEATURE_CASES],
)
def test_each_feature_problem_is_located(text: str, line: int, field: str, fragment: str):
    problems = validate_instrument(text, "features.yaml")
    assert [(p.file, p.line, p.field) for p in problems] == [("features.yaml", line, field)], (
        problems
    )
    assert fragment in problems[0].message


def test_features_text_is_valid():
    assert validate_instrument(FEATURES) == []


def test_lower_is_better_thresholds_descend_in_level():
    text = _replace(FEATURES, "direction: higher_is_better", "direction: lower_is_better")
    located = [(p.line, p.field) for p in validate_instrument(text)]
    # each threshold whose level does not fall below the previous one is named
    assert located == [(37, f"{NUM}.thresholds[1].level"), (38, f"{NUM}.thresholds[2].level")]
    good = _replace(
        _replace(
            _replace(text, "level: 1}", "level: 5}"), "{from: 90, level: 5}", "{from: 90, level: 1}"
        ),
        "{from: 0, level: 5}",
        "{from: 0, level: 5}",
    )
    number = load_instrument(good).indicator("NUM")
    assert number is not None and [t.level for t in number.thresholds] == [5, 3, 1]


def test_weights_may_be_exact_ratios():
    instrument = load_instrument(_replace(FEATURES, "weight: 3", "weight: 1/3"))
    assert instrument.dimensions[0].sub_elements[0].weight == Fraction(1, 3)
    assert validate_instrument(_replace(FEATURES, "weight: 3", "weight: 1/0"))[0].field == (
        "dimensions[0].sub_elements[0].weight"
    )


# -- canonical YAML: dump -> load gives the same instrument --------------------------------------


@pytest.mark.parametrize("text", [VALID, WITH_BANDS, FEATURES], ids=["valid", "bands", "features"])
def test_dump_then_load_gives_the_same_instrument(text: str):
    instrument = load_instrument(text)
    dumped = dump_instrument(instrument)
    assert load_instrument(dumped, "dumped.yaml") == instrument
    assert dump_instrument(load_instrument(dumped)) == dumped  # canonical: a fixed point


def test_dump_writes_exact_numbers():
    instrument = load_instrument(_replace(VALID, "weight: 1.3", "weight: 1/3"))
    dumped = dump_instrument(instrument)
    assert "weight: 1/3" in dumped and "weight: 0.25" in dumped
    assert load_instrument(dumped).dimensions[0].weight == Fraction(1, 3)


# -- every problem in Bahasa Indonesia too ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [case[1] for case in CASES + FEATURE_CASES],
    ids=[case[0] for case in CASES + FEATURE_CASES],
)
def test_every_problem_has_its_indonesian(text: str):
    for problem in validate_instrument(text, "broken.yaml"):
        assert untranslated_keys(problem) == [], problem.message
        assert problem.text(indonesian) != problem.text()


def test_problem_reads_in_either_language():
    text = _replace(VALID, "weight: 1.3", "weight: [1]")
    (problem,) = validate_instrument(text, "a.yaml")
    assert (
        problem.located()
        == str(problem)
        == ("a.yaml:7: dimensions[0].weight: weight must be a positive number, got a list")
    )
    assert problem.located(indonesian) == (
        "a.yaml:7: dimensions[0].weight: weight harus berupa bilangan positif, "
        "ditemukan sebuah daftar"
    )
    duplicate = validate_instrument(_replace(VALID, "- code: ECO-01", "- code: GOV-01"))[0]
    assert duplicate.text(indonesian) == (
        "kode indikator 'GOV-01' ganda (pertama didefinisikan pada baris 9)"
    )
    assert Problem("a", 1, "", "something new").text(indonesian) == "something new"  # falls back
