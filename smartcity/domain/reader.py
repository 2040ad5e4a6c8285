"""The tools the instrument reader checks a node tree with, each problem reported with its file,
line and field (or cell): mappings and their keys, lists, two-language texts, codes, numbers,
levels, `applies_to`. The loader reads the questionnaire's structure with them, and each answer
type its own keys (`AnswerType.read_yaml` gets the reader).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import limits
from .instrument import ALL_AGENCIES, Option, Text, Threshold
from .messages import N_, Message, message
from .problems import Problem, show_number
from .yaml_nodes import (
    BOOL,
    CONSTRUCTOR,
    NULL,
    describe,
    did_you_mean,
    exact_number,
    join,
    level_list,
    line_of,
    where,
    whole_number,
)

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
LEVEL_RANGE = range(1, 6)

# characters a workbook cell cannot hold (tab, line feed and carriage return are fine)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

# (language, its key's messages): missing, empty, not a string, a control character
_LANGUAGES = (
    (
        "id",
        N_("Indonesian text 'id' is missing"),
        N_("Indonesian text 'id' is empty"),
        N_("Indonesian text must be a string, got %(got)s"),
        N_("Indonesian text contains a control character (e.g. from a paste)"),
    ),
    (
        "en",
        N_("English text 'en' is missing"),
        N_("English text 'en' is empty"),
        N_("English text must be a string, got %(got)s"),
        N_("English text contains a control character (e.g. from a paste)"),
    ),
)

# words that stand in messages ("duplicate indicator code ...", "at least one level ...")
KIND_WORDS = {
    "dimension": N_("dimension"),
    "evaluation dimension": N_("evaluation dimension"),
    "sub-element": N_("sub-element"),
    "indicator": N_("indicator"),
    "option": N_("option"),
    "item": N_("item"),
    "level": N_("level"),
    "band": N_("band"),
    "threshold": N_("threshold"),
    "agency or tag": N_("agency or tag"),
}

# `lengths`: the most characters the database stores per kind of code (domain/limits.py). A
# questionnaire already published is read with `lengths=None`: it was stored as it is.
Lengths = Mapping[str, int] | None


def kind_word(kind: str) -> Message:
    return message(KIND_WORDS[kind])


@dataclass(frozen=True)
class TypeParts:
    """What an indicator's answer type adds, and whether it was read without problems."""

    sound: bool = True
    options: tuple[Option, ...] = ()
    max_points: Fraction | None = None
    unit: Text | None = None
    minimum: Fraction | None = None
    maximum: Fraction | None = None
    thresholds: tuple[Threshold, ...] = ()
    direction: str | None = None


