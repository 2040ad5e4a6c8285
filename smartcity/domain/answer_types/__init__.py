"""Answer types: one module per kind of answer (level, choice, checklist, number), each an
`AnswerType`; `REGISTRY` finds them by the name the questionnaire uses (`answer_type`).

A new type is a module here with an `AnswerType` subclass, its entry in `REGISTRY`, its
template `templates/assessment/answer_types/<name>.html` and its tests.
"""

from __future__ import annotations

from ..instrument import ANSWER_KINDS
from . import checklist, choice, level, number
from .base import (
    AnswerType,
    StoredValue,
    Translate,
    decimal_text,
    number_display,
    untranslated,
)

REGISTRY: dict[str, AnswerType] = {
    kind.name: kind for kind in (level.TYPE, choice.TYPE, checklist.TYPE, number.TYPE)
}
# the questionnaire's indicators find their type here (instrument.ANSWER_KINDS)
ANSWER_KINDS.update(REGISTRY)

__all__ = [
    "REGISTRY",
    "AnswerType",
    "StoredValue",
    "Translate",
    "answer_type",
    "decimal_text",
    "number_display",
    "untranslated",
]


def answer_type(name: str) -> AnswerType:
    """The answer type of this name (KeyError for one that does not exist)."""
    return REGISTRY[name]
