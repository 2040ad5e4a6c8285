"""The read replica (DATABASE_REPLICA_URL): read-only pages read from it, writes and everything
else from the primary; a writer reads the primary until the replica has replayed their write;
a replica that is down leaves every page to the primary.

The PostgreSQL tests start a real hot standby of the test database's cluster on a port of its
own: `pg_basebackup -R` (streaming) when the cluster allows replication connections from
127.0.0.1, else a base backup taken with `pg_backup_start()`/`pg_backup_stop()` that replays
the primary's WAL files from its pg_wal folder (the same machine, no pg_hba.conf change).
"""

from __future__ import annotations

import logging
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import event, make_url, select
from sqlalchemy.engine import URL

from smartcity import config, replica
from smartcity.extensions import db, limiter
from smartcity.factory import create_app
from smartcity.models import Agency, User
from smartcity.services import accounts, tokens
from tests.databases import TEST_CONFIG

from .helpers import PASSWORD

# --- without a replica: nothing changes -------------------------------------------------------


def test_every_replica_endpoint_only_reads(app):
    for endpoint in replica.READ_ONLY_ENDPOINTS:
        rules = list(app.url_map.iter_rules(endpoint))
        assert rules, endpoint
        for rule in rules:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, (endpoint, rule.methods)


def test_without_a_replica_every_query_runs_on_the_primary(app):
    assert app.config["DATABASE_REPLICA_URL"] == ""
    with app.app_context():
        assert replica.BIND not in db.engines
    assert replica.HEALTH not in app.extensions
    assert "SQLALCHEMY_BINDS" not in app.config or not app.config["SQLALCHEMY_BINDS"]


def test_a_replica_of_sqlite_is_ignored(caplog):
    caplog.set_level(logging.WARNING, logger="smartcity.replica")
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "DATABASE_REPLICA_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    )
    with app.app_context():
        assert replica.BIND not in db.engines
    assert replica.HEALTH not in app.extensions
    assert "DATABASE_REPLICA_URL is ignored" in caplog.text


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("", ""),
        ("postgres://u@db:5433/sc", "postgresql+psycopg://u@db:5433/sc"),
        ("postgresql://u@db/sc", "postgresql+psycopg://u@db/sc"),
        ("postgresql+psycopg://u@db/sc", "postgresql+psycopg://u@db/sc"),
    ],
)
def test_the_replica_url_is_read_like_the_database_url(monkeypatch, tmp_path, given, used):
    monkeypatch.setenv("DATABASE_REPLICA_URL", given)
    assert config.from_environment(tmp_path)["DATABASE_REPLICA_URL"] == used


# --- PostgreSQL: a real replica -----------------------------------------------------------------


def _primary() -> URL | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres:")):
        return None
    return make_url(config.sqlalchemy_url(url))


def _psql(url: URL, sql: str, database: str = "postgres"):
    import psycopg

    with psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=database,
        autocommit=True,
        connect_timeout=5,
    ) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchone() if cursor.description else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# contents a base backup leaves out (PostgreSQL's "Making a Base Backup Using the Low Level API")
EMPTY_FOLDERS = {
    "pg_wal",
    "pg_replslot",
    "pg_stat_tmp",
    "pg_dynshmem",
    "pg_notify",
    "pg_serial",
    "pg_snapshots",
    "pg_subtrans",
}
LEFT_OUT_FILES = {"postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map"}
# a hot standby needs at least the primary's values of these
MATCHED_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


