"""Backups: the whole database, evidence files and issued documents in one portable archive.

The archive is a `.tar.gz` with

- `manifest.json`: format, app version, alembic revision, creation time, row counts per table,
  and every other member with its SHA-256 and size;
- `manifest.hmac`: an HMAC-SHA256 of `manifest.json` with the operator's backup key
  (`BACKUP_KEY`, else `instance/backup-key`, made on the first backup), so the manifest and
  through it every member is authenticated: an archive edited and re-hashed is refused;
- `tables/<name>.jsonl`: one JSON object per row, tables in foreign-key order, values portable
  (datetimes ISO 8601, Decimal and Fraction as text, binary columns as a reference to a blob);
- `blobs/<sha256>`: the bytes of binary columns (e.g. issued PDF documents);
- `evidence/<sha256>`: the evidence files (data dukung) the evidence rows point at.

Nothing in it depends on SQLite or PostgreSQL, so a backup of one restores into the other.
The archive is readable by its owner only (0600). `restore` checks the HMAC, every member's
hash and (on a database that enforces them) every text's length before it writes anything.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import secrets
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import Date, DateTime, Integer, LargeBinary, Numeric, String, Time

from ..extensions import db
from ..models import Evidence
from ..storage import evidence_storage

FORMAT = "smartcity-backup/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.hmac"
KEY_FILE = "backup-key"
# over-long values listed in a refusal (the count says how many there are in all)
_SHOWN_PROBLEMS = 10
_CHUNK = 1024 * 1024
_INSERT_BATCH = 500
ROOT = Path(__file__).resolve().parent.parent.parent


class BackupError(Exception):
    """Why a backup or restore cannot be done; the message is for the operator."""


@dataclass
class BackupSummary:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    key_id: str = ""
    authenticated: bool = True


# -- the key --------------------------------------------------------------------------------


def key_path() -> Path:
    return Path(current_app.instance_path) / KEY_FILE


def backup_key(*, create: bool) -> bytes:
    """The key that authenticates archives: BACKUP_KEY, else the instance's key file (made,
    readable by its owner only, by the first backup when `create`)."""
    configured = str(current_app.config.get("BACKUP_KEY") or "")
    if configured:
        return configured.encode("utf-8")
    path = key_path()
    if not path.exists():
        if not create:
            raise BackupError(
                f"No backup key: set BACKUP_KEY or give --key-file (the key the archive was "
                f"written with; {path} on the machine that wrote it)."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made at the same moment by another backup
        else:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def key_id(key: bytes) -> str:
    """A short name of a key (never the key): which key an archive needs."""
    return hashlib.sha256(b"smartcity-backup-key\0" + key).hexdigest()[:12]


def _signature(manifest: bytes, key: bytes) -> bytes:
    mac = hmac.new(key, manifest, hashlib.sha256).hexdigest()
    return json.dumps({"algorithm": "HMAC-SHA256", "key_id": key_id(key), "mac": mac}).encode()


def app_version() -> str:
    try:
        with (ROOT / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def database_revision(connection: Connection) -> str:
    """The alembic revision(s) of the database, "" when it was never migrated."""
    heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads))


def tables() -> list[Table]:
    """Every table of the models, parents before children."""
    return list(db.metadata.sorted_tables)


def _sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


# -- values -----------------------------------------------------------------------------------


def _portable(value: Any, blobs: dict[str, bytes]) -> Any:
    if isinstance(value, datetime):
        # the app stores naive UTC; an aware value is converted so both databases agree
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | Fraction):
        return str(value)  # exact: "3.25", "10/3" (stored results' indices, models.ExactFraction)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"blob": digest}
    return value


def _from_portable(value: Any, column_type: Any, blobs: dict[str, bytes]) -> Any:
    if value is None:
        return None
    if isinstance(column_type, LargeBinary):
        return blobs[value["blob"]]
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, Time):
        return time.fromisoformat(value)
    if isinstance(column_type, Numeric) and column_type.asdecimal:
        return Decimal(value)
    return value


# -- writing ----------------------------------------------------------------------------------


def _rows(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(yield_per=1000).execute(select(table).order_by(*order))
    for row in result.mappings():
        yield dict(row)


def write_backup(out: Path) -> BackupSummary:
    """Write the archive to `out` (atomically: a temporary file renamed at the end), readable
    by its owner only, its manifest authenticated with the backup key."""
    out = Path(out)
    key = backup_key(create=True)
    summary = BackupSummary(key_id=key_id(key))
    members: list[dict[str, Any]] = []
    storage = evidence_storage()
    with tempfile.TemporaryDirectory(prefix="smartcity-backup-") as work_dir:
        work = Path(work_dir)
        (work / "tables").mkdir()
        (work / "blobs").mkdir()
        (work / "evidence").mkdir()
        # one read transaction, so rows of different tables belong together
        with db.engine.connect() as connection, connection.begin():
            revision = database_revision(connection)
            if not revision:
                raise BackupError(
                    "The database has no migration revision: run `flask db upgrade` first."
                )
            for table in tables():
                blobs: dict[str, bytes] = {}
                count = 0
                with (work / "tables" / f"{table.name}.jsonl").open("w", encoding="utf-8") as f:
                    for row in _rows(connection, table):
                        portable = {k: _portable(v, blobs) for k, v in row.items()}
                        f.write(json.dumps(portable, ensure_ascii=False, sort_keys=True) + "\n")
                        count += 1
                        for digest, data in blobs.items():
                            (work / "blobs" / digest).write_bytes(data)
                        blobs.clear()
                summary.rows[table.name] = count
            digests = sorted(set(connection.scalars(select(Evidence.sha256))))
        missing = []
        for digest in digests:
            try:
                with storage.open(digest) as source, (work / "evidence" / digest).open("wb") as f:
                    while chunk := source.read(_CHUNK):
                        f.write(chunk)
            except FileNotFoundError:
                missing.append(digest)
        if missing:
            raise BackupError(
                f"{len(missing)} evidence file(s) are missing from the evidence storage "
                f"(first: {missing[0]}); no backup was written."
            )
        for path in sorted(p for p in work.rglob("*") if p.is_file()):
            name = path.relative_to(work).as_posix()
            digest = _sha256(path)
            if name.startswith(("blobs/", "evidence/")) and digest != path.name:
                raise BackupError(f"{name} changed while the backup was written; try again.")
            members.append({"name": name, "sha256": digest, "size": path.stat().st_size})
        summary.files = sum(1 for m in members if m["name"].startswith("evidence/"))
        manifest = {
            "format": FORMAT,
            "app_version": app_version(),
            "alembic_revision": revision,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": db.engine.dialect.name,
            "tables": [{"name": t.name, "rows": summary.rows[t.name]} for t in tables()],
            "files": members,
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        manifest_bytes = json.dumps(manifest, indent=2).encode()
        try:
            partial.unlink(missing_ok=True)
            # the archive holds every password hash and document: its owner's eyes only
            handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(handle, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                _add_bytes(archive, MANIFEST, manifest_bytes)
                _add_bytes(archive, SIGNATURE, _signature(manifest_bytes, key))
                for member in members:
                    archive.add(work / member["name"], arcname=member["name"], recursive=False)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    return summary


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


# -- reading ----------------------------------------------------------------------------------


class _Archive:
    """Members of a backup read in place (never extracted), checked against the manifest."""

    def __init__(self, path: Path, key: bytes | None, allow_unsigned: bool = False):
        try:
            self.tar = tarfile.open(path, "r:gz")
            self.by_name = {m.name: m for m in self.tar.getmembers() if m.isfile()}
        except (OSError, tarfile.TarError, EOFError) as error:
            raise BackupError(f"{path} is not a readable backup archive: {error}") from error
        if MANIFEST not in self.by_name:
            raise BackupError(f"{path} has no {MANIFEST}: it is not a smartcity backup.")
        manifest = self.read(MANIFEST)
        self.authenticated = self._authenticate(path, manifest, key, allow_unsigned)
        try:
            self.manifest = json.loads(manifest)
        except ValueError as error:
            raise BackupError(f"{MANIFEST} is not valid JSON: {error}") from error
        if not isinstance(self.manifest, dict) or self.manifest.get("format") != FORMAT:
            raise BackupError(f"{path} is not a {FORMAT} archive.")
        self.files: dict[str, dict[str, Any]] = {m["name"]: m for m in self.manifest["files"]}

    def _authenticate(
        self, path: Path, manifest: bytes, key: bytes | None, allow_unsigned: bool
    ) -> bool:
        """Whether the manifest's HMAC was checked; BackupError when it does not match."""
        if SIGNATURE not in self.by_name:
            if allow_unsigned:
                return False
            raise BackupError(
                f"{path} has no {SIGNATURE}: its manifest is not authenticated (an archive of an "
                "older version, or altered). Restore it only if you are sure where it comes "
                "from, with --allow-unsigned."
            )
        try:
            signed = json.loads(self.read(SIGNATURE))
            expected_id, mac = str(signed["key_id"]), str(signed["mac"])
        except (ValueError, KeyError, TypeError) as error:
            raise BackupError(f"{SIGNATURE} cannot be read: {error!r}") from error
        if key is None:
            key = backup_key(create=False)
        good = hmac.new(key, manifest, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(good, mac):
            if expected_id != key_id(key):
                raise BackupError(
                    f"{path} was written with backup key {expected_id}, not with this one "
                    f"({key_id(key)}): give the right one with --key-file or BACKUP_KEY."
                )
            raise BackupError(
                f"{MANIFEST} does not match its {SIGNATURE}: the archive was altered after it "
                "was written. Nothing was restored."
            )
        return True

    def open(self, name: str) -> IO[bytes]:
        member = self.by_name.get(name)
        handle = self.tar.extractfile(member) if member is not None else None
        if handle is None:
            raise BackupError(f"the archive lacks {name}, which its manifest lists.")
        return handle

    def read(self, name: str) -> bytes:
        return self.open(name).read()

    def verify(self) -> None:
        """Every file the manifest lists is present with its SHA-256; nothing else is there."""
        extra = set(self.by_name) - set(self.files) - {MANIFEST, SIGNATURE}
        if extra:
            raise BackupError(f"the archive holds files its manifest does not list: {min(extra)}")
        for name, entry in self.files.items():
            hasher = hashlib.sha256()
            handle = self.open(name)
            while chunk := handle.read(_CHUNK):
                hasher.update(chunk)
            if hasher.hexdigest() != entry["sha256"]:
                raise BackupError(f"{name} is damaged: its SHA-256 does not match the manifest.")

    def close(self) -> None:
        self.tar.close()


def _count_rows(connection: Connection) -> dict[str, int]:
    return {t.name: connection.scalar(select(func.count()).select_from(t)) or 0 for t in tables()}


def restore_backup(
    path: Path, key: bytes | None = None, *, allow_unsigned: bool = False
) -> BackupSummary:
    """Restore an archive into an empty, migrated database; everything or nothing.

    `key`: the backup key it was written with (default: BACKUP_KEY or the instance's key).
    Raises BackupError (nothing changed) when the archive is not authenticated by the key or
    damaged, holds values longer than the database's columns, the database is not empty, or
    the database's migration revision differs from the archive's.
    """
    archive = _Archive(Path(path), key, allow_unsigned)
    try:
        summary = _restore(archive)
        summary.authenticated = archive.authenticated
        return summary
    except (KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"{MANIFEST} lacks what a backup has: {error!r}") from error
    finally:
        archive.close()


def _restore(archive: _Archive) -> BackupSummary:
    archive.verify()
    manifest = archive.manifest
    known = {t.name: t for t in tables()}
    listed = [entry["name"] for entry in manifest["tables"]]
    unknown = sorted(set(listed) - set(known))
    if unknown:
        raise BackupError(f"the archive has tables this version does not know: {unknown}")
    summary = BackupSummary()
    with db.engine.connect() as connection:
        with connection.begin():
            revision = database_revision(connection)
            if not revision:
                raise BackupError(
                    "The database is not migrated: run `flask db upgrade`, then restore."
                )
            if revision != manifest["alembic_revision"]:
                raise BackupError(
                    f"The archive is at migration {manifest['alembic_revision']}, the "
                    f"database at {revision}: restore with the app version that wrote it "
                    f"({manifest.get('app_version', '?')}), or migrate to the same revision."
                )
            filled = {name: n for name, n in _count_rows(connection).items() if n}
            if filled:
                raise BackupError(
                    "The database is not empty (e.g. "
                    + ", ".join(f"{name}: {n} rows" for name, n in sorted(filled.items())[:3])
                    + "): restore only into a new, migrated database."
                )
            if connection.dialect.name != "sqlite":  # SQLite stores any length
                _refuse_over_long_values(archive, [known[name] for name in listed])
            for table in tables():
                if table.name in listed:
                    summary.rows[table.name] = _insert_table(connection, archive, table)
            _reset_sequences(connection)
            expected = {e["name"]: e["rows"] for e in manifest["tables"]}
            actual = _count_rows(connection)
            wrong = {n: (expected[n], actual[n]) for n in expected if expected[n] != actual[n]}
            if wrong:
                raise BackupError(f"row counts differ after restoring (expected, got): {wrong}")
            # the files go into storage before the commit: a failure leaves an empty database
            summary.files = _restore_evidence(archive)
    return summary


def _table_rows(archive: _Archive, table: Table) -> Iterator[dict[str, Any]]:
    for line in io.TextIOWrapper(archive.open(f"tables/{table.name}.jsonl"), encoding="utf-8"):
        if line.strip():
            yield json.loads(line)


def _refuse_over_long_values(archive: _Archive, tables: list[Table]) -> None:
    """BackupError listing the texts longer than their column (e.g. written by SQLite, which
    does not enforce lengths), before anything is written."""
    problems: list[str] = []
    count = 0
    for table in tables:
        limits = {
            c.name: c.type.length
            for c in table.columns
            if isinstance(c.type, String) and c.type.length
        }
        if not limits:
            continue
        key = next(iter(table.primary_key.columns)).name if table.primary_key.columns else None
        try:
            for row in _table_rows(archive, table):
                for column, limit in limits.items():
                    value = row.get(column)
                    if isinstance(value, str) and len(value) > limit:
                        count += 1
                        if len(problems) < _SHOWN_PROBLEMS:
                            where = f" ({key} {row.get(key)})" if key else ""
                            problems.append(
                                f"{table.name}.{column}{where}: {len(value)} characters, "
                                f"at most {limit}"
                            )
        except (ValueError, TypeError, AttributeError) as error:
            raise BackupError(f"tables/{table.name}.jsonl cannot be read: {error!r}") from error
    if count:
        raise BackupError(
            f"The archive holds {count} value(s) longer than this database's columns allow "
            "(the database it came from did not enforce the lengths): "
            + "; ".join(problems)
            + ". Shorten them in that database and back up again; nothing was restored."
        )


def _insert_table(connection: Connection, archive: _Archive, table: Table) -> int:
    try:
        return _insert_rows(connection, archive, table)
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"tables/{table.name}.jsonl cannot be read: {error!r}") from error
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise BackupError(f"the rows of {table.name} do not fit this database: {reason}") from error


