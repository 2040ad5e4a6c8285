"""The YAML layer under the instrument reader: composing text into a node tree (aliases capped),
and what a node holds: its place, an exact number, and how a message shows its value.

The workbook reader builds the same nodes from cells, so both formats share every rule.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .messages import N_, Message, message

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"

# ASCII only: Decimal() would also accept NaN, Infinity and non-Latin digits.
_DECIMAL = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?")
# an exact ratio such as 1/3 (what `dump_instrument` writes for a non-decimal weight)
_RATIO = re.compile(r"([-+]?[0-9]{1,30})/([0-9]{1,30})")
# Fraction(Decimal("1e999999999")) would build a gigantic integer; no real weight is that large.
_MAX_EXPONENT = 30

# longest value quoted back in a message
_SHOWN = 40

# YAML aliases (*name) repeat a value written once: a few are handy, but a thousand aliases to
# lists of aliases expand to billions of entries (a "billion laughs" file of 1.5 KB). What all
# aliases together add to the written entries is capped; no questionnaire comes near it.
MAX_ALIAS_EXPANSION = 20_000

# Only used for YAML's own int syntax (hex, octal, 1_000, 1:30); it needs no loader state.
CONSTRUCTOR = SafeConstructor()


class Uncomposed(Exception):
    """The text is no usable YAML document: `line` (or None) and what is wrong."""

    def __init__(self, line: int | None, problem: Message):
        super().__init__(problem.text())
        self.line = line
        self.problem = problem


def compose(text: str) -> Node:
    """The node tree of YAML text; `Uncomposed` for invalid YAML, an empty document, or aliases
    that loop or would repeat more than `MAX_ALIAS_EXPANSION` entries."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        detail = (
            f"unacceptable character #x{error.character:04x} ({error.reason})"
            if isinstance(error.character, int)
            else error.reason
        )
        raise Uncomposed(line, message(N_("invalid YAML: %(detail)s"), detail=detail)) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        detail = "; ".join(part for part in (error.context, error.problem) if part)
        raise Uncomposed(
            mark.line + 1 if mark else None,
            message(N_("invalid YAML: %(detail)s"), detail=detail),
        ) from None
    except yaml.YAMLError as error:
        raise Uncomposed(None, message(N_("invalid YAML: %(detail)s"), detail=str(error))) from None
    except RecursionError:
        raise Uncomposed(
            None, message(N_("invalid YAML: %(detail)s"), detail="nested too deeply")
        ) from None
    if root is None:
        raise Uncomposed(None, message(N_("the file is empty; expected an instrument mapping")))
    written, expanded = _entry_counts(root)
    if expanded is None:
        raise Uncomposed(
            None, message(N_("an alias (*name) refers to a value that contains it (a loop)"))
        )
    if expanded - written > MAX_ALIAS_EXPANSION:
        raise Uncomposed(
            None,
            message(
                N_(
                    "the aliases (*name) repeat more than %(n)s entries: write the values out "
                    "instead"
                ),
                n=MAX_ALIAS_EXPANSION,
            ),
        )
    return root


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


def where(node: Node) -> Message | str:
    """Where a node was written, for "first defined on ..." messages: a line or a cell."""
    cell = getattr(node.start_mark, "cell", None)
    return str(cell) if cell is not None else message(N_("line %(n)s"), n=line_of(node))


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def describe(node: Node) -> Message | str:
    """A node's value as a message quotes it ("got ..."): 'text', a mapping, nothing."""
    if isinstance(node, MappingNode):
        return message(N_("a mapping"))
    if isinstance(node, SequenceNode):
        return message(N_("a list"))
    if node.tag == NULL and node.value in ("", "~"):
        return message(N_("nothing"))
    text = node.value.replace("\n", "\\n")
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 3] + "..."
    if node.style in ("'", '"'):
        return message(N_("the quoted text '%(text)s'"), text=text)
    return f"'{text}'"


def exact_number(node: Node) -> Fraction | None:
    """The exact value of a YAML number; None for anything else (text, bool, NaN, inf)."""
    if not isinstance(node, ScalarNode):
        return None
    if node.tag == INT:
        try:
            return Fraction(CONSTRUCTOR.construct_yaml_int(node))
        except ValueError:
            return None
    if node.tag == STR and node.style is None:
        ratio = _RATIO.fullmatch(node.value)
        if ratio:
            denominator = int(ratio.group(2))
            return Fraction(int(ratio.group(1)), denominator) if denominator else None
    # An unquoted scalar such as 1e3 is a string to YAML 1.1 but plainly meant as a number.
    if node.tag == FLOAT or (node.tag == STR and node.style is None):
        if not _DECIMAL.fullmatch(node.value):
            return None
        try:
            value = Decimal(node.value)
        except InvalidOperation:
            return None
        if abs(value.adjusted()) > _MAX_EXPONENT:
            return None
        return Fraction(value)
    return None


def whole_number(node: Node) -> int | None:
    if isinstance(node, ScalarNode) and node.tag == INT:
        try:
            return int(CONSTRUCTOR.construct_yaml_int(node))
        except ValueError:
            return None
    return None


def level_list(levels: Iterable[int]) -> Message | str:
    """ "1 to 5" for a run of levels, else "1, 2, 4"."""
    ordered = sorted(levels)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return message(N_("%(first)s to %(last)s"), first=ordered[0], last=ordered[-1])
    return ", ".join(str(level) for level in ordered)


def did_you_mean(name: str, known: Iterable[str]) -> Message | str:
    """ " (did you mean 'x'?)" when a known name is close to `name`, else ""."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return message(N_(" (did you mean '%(name)s'?)"), name=close[0]) if close else ""


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _entry_counts(root: Node) -> tuple[int, int | None]:
    """(nodes written, nodes once every alias is expanded; None for an alias loop).

    Linear in the nodes written: each is counted once and its expanded size remembered (capped
    at a billion, so the numbers never grow with the expansion).
    """
    cap = 10**9
    sizes: dict[int, int] = {}
    started: set[int] = set()  # nodes whose children are being counted: the current path
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            started.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            sizes[key] = min(total, cap)
            continue
        if key in sizes:
            continue
        started.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in started:
                return len(sizes), None
            if id(child) not in sizes:
                stack.append((child, False))
    return len(sizes), sizes[id(root)]
