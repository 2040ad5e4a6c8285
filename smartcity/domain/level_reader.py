"""Reading the instrument's scale: the level names and maturity bands of the whole
questionnaire, and what each indicator says per level (its level texts, the evidence it asks
for, from which level evidence is needed). `LevelReader` adds these to the `Reader`'s tools.
"""

from __future__ import annotations

from fractions import Fraction

from yaml.nodes import MappingNode, Node, ScalarNode

from .instrument import LevelName, MaturityBand, Text
from .messages import N_, Message
from .reader import LEVEL_RANGE, Reader
from .yaml_nodes import NULL, describe, join, level_list, where, whole_number

BAND_KEYS = ("min", "level", "name")


class LevelReader(Reader):
    """The reader's tools for levels and bands."""

    def level_mapping(self, node: MappingNode, path: str) -> list[tuple[int, Node, Node]]:
        """(level, key node, value node) of a mapping keyed by level number, duplicates reported."""
        result: list[tuple[int, Node, Node]] = []
        seen: dict[int, Message | str] = {}
        for key, value in node.value:
            number = whole_number(key)
            label = key.value if isinstance(key, ScalarNode) else "?"
            if number is None:
                self.report(
                    key,
                    join(path, str(label)),
                    N_("level must be a whole number, got %(got)s"),
                    got=describe(key),
                )
                continue
            field = join(path, str(number))
            if number in seen:
                self.report(
                    key,
                    field,
                    N_("duplicate level %(n)s (first on %(where)s)"),
                    n=number,
                    where=seen[number],
                )
                continue
            seen[number] = where(key)
            result.append((number, key, value))
        return result

    def level_texts_mapping(self, node: Node, path: str, key: str) -> bool:
        """Whether `node` (the value of `key`) maps level numbers to texts; reported if not."""
        if isinstance(node, MappingNode):
            return True
        self.report(
            node,
            path,
            N_("%(key)s must be a mapping of level number to text, got %(got)s"),
            key=key,
            got=describe(node),
        )
        return False

    def evidence_level(self, node: Node, path: str, levels: frozenset[int] | None) -> int | None:
        """A level from which answers need evidence; None (null) for never."""
        if isinstance(node, ScalarNode) and node.tag == NULL:
            return None
        number = whole_number(node)
        allowed = levels if levels else frozenset(LEVEL_RANGE)
        if number is None:
            self.report(
                node,
                path,
                N_(
                    "evidence_from_level must be a level number (%(levels)s) or null for never, "
                    "got %(got)s"
                ),
                levels=level_list(allowed),
                got=describe(node),
            )
            return None
        if number not in allowed:
            self.report(
                node,
                path,
                N_("evidence_from_level %(n)s is not a level: the levels are %(levels)s"),
                n=number,
                levels=level_list(allowed),
            )
            return None
        return number

    def evidence_by_level(
        self, node: Node, path: str, levels: frozenset[int] | None
    ) -> tuple[tuple[int, Text], ...] | None:
        if not self.level_texts_mapping(node, path, "evidence_by_level"):
            return None
        allowed = levels if levels else frozenset(LEVEL_RANGE)
        before = len(self.problems)
        hints: list[tuple[int, Text]] = []
        for number, key, value in self.level_mapping(node, path):
            field = join(path, str(number))
            if number not in allowed:
                self.report(
                    key,
                    field,
                    N_("%(n)s is not a level: the levels are %(levels)s"),
                    n=number,
                    levels=level_list(allowed),
                )
                continue
            text = self.text(value, field)
            if text is not None:
                hints.append((number, text))
        if len(self.problems) > before:
            return None
        return tuple(sorted(hints, key=lambda entry: entry[0]))

    def levels(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> tuple[tuple[int, Text], ...] | None:
        """An indicator's level texts: exactly the instrument's levels."""
        if not self.level_texts_mapping(node, path, "levels"):
            return None
        before = len(self.problems)
        levels: list[tuple[int, Text]] = []
        present: set[int] = set()
        for number, key, value in self.level_mapping(node, path):
            field = join(path, str(number))
            present.add(number)
            if expected_levels is not None and number not in expected_levels:
                self.report(
                    key,
                    field,
                    N_("extra level %(n)s: the instrument's levels are %(levels)s"),
                    n=number,
                    levels=level_list(expected_levels),
                )
                continue
            if expected_levels is None and number not in LEVEL_RANGE:
                self.report(
                    key,
                    field,
                    N_("level must be a whole number from 1 to 5, got %(got)s"),
                    got=number,
                )
                continue
            text = self.text(value, field)
            if text is not None:
                levels.append((number, text))
        for number in sorted((expected_levels or frozenset()) - present):
            self.report(node, join(path, str(number)), N_("level %(n)s is missing"), n=number)
        if len(self.problems) > before:
            return None
        return tuple(sorted(levels, key=lambda entry: entry[0]))

    def level_names(self, node: Node) -> tuple[tuple[LevelName, ...] | None, frozenset[int] | None]:
        """The level names and the level set every indicator must match (None if unusable)."""
        path = "level_names"
        if not self.level_texts_mapping(node, path, path):
            return None, None
        before = len(self.problems)
        entries = self.level_mapping(node, path)
        sound_keys = len(self.problems) == before
        names: list[LevelName] = []
        for number, key, value in entries:
            field = join(path, str(number))
            if number not in LEVEL_RANGE:
                self.report(
                    key,
                    field,
                    N_("level must be a whole number from 1 to 5, got %(got)s"),
                    got=number,
                )
                sound_keys = False
                continue
            text = self.text(value, field)
            if text is not None:
                names.append(LevelName(number, text))
        numbers = sorted(number for number, _, _ in entries if number in LEVEL_RANGE)
        if not node.value:
            self.report(
                node, path, N_("at least one %(what)s is required"), what=self.kind_word("level")
            )
        elif numbers and numbers != list(range(1, len(numbers) + 1)):
            self.report(
                node,
                path,
                N_("level numbers must be consecutive from 1, got %(got)s"),
                got=", ".join(map(str, numbers)),
            )
            sound_keys = False
        # checking indicators against a broken level set would only echo this problem
        expected = frozenset(numbers) if sound_keys and numbers else None
        if len(self.problems) > before:
            return None, expected
        return tuple(sorted(names, key=lambda entry: entry.level)), expected

    def bands(self, node: Node, path: str) -> tuple[MaturityBand, ...] | None:
        if not self.sequence(node, path, "maturity_bands", "band"):
            return None
        before = len(self.problems)
        bands: list[MaturityBand] = []
        previous_min: tuple[Fraction, str] | None = None
        previous_level: tuple[int, str] | None = None
        for index, band_path, entries in self.mapping_items(
            node, path, N_("a band"), "min, level, name", BAND_KEYS
        ):
            minimum = level = None
            if "min" in entries:
                min_node = entries["min"]
                min_path = join(band_path, "min")
                minimum = self.number_from_zero(min_node, min_path, "min")
                if minimum is not None:
                    self._band_minimum(min_node, min_path, minimum, index, previous_min)
                if minimum is not None and isinstance(min_node, ScalarNode):
                    previous_min = (minimum, min_node.value)
            if "level" in entries:
                level_node = entries["level"]
                level_path = join(band_path, "level")
                level = whole_number(level_node)
                if level is None or level not in LEVEL_RANGE:
                    self.report(
                        level_node,
                        level_path,
                        N_("level must be a whole number from 1 to 5, got %(got)s"),
                        got=describe(level_node),
                    )
                    level = None
                elif previous_level is not None and level <= previous_level[0]:
                    self.report(
                        level_node,
                        level_path,
                        N_("band levels must ascend: %(this)s is not above %(last)s"),
                        this=level,
                        last=previous_level[0],
                    )
                if level is not None:
                    previous_level = (level, band_path)
            name = (
                self.text(entries["name"], join(band_path, "name")) if "name" in entries else None
            )
            if minimum is not None and level is not None and name is not None:
                bands.append(MaturityBand(minimum, level, name))
        if len(self.problems) > before:
            return None
        return tuple(bands)

    def _band_minimum(
        self,
        node: Node,
        path: str,
        minimum: Fraction,
        index: int,
        previous: tuple[Fraction, str] | None,
    ) -> None:
        """Reports a band minimum out of place: the first must be 0, the others ascend."""
        if index == 0 and minimum != 0:
            self.report(node, path, N_("bands must start at 0, got '%(got)s'"), got=node.value)
        elif previous is not None and minimum <= previous[0]:
            self.report(
                node,
                path,
                N_("band minimums must ascend: '%(this)s' is not above '%(last)s'"),
                this=node.value,
                last=previous[1],
            )
