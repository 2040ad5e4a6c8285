"""Failed log-ins are counted once for all workers: in Redis, or by default in the database.

Each gunicorn worker is its own process; counts kept in a process's memory would let N workers
allow N times the limit. Here two real processes share the test database: the limit holds
across them. gunicorn refuses to start several workers with `memory://`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smartcity import config

from .helpers import free_port

ROOT = Path(__file__).resolve().parent.parent

# a "worker": its own process and app, posting wrong passwords for one account
WORKER = """
import json, sys
from smartcity.factory import create_app
app = create_app({
    "SQLALCHEMY_DATABASE_URI": sys.argv[1],
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 5 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "100 per 5 minutes",
})
client = app.test_client()
codes = [
    client.post("/login", data={"username": "dinkes", "password": "salah-salah-salah"}).status_code
    for _ in range(int(sys.argv[2]))
]
print(json.dumps(codes))
"""


def worker_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RATELIMIT_STORAGE_URI", "REDIS_URL")}
    env["SMARTCITY_INSTANCE"] = str(tmp_path / "instance")
    return env


def failed_log_ins(database_url: str, count: int, env: dict[str, str]) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, database_url, str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.commits
def test_two_workers_share_one_count_of_failed_log_ins(app, database_url, tmp_path):
    env = worker_env(tmp_path)
    assert failed_log_ins(database_url, 3, env) == [401, 401, 401]
    # the second worker allows only what is left of the five
    assert failed_log_ins(database_url, 3, env) == [401, 401, 429]


# (environment, where failed log-ins are counted)
STORAGE = [
    ({}, "smartcity+database://"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "redis://127.0.0.1:6379/0"),
    ({"RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": "redis://r:6379/0"}, "memory://"),
]


@pytest.mark.parametrize(("environ", "uri"), STORAGE)
def test_where_failed_log_ins_are_counted(environ, uri):
    assert config.rate_limit_storage(environ) == uri


def gunicorn_env(tmp_path: Path, workers: str) -> dict[str, str]:
    env = worker_env(tmp_path)
    env.update(
        RATELIMIT_STORAGE_URI="memory://",
        WEB_CONCURRENCY=workers,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    return env


def test_gunicorn_refuses_several_workers_counting_in_memory(tmp_path):
    env = gunicorn_env(tmp_path, "2")
    env["BIND"] = f"127.0.0.1:{free_port()}"
    process = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode != 0
    assert "2 workers with RATELIMIT_STORAGE_URI=memory:// would each count failed log-ins" in (
        process.stdout + process.stderr
    )


def test_gunicorn_starts_one_worker_counting_in_memory(tmp_path):
    requests = pytest.importorskip("requests")
    port = free_port()
    env = gunicorn_env(tmp_path, "1")
    env["BIND"] = f"127.0.0.1:{port}"
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        answered = False
        while not answered and process.poll() is None and time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                answered = True  # any answer: it serves (the database is not migrated here)
            except requests.RequestException:
                time.sleep(0.2)
        assert answered, (tmp_path / "gunicorn.log").read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
