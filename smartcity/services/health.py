"""What `/healthz` checks: database reachable, migrations current, storage writable with at
least STORAGE_MIN_FREE_BYTES free."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db


@functools.cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migrations folder; read once per process (files never change)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def check_database() -> tuple[bool, str]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return False, f"unreachable: {type(error).__name__}"
    return True, "ok"


def check_migrations() -> tuple[bool, str]:
    directory = current_app.extensions["migrate"].directory
    expected = migration_heads(str(directory))
    try:
        current = frozenset(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        db.session.rollback()
        return False, "not migrated: no alembic_version table (run `flask db upgrade`)"
    if current != expected:
        return False, (
            f"database at {', '.join(sorted(current)) or 'no revision'}, "
            f"code expects {', '.join(sorted(expected))} (run `flask db upgrade`)"
        )
    return True, "ok"


def _writable(directory: Path) -> str | None:
    """None when a file can be created (and removed) in the directory; else why not."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # a real write: permission bits say nothing for root or on a read-only mount
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".healthz-"):
            pass
    except OSError as error:
        return f"{directory} not writable: {error.strerror or type(error).__name__}"
    return None


def _free_space(directory: Path) -> str | None:
    """None when the directory's file system has at least STORAGE_MIN_FREE_BYTES free."""
    minimum = int(current_app.config.get("STORAGE_MIN_FREE_BYTES", 100 * 1024 * 1024))
    try:
        free = shutil.disk_usage(directory).free
    except OSError as error:
        return f"{directory}: free space unknown: {error.strerror or type(error).__name__}"
    if free < minimum:
        return f"{directory}: {free} bytes free, less than STORAGE_MIN_FREE_BYTES ({minimum})"
    return None


def check_storage() -> tuple[bool, str]:
    installed = current_app.extensions.get("evidence_storage")
    evidence_root = getattr(installed, "root", None) or current_app.config["EVIDENCE_STORAGE_PATH"]
    problems = [
        problem
        for problem in (
            _writable(Path(evidence_root)),
            _writable(Path(current_app.instance_path)),
        )
        if problem
    ]
    if not problems:
        problems = [
            problem
            for problem in {
                _free_space(Path(evidence_root)),
                _free_space(Path(current_app.instance_path)),
            }
            if problem
        ]
    return (False, "; ".join(sorted(problems))) if problems else (True, "ok")
