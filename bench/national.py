"""National scale over HTTP: one region's pages and the national pages of a deployment of many
regions, under gunicorn, as ratios to a small deployment and to /healthz in the same run.

Run from the repository root, after filling the large database with `bench.synth --regions`:

    .venv/bin/python -m bench.synth --regions 514 --agencies-per-region 40 --years 5 \\
        --database-url LARGE --migrate
    .venv/bin/python -m bench.national --database-url LARGE --small-database-url SMALL \\
        [--small-regions 3] [--region 11.01] [--year 2025] [--duration 10] [--connections 2]
        [--min-requests 40] [--max-duration 60] [--workers N] [--exports 3]

The small database is emptied, migrated and filled here with `--small-regions` regions of the
same size (agencies per region and years as in the large one); its data is lost. Both get the
same bench users (made through the services, in their region: `region_context.working_in`): a
region administrator and a viewer of `--region`, with an API token, and a national-viewer
with an API token. Then, per database, two gunicorn servers (gunicorn.conf.py, its number of
workers unless `--workers`):

- in-process first (Flask test client, the same users): the SQL statements of each request,
  counted as tests/test_query_counts.py counts them; equal counts for 3 and 514 regions show
  that nothing is loaded region by region;
- latency: `--connections` keep-alive connections request each URL for `--duration` seconds
  after a warm-up (bench/http.py's load generator), large and small and /healthz interleaved;
  a page too slow for `--min-requests` requests in that time gets longer, up to
  `--max-duration`; p50, p95, requests; p95 against the targets (region page and API
  < 300 ms; national ranking and API < 1 s);
- exports, one request at a time (`--exports` times, warm workers): time to the first byte and
  to the last, bytes; and once on freshly forked workers (SIGHUP) the serving worker's
  resident memory, sampled every 10 ms, before and at its peak (a streamed national export
  should grow as little on 514 regions as on 3: "flat memory").

The national pages (`/national/<year>`, `/api/v1/national/periods/<year>/results`,
`/national/<year>/export.csv`) are skipped with a note while they answer 404. Nothing here
asserts: it is a measuring tool.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.http import PASSWORD, USER_AGENT, Result, Server, gunicorn, load, log_in, request

TARGET_REGION = 0.300  # p95 of the region page and the region's results API, seconds
TARGET_NATIONAL = 1.0  # p95 of the national ranking and the national API
TARGET_FIRST_BYTE = 2.0  # the national export's first byte
ADMIN, VIEWER, NATIONAL = "bench-region-admin", "bench-region-viewer", "bench-national"


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    who: str  # the user whose session cookie or token is sent
    api: bool = False  # a bearer token instead of the session cookie
    target: float | None = None  # p95 target in seconds
    national: bool = False  # a national page: skipped while it answers 404


def endpoints(year: int) -> list[Endpoint]:
    return [
        Endpoint("region page", f"/periods/{year}/region", ADMIN, target=TARGET_REGION),
        Endpoint(
            "region results API",
            f"/api/v1/periods/{year}/results",
            VIEWER,
            api=True,
            target=TARGET_REGION,
        ),
        Endpoint(
            "national ranking", f"/national/{year}", NATIONAL, target=TARGET_NATIONAL, national=True
        ),
        Endpoint(
            "national results API",
            f"/api/v1/national/periods/{year}/results",
            NATIONAL,
            api=True,
            target=TARGET_NATIONAL,
            national=True,
        ),
    ]


def exports(year: int) -> list[Endpoint]:
    region = f"/periods/{year}/export?what=results&format=csv"
    return [
        Endpoint("region results export (CSV)", region, ADMIN),
        Endpoint(
            "national export (CSV)",
            f"/national/{year}/export.csv",
            NATIONAL,
            target=TARGET_FIRST_BYTE,
            national=True,
        ),
    ]  # fmt: skip


# --- the databases and the bench users ------------------------------------------------------


def fill_small(app, regions: int, agencies_per_region: int, years: list[int]) -> None:
    """Empty and migrate the small database; fill it as the large one, with fewer regions."""
    from bench.scale import reset
    from bench.synth import fill_regions
    from smartcity.extensions import db

    reset(app)
    with app.app_context():
        fill_regions(regions, agencies_per_region, years)
        db.session.remove()


def shape(app) -> tuple[int, int, list[int]]:
    """Regions, agencies per region (the most any has) and years of a filled database."""
    from sqlalchemy import func, select

    from smartcity.extensions import db
    from smartcity.models import Agency, Period, Region

    with app.app_context():
        regions = db.session.scalar(select(func.count(Region.id)))
        per_region = db.session.scalar(
            select(func.count(Agency.id))
            .group_by(Agency.region_id)
            .order_by(func.count(Agency.id).desc())
            .limit(1)
        )
        years = list(db.session.scalars(select(Period.year).distinct().order_by(Period.year)))
        db.session.remove()
    return regions or 0, per_region or 0, years


def bench_users(app, region_code: str) -> dict[str, str]:
    """The bench users (made once per database, through the services) and a new API token for
    the viewer and the national viewer: username -> token secret."""
    from sqlalchemy import select

    from smartcity.extensions import db
    from smartcity.models import Region, Role, User
    from smartcity.region_context import working_in
    from smartcity.services.accounts import create_user
    from smartcity.services.tokens import create_token

    with app.app_context():
        with working_in(None):
            region = db.session.scalar(select(Region).filter_by(code=region_code))
        if region is None:
            sys.exit(f"no region {region_code} in {app.config['SQLALCHEMY_DATABASE_URI']}")
        secrets = {}
        for username, role, region_id in (
            (ADMIN, Role.ADMIN, region.id),
            (VIEWER, Role.VIEWER, region.id),
            (NATIONAL, Role.NATIONAL_VIEWER, None),
        ):
            with working_in(region_id):
                with working_in(None):
                    user = db.session.scalar(select(User).filter_by(username=username))
                if user is None:
                    user = create_user(username, role, PASSWORD, full_name=f"Bench {role}")
                assert user.region_id == region_id, (username, user.region_id)
                if username != ADMIN:
                    secrets[username] = create_token(user, "bench.national").secret
                db.session.commit()
        db.session.remove()
    return secrets


# --- SQL statements per request, in-process -------------------------------------------------


@contextmanager
def counted(app) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs."""
    from sqlalchemy import event

    from smartcity.extensions import db

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statement_counts(app, plan: list[Endpoint], tokens: dict[str, str]) -> dict[str, int | None]:
    """Endpoint name -> SQL statements of its second request (the first warms caches); None
    when it does not answer 200."""
    clients = {}
    for username in (ADMIN, NATIONAL):
        client = app.test_client()
        reply = client.post("/login", data={"username": username, "password": PASSWORD})
        if reply.status_code != 302:
            sys.exit(f"log-in of {username} failed in-process: {reply.status_code}")
        clients[username] = client
    counts: dict[str, int | None] = {}
    for endpoint in plan:
        client = clients.get(endpoint.who) or app.test_client()
        headers = {"Authorization": f"Bearer {tokens[endpoint.who]}"} if endpoint.api else {}
        first = client.get(endpoint.path, headers=headers)
        if first.status_code != 200:
            counts[endpoint.name] = None
            continue
        with counted(app) as statements:
            client.get(endpoint.path, headers=headers).get_data()
        counts[endpoint.name] = len(statements)
    return counts


