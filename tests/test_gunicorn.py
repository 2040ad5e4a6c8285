"""The production setup over real HTTP: gunicorn, two workers, PostgreSQL, the agency's journey."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import pdf_bytes
from tests.helpers import PASSWORD

from .helpers import free_port

requests = pytest.importorskip("requests")

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2

needs_postgres = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs TEST_DATABASE_URL on PostgreSQL (gunicorn workers share one database)",
)

# gunicorn.conf.py: (environment, expected settings); the machine's cores matter for workers
CPUS = os.cpu_count() or 1
SETTINGS = [
    (
        {},
        {"bind": "127.0.0.1:8000", "workers": max(2, 2 * CPUS), "timeout": 60, "preload_app": True},
    ),
    (
        {"BIND": "0.0.0.0:9000", "WEB_CONCURRENCY": "3", "GUNICORN_TIMEOUT": "120"},
        {"bind": "0.0.0.0:9000", "workers": 3, "timeout": 120},
    ),
    ({"GUNICORN_PRELOAD": "0"}, {"preload_app": False}),
]


@pytest.mark.parametrize(("env", "expected"), SETTINGS)
def test_gunicorn_settings(monkeypatch, env: dict[str, str], expected: dict):
    import runpy

    for name in ("BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_PRELOAD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert {key: settings[key] for key in expected} == expected
    assert settings["worker_class"] == "sync" and settings["workers"] >= 2


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@pytest.fixture
def gunicorn(databases, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn with the repository's gunicorn.conf.py on a copy of the demo database; yields
    (URL, process)."""
    database_url = databases.fresh("demo")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "gunicorn-test-secret",
        "SMARTCITY_INSTANCE": str(tmp_path / "instance"),
        "EVIDENCE_STORAGE_PATH": str(tmp_path / "evidence"),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
    }
    # the log goes to a file: a pipe nobody reads would fill up and stall the workers
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass  # not listening yet, or the workers are still importing the app
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(f"gunicorn did not come up:\n{(tmp_path / 'gunicorn.log').read_text()}")
            time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        databases.drop(database_url)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def checked_level(html: str, code: str) -> str | None:
    """The value of the indicator's checked radio button in the page."""
    for tag in re.findall(rf'<input[^>]*name="level-{re.escape(code)}"[^>]*>', html):
        if re.search(r"\schecked[\s>=]", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def answer_dimension(http, base: str, overview: str, dimension: str) -> dict[str, int]:
    """POST the dimension form like the browser: a level, a justification and from level 3 a PDF."""
    page = http.get(f"{base}{overview}/dimensions/{dimension}")
    assert page.status_code == 200
    codes = re.findall(r'<fieldset class="indicator[^"]*" id="indicator-([^"]+)"', page.text)
    versions = dict(re.findall(r'name="(version-[^"]+)" type="hidden" value="([^"]*)"', page.text))
    assert codes and len(versions) == len(codes)
    data = {"csrf_token": csrf(page.text), "action": "save", **versions}
    files = []
    chosen = {}
    for n, code in enumerate(codes):
        level = n % 5 + 1
        data[f"level-{code}"] = str(level)
        data[f"justification-{code}"] = f"Jawaban lewat HTTP untuk {code}"
        if level >= 3:
            pdf = pdf_bytes(f"Data dukung {code}")
            files.append((f"evidence-{code}", (f"bukti-{code}.pdf", pdf, "application/pdf")))
        chosen[code] = level
    saved = http.post(
        f"{base}{overview}/dimensions/{dimension}", data=data, files=files, allow_redirects=False
    )
    assert saved.status_code == 303, saved.text[:2000]
    again = http.get(f"{base}{overview}/dimensions/{dimension}")
    for code, level in chosen.items():
        assert checked_level(again.text, code) == str(level)
        if level >= 3:
            assert f"bukti-{code}.pdf" in again.text
    return chosen


@needs_postgres
def test_agency_journey_over_http_with_two_workers(gunicorn, tmp_path: Path):
    base, process = gunicorn
    # the master forks its workers one after the other: the first may answer before the last
    deadline = time.monotonic() + 20
    while len(worker_pids(process.pid)) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(worker_pids(process.pid)) == WORKERS
    http = requests.Session()

    # log in with the form's CSRF token
    login = http.get(f"{base}/login")
    refused = http.post(
        f"{base}/login",
        data={"username": "diskominfo", "password": PASSWORD},
        allow_redirects=False,
    )
    assert refused.status_code == 400  # no CSRF token: refused
    response = http.post(
        f"{base}/login",
        data={"csrf_token": csrf(login.text), "username": "diskominfo", "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status_code == 302 and "session" in http.cookies

    home = http.get(f"{base}/")
    overview = re.search(r'href="(/assessments/\d+)"', home.text).group(1)
    dimensions = sorted(set(re.findall(r"/dimensions/([A-Z]+)", http.get(base + overview).text)))
    assert dimensions == ["GOV", "INF"]
    for dimension in dimensions:
        answer_dimension(http, base, overview, dimension)

    # an attached file comes back byte for byte
    page = http.get(f"{base}{overview}/dimensions/GOV")
    href = re.search(r'<a href="(/evidence/\d+)" download>bukti-([^<]+)\.pdf</a>', page.text)
    download = http.get(base + href.group(1))
    assert download.content == pdf_bytes(f"Data dukung {href.group(2)}")

    submit = http.get(f"{base}{overview}/submit")
    done = http.post(
        f"{base}{overview}/submit",
        data={"csrf_token": csrf(submit.text), "confirm": "y"},
        allow_redirects=False,
    )
    # the operator's "Kirim": to the head of the agency, back on the overview (issue 16)
    assert done.status_code == 303 and done.headers["Location"].endswith(overview)
    result = http.get(f"{base}{overview}/result")
    index = re.search(r'data-testid="overall-index"[^>]*>\s*([0-9.,]+)\s*<', result.text)
    assert index and re.fullmatch(r"\d[.,]\d\d", index.group(1))

    # every request is in the app's log with its id, as the error page and docs promise
    request_id = done.headers["X-Request-ID"]
    assert f"{request_id} POST {overview}/submit 303" in (tmp_path / "gunicorn.log").read_text()

    # stopped cleanly: workers finish and the master exits 0
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
