"""`flask backup` / `flask restore`: one portable archive with every row and every file.

A backup of the seeded region (with its 2025 history, evidence files and an issued PDF) restores
into an empty SQLite database and, when a PostgreSQL server is reachable, into a fresh
PostgreSQL database, with every row of every table and every file hash equal.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import secrets
import shutil
import socket
import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from smartcity.extensions import db
from smartcity.factory import create_app
from smartcity.models import Assessment, AuditEvent, Evidence, IssuedDocument, Period, User
from smartcity.services import backup, documents

from .helpers import PASSWORD, pdf_bytes

# archives are read and written on connections of their own, restores replace whole tables
pytestmark = pytest.mark.commits


@pytest.fixture(scope="module")
def source(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory):
    """A SQLite database with the demo region, its history, evidence files and an issued report.

    Always SQLite (whatever TEST_DATABASE_URL says), so the round trip to PostgreSQL crosses
    database engines. Built once: backing up only reads it.
    """
    from smartcity.seed import seed_demo_region

    tmp_path = tmp_path_factory.mktemp("source")
    app = new_sqlite_app(migrated_sqlite, tmp_path / "source.db", tmp_path / "evidence-source")
    with app.test_request_context():
        seed_demo_region(PASSWORD, history=True)
        period = db.session.scalar(select(Period).filter_by(year=2025))
        assessment = db.session.scalar(
            select(Assessment).filter_by(period_id=period.id).order_by(Assessment.id)
        )
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        documents.issue_report(assessment, admin, "id")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def small_source(demo, tmp_path: Path):
    """The demo region without history (fast), with one evidence file attached."""
    from smartcity.services import evidence as evidence_service

    demo.config["EVIDENCE_STORAGE_PATH"] = str(tmp_path / "evidence-source")
    with demo.test_request_context():
        user = db.session.scalar(select(User).filter_by(username="diskominfo"))
        assessment = db.session.scalar(select(Assessment).filter_by(agency_id=user.agency_id))
        evidence_service.attach(assessment, user, "GOV-01", "sk.pdf", io.BytesIO(pdf_bytes()))
    return demo


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated once; tests copy it (migrating takes seconds)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    app = _app(f"sqlite:///{path}", path.parent / "evidence")
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return path


def new_sqlite_app(template: Path, path: Path, evidence: Path):
    shutil.copyfile(template, path)
    return _app(f"sqlite:///{path}", evidence)


def migrated_app(url: str, evidence: Path):
    app = _app(url, evidence)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


def _app(url: str, evidence: Path):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "EVIDENCE_STORAGE_PATH": str(evidence),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


def snapshot(app) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order, values made comparable across databases."""
    result = {}
    with app.app_context(), db.engine.connect() as connection:
        for table in backup.tables():
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            result[table.name] = [
                {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()}
                for row in rows.mappings()
            ]
    return result


