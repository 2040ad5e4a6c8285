"""What the choice and checklist answers share: a list of options (checklist "items"), each a
code, a label and points, read from the questionnaire with `max_points` and written back."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from ..instrument import Option
from .base import AnswerType

if TYPE_CHECKING:
    from ..instrument import Indicator

OPTION_KEYS = ("code", "label", "points")


class OptionsAnswer(AnswerType):
    """An answer among the indicator's options (`options_key`), each worth points."""

    # the word for one option in the questionnaire's messages ("option", "item")
    option_kind: ClassVar[str]
    # "an option must be a mapping ...": the marked key that names one
    an_option: ClassVar[str]
    # whether every option must be worth something (a checklist item must)
    positive_points: ClassVar[bool] = False
    # how many options the list needs at least
    fewest: ClassVar[int] = 1

    def read_options(
        self, reader: Any, node: Any, path: str
    ) -> tuple[tuple[Option, Any], ...] | None:
        """The options, each with the node of its points; None when any is unsound."""
        if not reader.sequence(node, path, self.options_key, self.option_kind, self.fewest):
            return None
        before = len(reader.problems)
        codes: dict[str, Any] = {}
        result: list[tuple[Option, Any]] = []
        for _index, item_path, entries in reader.mapping_items(
            node, path, self.an_option, "code, label, points", OPTION_KEYS
        ):
            code = None
            if "code" in entries:
                code_path = reader.join(item_path, "code")
                # a chosen option's code is stored as the answer; checklist items as one text
                code = reader.code(entries["code"], code_path, self.option_kind)
                reader.unique(codes, code, entries["code"], code_path, self.option_kind)
            label = (
                reader.text(entries["label"], reader.join(item_path, "label"))
                if "label" in entries
                else None
            )
            points = None
            if "points" in entries:
                points = self._points(reader, entries["points"], reader.join(item_path, "points"))
            if code is not None and label is not None and points is not None:
                result.append((Option(code, label, points), entries["points"]))
        if len(reader.problems) > before:
            return None
        return tuple(result)

    def _points(self, reader: Any, node: Any, path: str) -> Fraction | None:
        if self.positive_points:
            return reader.positive_number(node, path, "points")
        return reader.number_from_zero(node, path, "points")

    def dump_yaml(self, indicator: Indicator) -> dict[str, object]:
        from .. import yaml_writer  # writes with the answer types

        data: dict[str, object] = {}
        if indicator.max_points is not None:
            data["max_points"] = yaml_writer.number_node(indicator.max_points)
        data[self.options_key] = [
            {
                "code": o.code,
                "label": yaml_writer.text_data(o.label),
                "points": yaml_writer.number_node(o.points),
            }
            for o in indicator.options
        ]
        return data
