"""Benchmark of the web pages over real HTTP: gunicorn, the answer page and autosave, as ratios.

Run from the repository root:

    .venv/bin/python -m bench.http [--database-url URL] [--duration 10] [--connections 16]
                                   [--workers 2] [--rounds 1] [--profile 200]

The app runs under gunicorn (gunicorn.conf.py, `--workers` sync workers), next to a bare Flask
app (bench/bare_app.py) with the same number of workers on the same database. A load
generator (Python threads, one HTTP/1.1 connection each) keeps `--connections` requests in
flight for `--duration` seconds per measurement; the measurements are interleaved round by
round so that a slow spell hits all of them alike. Every figure is printed next to its
baseline from the same run, with the ratio. Nothing here asserts: it is a measuring tool.

Without `--database-url` (or BENCH_DATABASE_URL) it uses a temporary SQLite file; PostgreSQL
is what production runs (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/bench). The
database is emptied, migrated and seeded: its data is lost.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-2026"
YEAR = 2030  # a period of its own, with the bench questionnaire
DIMENSION = "GOV"
INDICATORS = 8  # the answer page: 8 indicators x 5 levels
# two agencies answer GOV; every connection autosaves its own indicator (no conflicts)
AGENCIES = ("diskominfo", "bapperida")

USER_AGENT = "smartcity-bench"
TARGET_PAGE = 0.5  # answer page >= 0.5x the bare page's requests per second
TARGET_AUTOSAVE = 0.5  # autosave >= 0.5x the bare update's requests per second
TARGET_TAIL = 10.0  # p99 < 10x p50


# --- set-up: database, questionnaire, servers --------------------------------------------------


def bench_instrument() -> str:
    """The demo questionnaire with GOV grown to 8 indicators (copies of the first three)."""
    import yaml

    from smartcity.services.instruments import DEMO_INSTRUMENT

    doc = yaml.safe_load(DEMO_INSTRUMENT.read_text(encoding="utf-8"))
    doc["version"] = "bench-8x5"
    gov = next(d for d in doc["dimensions"] if d["code"] == DIMENSION)
    indicators = gov["indicators"]
    for n in range(len(indicators), INDICATORS):
        copy = deepcopy(indicators[n % 3])
        copy["code"] = f"{DIMENSION}-{n + 1:02d}"
        indicators.append(copy)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@dataclass
class Setup:
    database_url: str
    workdir: Path
    assessments: dict[str, int]  # username -> assessment id (YEAR)
    user_ids: dict[str, int]
    answer_ids: list[int]  # rows the bare autosave updates
    env: dict[str, str] = field(default_factory=dict)


def prepare(database_url: str, workdir: Path) -> Setup:
    """Empty, migrate and seed the database; open YEAR with the bench questionnaire."""
    instance = workdir / "instance"
    instance.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMARTCITY_INSTANCE": str(instance),
        "SECRET_KEY": "bench-secret",
        "EVIDENCE_STORAGE_PATH": str(workdir / "evidence"),
        # the load comes from one address: the log-in limits must not be what is measured
        "LOGIN_LIMIT_PER_ADDRESS": "10000 per minute",
    }
    os.environ.update(env)
    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from smartcity.extensions import db
    from smartcity.factory import create_app
    from smartcity.models import Agency, Answer, Assessment, User
    from smartcity.seed import seed_demo_region
    from smartcity.services.instruments import register_instrument
    from smartcity.services.periods import open_period

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        seed_demo_region(PASSWORD, history=False)
        version = register_instrument(bench_instrument(), "bench-8x5.yaml")
        period, _ = open_period(YEAR, version)
        db.session.commit()
        assessments, user_ids, answer_ids = {}, {}, []
        for username in AGENCIES:
            user = db.session.scalar(select(User).filter_by(username=username))
            assessment = db.session.scalar(
                select(Assessment).filter_by(agency_id=user.agency_id, period_id=period.id)
            )
            assessments[username] = assessment.id
            user_ids[username] = user.id
        # the bare autosave updates answers of a third agency, never the app's rows
        other = db.session.scalar(select(Agency).filter_by(code="DINKES"))
        target = db.session.scalar(
            select(Assessment).filter_by(agency_id=other.id, period_id=period.id)
        )
        for n in range(16):
            row = Answer(
                assessment_id=target.id,
                indicator_code=f"BARE-{n:02d}",
                level=1,
                justification="awal",
            )
            db.session.add(row)
            db.session.flush()
            answer_ids.append(row.id)
        db.session.commit()
        db.engine.dispose()
    return Setup(database_url, workdir, assessments, user_ids, answer_ids, env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its port and its master's process id."""

    port: int
    pid: int

    def worker_pids(self) -> list[int]:
        """The master's children (its workers), from /proc (Linux)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (name) state ppid ...": the name may hold spaces, so split after it
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.pid:
                found.append(int(entry.name))
        return sorted(found)


@contextmanager
def gunicorn(target: str, env: dict[str, str], workers: int | None) -> Iterator[Server]:
    """gunicorn with the repository's settings serving `target` (`workers` None: as many as
    gunicorn.conf.py starts); yields the running server."""
    port = free_port()
    # the log goes to a file: a pipe nobody reads would fill up and stall the workers
    log = tempfile.TemporaryFile(mode="w+")
    concurrency = {"WEB_CONCURRENCY": str(workers)} if workers else {}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", target],
        cwd=ROOT,
        env={**env, "BIND": f"127.0.0.1:{port}", **concurrency},
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = request("127.0.0.1", port, "GET", "/healthz", timeout=5)
                if status in (200, 404):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"gunicorn {target} did not start:\n{log.read()}")
            time.sleep(0.2)
        yield Server(port, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def request(
    host: str, port: int, method: str, path: str, body=None, headers=None, timeout: float = 30
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def log_in(port: int, username: str) -> tuple[str, str]:
    """A session cookie and a CSRF token for `username`, through the real log-in form."""
    import requests

    session = requests.Session()
    # Flask-Login's strong session protection ties the session to the client's user agent
    session.headers["User-Agent"] = USER_AGENT
    base = f"http://127.0.0.1:{port}"
    form = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', form).group(1)
    response = session.post(
        f"{base}/login",
        data={"csrf_token": token, "username": username, "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status_code == 302, f"log-in of {username} failed: {response.status_code}"
    page = session.get(f"{base}/").text
    # a home page without a form (national roles) leaves the log-in form's token
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    token = found.group(1) if found else token
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return cookie, token


# --- the load generator --------------------------------------------------------------------


@dataclass
class Result:
    name: str
    ok: int
    failed: int
    seconds: float
    latencies: list[float]
    size: int

    @property
    def rps(self) -> float:
        return self.ok / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


# a request maker gets the connection's number and its state dict; returns
# (method, path, body, headers); `on_reply(state, status, body)` may update the state
MakeRequest = Callable[[int, dict], tuple[str, str, bytes | None, dict[str, str]]]
OnReply = Callable[[dict, int, bytes], None]


def load(
    name: str,
    port: int,
    make: MakeRequest,
    connections: int,
    duration: float,
    warmup: float = 1.5,
    on_reply: OnReply | None = None,
) -> Result:
    """`connections` threads, each one keep-alive connection, for `warmup` + `duration` s."""
    start = time.monotonic()
    measure_from = start + warmup
    stop = measure_from + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    counts = [[0, 0, 0] for _ in range(connections)]  # ok, failed, bytes
    failures: dict[int, int] = {}  # status -> count (a dict update is atomic under the GIL)

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        state: dict = {}
        while (now := time.monotonic()) < stop:
            method, path, body, headers = make(n, state)
            if "cookie" in state and "Cookie" in headers:
                # like a browser: the session cookie the server last set is sent back
                headers = {**headers, "Cookie": state["cookie"]}
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
                cookie = response.getheader("Set-Cookie")
                if cookie and cookie.startswith("session="):
                    state["cookie"] = cookie.split(";", 1)[0]
            except (OSError, http.client.HTTPException):
                conn.close()  # gunicorn's sync workers close after each response
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            took = time.perf_counter() - began
            if on_reply:
                on_reply(state, status, data)
            if now >= measure_from:
                if status == 200:
                    counts[n][0] += 1
                    counts[n][2] = len(data)
                    latencies[n].append(took)
                else:
                    counts[n][1] += 1
                    failures[status] = failures.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print(f"  {name}: non-200 answers {dict(sorted(failures.items()))}", flush=True)
    return Result(
        name,
        ok=sum(c[0] for c in counts),
        failed=sum(c[1] for c in counts),
        seconds=duration,
        latencies=[x for part in latencies for x in part],
        size=max(c[2] for c in counts),
    )


def merge(results: list[Result]) -> Result:
    return Result(
        results[0].name,
        ok=sum(r.ok for r in results),
        failed=sum(r.failed for r in results),
        seconds=sum(r.seconds for r in results),
        latencies=[x for r in results for x in r.latencies],
        size=results[0].size,
    )


# --- the measurements ----------------------------------------------------------------------


def page_requests(setup: Setup, cookies: dict[str, str]) -> MakeRequest:
    user = AGENCIES[0]
    path = f"/assessments/{setup.assessments[user]}/dimensions/{DIMENSION}"
    headers = {"Cookie": cookies[user], "User-Agent": USER_AGENT}
    return lambda n, state: ("GET", path, None, headers)


def bare_page_requests(setup: Setup) -> MakeRequest:
    user = AGENCIES[0]
    path = (
        f"/assessments/{setup.assessments[user]}/dimensions/{DIMENSION}?user={setup.user_ids[user]}"
    )
    return lambda n, state: ("GET", path, None, {})


def autosave_requests(setup: Setup, sessions: dict[str, tuple[str, str]]) -> MakeRequest:
    """Connection n changes its own indicator back and forth between levels 1 and 2."""

    def make(n: int, state: dict) -> tuple[str, str, bytes, dict[str, str]]:
        user = AGENCIES[n % len(AGENCIES)]
        code = f"{DIMENSION}-{n // len(AGENCIES) % INDICATORS + 1:02d}"
        state["count"] = state.get("count", 0) + 1
        body = {
            "indicator": code,
            "level": 1 + state["count"] % 2,
            "not_applicable": False,
            "justification": f"Disimpan otomatis ({state['count']})",
            "version": state.get("version", 0),
        }
        cookie, token = sessions[user]
        headers = {
            "Cookie": cookie,
            "X-CSRFToken": token,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        return "POST", f"/assessments/{setup.assessments[user]}/autosave", json.dumps(body), headers

    return make


def follow_version(state: dict, status: int, body: bytes) -> None:
    """Keep the answer's version, as the page's script does; after a conflict take theirs."""
    try:
        reply = json.loads(body)
    except ValueError:
        return
    if status == 200:
        state["version"] = reply["version"]
    elif status == 409 and "theirs" in reply:
        state["version"] = reply["theirs"]["version"]


def bare_autosave_requests(setup: Setup) -> MakeRequest:
    def make(n: int, state: dict) -> tuple[str, str, bytes, dict[str, str]]:
        state["count"] = state.get("count", 0) + 1
        body = {"level": 1 + state["count"] % 2, "justification": f"x ({state['count']})"}
        answer = setup.answer_ids[n % len(setup.answer_ids)]
        headers = {"Content-Type": "application/json"}
        return "POST", f"/answers/{answer}", json.dumps(body), headers

    return make


def scoring_throughput(seconds: float = 3.0) -> tuple[float, float]:
    """Assessments scored per second by the pure engine (all dimensions of the demo
    questionnaire, random answers), and a plain weighted mean of the same numbers."""
    from smartcity.domain.instrument import AnswerValue
    from smartcity.domain.loader import load_instrument
    from smartcity.domain.scoring import score_assessment
    from smartcity.services.instruments import DEMO_INSTRUMENT

    instrument = load_instrument(DEMO_INSTRUMENT.read_text(encoding="utf-8"), "demo")
    rng = random.Random(2026)
    indicators = [i for d in instrument.dimensions for i in d.indicators]
    answer_sets = [
        {i.code: AnswerValue(level=rng.randint(1, 5)) for i in indicators} for _ in range(200)
    ]
    codes = [d.code for d in instrument.dimensions]

    def rate(work: Callable[[dict], object]) -> float:
        done, began = 0, time.perf_counter()
        while time.perf_counter() - began < seconds:
            for answers in answer_sets:
                work(answers)
            done += len(answer_sets)
        return done / (time.perf_counter() - began)

    weights = {i.code: Fraction(str(i.weight)) for i in indicators}

    def bare(answers: dict) -> Fraction:
        total = sum(weights[c] * a.level for c, a in answers.items())
        return total / sum(weights.values())

    return rate(lambda a: score_assessment(instrument, a, codes)), rate(bare)


# --- profile: where the answer page spends its time -----------------------------------------


def profile(setup: Setup, requests_count: int) -> str:
    """cProfile of the answer page and autosave in-process (Flask test client), with the
    number of SQL statements per request."""
    from sqlalchemy import event

    from smartcity.extensions import db
    from smartcity.factory import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": setup.database_url, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    user = AGENCIES[0]
    client.post("/login", data={"username": user, "password": PASSWORD})
    page = f"/assessments/{setup.assessments[user]}/dimensions/{DIMENSION}"
    autosave = f"/assessments/{setup.assessments[user]}/autosave"
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def counted(call: Callable[[], object]) -> int:
        statements.clear()
        call()
        return len(statements)

    out = io.StringIO()
    client.get(page)  # warm: templates compiled, questionnaire parsed
    version = {"v": 0}

    def save() -> None:
        reply = client.post(
            autosave,
            json={
                "indicator": f"{DIMENSION}-01",
                "level": 1 + version["v"] % 2,
                "not_applicable": False,
                "justification": "profil",
                "version": version["v"],
            },
        )
        body = reply.get_json()
        version["v"] = body.get("version", body.get("theirs", {}).get("version", 0))

    save()  # after an earlier run the answer exists: a conflict, whose version is taken
    print(
        f"SQL statements: answer page {counted(lambda: client.get(page))}, "
        f"autosave {counted(save)}",
        file=out,
    )
    for name, call in (("answer page", lambda: client.get(page)), ("autosave", save)):
        profiler = cProfile.Profile()
        began = time.perf_counter()
        profiler.enable()
        for _ in range(requests_count):
            call()
        profiler.disable()
        each = (time.perf_counter() - began) / requests_count * 1000
        print(f"\n== {name}: {requests_count} requests in-process, {each:.1f} ms each ==", file=out)
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(r"smartcity|jinja2|sqlalchemy/orm", 25)
    with app.app_context():
        db.engine.dispose()
    return out.getvalue()


# --- report -------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(results: dict[str, Result], scoring: tuple[float, float], args) -> None:
    page, bare_page = results["page"], results["bare page"]
    print(
        f"\nmachine: {platform.node()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; gunicorn {args.workers} sync workers; "
        f"{args.connections} connections; {args.rounds} x {args.duration:.0f} s per figure"
    )
    print(f"{'':28}{'req/s':>9}{'p50':>10}{'p99':>10}{'p99/p50':>9}{'failed':>8}{'bytes':>8}")
    for name, result in results.items():
        p50, p99 = result.percentile(50), result.percentile(99)
        tail = p99 / p50 if p50 else 0
        print(
            f"{name:28}{result.rps:9.1f}{ms(p50):>10}{ms(p99):>10}{tail:9.1f}"
            f"{result.failed:8d}{result.size:8d}"
        )
    print(
        f"{'scoring (assessments/s)':28}{scoring[0]:9.0f}   bare weighted mean "
        f"{scoring[1]:.0f}/s ({scoring[0] / scoring[1]:.2f}x)"
    )
    print("\nratios against the bare app in the same run:")
    ratio = page.rps / max(bare_page.rps, 1e-9)
    print(
        f"  answer page  {ratio:.2f}x bare   (target >= {TARGET_PAGE}x: "
        f"{verdict(ratio >= TARGET_PAGE)})"
    )
    for name in ("page", "autosave"):
        if name not in results:
            continue
        result = results[name]
        tail = result.percentile(99) / max(result.percentile(50), 1e-9)
        print(
            f"  {name:12} p99 = {tail:.1f}x p50 (target < {TARGET_TAIL}x: "
            f"{verdict(tail < TARGET_TAIL)})"
        )
    if "autosave" in results:
        ratio = results["autosave"].rps / max(results["bare autosave"].rps, 1e-9)
        print(
            f"  autosave     {ratio:.2f}x bare   (target >= {TARGET_AUTOSAVE}x: "
            f"{verdict(ratio >= TARGET_AUTOSAVE)})"
        )
    else:
        print("  autosave: not available (no /assessments/<id>/autosave route)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", type=int, default=200, help="requests to profile; 0: none")
    parser.add_argument("--scoring-seconds", type=float, default=3.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="smartcity-bench-http-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    try:
        print(f"preparing {database_url.split('@')[-1]} ...", flush=True)
        setup = prepare(database_url, workdir)
        from smartcity.factory import create_app

        has_autosave = any(r.endpoint == "autosave.save" for r in create_app().url_map.iter_rules())
        with (
            gunicorn("app:app", setup.env, args.workers) as app_server,
            gunicorn("bench.bare_app:app", setup.env, args.workers) as bare_server,
        ):
            app_port, bare_port = app_server.port, bare_server.port
            sessions = {user: log_in(app_port, user) for user in AGENCIES}
            cookies = {user: cookie for user, (cookie, _) in sessions.items()}
            plan = [
                ("page", app_port, page_requests(setup, cookies), None),
                ("bare page", bare_port, bare_page_requests(setup), None),
            ]
            if has_autosave:
                plan += [
                    ("autosave", app_port, autosave_requests(setup, sessions), follow_version),
                    ("bare autosave", bare_port, bare_autosave_requests(setup), None),
                ]
            rounds: dict[str, list[Result]] = {name: [] for name, *_ in plan}
            for number in range(args.rounds):
                for name, port, make, on_reply in plan:
                    print(f"round {number + 1}: {name} ...", flush=True)
                    rounds[name].append(
                        load(name, port, make, args.connections, args.duration, on_reply=on_reply)
                    )
        results = {name: merge(parts) for name, parts in rounds.items()}
        scoring = scoring_throughput(args.scoring_seconds)
        report(results, scoring, args)
        print("\nround by round (req/s):")
        for name, parts in rounds.items():
            print(f"  {name:14} " + "  ".join(f"{p.rps:7.1f}" for p in parts))
        if args.profile:
            print("\n" + profile(setup, args.profile))
        print(f"\ncommand: .venv/bin/python -m bench.http {' '.join(sys.argv[1:])}".rstrip())
        print(
            f"median of rounds, answer page: "
            f"{statistics.median(p.rps for p in rounds['page']):.1f} req/s"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
