"""Benchmark of the answer page on a slow mobile connection, in Chromium's network emulation.

Run from the repository root:

    .venv/bin/python -m bench.network [--rounds 3] [--kbps 400] [--latency 400]

Staff outside the cities work on weak connections (issue 15, item 21; docs/PERFORMANCE.md).
A temporary SQLite database gets the demo region; two gunicorn servers (gunicorn.conf.py, two
workers) serve it: the app (`app:app`) and the same app as it sent files before
(`bench/uncached_app.py`: static files under plain names revalidated on every visit, nothing
compressed). Debian's Chromium logs in as Diskominfo, then, throttled with the DevTools
protocol's `Network.emulateNetworkConditions` (default: Chromium's "slow 3G" as the issue
states it, 400 kbit/s both ways and 400 ms latency), opens the GOV answer page with an empty
cache (cold visit) and once more (repeat visit, as on the next day). For each visit it prints
the time to the load event and the bytes that came over the network (`encodedDataLength`,
headers included), before and after in the same run, interleaved round by round, with the
ratio and the targets (cold visit under 1.5 s, repeat visit under 20 KB). It measures; it
never fails on a figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.http import gunicorn

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-password-2026"
USERNAME = "diskominfo"
DIMENSION = "GOV"
TARGET_COLD_SECONDS = 1.5
TARGET_REPEAT_BYTES = 20 * 1024


@dataclass
class Visit:
    seconds: float
    transferred: int  # bytes over the network, headers included
    requests: list[tuple[str, int, int, bool]] = field(
        default_factory=list
    )  # url, status, bytes, cached


def prepare(workdir: Path) -> tuple[dict[str, str], str]:
    """A migrated, demo-seeded SQLite database; the environment for the servers."""
    instance = workdir / "instance"
    instance.mkdir()
    database_url = f"sqlite:///{workdir / 'network.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMARTCITY_INSTANCE": str(instance),
        "SECRET_KEY": "bench-secret",
        "EVIDENCE_STORAGE_PATH": str(workdir / "evidence"),
    }
    os.environ.update(env)
    from flask_migrate import upgrade

    from smartcity.extensions import db
    from smartcity.factory import create_app
    from smartcity.seed import seed_demo_region

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    with app.app_context():
        upgrade()
        seed_demo_region(PASSWORD)
        db.engine.dispose()
    return env, database_url


def answer_page_url(database_url: str) -> str:
    from sqlalchemy import select

    from smartcity.extensions import db
    from smartcity.factory import create_app
    from smartcity.models import Agency, Assessment, Period

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        assessment_id = db.session.scalar(
            select(Assessment.id)
            .join(Agency, Assessment.agency_id == Agency.id)
            .join(Period, Assessment.period_id == Period.id)
            .where(Agency.code == USERNAME.upper(), Period.year == 2026)
        )
        db.engine.dispose()
    return f"/assessments/{assessment_id}/dimensions/{DIMENSION}"


class Recorder:
    """The page's requests as the DevTools protocol reports them."""

    def __init__(self, cdp):
        self.responses: dict[str, tuple[str, int, bool]] = {}
        self.finished: dict[str, int] = {}
        self.from_cache: set[str] = set()
        cdp.on("Network.responseReceived", self.response)
        cdp.on("Network.loadingFinished", self.done)
        cdp.on("Network.requestServedFromCache", self.cached)

    def response(self, event) -> None:
        reply = event["response"]
        cached = bool(reply.get("fromDiskCache") or reply.get("fromMemoryCache"))
        self.responses[event["requestId"]] = (reply["url"], reply["status"], cached)

    def cached(self, event) -> None:
        self.from_cache.add(event["requestId"])

    def done(self, event) -> None:
        self.finished[event["requestId"]] = int(event["encodedDataLength"])

    def clear(self) -> None:
        self.responses.clear()
        self.finished.clear()
        self.from_cache.clear()


def log_in(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"^(?!.*/login)"))
    page.goto(f"{base}/")  # the agency's home opens the 2026 assessment


