"""What keeping every query inside a region costs: pages with the scoping on and off.

    .venv/bin/python -m bench.tenancy [--database-url URL] [--rounds 7] [--repeat 20]

The demo (with its 2025 history) is seeded into an empty, migrated database (a temporary
SQLite file by default; its data is lost), and a second region is added so that the scoping
has something to keep out. As the demo's administrator, each page is requested `--repeat`
times with `tenancy.py`'s query listener attached (as in production) and with it detached
(the baseline: the same queries, nothing narrowed), interleaved round by round. It prints the
median time per page of each and the ratio; the per-page query count is the same either way
(the scoping adds conditions, never statements). Nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from bench.scale import make_app, reset

PAGES = (
    "/",
    "/periods/2025/region",
    "/periods/2026/assessments",
    "/assessments/{assessment}",
    "/assessments/{assessment}/dimensions/GOV",
    "/admin/users",
    "/audit",
)


def prepare(app) -> dict[str, str]:
    from sqlalchemy import select

    from smartcity.extensions import db
    from smartcity.models import Agency, Assessment, Period
    from smartcity.seed import seed_demo_region
    from smartcity.services import regions

    with app.app_context():
        seed_demo_region("bench-password-2026")
        regions.create_region("62.01", name="Kabupaten Kotawaringin Barat", kind="kabupaten")
        db.session.commit()
        assessment = db.session.scalar(
            select(Assessment.id)
            .join(Agency)
            .join(Period)
            .where(Agency.code == "DISKOMINFO", Period.year == 2026)
        )
    return {"assessment": str(assessment)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    app = make_app(url)
    reset(app)
    values = prepare(app)
    from smartcity import tenancy

    client = app.test_client()
    response = client.post("/login", data={"username": "admin", "password": "bench-password-2026"})
    assert response.status_code == 302, response.status_code
    pages = [page.format(**values) for page in PAGES]
    times: dict[tuple[str, bool], list[float]] = {(p, on): [] for p in pages for on in (1, 0)}
    listener = tenancy._keep_inside_region
    for page in pages:  # warm-up
        client.get(page)
    for _round in range(args.rounds):
        for scoped in (True, False):
            if not scoped:
                event.remove(Session, "do_orm_execute", listener)
            try:
                for page in pages:
                    started = time.perf_counter()
                    for _ in range(args.repeat):
                        assert client.get(page).status_code == 200, page
                    times[(page, scoped)].append((time.perf_counter() - started) / args.repeat)
            finally:
                if not scoped:
                    event.listen(Session, "do_orm_execute", listener)
    print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}")
    print(f"{'page':<45} {'scoped ms':>10} {'unscoped ms':>12} {'ratio':>7}")
    ratios = []
    for page in pages:
        on = statistics.median(times[(page, True)]) * 1000
        off = statistics.median(times[(page, False)]) * 1000
        ratios.append(on / off)
        print(f"{page:<45} {on:>10.1f} {off:>12.1f} {on / off:>6.2f}x")
    print(f"median ratio scoped / unscoped: {statistics.median(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