# --- exports: first byte, last byte, memory -------------------------------------------------


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class Download:
    status: int
    first_byte: float
    total: float
    size: int
    rss_before: int  # KiB, the worker that served it (the one whose memory grew most)
    rss_peak: int


def download(server: Server, path: str, headers: dict[str, str]) -> Download:
    """One request, read as a client reads a download, with the workers' memory sampled."""
    workers = server.worker_pids()
    before = {pid: rss_kib(pid) for pid in workers}
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in workers:
                peak[pid] = max(peak[pid], rss_kib(pid))
            done.wait(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    try:
        began = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        size = len(response.read(1))
        first = time.perf_counter() - began
        while chunk := response.read(65536):
            size += len(chunk)
        total = time.perf_counter() - began
    finally:
        conn.close()
        done.set()
        sampler.join()
    grown = max(workers, key=lambda pid: peak[pid] - before[pid])
    return Download(response.status, first, total, size, before[grown], peak[grown])


def refork(server: Server) -> None:
    """New workers forked from the master (SIGHUP; the app is preloaded), the old ones gone."""
    old = set(server.worker_pids())
    os.kill(server.pid, signal.SIGHUP)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = set(server.worker_pids())
        if now and not now & old and len(now) >= len(old):
            try:
                if request("127.0.0.1", server.port, "GET", "/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
        time.sleep(0.1)
    raise SystemExit("gunicorn did not replace its workers after SIGHUP")


# --- the run ----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="filled by bench.synth --regions")
    parser.add_argument("--small-database-url", required=True, help="emptied and filled here")
    parser.add_argument("--small-regions", type=int, default=3)
    parser.add_argument("--region", default="11.01", help="the region whose users are measured")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per figure")
    parser.add_argument(
        "--min-requests", type=int, default=40, help="longer figures for slow pages, up to..."
    )
    parser.add_argument("--max-duration", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--workers", type=int, help="default: as gunicorn.conf.py starts")
    parser.add_argument("--exports", type=int, default=3, help="downloads of each export")
    args = parser.parse_args(argv)
    if args.small_database_url == args.database_url:
        sys.exit("--small-database-url is emptied: it must not be --database-url")

    from bench.scale import make_app

    workdir = Path(tempfile.mkdtemp(prefix="smartcity-bench-national-"))
    os.environ["SMARTCITY_INSTANCE"] = str(workdir / "instance")
    try:
        return run(args, workdir, make_app)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: Path, make_app: Callable) -> int:
    from smartcity.extensions import db

    large_app = make_app(args.database_url)
    large_app.config["API_RATE_LIMIT"] = "1000000 per minute"
    regions, per_region, years = shape(large_app)
    if not regions:
        sys.exit(f"{args.database_url}: no regions; fill it with bench.synth --regions first")
    small_app = make_app(args.small_database_url)
    small_app.config["API_RATE_LIMIT"] = "1000000 per minute"
    print(
        f"{platform.node()} · Python {platform.python_version()} · {os.cpu_count()} CPUs · "
        f"load {os.getloadavg()[0]:.1f}\nlarge: {regions} regions x {per_region} agencies, "
        f"years {years[0]}-{years[-1]}; small: filling {args.small_regions} regions ...",
        flush=True,
    )
    started = time.perf_counter()
    fill_small(small_app, args.small_regions, per_region, years)
    print(f"small filled in {time.perf_counter() - started:.1f} s", flush=True)
    databases = {"large": large_app, "small": small_app}
    tokens = {name: bench_users(app, args.region) for name, app in databases.items()}

    plan = endpoints(args.year)
    downloads = exports(args.year)
    print("\nSQL statements per request (in-process, second request):")
    counts = {
        name: statement_counts(app, plan + downloads, tokens[name])
        for name, app in databases.items()
    }
    print(f"  {'':32}{'small':>8}{'large':>8}")
    for endpoint in plan + downloads:
        small, large = counts["small"][endpoint.name], counts["large"][endpoint.name]
        if small is None and large is None:
            print(f"  {endpoint.name:32}{'-':>8}{'-':>8}   not 200 in-process ({endpoint.path})")
            continue
        same = "same" if small == large else "DIFFERENT"
        print(f"  {endpoint.name:32}{small!s:>8}{large!s:>8}   {same}")
    for app in databases.values():
        with app.app_context():
            db.engine.dispose()

    env = {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        "API_RATE_LIMIT": "1000000 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "10000 per minute",
        "GUNICORN_LOG_LEVEL": "warning",
        "LOG_LEVEL": "WARNING",
    }
    with (
        gunicorn("app:app", {**env, "DATABASE_URL": args.database_url}, args.workers) as large,
        gunicorn(
            "app:app", {**env, "DATABASE_URL": args.small_database_url}, args.workers
        ) as small,
    ):
        servers = {"large": large, "small": small}
        workers = len(large.worker_pids())
        cookies = {
            name: {who: log_in(server.port, who)[0] for who in (ADMIN, NATIONAL)}
            for name, server in servers.items()
        }

        def headers_for(name: str, endpoint: Endpoint) -> dict[str, str]:
            if endpoint.api:
                return {"Authorization": f"Bearer {tokens[name][endpoint.who]}"}
            return {"Cookie": cookies[name][endpoint.who], "User-Agent": USER_AGENT}

        # which endpoints answer at all (the national pages may not exist yet)
        live: list[Endpoint] = []
        seconds: dict[str, float] = {"/healthz": args.duration}  # per figure
        for endpoint in plan + downloads:
            status = download(
                servers["small"], endpoint.path, headers_for("small", endpoint)
            ).status
            if status == 200:
                if endpoint in plan:
                    live.append(endpoint)
                    # one request on the large database: warms it, and tells a slow endpoint
                    took = download(servers["large"], endpoint.path, headers_for("large", endpoint))
                    seconds[endpoint.name] = min(
                        max(args.duration, args.min_requests * took.total / args.connections),
                        args.max_duration,
                    )
            elif endpoint.national and status in (403, 404):
                # 403: the API refuses national tokens while it has no national endpoint
                print(
                    f"note: {endpoint.name} ({endpoint.path}) answers {status}: the national "
                    "pages are not on this branch yet; skipped"
                )
            else:
                print(f"note: {endpoint.name} ({endpoint.path}) answers {status}: skipped")
        print(
            f"\nlatency: gunicorn {workers} workers per server, {args.connections} connections, "
            f"{args.duration:g} s per figure (longer for slow pages: about --min-requests "
            f"{args.min_requests}, at most {args.max_duration:g} s) after 1.5 s of warm-up",
            flush=True,
        )
        results: dict[tuple[str, str], Result] = {}
        healthz = Endpoint("/healthz", "/healthz", "")
        for endpoint in [healthz, *live]:  # interleaved: a slow spell hits both databases
            for name, server in servers.items():
                heads = headers_for(name, endpoint) if endpoint.who else {}
                print(f"  {name}: {endpoint.name} ({seconds[endpoint.name]:.0f} s) ...", flush=True)
                results[name, endpoint.name] = load(
                    endpoint.name,
                    server.port,
                    lambda n, state, p=endpoint.path, h=heads: ("GET", p, None, h),
                    args.connections,
                    seconds[endpoint.name],
                )
        print(
            f"\n{'':24}{'':7}{'requests':>9}{'p50':>9}{'p95':>9}{'p95/small':>10}"
            f"{'p95/healthz':>12}  target"
        )
        for endpoint_name in ["/healthz"] + [e.name for e in live]:
            endpoint = next((e for e in live if e.name == endpoint_name), None)
            for name in ("small", "large"):
                result = results[name, endpoint_name]
                p95 = result.percentile(95)
                base = results[name, "/healthz"].percentile(95)
                small_p95 = results["small", endpoint_name].percentile(95)
                verdict = ""
                if endpoint is not None and endpoint.target and name == "large":
                    met = "met" if p95 < endpoint.target else "MISSED"
                    verdict = f"p95 < {ms(endpoint.target)}: {met}"
                print(
                    f"{endpoint_name:24}{name:7}{result.ok:9d}{ms(result.percentile(50)):>9}"
                    f"{ms(p95):>9}{p95 / small_p95:>9.2f}x{p95 / base:>11.1f}x  {verdict}"
                    + (f" ({result.failed} failed)" if result.failed else "")
                )

        print(
            f"\nexports, {args.exports} downloads each (median; memory: the serving worker's RSS):"
        )
        for endpoint in downloads:
            if (
                download(servers["small"], endpoint.path, headers_for("small", endpoint)).status
                != 200
            ):
                continue
            # times: --exports downloads in warm workers; memory: then one in freshly forked
            # workers (what it adds to a worker that served nothing yet)
            runs: dict[str, list[Download]] = {"small": [], "large": []}
            for _round in range(args.exports):
                for name, server in servers.items():
                    runs[name].append(download(server, endpoint.path, headers_for(name, endpoint)))
            fresh = {}
            for name, server in servers.items():
                refork(server)
                fresh[name] = download(server, endpoint.path, headers_for(name, endpoint))
            for name in ("small", "large"):
                own = runs[name]
                first = statistics.median(d.first_byte for d in own)
                total = statistics.median(d.total for d in own)
                verdict = ""
                if endpoint.target and name == "large":
                    met = "met" if first < endpoint.target else "MISSED"
                    verdict = f"  first byte < {endpoint.target:g} s: {met}"
                before, peak = fresh[name].rss_before / 1024, fresh[name].rss_peak / 1024
                print(
                    f"  {endpoint.name:28}{name:7} first byte {ms(first):>9} · last {ms(total):>9}"
                    f" · {own[-1].size:>11,} bytes · fresh worker {before:.0f} MiB -> peak "
                    f"+{peak - before:.1f} MiB{verdict}"
                )
            small_first = statistics.median(d.first_byte for d in runs["small"])
            large_first = statistics.median(d.first_byte for d in runs["large"])
            print(f"  {'':28}first byte large/small {large_first / small_first:.2f}x")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
