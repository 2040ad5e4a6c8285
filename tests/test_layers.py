"""The layers hold: a framework-free domain core, and no import loops among the app's modules.

Both are read from the code itself: every module of `smartcity.domain` is imported alone in a
fresh interpreter, and the imports of every module (also those inside functions) are parsed.
"""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import smartcity.domain

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "smartcity"

# what the domain core must never pull in, directly or through another module
FRAMEWORKS = ("flask", "flask_", "sqlalchemy", "werkzeug", "weasyprint", "pyhanko")

DOMAIN_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(smartcity.domain.__path__, prefix="smartcity.domain.")
)


def test_the_domain_has_modules_to_check():
    assert "smartcity.domain.scoring" in DOMAIN_MODULES
    assert "smartcity.domain.instrument" in DOMAIN_MODULES


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_a_domain_module_imports_no_framework(module):
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        f"prefixes = {FRAMEWORKS!r}\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "bad = sorted(n for n in loaded if n in prefixes or n.startswith('flask_'))\n"
        "print(' '.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.split() == [], f"{module} imports {result.stdout.strip()}"


# --- import loops -------------------------------------------------------------------------------


def module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the app by its dotted name (a package by its __init__.py)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The app's modules that `name` imports anywhere in its file (also inside functions and
    `if TYPE_CHECKING:`), each with the line of its first import."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names if alias.name in modules]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    targets.append(submodule)
                elif base in modules:
                    targets.append(base)
        for target in targets:
            if target != name:
                found.setdefault(target, node.lineno)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, dict[str, int]]:
    modules = module_files(package)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One loop of imports (a list of modules whose last imports the first), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target) :]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    steps = zip(cycle, [*cycle[1:], cycle[0]], strict=True)
    return "; ".join(f"{a} imports {b} (line {graph[a][b]})" for a, b in steps)


def test_the_import_graph_sees_imports_inside_functions():
    graph = import_graph()
    # `flask print-worker` and the RQ jobs build their app in the worker module
    assert "smartcity.factory" in graph["smartcity.worker"]
    assert "smartcity.services.workflow" in graph["smartcity.views.confirm"]
    assert find_cycle({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}}) == ["a", "b", "c"]
    assert find_cycle({"a": {"b": 1}, "b": {}}) is None


def test_no_module_of_the_app_imports_itself_through_others():
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import loop: " + describe(cycle, graph)


# --- views leave the database to the services ---------------------------------------------------


def database_uses(path: Path) -> list[str]:
    """Where a module imports the database handle `db` or calls a commit itself."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and any(alias.name == "db" for alias in node.names):
            found.append(f"line {node.lineno}: imports db")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "commit":
                found.append(f"line {node.lineno}: calls commit()")
    return found


VIEW_MODULES = sorted(
    [*(PACKAGE / "views").glob("*.py"), *(PACKAGE / "api").glob("*.py")],
    key=lambda path: path.name,
)


def test_database_uses_are_found(tmp_path):
    path = tmp_path / "view.py"
    path.write_text("from ..extensions import db\n\ndef f():\n    db.session.commit()\n")
    assert database_uses(path) == ["line 1: imports db", "line 4: calls commit()"]


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda path: path.parent.name + "/" + path.name)
def test_a_view_module_neither_imports_db_nor_commits(path):
    assert database_uses(path) == [], (
        f"{path.relative_to(ROOT)}: queries and commits go to services"
    )


# --- templates ask plain values, not roles and status names -------------------------------------

# roles, and the status of anything (an assessment, a print job): `|stage`, `|job_state`
TEMPLATE_RULES = re.compile(
    r"current_user\.role\s*(==|!=|\bin\b)|\.role\s*==\s*['\"]|agency_role\s*==|"
    r"\.status\s*(==|!=|\bin\b|\bnot in\b)\s*['\"(\[]"
)


@pytest.mark.parametrize(
    "line",
    [
        "{% if assessment.status == 'final' %}",
        "{% if job.status in ('queued', 'running') %}",
        '{%- elif job.status != "failed" %}',
        "{% if current_user.role == 'admin' %}",
    ],
)
def test_a_status_or_role_comparison_is_found(line):
    assert TEMPLATE_RULES.search(line)


def test_templates_take_roles_and_stages_from_the_views():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if TEMPLATE_RULES.search(line)
    ]
    assert found == [], "rules belong in policy.py or the services:\n" + "\n".join(found)


def _imports_of(path: Path) -> list[tuple[str, int]]:
    """The modules a file imports, relative ones resolved from the `tests` package."""
    found = []
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            name = ".".join(part for part in (base, node.module or "") if part)
            found.append((name, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
    return found


def test_tests_share_helpers_not_test_modules_or_conftests():
    """docs/TESTING.md: helpers live in tests/helpers.py (tests/browser/helpers.py)."""
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for name, line in _imports_of(path)
        if re.search(r"(^|\.)(conftest|test_\w+)$", name)
    ]
    assert wrong == []


# (modules, what they must not import): the floors of the app, lowest last; a lower floor
# that reaches up would tie it to the web layer or to the business rules above it
NO_IMPORT_UP = [
    (
        ("smartcity.services", "smartcity.forms", "smartcity.security", "smartcity.policy"),
        "smartcity.views",
    ),
    (("smartcity.policy", "smartcity.formatting", "smartcity.models"), "smartcity.services"),
]


@pytest.mark.parametrize(("lower", "upper"), NO_IMPORT_UP, ids=[u for _, u in NO_IMPORT_UP])
def test_no_module_imports_a_floor_above_its_own(lower, upper):
    graph = import_graph()
    wrong = [
        f"{name} imports {target} (line {line})"
        for name, targets in graph.items()
        if name.startswith(lower)
        for target, line in targets.items()
        if target == upper or target.startswith(upper + ".")
    ]
    assert wrong == []
