"""An `Instrument` written as canonical YAML (`dump_instrument`): what the loader reads back
unchanged. Each answer type writes its own keys (`AnswerType.dump_yaml`)."""

from __future__ import annotations

from fractions import Fraction

import yaml

from .instrument import ALL_AGENCIES, LEVEL, Indicator, Instrument, Text
from .problems import show_number

__all__ = ["dump_instrument", "number_node", "text_data"]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class _Number(str):
    """A number already spelt exactly; written unquoted."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_number(dumper: yaml.SafeDumper, value: _Number) -> yaml.ScalarNode:
    if "/" in value:
        return dumper.represent_scalar(_STR, str(value))
    return dumper.represent_scalar(_INT if "." not in value else _FLOAT, str(value))


_Dumper.add_representer(_Number, _represent_number)


def number_node(value: Fraction) -> _Number:
    return _Number(show_number(value))


def text_data(text: Text) -> dict[str, str]:
    return {"id": text.id, "en": text.en}


def _indicator_data(indicator: Indicator) -> dict[str, object]:
    data: dict[str, object] = {"code": indicator.code}
    if indicator.answer_type != LEVEL:
        data["answer_type"] = indicator.answer_type
    data["question"] = text_data(indicator.question)
    data["explanation"] = text_data(indicator.explanation)
    data["weight"] = number_node(indicator.weight)
    if indicator.evaluation_dimension is not None:
        data["evaluation_dimension"] = indicator.evaluation_dimension
    if indicator.allow_not_applicable:
        data["allow_na"] = True
    if indicator.applies_to != (ALL_AGENCIES,):
        data["applies_to"] = list(indicator.applies_to)
    if indicator.evidence_hint is not None:
        data["evidence_hint"] = text_data(indicator.evidence_hint)
    if indicator.evidence_from_level is not None:
        data["evidence_from_level"] = indicator.evidence_from_level
    if indicator.evidence_hints:
        data["evidence_by_level"] = {n: text_data(text) for n, text in indicator.evidence_hints}
    data |= indicator.answer_kind.dump_yaml(indicator)
    if indicator.levels:
        data["levels"] = {n: text_data(text) for n, text in indicator.levels}
    return data


def _group_data(code: str, name: Text, weight: Fraction, description: Text | None) -> dict:
    data: dict[str, object] = {"code": code, "name": text_data(name)}
    if description is not None:
        data["description"] = text_data(description)
    data["weight"] = number_node(weight)
    return data


def dump_instrument(instrument: Instrument) -> str:
    """Canonical YAML of an instrument: `load_instrument(dump_instrument(i)) == i`.

    Defaults are written out (level names, bands, each indicator's evidence level), so the
    text is the same for equal instruments whatever file they came from; comments and
    YAML anchors of the original are not kept.
    """
    data: dict[str, object] = {
        "code": instrument.code,
        "version": instrument.version,
        "title": text_data(instrument.title),
    }
    if instrument.description is not None:
        data["description"] = text_data(instrument.description)
    data["level_names"] = {entry.level: text_data(entry.name) for entry in instrument.level_names}
    data["maturity_bands"] = [
        {"min": number_node(band.minimum), "level": band.level, "name": text_data(band.name)}
        for band in instrument.maturity_bands
    ]
    if instrument.evaluation_dimensions:
        data["evaluation_dimensions"] = [
            _group_data(entry.code, entry.name, entry.weight, entry.description)
            for entry in instrument.evaluation_dimensions
        ]
    dimensions = []
    for dimension in instrument.dimensions:
        entry = _group_data(dimension.code, dimension.name, dimension.weight, dimension.description)
        if dimension.sub_elements:
            entry["sub_elements"] = [
                {
                    **_group_data(sub.code, sub.name, sub.weight, sub.description),
                    "indicators": [_indicator_data(i) for i in sub.indicators],
                }
                for sub in dimension.sub_elements
            ]
        else:
            entry["indicators"] = [_indicator_data(i) for i in dimension.indicators]
        dimensions.append(entry)
    data["dimensions"] = dimensions
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, indent=2)
