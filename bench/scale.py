"""Scale benchmark: the region dashboard, the results API and the answers export at 40, 400
and 4,000 agencies, as ratios to the 40-agency figure and to a bare baseline request.

Run from the repository root against a database of your own (it is emptied first):

    .venv/bin/python -m bench.scale --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

The database is grown in steps with `bench.synth` (each step adds agencies with final,
reviewed answers for --years years) and every page is requested through the Flask test
client, in-process: the figures are the application's own time (queries, Python, templates),
not the network's. Per size: one warm-up, then --repeat interleaved rounds; the median and
the fastest round are printed, and the ratios use the fastest round (on a shared machine the
fastest round is the one least disturbed by other processes; the median is shown for
context). Endpoints that do not exist yet are skipped with a note. Nothing asserts: this is
a measuring tool, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence

from sqlalchemy import text

PASSWORD = "bench-password-2026"
YEARS = 3
LAST_YEAR = 2025
# targets from the issue
TARGET_DASHBOARD = 10.0  # region dashboard at 4,000 agencies < 10x its time at 40
TARGET_EXPORT_SLOPE = 1.25  # "close to linear": time per agency at 4,000 within 1.25x of 400's


def make_app(database_url: str):
    os.environ.setdefault("SMARTCITY_INSTANCE", tempfile.mkdtemp(prefix="smartcity-scale-"))
    from smartcity.factory import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-secret",
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
        }
    )


def reset(app) -> None:
    """An empty, migrated database."""
    from flask_migrate import upgrade

    from smartcity.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            else:
                db.drop_all()
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        db.engine.dispose()


def has_route(app, path: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path.split("?")[0], method="GET")
    except Exception:  # noqa: BLE001 - NotFound, MethodNotAllowed, RequestRedirect
        return False
    return True


def clients(app):
    """A logged-in admin (pages) and an API bearer token, when the API exists."""
    from smartcity.extensions import db
    from smartcity.services.accounts import create_user

    with app.app_context():
        admin = create_user("admin", "admin", PASSWORD, full_name="Bench admin")
        token = None
        try:
            from smartcity.services.tokens import create_token
        except ImportError:
            create_token = None
        if create_token is not None:
            token = create_token(admin, "bench").secret
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    if response.status_code != 302:
        sys.exit(f"log-in failed: {response.status_code}")
    return client, token


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sizes", default="40,400,4000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--years", type=int, default=YEARS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    from bench.synth import fill
    from smartcity.extensions import db

    app = make_app(args.database_url)
    reset(app)
    client, token = clients(app)
    years = list(range(LAST_YEAR - args.years + 1, LAST_YEAR + 1))
    year = LAST_YEAR
    endpoints: dict[str, tuple[str, dict[str, str]]] = {
        "baseline": ("/healthz" if has_route(app, "/healthz") else "/login", {}),
        "region dashboard": (f"/periods/{year}/region", {}),
        "results API": (
            f"/api/v1/periods/{year}/results",
            {"Authorization": f"Bearer {token}"} if token else {},
        ),
        "answers export (CSV)": (f"/periods/{year}/export?what=answers&format=csv", {}),
    }
    for name, (path, _headers) in list(endpoints.items()):
        if not has_route(app, path):
            print(f"note: {name} ({path}) does not exist yet: skipped")
            del endpoints[name]
        elif name == "results API" and token is None:
            print("note: results API skipped: no API tokens (smartcity.services.tokens)")
            del endpoints[name]

    print(
        f"{platform.node()} · Python {platform.python_version()} · {os.cpu_count()} CPUs · "
        f"load {os.getloadavg()[0]:.1f} · {args.database_url.split('@')[-1]}"
    )
    print(f"years {years[0]}-{years[-1]} · measured period {year} · {args.repeat} rounds")
    results: dict[int, dict[str, float]] = {}
    sizes_bytes: dict[int, dict[str, int]] = {}
    have = 0
    for size in sizes:
        with app.app_context():
            filled = fill(size - have, years, seed=size)
            db.session.remove()
        have = size
        print(
            f"\n{size} agencies: +{filled.agencies} agencies, {filled.answers} answers and "
            f"{filled.reviews} reviews added in {filled.seconds:.1f} s"
        )
        with app.app_context():
            with db.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("ANALYZE"))
        samples: dict[str, list[float]] = {name: [] for name in endpoints}
        sizes_bytes[size] = {}
        for name, (path, headers) in endpoints.items():  # warm-up, and check it works
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                print(f"note: {name} answered {response.status_code}: skipped")
                samples.pop(name)
            sizes_bytes[size][name] = len(response.get_data())
        for _round in range(args.repeat):
            for name in samples:
                path, headers = endpoints[name]
                samples[name].append(timed(lambda p=path, h=headers: client.get(p, headers=h)))
        results[size] = {name: min(values) for name, values in samples.items()}
        for name, values in samples.items():
            print(
                f"  {name:<22} fastest {min(values) * 1000:9.1f} ms · median "
                f"{statistics.median(values) * 1000:9.1f} ms · {sizes_bytes[size][name]:>9} bytes"
            )

    first = sizes[0]
    print(
        f"\nRatios of the fastest rounds: to the {first}-agency figure of the same measurement"
        " | to the baseline"
    )
    header = f"{'measurement':<22}" + "".join(f"{size:>16}" for size in sizes)
    print(header)
    for name in endpoints:
        cells = []
        for size in sizes:
            value = results[size].get(name)
            start = results[first].get(name)
            base = results[size].get("baseline")
            if value is None or start is None or not base:
                cells.append(f"{'-':>16}")
            else:
                cells.append(f"{value / start:>7.2f}x |{value / base:>6.0f}x")
        print(f"{name:<22}" + "".join(cells))
    last = sizes[-1]
    dashboard = results[last].get("region dashboard"), results[first].get("region dashboard")
    if all(dashboard):
        ratio = dashboard[0] / dashboard[1]
        verdict = "met" if ratio < TARGET_DASHBOARD else "MISSED"
        print(f"\ntarget: dashboard {last} < {TARGET_DASHBOARD:g}x {first}: {ratio:.2f}x {verdict}")
    if len(sizes) >= 2:
        middle = sizes[-2]
        for name in ("answers export (CSV)", "results API"):
            high, mid = results[last].get(name), results[middle].get(name)
            if high and mid:
                slope = (high / last) / (mid / middle)
                verdict = "met" if slope <= TARGET_EXPORT_SLOPE else "MISSED"
                print(
                    f"target: {name} close to linear: time per agency at {last} is "
                    f"{slope:.2f}x that at {middle} ({verdict}, limit {TARGET_EXPORT_SLOPE:g}x)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
