"""The checklist answer: any of the indicator's items, each worth points; `max_points` of
them give the full score. An empty set is an answer (nothing ticked), None is none."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..instrument import SCALE, AnswerMismatch, AnswerValue
from ..messages import N_
from .base import StoredValue, Translate, number_display
from .options import OptionsAnswer

if TYPE_CHECKING:
    from ..instrument import Indicator

# the form's box "none of these is in place": an answer with nothing ticked
NOTHING_TICKED = ""


class ChecklistAnswer(OptionsAnswer):
    name = "checklist"
    field = "checked"
    options_key = "items"
    option_kind = "item"
    an_option = N_("an item")
    positive_points = True
    widget = "checkboxes"
    keys = ("items", "max_points")
    required = ("items",)

    def score(self, indicator: Indicator, value: AnswerValue) -> Fraction | None:
        if value.checked is None:
            return None
        unknown = sorted(set(value.checked) - {item.code for item in indicator.options})
        if unknown or indicator.max_points is None:
            raise AnswerMismatch(f"{', '.join(unknown)} not an item of {indicator.code}")
        ticked = sum(
            (item.points for item in indicator.options if item.code in value.checked),
            Fraction(0),
        )
        return min(ticked, indicator.max_points) / indicator.max_points * SCALE

    def mismatch(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        known = {item.code for item in indicator.options}
        unknown = ", ".join(sorted((value.checked or frozenset()) - known))
        return _("%(items)s: not an item of %(code)s.", items=unknown, code=indicator.code)

    def describe(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        """ "Sensor kualitas air, Dasbor publik (3/4)": the ticked items and their points."""
        ticked = [item for item in indicator.options if item.code in (value.checked or ())]
        names = ", ".join(item.label.get(language) for item in ticked) or _("none of these")
        points = sum((item.points for item in ticked), Fraction(0))
        top = indicator.max_points
        shown_top = number_display(top, language) if top is not None else "-"
        return f"{names} ({number_display(points, language)}/{shown_top})"

    def data(self, value: AnswerValue) -> str:
        return ",".join(sorted(value.checked)) if value.checked is not None else ""

    def evidence_rule(self, indicator: Indicator) -> dict[str, Any]:
        assert indicator.max_points is not None and indicator.evidence_from_level is not None
        return {
            "type": self.name,
            "points": {item.code: float(item.points) for item in indicator.options},
            # the ticked points that reach the level: score = points / max x 5
            "needed": float(indicator.max_points * indicator.evidence_from_level / SCALE),
        }

    def to_column(self, part: Any) -> Any:
        """Item codes joined by "," ("" = nothing ticked, None = no answer)."""
        return None if part is None else ",".join(sorted(part))

    def from_column(self, stored: Any) -> Any:
        if stored is None:
            return None
        return frozenset(code for code in stored.split(",") if code)

    def from_form(self, raw: Any) -> Any:
        ticked = list(raw or [])
        if not ticked:
            return None
        return frozenset(code for code in ticked if code != NOTHING_TICKED)

    def form_value(self, value: AnswerValue, language: str) -> Any:
        if value.checked is None:
            return []
        return sorted(value.checked) or [NOTHING_TICKED]

    def from_json(self, raw: Any) -> Any:
        return None if raw is None else frozenset(item for item in raw if item)

    def json_ok(self, raw: Any) -> bool:
        return raw is None or (isinstance(raw, list) and all(isinstance(i, str) for i in raw))

    def to_json(self, stored: StoredValue) -> Any:
        items = self.from_column(stored.checked)
        return None if items is None else sorted(items)

    def read_yaml(
        self, reader: Any, entries: dict[str, Any], path: str, expected_levels: Any
    ) -> Any:
        """The items of a checklist and the points of a full score."""
        items = None
        if "items" in entries:
            items = self.read_options(reader, entries["items"], reader.join(path, "items"))
        total = sum((item.points for item, _ in items or ()), Fraction(0))
        max_points: Fraction | None = total if items else None
        sound = items is not None
        if "max_points" in entries:
            max_node = entries["max_points"]
            max_path = reader.join(path, "max_points")
            max_points = reader.positive_number(max_node, max_path, "max_points")
            if max_points is None:
                sound = False
            elif items is not None and max_points > total:
                reader.report(
                    max_node,
                    max_path,
                    N_(
                        "max_points %(max)s is more than all items together (%(total)s): "
                        "a full score would be impossible"
                    ),
                    max=reader.show_number(max_points),
                    total=reader.show_number(total),
                )
                sound = False
        return reader.parts(
            sound=sound,
            options=tuple(item for item, _ in items or ()),
            max_points=max_points,
        )


TYPE = ChecklistAnswer()