class Reader:
    """Collects the problems of one file while its parts are read."""

    def __init__(self, source: str, lengths: Lengths = limits.QUESTIONNAIRE):
        self.source = source
        self.lengths: Mapping[str, int] = lengths or {}
        self.problems: list[Problem] = []

    def report(self, at: Node | int | None, field: str, key: str, /, **params: Any) -> None:
        """A problem at a node (its line, or the cell a workbook node carries) or a line:
        `key` is the message (marked with `N_`), `params` its values."""
        cell = getattr(at.start_mark, "cell", None) if isinstance(at, Node) else None
        if cell is not None:
            self.problems.append(Problem(self.source, None, cell, key, tuple(params.items())))
            return
        line = line_of(at) if isinstance(at, Node) else at
        self.problems.append(Problem(self.source, line, field, key, tuple(params.items())))

    def sorted_problems(self) -> list[Problem]:
        # stable: problems on the same line keep the order in which they were found
        return sorted(self.problems, key=lambda problem: problem.line or 0)

    # -- plain helpers, handed over with the reader: an answer type reads its keys with what
    # `AnswerType.read_yaml` is given, never importing the loader (which imports the types)

    join = staticmethod(join)
    show_number = staticmethod(show_number)
    exact_number = staticmethod(exact_number)
    describe = staticmethod(describe)
    level_list = staticmethod(level_list)
    whole_number = staticmethod(whole_number)
    kind_word = staticmethod(kind_word)

    @staticmethod
    def is_scalar(node: Node) -> bool:
        return isinstance(node, ScalarNode)

    @staticmethod
    def parts(**parts: Any) -> TypeParts:
        return TypeParts(**parts)

    # -- mappings and lists -------------------------------------------------------------------

    def mapping(
        self,
        node: MappingNode,
        path: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...] = (),
    ) -> dict[str, Node]:
        """Known keys of a mapping; reports duplicate, unknown and missing required keys."""
        entries: dict[str, Node] = {}
        seen: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.report(
                    key, path, N_("keys must be plain names, got %(got)s"), got=describe(key)
                )
                continue
            name = key.value
            field = join(path, name)
            if name in seen:
                # PyYAML would silently keep the last value; the first is kept here
                self.report(
                    key,
                    field,
                    N_("duplicate key '%(key)s' (first on %(where)s)"),
                    key=name,
                    where=message(N_("line %(n)s"), n=seen[name]),
                )
                continue
            seen[name] = line_of(key)
            if name == "<<":
                self.report(
                    key, field, N_("merge keys ('<<') are not supported; write the keys out")
                )
                continue
            if name not in allowed:
                self.report(
                    key,
                    field,
                    N_("unknown key '%(key)s'%(hint)s"),
                    key=name,
                    hint=did_you_mean(name, allowed),
                )
                continue
            entries[name] = value
        for name in required:
            if name not in seen:
                self.report(
                    node, join(path, name), N_("required key '%(key)s' is missing"), key=name
                )
        return entries

    def sequence(self, node: Node, path: str, key: str, kind: str, minimum: int = 1) -> bool:
        """Whether `node` is a list of at least `minimum` (1, or 2 for options) items."""
        if not isinstance(node, SequenceNode):
            self.report(
                node, path, N_("%(key)s must be a list, got %(got)s"), key=key, got=describe(node)
            )
            return False
        if len(node.value) < minimum:
            if minimum == 1:
                self.report(
                    node, path, N_("at least one %(what)s is required"), what=kind_word(kind)
                )
            else:
                assert kind == "option", kind  # the only list that needs two
                self.report(node, path, N_("at least two options are required"))
            return False
        return True

    def mapping_items(
        self, node: SequenceNode, path: str, what: str, fields: str, keys: tuple[str, ...]
    ) -> Iterator[tuple[int, str, dict[str, Node]]]:
        """(index, path, entries) of each of the list's mappings; any other item is
        reported ("<what> must be a mapping (<fields>), got ...") and skipped. `what` is a
        marked key: "a band", "an option", ..."""
        for index, item in enumerate(node.value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, MappingNode):
                self.report(
                    item,
                    item_path,
                    N_("%(what)s must be a mapping (%(fields)s), got %(got)s"),
                    what=message(what),
                    fields=fields,
                    got=describe(item),
                )
                continue
            yield index, item_path, self.mapping(item, item_path, keys, keys)

    def non_empty_list(self, node: Node, path: str, key: str, kind: str, read, expected_levels):
        """A non-empty list whose every item `read` accepts; None (reported) otherwise."""
        if not self.sequence(node, path, key, kind):
            return None
        items = [
            read(item, f"{path}[{index}]", expected_levels) for index, item in enumerate(node.value)
        ]
        if any(item is None for item in items):
            return None
        return tuple(items)

    def unique(
        self, codes: dict[str, Message | str], code: str | None, node: Node, path: str, kind: str
    ) -> None:
        """Reports a code already seen among `codes` (code -> where it was first defined)."""
        if code is None:
            return
        if code in codes:
            self.report(
                node,
                path,
                N_("duplicate %(kind)s code '%(code)s' (first defined on %(where)s)"),
                kind=kind_word(kind),
                code=code,
                where=codes[code],
            )
        else:
            codes[code] = where(node)

    # -- values -------------------------------------------------------------------------------

    def text(self, node: Node, path: str) -> Text | None:
        if not isinstance(node, MappingNode):
            self.report(
                node,
                path,
                N_("must be a text in both languages ({id: ..., en: ...}), got %(got)s"),
                got=describe(node),
            )
            return None
        entries = self.mapping(node, path, ("id", "en"))
        values: dict[str, str] = {}
        for language, missing, empty, not_string, control in _LANGUAGES:
            field = join(path, language)
            value = entries.get(language)
            if value is None:
                self.report(node, field, missing)
                continue
            if not isinstance(value, ScalarNode):
                self.report(value, field, not_string, got=describe(value))
                continue
            if value.tag == NULL or not value.value.strip():
                self.report(value, field, empty)
                continue
            if _CONTROL.search(value.value):
                self.report(value, field, control)
                continue
            # any scalar is taken as written: "en: No" means the word, not false
            values[language] = value.value
        if len(values) != len(_LANGUAGES):
            return None
        return Text(id=values["id"], en=values["en"])

    def code(self, node: Node, path: str, kind: str = "") -> str | None:
        """A code as written, no longer than the database stores for its `kind`."""
        if not isinstance(node, ScalarNode):
            self.report(
                node, path, N_("code must be a short name, got %(got)s"), got=describe(node)
            )
            return None
        if node.tag == NULL or not node.value:
            self.report(node, path, N_("code is empty"))
            return None
        if not CODE_PATTERN.fullmatch(node.value):
            self.report(
                node,
                path,
                N_(
                    "invalid code '%(code)s': use letters, digits, '.', '-' and '_', "
                    "starting with a letter or digit"
                ),
                code=node.value,
            )
            return None
        too_long = N_("code is too long: %(n)s characters, at most %(limit)s: %(got)s")
        if self.too_long(node, path, kind, too_long):
            return None
        return node.value

    def too_long(self, node: ScalarNode, path: str, kind: str, key: str) -> bool:
        """Whether the value is longer than the database stores for `kind` (reported with
        `key`, which names its length, the limit and the value)."""
        limit = self.lengths.get(kind)
        if limit is None or len(node.value) <= limit:
            return False
        self.report(node, path, key, n=len(node.value), limit=limit, got=describe(node))
        return True

    def positive_number(self, node: Node, path: str, name: str) -> Fraction | None:
        """A number above 0 (a weight, max_points)."""
        value = exact_number(node)
        if value is None or value <= 0:
            self.report(
                node,
                path,
                N_("%(name)s must be a positive number, got %(got)s"),
                name=name,
                got=describe(node),
            )
            return None
        return value

    def number_from_zero(self, node: Node, path: str, name: str) -> Fraction | None:
        """A number of at least 0 (a band's min, an option's points)."""
        value = exact_number(node)
        if value is None or value < 0:
            self.report(
                node,
                path,
                N_("%(name)s must be a number of at least %(n)s, got %(got)s"),
                name=name,
                n=0,
                got=describe(node),
            )
            return None
        return value

    def true_or_false(self, node: Node, path: str, name: str) -> bool | None:
        if not isinstance(node, ScalarNode) or node.tag != BOOL:
            self.report(
                node,
                path,
                N_("%(name)s must be true or false, got %(got)s"),
                name=name,
                got=describe(node),
            )
            return None
        return bool(CONSTRUCTOR.construct_yaml_bool(node))

    def applies_to(self, node: Node, path: str) -> tuple[str, ...] | None:
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                path,
                N_("applies_to must be a list of agency codes or tags (e.g. [all]), got %(got)s"),
                got=describe(node),
            )
            return None
        if not node.value:
            self.report(node, path, N_("applies_to is empty: list agency codes or tags, or 'all'"))
            return None
        before = len(self.problems)
        seen: dict[str, Message | str] = {}
        for index, item in enumerate(node.value):
            code = self.code(item, f"{path}[{index}]")
            self.unique(seen, code, item, f"{path}[{index}]", "agency or tag")
        if ALL_AGENCIES in seen and len(node.value) > 1:
            self.report(
                node,
                path,
                N_("'%(all)s' already means every agency: list nothing else with it"),
                all=ALL_AGENCIES,
            )
        if len(self.problems) > before:
            return None
        return tuple(seen)
