"""`/healthz`: what a load balancer sees when the app can or cannot serve."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from smartcity.extensions import db, limiter
from smartcity.factory import create_app
from smartcity.services.health import migration_heads


def get_health(app):
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json(), response


def test_healthy_app_answers_ok_without_a_session(app):
    status, body, response = get_health(app)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "storage": "ok"},
    }
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_heads_are_read_from_the_migrations_folder(app):
    heads = migration_heads(str(app.extensions["migrate"].directory))
    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    newest = max(p.name.split("_")[0] for p in versions.glob("[0-9]*.py"))
    assert heads == {newest}


def test_database_at_an_older_revision_fails(app):
    with app.app_context():
        current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        older = f"{int(current) - 1:04d}"
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": older})
        db.session.commit()
    try:
        status, body, _ = get_health(app)
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
            db.session.commit()
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "ok"
    assert older in body["checks"]["migrations"] and current in body["checks"]["migrations"]
    assert body["checks"]["storage"] == "ok"


def test_unreachable_database_fails(tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            # a database file in a folder that does not exist cannot be opened
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'db.sqlite'}",
        }
    )
    status, body, _ = get_health(app)
    assert status == 503
    assert body["checks"]["database"].startswith("unreachable")
    assert body["checks"]["migrations"].startswith("not checked")


def _regular_file(tmp_path: Path) -> str:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return str(blocker / "evidence")


def _read_only_folder(tmp_path: Path) -> str:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return str(folder)


STORAGE_CASES = [
    pytest.param(_regular_file, id="evidence path below a regular file"),
    pytest.param(
        _read_only_folder,
        id="evidence folder without write permission",
        marks=pytest.mark.skipif(os.geteuid() == 0, reason="root writes regardless of mode"),
    ),
]


@pytest.mark.parametrize("make_path", STORAGE_CASES)
def test_storage_that_cannot_be_written_fails(app, tmp_path: Path, make_path):
    evidence_path = make_path(tmp_path)
    app.config["EVIDENCE_STORAGE_PATH"] = evidence_path
    try:
        status, body, _ = get_health(app)
    finally:
        Path(evidence_path).parent.chmod(0o700)
    assert status == 503
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["storage"].startswith(evidence_path)


def test_missing_evidence_folder_is_created(app, tmp_path: Path):
    app.config["EVIDENCE_STORAGE_PATH"] = str(tmp_path / "new" / "evidence")
    status, body, _ = get_health(app)
    assert status == 200, body
    assert (tmp_path / "new" / "evidence").is_dir()


def test_probes_are_not_rate_limited(database_url: str):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_DEFAULT": "2 per minute",
        }
    )
    client = app.test_client()
    try:
        statuses = [client.get("/healthz").status_code for _ in range(5)]
        # the same limit does apply to an ordinary page
        pages = [client.get("/login").status_code for _ in range(3)]
    finally:
        # Flask-Limiter keeps default limits on its (process-wide) limiter once set: without
        # this every later test's app would allow 2 requests a minute
        limiter.limit_manager.set_default_limits([])
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    assert statuses == [200] * 5
    assert pages[-1] == 429
