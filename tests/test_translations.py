"""Every user-facing string has its Bahasa Indonesia translation."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_is_translated_to_indonesian(tmp_path: Path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with (ROOT / "smartcity/translations/id/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    assert sorted(wanted - translated) == []


def marked_keys() -> dict[str, str]:
    """Every message key the app marks with `N_` (what `domain.messages` and the services
    compose problems from) -> the first place it is written."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "smartcity").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
                (key,) = node.args
                assert isinstance(key, ast.Constant) and isinstance(key.value, str), (
                    f"{path.name}:{node.lineno}: N_ marks a written-out text only"
                )
                found.setdefault(key.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


def test_every_problem_key_has_its_indonesian():
    """Each key a questionnaire problem can carry (and each word, hint and list joint among its
    values) is in the catalogue with an Indonesian text that has the same placeholders."""
    keys = marked_keys()
    assert len(keys) > 100  # the loader, the workbook reader, the answer types, the services
    assert "unknown key '%(key)s'%(hint)s" in keys and "a mapping" in keys
    with (ROOT / "smartcity/translations/id/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = [f"{where}: {key}" for key, where in keys.items() if not catalog.get(key)]
    assert missing == []
    untranslated = [key for key in keys if not catalog.get(key).string]
    assert untranslated == []
    mismatched = [key for key in keys if placeholders(key) != placeholders(catalog.get(key).string)]
    assert mismatched == []