def measure(page, recorder: Recorder, url: str) -> Visit:
    recorder.clear()
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # the last loadingFinished events
    seconds = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return (n.loadEventEnd - n.startTime) / 1000; }"
    )
    requests = []
    for request_id, (address, status, cached) in recorder.responses.items():
        size = recorder.finished.get(request_id, 0)
        cached = cached or request_id in recorder.from_cache
        requests.append((address.split("/", 3)[-1], status, size, cached))
    return Visit(seconds, sum(r[2] for r in requests), requests)


def visits(browser, base: str, url: str, kbps: int, latency: int) -> tuple[Visit, Visit]:
    """A cold and a repeat visit of `url` on `base`, throttled, after an unthrottled log-in."""
    context = browser.new_context(locale="id-ID", viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        log_in(page, base)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        recorder = Recorder(cdp)
        cdp.send("Network.clearBrowserCache")  # the log-in page's style sheet: gone
        throughput = kbps * 1000 / 8
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": latency,
                "downloadThroughput": throughput,
                "uploadThroughput": throughput,
            },
        )
        cold = measure(page, recorder, base + url)
        repeat = measure(page, recorder, base + url)
        return cold, repeat
    finally:
        context.close()


def kb(size: float) -> str:
    return f"{size / 1024:.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kbps", type=int, default=400, help="kbit/s, both ways")
    parser.add_argument("--latency", type=int, default=400, help="ms added to each request")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    version = subprocess.run(
        [CHROMIUM, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()}")
    print(f"{version or CHROMIUM} · {args.kbps} kbit/s both ways, {args.latency} ms latency")
    with tempfile.TemporaryDirectory(prefix="smartcity-network-") as tmp:
        env, database_url = prepare(Path(tmp))
        env = {**env, "WEB_CONCURRENCY": "2"}
        url = answer_page_url(database_url)
        results: dict[str, list[tuple[Visit, Visit]]] = {"before": [], "after": []}
        with (
            gunicorn("bench.uncached_app:app", env, 2) as before,
            gunicorn("app:app", env, 2) as after,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            bases = {
                "before": f"http://127.0.0.1:{before.port}",
                "after": f"http://127.0.0.1:{after.port}",
            }
            for base in bases.values():  # warm-up: templates compiled, files hashed
                visits(browser, base, url, 100_000, 0)
            for number in range(1, args.rounds + 1):
                for name, base in bases.items():
                    results[name].append(visits(browser, base, url, args.kbps, args.latency))
                    cold, repeat = results[name][-1]
                    print(
                        f"  round {number} {name:6}: cold {cold.seconds:.2f} s "
                        f"{kb(cold.transferred)}, repeat {repeat.seconds:.2f} s "
                        f"{kb(repeat.transferred)}",
                        flush=True,
                    )
            browser.close()
        report(results, url)


def report(results: dict[str, list[tuple[Visit, Visit]]], url: str) -> None:
    def median(name: str, which: int, attribute: str) -> float:
        return statistics.median(getattr(pair[which], attribute) for pair in results[name])

    print(f"\n{url}, median of {len(results['after'])} rounds")
    print(f"{'':28}{'before':>10}{'after':>10}{'after/before':>14}  target")
    rows = [
        ("cold visit: load event", 0, "seconds", f"< {TARGET_COLD_SECONDS} s", TARGET_COLD_SECONDS),
        ("cold visit: transferred", 0, "transferred", "", None),
        ("repeat visit: load event", 1, "seconds", "", None),
        ("repeat visit: transferred", 1, "transferred", "< 20 KB", TARGET_REPEAT_BYTES),
    ]
    for label, which, attribute, target, limit in rows:
        before, after = median("before", which, attribute), median("after", which, attribute)
        shown = (lambda v: f"{v:.2f} s") if attribute == "seconds" else kb
        verdict = "" if limit is None else ("met" if after < limit else "MISSED")
        print(
            f"{label:28}{shown(before):>10}{shown(after):>10}{after / before:>13.2f}x"
            f"  {target} {verdict}"
        )
    for name in ("before", "after"):
        cold, repeat = results[name][-1]
        for visit_name, visit in (("cold", cold), ("repeat", repeat)):
            print(f"\n{name}, {visit_name} visit (last round): {len(visit.requests)} requests")
            for address, status, size, cached in visit.requests:
                note = " (from the cache)" if cached else ""
                print(f"  {status} {kb(size):>9}  /{address}{note}")


if __name__ == "__main__":
    main()
