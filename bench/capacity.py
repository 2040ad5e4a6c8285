"""Capacity: how many simultaneous users one machine holds with p95 < 500 ms and no error.

Run from the repository root after `make bench-deps` (Locust):

    .venv/bin/python -m bench.capacity [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME]
        [--steps 25,50,100,200,400] [--step-seconds 40] [--spawn-rate 10] [--workers N] [--keep]

Creates the PostgreSQL database NAME (dropped first if it exists, and at the end unless
`--keep`), migrates it and seeds the demo (`flask db upgrade`, `flask seed-demo --password`),
starts gunicorn with gunicorn.conf.py on a free port (`--workers`: WEB_CONCURRENCY, default the
file's own: 2 x CPU cores) and runs the Locust scenario of bench/locustfile.py headless, in
steps of more users. Each step is measured on its own after its users have logged in (the
statistics are reset when the step is reached); it prints p50, p95, p99, failures and
requests/s per step and the largest step held with p95 < `--p95-ms` and no failure. After the
first step that misses, no bigger step is run. Locust runs on the same machine and takes CPU
from the app: the figure is a floor for an app server of this size. Nothing here asserts.

Log-in limits are raised through their settings (LOGIN_LIMIT_PER_ADDRESS/-_PER_ACCOUNT): all
virtual users come from one address and share the demo's accounts. They count only failed
log-ins, which a correct run has none of; raised, a wrong password shows up as failures of
`/login [POST]`, not as 429s that hide it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.documents import BASELINE_HTML, cpu_ceiling
from bench.http import gunicorn

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-2026"
LOCUST = Path(sys.executable).parent / "locust"


def recreate_database(url: str, drop_only: bool = False) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    maintenance = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def noise_png(path: Path, side: int) -> None:
    """A PNG of random pixels: a scan's worth of bytes that no compression shrinks."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + os.urandom(side * 3) for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )


def evidence_pdf(path: Path, pages: int = 4) -> int:
    """A real PDF as an agency's evidence file (text pages and a scanned-looking image, about
    300 KB); returns its size."""
    from smartcity import pdf

    noise_png(path.parent / "scan.png", 320)
    body = BASELINE_HTML.split("<body>")[1].split("</body>")[0]
    image = '<img src="scan.png" style="width: 15cm">'
    html = BASELINE_HTML.replace(body, image + "".join(body * 12 for _ in range(pages)))
    path.write_bytes(pdf.render(html, path.parent))
    return path.stat().st_size