def stored_files(root: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_backup_writes_one_archive_with_a_manifest(source, tmp_path):
    out = tmp_path / "backup.tar.gz"
    result = source.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    content = members(out)
    manifest = json.loads(content["manifest.json"])
    assert manifest["format"] == "smartcity-backup/1"
    assert manifest["app_version"] and manifest["created_at"]
    with source.app_context(), db.engine.connect() as connection:
        assert manifest["alembic_revision"] == backup.database_revision(connection)
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    # every table, parents before children
    assert [t["name"] for t in manifest["tables"]] == [t.name for t in backup.tables()]
    for name, rows in counts.items():
        assert len(content[f"tables/{name}.jsonl"].splitlines()) == rows
    assert counts["assessments"] > 0 and counts["issued_documents"] == 1
    assert counts["audit_events"] > 0 and counts["evidence"] > 0
    # every listed file is there with its hash; evidence and documents are files of their own
    listed = {f["name"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == set(content) - {"manifest.json", "manifest.hmac"}
    for name, digest in listed.items():
        assert hashlib.sha256(content[name]).hexdigest() == digest
    with source.app_context():
        document = db.session.scalar(select(IssuedDocument))
        evidence = set(db.session.scalars(select(Evidence.sha256)))
        assert content[f"blobs/{document.sha256}"] == document.content
    assert {n.removeprefix("evidence/") for n in listed if n.startswith("evidence/")} == evidence
    # portable values: ISO datetimes, binary as a reference to its file
    row = json.loads(content["tables/issued_documents.jsonl"].splitlines()[0])
    assert row["content"] == {"blob": row["sha256"]}
    assert "T" in row["issued_at"]


def round_trip(source, make_target, tmp_path: Path) -> None:
    out = tmp_path / "backup.tar.gz"
    result = source.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    target_evidence = tmp_path / "evidence-target"
    target = make_target(target_evidence)
    try:
        result = target.test_cli_runner().invoke(args=["restore", str(out)])
        assert result.exit_code == 0, result.output
        assert snapshot(target) == snapshot(source)
        assert stored_files(target_evidence) == stored_files(
            Path(source.config["EVIDENCE_STORAGE_PATH"])
        )
        # new rows continue after the restored ids (sequences reset on PostgreSQL)
        with target.app_context():
            largest = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
            db.session.execute(
                insert(AuditEvent).values(action="test.after_restore", subject_type="x")
            )
            db.session.commit()
            newest = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
            assert newest > largest
        # a second restore is refused: the database is no longer empty
        again = target.test_cli_runner().invoke(args=["restore", str(out)])
        assert again.exit_code != 0 and "not empty" in again.output
    finally:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()


def test_round_trip_sqlite_to_sqlite(source, migrated_sqlite, tmp_path):
    round_trip(
        source,
        lambda evidence: new_sqlite_app(migrated_sqlite, tmp_path / "restored.db", evidence),
        tmp_path,
    )


def _postgres_server() -> str | None:
    """The server of TEST_DATABASE_URL when it is PostgreSQL, else 127.0.0.1:5432 if reachable."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith(("postgresql://", "postgresql+psycopg://")):
        return url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
    except OSError:
        return None
    return "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def fresh_postgres():
    """A new, empty PostgreSQL database, dropped afterwards."""
    server = _postgres_server()
    if server is None:
        pytest.skip("no PostgreSQL server reachable")
    import psycopg

    name = f"smartcity_restore_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_round_trip_sqlite_to_postgresql(source, fresh_postgres, tmp_path):
    round_trip(source, lambda evidence: migrated_app(fresh_postgres, evidence), tmp_path)


# -- refusals: the database is left as it was -------------------------------------------------


def test_restore_refuses_a_database_that_is_not_empty(small_source, runner, tmp_path):
    out = tmp_path / "backup.tar.gz"
    assert runner.invoke(args=["backup", "--out", str(out)]).exit_code == 0
    before = snapshot(small_source)
    result = runner.invoke(args=["restore", str(out)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert snapshot(small_source) == before


def signed(content: dict[str, bytes], key: bytes) -> None:
    """The manifest authenticated again with `key` (what only the key's holder can do)."""
    mac = hmac.new(key, content["manifest.json"], hashlib.sha256).hexdigest()
    content["manifest.hmac"] = json.dumps(
        {"algorithm": "HMAC-SHA256", "key_id": backup.key_id(key), "mac": mac}
    ).encode()


def damaged(archive: Path, out: Path, change, key: bytes | None = None) -> Path:
    """A copy of the archive changed by `change`; its manifest signed again when `key` is given
    (so a check after the signature's can be seen)."""
    content = members(archive)
    change(content)
    if key is not None and "manifest.json" in content:
        signed(content, key)
    with tarfile.open(out, "w:gz") as tar:
        for name, data in content.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def _flip_evidence(content: dict[str, bytes]) -> None:
    name = next(n for n in content if n.startswith("evidence/"))
    content[name] = content[name] + b"x"


def _other_revision(content: dict[str, bytes]) -> None:
    manifest = json.loads(content["manifest.json"])
    manifest["alembic_revision"] = "0001"
    content["manifest.json"] = json.dumps(manifest).encode()


def _extra_member(content: dict[str, bytes]) -> None:
    content["../../etc/cron.d/x"] = b"* * * * * root sh"


def _no_manifest(content: dict[str, bytes]) -> None:
    del content["manifest.json"]


def _wrong_count(content: dict[str, bytes]) -> None:
    manifest = json.loads(content["manifest.json"])
    name = "tables/regions.jsonl"
    content[name] = b""
    entry = next(f for f in manifest["files"] if f["name"] == name)
    entry["sha256"] = hashlib.sha256(b"").hexdigest()
    content["manifest.json"] = json.dumps(manifest).encode()


def _not_json(content: dict[str, bytes]) -> None:
    manifest = json.loads(content["manifest.json"])
    name = "tables/regions.jsonl"
    content[name] = b"{not json\n"
    entry = next(f for f in manifest["files"] if f["name"] == name)
    entry["sha256"] = hashlib.sha256(content[name]).hexdigest()
    content["manifest.json"] = json.dumps(manifest).encode()


def _agency_made_admin(content: dict[str, bytes]) -> None:
    """users.jsonl edited (an agency user made administrator) and its hash in the manifest
    updated: the SHA-256 manifest alone would accept it."""
    name = "tables/users.jsonl"
    rows = [json.loads(line) for line in content[name].splitlines()]
    for row in rows:
        if row["role"] == "agency":
            row["role"] = "admin"
    content[name] = "".join(json.dumps(row) + "\n" for row in rows).encode()
    manifest = json.loads(content["manifest.json"])
    entry = next(f for f in manifest["files"] if f["name"] == name)
    entry["sha256"] = hashlib.sha256(content[name]).hexdigest()
    content["manifest.json"] = json.dumps(manifest).encode()


def _unsigned(content: dict[str, bytes]) -> None:
    del content["manifest.hmac"]


def _other_key(content: dict[str, bytes]) -> None:
    signed(content, b"not the operator's key")


# (case, change, what the refusal says, whether the manifest is signed again with the key)
REFUSALS = [
    ("a changed evidence file", _flip_evidence, "damaged", False),
    ("another migration revision", _other_revision, "migration", True),
    ("a file the manifest does not list", _extra_member, "does not list", False),
    ("no manifest", _no_manifest, "not a smartcity backup", False),
    ("rows missing", _wrong_count, "row counts differ", True),
    ("a table file that is not JSON lines", _not_json, "cannot be read", True),
    ("users edited and re-hashed", _agency_made_admin, "the archive was altered", False),
    ("no manifest.hmac", _unsigned, "--allow-unsigned", False),
    ("signed with another key", _other_key, "was written with backup key", False),
]


def test_restore_refuses_a_damaged_archive_and_changes_nothing(
    small_source, migrated_sqlite, tmp_path
):
    out = tmp_path / "backup.tar.gz"
    assert small_source.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
    target_evidence = tmp_path / "evidence-target"
    target = new_sqlite_app(migrated_sqlite, tmp_path / "target.db", target_evidence)
    with small_source.app_context():
        key = backup.backup_key(create=False)
    try:
        for case, change, message, resign in REFUSALS:
            bad = damaged(out, tmp_path / "bad.tar.gz", change, key if resign else None)
            result = target.test_cli_runner().invoke(args=["restore", str(bad)])
            assert result.exit_code != 0, case
            assert message in result.output, (case, result.output)
            assert all(rows == [] for rows in snapshot(target).values()), case
            assert stored_files(target_evidence) == {}, case
        # the intact archive still restores into the same database
        assert target.test_cli_runner().invoke(args=["restore", str(out)]).exit_code == 0
    finally:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()


def test_restore_refuses_an_unmigrated_database(small_source, tmp_path):
    out = tmp_path / "backup.tar.gz"
    assert small_source.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
    target = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'bare.db'}", "TESTING": True}
    )
    result = target.test_cli_runner().invoke(args=["restore", str(out)])
    assert result.exit_code != 0 and "flask db upgrade" in result.output
    with target.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        db.engine.dispose()


def test_backup_refuses_when_an_evidence_file_is_missing(small_source, runner, tmp_path):
    with small_source.app_context():
        digest = db.session.scalar(select(Evidence.sha256))
    for path in Path(small_source.config["EVIDENCE_STORAGE_PATH"]).rglob(digest):
        path.unlink()
    out = tmp_path / "backup.tar.gz"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code != 0 and "missing" in result.output
    assert not out.exists() and not list(tmp_path.glob("backup.tar.gz*"))


def test_backup_to_a_folder_that_cannot_be_written_says_so(small_source, runner, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where a folder is expected")
    result = runner.invoke(args=["backup", "--out", str(blocked / "backup.tar.gz")])
    assert result.exit_code != 0 and "cannot write" in result.output
    assert "Traceback" not in result.output


# -- the archive's protection ------------------------------------------------------------------


def test_the_archive_is_readable_by_its_owner_only(small_source, runner, tmp_path):
    out = tmp_path / "backup.tar.gz"
    old_umask = os.umask(0o022)
    try:
        result = runner.invoke(args=["backup", "--out", str(out)])
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    with small_source.app_context():
        key_file = backup.key_path()
        key = backup.backup_key(create=False)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert f"authenticated with backup key {backup.key_id(key)}" in result.output


def test_an_unsigned_archive_restores_only_when_allowed(small_source, migrated_sqlite, tmp_path):
    out = tmp_path / "backup.tar.gz"
    assert small_source.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
    old = damaged(out, tmp_path / "old.tar.gz", _unsigned)
    target = new_sqlite_app(migrated_sqlite, tmp_path / "target.db", tmp_path / "evidence-t")
    try:
        runner = target.test_cli_runner()
        assert runner.invoke(args=["restore", str(old)]).exit_code != 0
        allowed = runner.invoke(args=["restore", str(old), "--allow-unsigned"])
        assert allowed.exit_code == 0, allowed.output
        assert "not authenticated" in allowed.output
    finally:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_archive_restores_elsewhere_with_its_key_file(small_source, migrated_sqlite, tmp_path):
    out = tmp_path / "backup.tar.gz"
    assert small_source.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
    with small_source.app_context():
        key_file = tmp_path / "kept-apart.key"
        shutil.copyfile(backup.key_path(), key_file)
    # another machine: another key of its own
    target = new_sqlite_app(migrated_sqlite, tmp_path / "target.db", tmp_path / "evidence-t")
    target.config["BACKUP_KEY"] = "the new machine's own key"
    try:
        runner = target.test_cli_runner()
        refused = runner.invoke(args=["restore", str(out)])
        assert refused.exit_code != 0 and "--key-file" in refused.output
        restored = runner.invoke(args=["restore", str(out), "--key-file", str(key_file)])
        assert restored.exit_code == 0, restored.output
    finally:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()


# -- lengths: a SQLite database may hold what PostgreSQL refuses --------------------------------


@pytest.fixture
def over_long_sqlite(migrated_sqlite: Path, tmp_path: Path):
    """A SQLite database with texts longer than their columns (SQLite does not enforce them)."""
    from smartcity.seed import seed_demo_region

    app = new_sqlite_app(migrated_sqlite, tmp_path / "long.db", tmp_path / "evidence-long")
    with app.test_request_context():
        seed_demo_region(PASSWORD, history=False)
        db.session.execute(
            text("UPDATE agencies SET code = :code WHERE code = 'DINKES'"), {"code": "D" * 45}
        )
        db.session.execute(
            text("UPDATE instrument_versions SET version = :v"), {"v": "2026." + "9" * 50}
        )
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_restore_on_postgresql_refuses_over_long_values_before_writing(
    over_long_sqlite, fresh_postgres, tmp_path
):
    out = tmp_path / "backup.tar.gz"
    result = over_long_sqlite.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    target_evidence = tmp_path / "evidence-target"
    target = migrated_app(fresh_postgres, target_evidence)
    try:
        refused = target.test_cli_runner().invoke(args=["restore", str(out)])
        assert refused.exit_code != 0
        assert "2 value(s) longer than this database's columns allow" in refused.output
        assert (
            "agencies.code (id " in refused.output and "45 characters, at most 40" in refused.output
        )
        assert "instrument_versions.version (id 1): 55 characters, at most 40" in refused.output
        assert "Traceback" not in refused.output
        assert all(rows == [] for rows in snapshot(target).values())
        assert stored_files(target_evidence) == {}
        # the sequences were not moved either: the first row still gets id 1
        with target.app_context():
            db.session.execute(
                text(
                    "INSERT INTO regions (code, name, kind, seat) VALUES ('99.01', 'x', 'kabupaten', '')"
                )
            )
            assert db.session.scalar(text("SELECT max(id) FROM regions")) == 1
            db.session.rollback()
    finally:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()