@dataclass
class Standby:
    """A hot standby of the test cluster, started on `port` from `data`."""

    primary: URL
    folder: Path
    port: int
    as_postgres: list[str]
    bindir: Path
    kind: str = ""
    log: list[str] = field(default_factory=list)
    holder: object = None  # the primary's session that holds the slot keeping the WAL

    @property
    def slot(self) -> str:
        return f"smartcity_standby_{self.port}"

    def hold_wal(self) -> None:
        """A temporary replication slot on the primary keeps every WAL file from now on.

        A standby that is stopped and started again replays from its last restart point;
        without the slot a busy primary (the rest of the suite) may have recycled those files
        by then and the standby waits for them forever. The slot goes with its session.
        """
        import psycopg

        self.holder = psycopg.connect(
            host=self.primary.host or "127.0.0.1",
            port=self.primary.port or 5432,
            user=self.primary.username,
            password=self.primary.password,
            dbname="postgres",
            autocommit=True,
        )
        try:
            self.holder.execute(
                "SELECT pg_create_physical_replication_slot(%s, true, true)", (self.slot,)
            )
        except psycopg.Error as error:
            self.holder.close()
            pytest.skip(f"the primary keeps no WAL for a standby (no replication slot): {error}")

    def keep_wal_from_restart_point(self) -> None:
        """The slot lets go of the WAL before the standby's last restart point."""
        (redo,) = self.query("SELECT CAST(redo_lsn AS text) FROM pg_control_checkpoint()")
        self.holder.execute(
            "SELECT pg_replication_slot_advance(slot_name, CAST(%s AS pg_lsn))"
            " FROM pg_replication_slots"
            " WHERE slot_name = %s AND restart_lsn < CAST(%s AS pg_lsn)",
            (redo, self.slot, redo),
        )

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str) -> str:
        return self.primary.set(
            host="127.0.0.1", port=self.port, database=database
        ).render_as_string(hide_password=False)

    def query(self, sql: str, database: str = "postgres"):
        return _psql(self.primary.set(host="127.0.0.1", port=self.port), sql, database)

    def catch_up(self, timeout: float = 90) -> None:
        """Wait until the standby has replayed everything the primary has inserted until now.

        The insert position, as the app keeps it after a commit: the test databases commit with
        synchronous_commit off, so the write position can lie before a commit just made. A
        write of our own follows, committed and flushed, so that the standby always gets past
        the position (it can sit after a page header that no record has crossed yet)."""
        (lsn,) = _psql(self.primary, "SELECT CAST(pg_current_wal_insert_lsn() AS text)")
        _psql(self.primary, "CREATE TEMP TABLE caught_up (x int)")
        deadline = time.monotonic() + timeout
        while True:
            (done,) = self.query(f"SELECT pg_last_wal_replay_lsn() >= CAST('{lsn}' AS pg_lsn)")
            if done:
                self.keep_wal_from_restart_point()
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the standby did not replay up to {lsn} in {timeout}s")
            time.sleep(0.1)

    def primary_moves_on(self, checkpoints: int = 3) -> None:
        """Checkpoints on the primary, each after a new WAL file, as a busy cluster makes."""
        for _ in range(checkpoints):
            _psql(self.primary, "SELECT pg_switch_wal()")
            _psql(self.primary, "CHECKPOINT")

    def run(self, *command: str | Path, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_postgres, *map(str, command)],
            capture_output=True,
            text=True,
            check=check,
            timeout=600,
        )

    def make(self) -> None:
        self.hold_wal()
        streamed = self.run(
            self.bindir / "pg_basebackup",
            "-h",
            self.primary.host or "127.0.0.1",
            "-p",
            self.primary.port or 5432,
            "-U",
            self.primary.username or "postgres",
            "-D",
            self.data,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
            check=False,
        )
        if streamed.returncode == 0:
            self.kind = "streaming (pg_basebackup -R)"
            settings = ""
        elif "replication connection" in streamed.stderr:
            # pg_hba.conf has no `host replication` line: copy the cluster with the SQL backup
            # API instead and replay the primary's WAL files as they are written
            shutil.rmtree(self.data, ignore_errors=True)
            wal = self._copied_with_the_backup_api()
            self.kind = "WAL files from the primary's pg_wal (no replication connection allowed)"
            settings = f'restore_command = \'cp "{wal}/%f" "%p"\'\n'
            (self.data / "standby.signal").touch()
        else:
            pytest.fail(f"pg_basebackup failed: {streamed.stderr}")
        matched = "".join(
            f"{name} = {_psql(self.primary, f'SHOW {name}')[0]}\n" for name in MATCHED_SETTINGS
        )
        (self.data / "postgresql.conf").write_text(
            f"port = {self.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.folder}'\n"
            "hot_standby = on\n"
            "shared_buffers = 32MB\n"
            "fsync = off\n"
            "wal_retrieve_retry_interval = '100ms'\n"
            f"{matched}{settings}"
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (self.data / "pg_ident.conf").write_text("")
        if self.as_postgres:
            subprocess.run(["chown", "-R", "postgres:postgres", str(self.folder)], check=True)
        started = self.run(
            self.bindir / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.folder / "standby.log",
            "-w",
            "-t",
            "180",
            "start",
            check=False,
        )
        if started.returncode != 0:
            log = (self.folder / "standby.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"the standby did not start: {started.stderr}\n{log}")

    def _copied_with_the_backup_api(self) -> Path:
        import psycopg

        with psycopg.connect(
            host=self.primary.host or "127.0.0.1",
            port=self.primary.port or 5432,
            user=self.primary.username,
            password=self.primary.password,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            (source,) = connection.execute("SHOW data_directory").fetchone()
            source = Path(source)
            if not os.access(source, os.R_OK | os.X_OK):
                pytest.skip(
                    "no replication connection allowed (pg_hba.conf has no `host replication` "
                    f"line for 127.0.0.1) and the primary's folder {source} is not readable"
                )
            connection.execute("SELECT pg_backup_start('smartcity replica test', true)")
            try:
                _copy_cluster(source, self.data)
            finally:
                label, tablespaces = connection.execute(
                    "SELECT labelfile, spcmapfile FROM pg_backup_stop(false)"
                ).fetchone()
        (self.data / "backup_label").write_text(label)
        if tablespaces:
            (self.data / "tablespace_map").write_text(tablespaces)
        return source / "pg_wal"

    def stop_server(self) -> None:
        self.run(self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def start_server(self) -> None:
        log = self.folder / "standby.log"
        self.run(self.bindir / "pg_ctl", "-D", self.data, "-l", log, "-w", "-t", "180", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run(
                self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "stop", check=False
            )
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.holder is not None:
            self.holder.close()  # the temporary slot is dropped with its session


def _copy_cluster(source: Path, target: Path) -> None:
    """The files of a running cluster; those removed while copying are not needed."""
    for folder, _folders, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        if len(relative.parts) > 1 and relative.parts[0] in EMPTY_FOLDERS:
            continue  # e.g. a replication slot's folder: the copy starts with none
        (target / relative).mkdir(mode=0o700, parents=True, exist_ok=True)
        if relative.parts and relative.parts[0] in EMPTY_FOLDERS:
            continue
        for name in files:
            if relative == Path(".") and name in LEFT_OUT_FILES:
                continue
            try:
                shutil.copy2(Path(folder) / name, target / relative / name)
            except FileNotFoundError:
                pass
    (target / "pg_wal" / "archive_status").mkdir(parents=True, exist_ok=True)


def _standby_or_skip() -> Standby:
    primary = _primary()
    if primary is None:
        pytest.skip("a replica needs PostgreSQL (TEST_DATABASE_URL); SQLite has none")
    (version,) = _psql(primary, "SHOW server_version_num")
    bindir = Path(f"/usr/lib/postgresql/{int(version) // 10000}/bin")
    missing = [name for name in ("pg_basebackup", "pg_ctl") if not (bindir / name).exists()]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not found in {bindir}")
    (superuser,) = _psql(primary, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not superuser:
        pytest.skip("the test database's user may not take a base backup (not a superuser)")
    if os.geteuid() == 0:
        as_postgres = ["runuser", "-u", "postgres", "--"]
    elif pwd.getpwuid(os.geteuid()).pw_name == "postgres":
        as_postgres = []
    else:
        pytest.skip("a standby is started as the postgres OS user: run as root or postgres")
    folder = Path(tempfile.mkdtemp(prefix="smartcity-standby-"))
    folder.chmod(0o700)
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    return Standby(primary, folder, _free_port(), as_postgres, bindir)


@pytest.fixture(scope="module")
def standby() -> Iterator[Standby]:
    found = _standby_or_skip()
    try:
        found.make()
        print(f"standby on port {found.port}: {found.kind}")  # shown with pytest -s
        yield found
    finally:
        found.stop()


def _app_reading(primary_url: str, replica_url: str, **config):
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": primary_url,
            "DATABASE_REPLICA_URL": replica_url,
            **config,
        }
    )
    with app.app_context():
        limiter.reset()
    return app


@dataclass
class Statements:
    """The statements each engine ran, counted with engine events."""

    primary: list[str] = field(default_factory=list)
    replica: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.primary.clear()
        self.replica.clear()


@pytest.fixture
def replica_app(demo_history, database_url, standby) -> Iterator[tuple]:
    """An app on the test's own copy of `demo_history`, reading from the standby's copy."""
    standby.catch_up()  # the standby has the test's database
    name = make_url(database_url).database
    app = _app_reading(database_url, standby.url(name))
    ran = Statements()
    with app.app_context():
        engines = db.engines

        def counted(into):
            def before_cursor_execute(_conn, _cursor, statement, *_args):
                into.append(statement)

            return before_cursor_execute

        event.listen(engines[None], "before_cursor_execute", counted(ran.primary))
        event.listen(engines[replica.BIND], "before_cursor_execute", counted(ran.replica))
    try:
        yield app, ran
    finally:
        standby.query("SELECT pg_wal_replay_resume()")
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


def _logged_in(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return client


def _token(app, username: str) -> dict[str, str]:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        secret = tokens.create_token(user, "replica").secret
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


READ_ONLY_PAGES = [
    "/periods/2025/region",
    "/agencies/DINKES/dashboard",
    "/compare?agency=DINKES",
    "/periods/2025/export?what=results&format=csv",
]
API_READS = ["/api/v1/periods", "/api/v1/periods/2025/results"]


@pytest.mark.commits
def test_read_only_pages_and_api_reads_come_from_the_replica(replica_app, standby):
    app, ran = replica_app
    viewer = _logged_in(app, "pimpinan")
    headers = _token(app, "pimpinan")
    standby.catch_up()  # the log-in and the token are written: now the replica has them
    for path in READ_ONLY_PAGES:
        ran.clear()
        response = viewer.get(path)
        assert response.status_code == 200, path
        assert any("agencies" in s for s in ran.replica), f"{path} read nothing from the replica"
    for path in API_READS:
        ran.clear()
        assert viewer.get(path, headers=headers).status_code == 200, path
        assert ran.replica, f"{path} read nothing from the replica"
    # every other page, and every write, stays on the primary
    ran.clear()
    assert viewer.get("/periods/2025/assessments").status_code == 200
    assert viewer.get("/").status_code in (200, 302)
    assert ran.primary and not ran.replica


@pytest.mark.commits
def test_the_national_pages_read_from_the_replica(replica_app, standby):
    app, ran = replica_app
    with app.test_request_context():
        accounts.create_user("kementerian-pimpinan", "national-viewer", PASSWORD)
        db.session.commit()
    ministry = _logged_in(app, "kementerian-pimpinan")
    headers = _token(app, "kementerian-pimpinan")
    # the token's first use is written (its last use): then the replica has that too
    assert ministry.get("/api/v1/regions", headers=headers).status_code == 200
    standby.catch_up()
    for path, options in [
        ("/national/2025", {}),
        ("/national/2025/export.csv", {}),
        ("/api/v1/national/periods/2025/results", {"headers": headers}),
    ]:
        ran.clear()
        assert ministry.get(path, **options).status_code == 200, path
        assert any("periods" in s for s in ran.replica), f"{path} read nothing from the replica"


def _rename(app, client, code: str, name: str) -> None:
    with app.app_context():
        agency = db.session.scalar(select(Agency).filter_by(code=code))
        form = {
            "name": name,
            "head_name": agency.head_name,
            "head_nip": agency.head_nip,
            "head_position": agency.head_position,
            "tags": agency.tags,
            "dimension": list(agency.dimension_codes),
        }
        agency_id = agency.id
    response = client.post(f"/admin/agencies/{agency_id}", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]


@pytest.mark.commits
def test_while_the_replica_lags_the_writer_reads_their_write_from_the_primary(replica_app, standby):
    app, ran = replica_app
    admin = _logged_in(app, "admin")
    viewer = _logged_in(app, "pimpinan")
    standby.catch_up()
    page = "/agencies/DINKES/dashboard"
    with app.app_context():
        old_name = db.session.scalar(select(Agency.name).filter_by(code="DINKES"))
    assert old_name in viewer.get(page).get_data(as_text=True)

    standby.query("SELECT pg_wal_replay_pause()")
    (before,) = _psql(standby.primary, "SELECT CAST(pg_current_wal_insert_lsn() AS text)")
    _rename(app, admin, "DINKES", "Dinas Kesehatan Baru")
    with admin.session_transaction() as session:
        written = session[replica.WRITTEN_LSN]
    # the position kept is past the rename's own WAL, even when its commit did not wait for
    # the WAL to be written (synchronous_commit off): the write position could lie before it
    # and the replica, paused there, was taken for caught up (CI, 2026-12-06)
    (past,) = _psql(standby.primary, f"SELECT '{written}'::pg_lsn > '{before}'::pg_lsn")
    assert past

    # someone else reads the replica, which has not replayed the change yet
    ran.clear()
    seen = viewer.get(page).get_data(as_text=True)
    assert ran.replica and old_name in seen and "Dinas Kesehatan Baru" not in seen
    # the writer reads the primary, and sees what they saved
    ran.clear()
    seen = admin.get(page).get_data(as_text=True)
    assert "Dinas Kesehatan Baru" in seen
    assert any("agencies" in s for s in ran.primary)
    assert not any("agencies" in s for s in ran.replica)  # only asked how far it has replayed

    # once the replica has replayed the change, the writer reads from it again
    standby.query("SELECT pg_wal_replay_resume()")
    standby.catch_up()
    ran.clear()
    seen = admin.get(page).get_data(as_text=True)
    assert "Dinas Kesehatan Baru" in seen
    assert any("agencies" in s for s in ran.replica)
    with admin.session_transaction() as session:
        assert replica.WRITTEN_LSN not in session
    assert "Dinas Kesehatan Baru" in viewer.get(page).get_data(as_text=True)


@pytest.mark.commits
def test_a_replica_that_is_down_leaves_the_pages_to_the_primary(demo_history, database_url, caplog):
    if _primary() is None:
        pytest.skip("a replica needs PostgreSQL (TEST_DATABASE_URL); SQLite has none")
    closed = make_url(database_url).set(host="127.0.0.1", port=_free_port())
    app = _app_reading(
        database_url,
        closed.render_as_string(hide_password=False),
        DATABASE_REPLICA_RETRY_SECONDS=0,
    )
    try:
        headers = _token(app, "pimpinan")
        caplog.set_level(logging.WARNING, logger="smartcity.replica")
        # the API's token requests: no written position, the view fails on the replica
        for path in API_READS:
            assert app.test_client().get(path, headers=headers).status_code == 200, path
        # a logged-in user who just wrote: the replica cannot say how far it has replayed
        viewer = _logged_in(app, "pimpinan")
        for path in READ_ONLY_PAGES:
            assert viewer.get(path).status_code == 200, path
        down = [r for r in caplog.records if "read replica unavailable" in r.getMessage()]
        assert len(down) == 1, [r.getMessage() for r in caplog.records]
    finally:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.mark.commits
def test_a_replica_that_stops_and_comes_back(replica_app, standby, caplog):
    app, ran = replica_app
    app.extensions[replica.HEALTH].retry_seconds = 0  # tried again at every page
    viewer = _logged_in(app, "pimpinan")
    standby.catch_up()
    page = "/periods/2025/region"
    ran.clear()
    expected = _without_tokens(viewer.get(page))
    assert ran.replica  # the pool now holds a connection to the replica
    caplog.set_level(logging.WARNING, logger="smartcity.replica")
    standby.stop_server()
    try:
        for _ in range(2):
            ran.clear()
            response = viewer.get(page)
            assert response.status_code == 200
            assert _without_tokens(response) == expected
            assert any("agencies" in s for s in ran.primary)
        # a busy primary moves on while the standby is down: its WAL files since the
        # standby's last restart point are recycled by checkpoints
        standby.primary_moves_on()
    finally:
        standby.start_server()
    assert caplog.text.count("read replica unavailable") == 1
    standby.catch_up()
    ran.clear()
    assert _without_tokens(viewer.get(page)) == expected
    assert any("agencies" in s for s in ran.replica)
    assert caplog.text.count("read replica answers again") == 1


def _without_tokens(response) -> str:
    """The page without its CSRF tokens: they carry the second they were made in."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", response.get_data(as_text=True))