def children_cpu() -> float:
    """CPU seconds of the child processes this process has waited for (with theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.capacity", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_capacity"
        ),
        help="a PostgreSQL database that is created (dropped first if it exists)",
    )
    parser.add_argument("--steps", default="25,50,100,200,400")
    parser.add_argument("--step-seconds", type=float, default=40)
    parser.add_argument("--spawn-rate", type=float, default=10, help="new users per second")
    parser.add_argument("--p95-ms", type=float, default=500)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default 2 x cores)"
    )
    parser.add_argument("--all-steps", action="store_true", help="go on after a missed step")
    parser.add_argument("--keep", action="store_true", help="keep the database and folder")
    args = parser.parse_args(argv)
    if not LOCUST.exists():
        raise SystemExit("Locust is missing: run `make bench-deps` first")

    workdir = Path(tempfile.mkdtemp(prefix="smartcity-bench-capacity-"))
    results = workdir / "steps.jsonl"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "SMARTCITY_INSTANCE": str(workdir / "instance"),
        "SECRET_KEY": "bench-secret",
        "EVIDENCE_STORAGE_PATH": str(workdir / "evidence"),
        # every virtual user comes from 127.0.0.1 and the demo has one account per person
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
    }
    env.pop("REDIS_URL", None)  # the log-in counters in the database, as without Redis
    load_before = os.getloadavg()
    try:
        started = time.perf_counter()
        recreate_database(args.database_url)
        flask(env, "db", "upgrade")
        flask(env, "seed-demo", "--password", PASSWORD)
        size = evidence_pdf(workdir / "evidence.pdf")
        print(
            f"database {args.database_url.rsplit('@', 1)[-1]} migrated and seeded in "
            f"{time.perf_counter() - started:.0f} s; evidence file {size / 1024:.0f} KB",
            flush=True,
        )
        ceiling = cpu_ceiling()
        # gunicorn.conf.py's own default, stated here because bench.http's helper sets it
        workers = args.workers or max(2, 2 * (os.cpu_count() or 1))
        with gunicorn("app:app", env, workers) as server:
            port = server.port
            print(f"gunicorn on port {port}, workers: {workers}; steps {args.steps}", flush=True)
            locust_env = {
                **env,
                "BENCH_PASSWORD": PASSWORD,
                "BENCH_EVIDENCE": str(workdir / "evidence.pdf"),
                "BENCH_STEPS": args.steps,
                "BENCH_STEP_SECONDS": str(args.step_seconds),
                "BENCH_SPAWN_RATE": str(args.spawn_rate),
                "BENCH_P95_MS": str(args.p95_ms),
                "BENCH_STOP_AFTER_MISS": "0" if args.all_steps else "1",
                "BENCH_RESULTS": str(results),
            }
            cpu_before = children_cpu()
            with (workdir / "locust.log").open("w") as log:
                subprocess.run(
                    [
                        str(LOCUST),
                        "-f",
                        "bench/locustfile.py",
                        "--headless",
                        "--host",
                        f"http://127.0.0.1:{port}",
                        "--only-summary",
                        "--loglevel",
                        "WARNING",
                    ],
                    cwd=ROOT,
                    env=locust_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            cpu_locust = children_cpu() - cpu_before
        # gunicorn's workers are counted once the server has stopped (reaped by its master)
        cpu_app = children_cpu() - cpu_before - cpu_locust
        report(results, args, ceiling, load_before)
        sent = max((row["requests_sent"] for row in read_rows(results)), default=0)
        print(
            f"CPU time of the whole run: gunicorn {cpu_app:.0f} s, Locust {cpu_locust:.0f} s "
            f"(PostgreSQL not counted) for {sent} requests (log-ins included): "
            f"{cpu_app / max(sent, 1) * 1000:.0f} ms of the app's CPU a request"
        )
        if not results.exists():
            print((workdir / "locust.log").read_text()[-3000:])
    finally:
        if args.keep:
            print(f"kept {workdir} and the database")
        else:
            recreate_database(args.database_url, drop_only=True)
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def read_rows(results: Path) -> list[dict]:
    if not results.exists():
        return []
    return [json.loads(line) for line in results.read_text().splitlines()]


def report(results: Path, args, ceiling: float, load_before: tuple[float, ...]) -> None:
    rows = read_rows(results)
    print(
        f"\nmachine: {os.cpu_count()} CPUs, Python {platform.python_version()}; PostgreSQL, "
        f"gunicorn and Locust on the same machine; CPU ceiling {ceiling:.2f}x (2.00 on two free "
        f"cores); load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(f"{'users':>6}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'failed':>8}  held")
    held, missed = None, False
    for row in rows:
        ok = row["failures"] == 0 and row["login_failures"] == 0 and row["p95_ms"] < args.p95_ms
        missed = missed or not ok
        if not missed:
            held = row["users"]
        print(
            f"{row['users']:6d}{row['rps']:8.1f}{row['p50_ms']:8.0f}{row['p95_ms']:8.0f}"
            f"{row['p99_ms']:8.0f}{row['failures']:8d}  {'yes' if ok else 'NO'}"
        )
        slowest = sorted(row["by_name"].items(), key=lambda item: -item[1]["p95_ms"])[:3]
        print(
            "        slowest p95: "
            + ", ".join(f"{name} {entry['p95_ms']:.0f} ms" for name, entry in slowest)
        )
        if row.get("conflicts"):
            print(
                f"        autosave conflicts so far (answered as the page does): {row['conflicts']}"
            )
        for error in row["errors"][:5]:
            print(f"        error: {error}")
    if held is None:
        print(f"no step held p95 < {args.p95_ms:.0f} ms without failures")
    else:
        best = next(r for r in rows if r["users"] == held)
        print(
            f"largest step held (p95 < {args.p95_ms:.0f} ms, no failure): {held} users, "
            f"{best['rps']:.1f} requests/s ({best['rps'] / held:.3f} per user)"
        )


if __name__ == "__main__":
    sys.exit(main())
