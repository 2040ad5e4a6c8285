"""Reading what dimensions, sub-elements and evaluation dimensions share (a mapping with a
code, a name, a weight), and the second axis: the evaluation dimensions an instrument declares
(Baseline, Output, ...) and the one each indicator names. `loader._InstrumentReader` builds on
this; docs/INSTRUMENT_FORMAT.md describes the keys."""

from __future__ import annotations

from fractions import Fraction

from yaml.nodes import MappingNode, Node, SequenceNode

from . import limits
from .instrument import EvaluationDimension
from .level_reader import LevelReader
from .messages import N_, Message
from .reader import Lengths
from .yaml_nodes import describe, did_you_mean, join

# the second axis (Baseline, Output, ...): declared at the top level, named by every indicator
EVALUATION_DIMENSION_REQUIRED = ("code", "name", "weight")
EVALUATION_DIMENSION_KEYS = (*EVALUATION_DIMENSION_REQUIRED, "description")

# how dimensions and sub-elements are named where a message says "a ... must be a mapping"
_A_GROUP = {
    "dimension": N_("a dimension"),
    "sub-element": N_("a sub-element"),
    "evaluation dimension": N_("an evaluation dimension"),
}


class GroupReader(LevelReader):
    """A questionnaire's groups and its second axis, on top of the level reading."""

    def __init__(self, source: str, lengths: Lengths = limits.QUESTIONNAIRE):
        super().__init__(source, lengths)
        # the second axis: declared codes -> where (None: the instrument declares none), the
        # code nodes to point at when one has no indicator, whether every code could be read
        # (else an indicator's code is not judged: it would only echo that problem), and the
        # codes the indicators name
        self.evaluation_codes: dict[str, Message | str] | None = None
        self.evaluation_nodes: dict[str, tuple[Node, str]] = {}
        self.evaluation_listed = True
        self.evaluation_named: set[str] = set()

    def _group_header(self, node: Node, path: str, kind: str, keys, required, codes):
        """What dimensions and sub-elements share: a mapping with a unique code, a name, an
        optional description and a weight; None (reported) when the node is no mapping."""
        if not isinstance(node, MappingNode):
            self.report(
                node,
                path,
                N_("%(what)s must be a mapping, got %(got)s"),
                what=Message(_A_GROUP[kind]),
                got=describe(node),
            )
            return None
        entries = self.mapping(node, path, keys, required)
        code = None
        if "code" in entries:
            code_path = join(path, "code")
            # dimension codes are stored with every agency's dimensions; sub-element codes nowhere
            code = self.code(entries["code"], code_path, kind)
            self.unique(codes, code, entries["code"], code_path, kind)
        name = self.text(entries["name"], join(path, "name")) if "name" in entries else None
        description = None
        if "description" in entries:
            description = self.text(entries["description"], join(path, "description"))
        weight = self._weight(entries, path)
        return entries, code, name, description, weight

    def _weight(self, entries: dict[str, Node], path: str) -> Fraction | None:
        if "weight" not in entries:
            return None
        return self.positive_number(entries["weight"], join(path, "weight"), "weight")

    # -- evaluation dimensions (the second axis) -------------------------------------------

    def _evaluation_dimensions(self, node: Node) -> tuple[EvaluationDimension, ...] | None:
        self.evaluation_codes = {}
        path = "evaluation_dimensions"
        if not isinstance(node, SequenceNode) or not node.value:
            self.evaluation_listed = False  # reported by non_empty_list
        return self.non_empty_list(
            node, path, path, "evaluation dimension", self._evaluation_dimension, None
        )

    def _evaluation_dimension(self, node: Node, path: str, _levels) -> EvaluationDimension | None:
        codes = self.evaluation_codes if self.evaluation_codes is not None else {}
        header = self._group_header(
            node,
            path,
            "evaluation dimension",
            EVALUATION_DIMENSION_KEYS,
            EVALUATION_DIMENSION_REQUIRED,
            codes,
        )
        if header is None:
            self.evaluation_listed = False
            return None
        entries, code, name, description, weight = header
        if code is None:
            self.evaluation_listed = False
            return None
        self.evaluation_nodes.setdefault(code, (entries["code"], join(path, "code")))
        if name is None or weight is None:
            return None
        return EvaluationDimension(code=code, name=name, weight=weight, description=description)

    def _indicator_evaluation_dimension(
        self, node: Node, entries: dict[str, Node], path: str
    ) -> tuple[bool, str | None]:
        """(read without problems, the code) of an indicator's `evaluation_dimension`."""
        field = join(path, "evaluation_dimension")
        declared = self.evaluation_codes
        if "evaluation_dimension" not in entries:
            if declared is None:
                return True, None
            if declared:  # with no code read, the list's own problem says it all
                self.report(
                    node,
                    field,
                    N_(
                        "required key 'evaluation_dimension' is missing: the instrument "
                        "declares evaluation dimensions (%(codes)s)"
                    ),
                    codes=", ".join(declared),
                )
            return False, None
        value = entries["evaluation_dimension"]
        if declared is None:
            self.report(
                value,
                field,
                N_(
                    "the instrument declares no evaluation dimensions: add "
                    "'evaluation_dimensions' at the top level or remove this key"
                ),
            )
            return False, None
        code = self.code(value, field, "evaluation dimension")
        if code is None:
            return False, None
        self.evaluation_named.add(code)
        if self.evaluation_listed and code not in declared:
            self.report(
                value,
                field,
                N_(
                    "unknown evaluation dimension '%(code)s'%(hint)s: "
                    "the instrument declares %(codes)s"
                ),
                code=code,
                hint=did_you_mean(code, declared),
                codes=", ".join(declared),
            )
            return False, None
        return True, code

    def _unnamed_evaluation_dimensions(self) -> None:
        """Reports a declared evaluation dimension that no indicator names (it could never
        have an index, and the overall index would quietly renormalise without it)."""
        if self.evaluation_codes is None or not self.evaluation_listed:
            return
        for code, (node, field) in self.evaluation_nodes.items():
            if code not in self.evaluation_named:
                self.report(
                    node,
                    field,
                    N_(
                        "evaluation dimension '%(code)s' has no indicator: name it on at least "
                        "one indicator ('evaluation_dimension: %(code)s') or remove it"
                    ),
                    code=code,
                )