def _insert_rows(connection: Connection, archive: _Archive, table: Table) -> int:
    name = f"tables/{table.name}.jsonl"
    columns = {c.name: c.type for c in table.columns}
    count = 0
    batch: list[dict[str, Any]] = []
    for line in io.TextIOWrapper(archive.open(name), encoding="utf-8"):
        if not line.strip():
            continue
        raw = json.loads(line)
        stray = set(raw) - set(columns)
        if stray:
            raise BackupError(f"{name} has columns this version does not know: {sorted(stray)}")
        blobs = _blobs_for(archive, raw, columns)
        batch.append({k: _from_portable(v, columns[k], blobs) for k, v in raw.items()})
        count += 1
        if len(batch) >= _INSERT_BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    return count


def _blobs_for(archive: _Archive, raw: dict[str, Any], columns: dict[str, Any]) -> dict[str, bytes]:
    blobs = {}
    for key, value in raw.items():
        if isinstance(columns[key], LargeBinary) and value is not None:
            digest = value["blob"]
            blobs[digest] = archive.read(f"blobs/{digest}")
    return blobs


def _reset_sequences(connection: Connection) -> None:
    """Ids were inserted explicitly: PostgreSQL's sequences must continue after the largest."""
    if connection.dialect.name != "postgresql":
        return  # SQLite takes max(rowid) + 1 by itself
    for table in tables():
        primary = list(table.primary_key.columns)
        if len(primary) != 1 or not isinstance(primary[0].type, Integer):
            continue
        column = primary[0].name
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": f'"{table.name}"', "column": column},
        )
        if sequence is None:
            continue
        largest = connection.scalar(select(func.max(primary[0])))
        # the next id is largest + 1 (1 for an empty table)
        connection.execute(
            text("SELECT setval(:sequence, :value, :called)"),
            {"sequence": sequence, "value": largest or 1, "called": largest is not None},
        )


def _restore_evidence(archive: _Archive) -> int:
    storage = evidence_storage()
    count = 0
    for name in sorted(archive.files):
        if not name.startswith("evidence/"):
            continue
        digest = name.removeprefix("evidence/")
        stored = storage.put(archive.open(name))  # type: ignore[arg-type]
        if stored != digest:
            raise BackupError(f"{name} did not store under its own SHA-256.")
        count += 1
    return count
