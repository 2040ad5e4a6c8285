"""Locust scenario of a deadline day: operators autosaving and uploading, heads approving,
evaluators reviewing, leaders on dashboards; in steps of more simultaneous users.

Started by bench/capacity.py, which seeds the demo (`seed-demo --password`) and serves it with
gunicorn; read bench/README.md. Each virtual user logs in once through the real log-in form
(with its CSRF token) and keeps that session. The demo's accounts are shared out in turn, so
several virtual users may be the same person in different browsers.

Environment (set by bench/capacity.py): BENCH_PASSWORD, BENCH_EVIDENCE (a PDF file to upload),
BENCH_STEPS ("10,20,40"), BENCH_STEP_SECONDS, BENCH_SETTLE_SECONDS (5), BENCH_SPAWN_RATE,
BENCH_RESULTS (a JSON-lines file: one line per step), BENCH_P95_MS and BENCH_STOP_AFTER_MISS
("1": no bigger step after one that missed).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
import uuid
from pathlib import Path

from locust import HttpUser, LoadTestShape, between, events, task
from locust.exception import StopUser

PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password-2026")
EVIDENCE = Path(os.environ.get("BENCH_EVIDENCE", "evidence.pdf"))
YEAR_OPEN = 2026  # the demo's open period: agencies answer it
YEAR_FINAL = 2025  # the demo's final period: reviewed, on the dashboards

# the demo's agencies (smartcity/seed/data.py); operators log in as the code in lower case
AGENCIES = (
    "diskominfo", "bapperida", "dinkes", "disdik", "dlh", "dpupr",
    "dishub", "dpmptsp", "bapenda", "disdukcapil", "disbudpar", "bpbd",
)  # fmt: skip

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
DIMENSION_LINK = re.compile(r'href="(/assessments/(\d+)/dimensions/[A-Z]+)"')
LEVEL_INDICATOR = re.compile(r'data-indicator="([^"]+)"[^>]*data-answer-widget="levels"')
VERSION = re.compile(r'name="version-([^"]+)" type="hidden" value="(\d+)"')
ASSESSMENT_LINK = re.compile(r'href="/assessments/(\d+)"')

_turns: dict[str, itertools.count] = {}
login_failures = 0
ready_users = 0  # logged in and set up: the steps are measured once all of them are
requests_sent = 0  # every request of the run, log-ins and set-up included
conflicts = 0  # autosaves answered 409 "conflict": a colleague saved the same answer first


@events.request.add_listener
def _count(**_kwargs) -> None:
    global requests_sent
    requests_sent += 1


def turn(kind: str) -> int:
    """0, 1, 2 ... for each new virtual user of a kind: who it logs in as."""
    return next(_turns.setdefault(kind, itertools.count()))


class DemoUser(HttpUser):
    abstract = True
    username = ""

    def on_start(self) -> None:
        global ready_users
        self.begin()
        ready_users += 1

    def begin(self) -> None:
        """Log in and find the pages to work on."""

    def log_in(self, username: str) -> str:
        """The log-in form with its CSRF token; returns the home page (the session is kept)."""
        global login_failures
        self.username = username
        page = self.client.get("/login", name="/login").text
        token = CSRF.search(page)
        with self.client.post(
            "/login",
            data={"csrf_token": token.group(1) if token else "", "username": username,
                  "password": PASSWORD},
            name="/login [POST]",
            catch_response=True,
        ) as reply:  # fmt: skip
            if reply.status_code != 200 or "/login" in reply.url:
                login_failures += 1
                reply.failure(f"log-in of {username} failed: {reply.status_code}")
                raise StopUser()
        return reply.text

    def get(self, path: str, name: str) -> str:
        return self.client.get(path, name=name).text


class Operator(DemoUser):
    """An agency's operator on a dimension page: answers save themselves as they change
    (autosave), now and then a file is attached at once and removed again, the page reloaded."""

    weight = 12
    wait_time = between(3, 9)  # reading, thinking, typing a justification

    def begin(self) -> None:
        n = turn("operator")
        self.log_in(AGENCIES[n % len(AGENCIES)])
        home = self.get("/", "/")
        # the open year's assessment is the only plain /assessments/<id> link on the home page
        self.assessment = ASSESSMENT_LINK.search(home).group(1)
        page = self.get(f"/assessments/{self.assessment}", "/assessments/<id>")
        pages = sorted(set(link for link, _ in DIMENSION_LINK.findall(page)))
        # the virtual users of one agency spread over its dimensions and their indicators:
        # no conflicts until there are more of them than indicators (then a conflict is
        # answered as the page does and counted)
        colleague = n // len(AGENCIES)
        self.page = pages[colleague % len(pages)]
        self.other_page = pages[(colleague + 1) % len(pages)]
        indicators = LEVEL_INDICATOR.findall(self.load_page())
        self.indicator = indicators[colleague // len(pages) % len(indicators)]
        self.level = 1

    def load_page(self) -> str:
        page = self.get(self.page, "/assessments/<id>/dimensions/<DIM>")
        self.token = CSRF.search(page).group(1)
        self.versions = {code: int(v) for code, v in VERSION.findall(page)}
        return page

    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.token}

    @task(10)
    def autosave(self) -> None:
        global conflicts
        self.level = self.level % 4 + 1
        body = {
            "indicator": self.indicator,
            "level": self.level,
            "not_applicable": False,
            "justification": f"Sesuai dokumen perencanaan (uji beban {time.time():.0f}).",
            "version": self.versions.get(self.indicator, 0),
        }
        with self.client.post(
            f"/assessments/{self.assessment}/autosave",
            json=body,
            headers=self.headers(),
            name="/assessments/<id>/autosave",
            catch_response=True,
        ) as reply:
            data = reply.json() if reply.headers.get("Content-Type", "").startswith("app") else {}
            if reply.status_code == 200:
                self.versions[self.indicator] = data["version"]
            elif reply.status_code == 409 and data.get("error") == "conflict":
                # a colleague saved first: the page offers "keep mine", based on theirs
                conflicts += 1
                self.versions[self.indicator] = data["theirs"]["version"]
                reply.success()

    @task(3)
    def reload_page(self) -> None:
        self.load_page()

    @task(1)
    def other_dimension(self) -> None:
        self.get(self.other_page, "/assessments/<id>/dimensions/<DIM>")

    @task(1)
    def upload_and_remove(self) -> None:
        """evidence.js sends a chosen file at once; the user removes a wrong one."""
        with EVIDENCE.open("rb") as f:
            reply = self.client.post(
                f"/assessments/{self.assessment}/evidence",
                data={"indicator": self.indicator, "upload_key": uuid.uuid4().hex},
                files={"file": ("Bukti dukung.pdf", f, "application/pdf")},
                headers=self.headers(),
                name="/assessments/<id>/evidence [upload]",
            )
        if reply.status_code in (200, 201):
            self.client.post(
                f"/evidence/{reply.json()['id']}/remove",
                headers=self.headers(),
                name="/evidence/<id>/remove",
            )


class Head(DemoUser):
    """An agency's head reads the answers and the approval page before approving."""

    weight = 2
    wait_time = between(5, 15)

    def begin(self) -> None:
        code = AGENCIES[turn("head") % len(AGENCIES)]
        home = self.log_in(f"kepala-{code}")
        self.assessment = ASSESSMENT_LINK.search(home).group(1)
        page = self.get(f"/assessments/{self.assessment}", "/assessments/<id>")
        self.pages = sorted(set(link for link, _ in DIMENSION_LINK.findall(page)))

    @task(2)
    def approval_page(self) -> None:
        self.get(f"/assessments/{self.assessment}/submit", "/assessments/<id>/submit")

    @task(2)
    def overview(self) -> None:
        self.get(f"/assessments/{self.assessment}", "/assessments/<id>")

    @task(1)
    def answers(self) -> None:
        self.get(self.pages[0], "/assessments/<id>/dimensions/<DIM>")


class Evaluator(DemoUser):
    """The evaluator goes through the agencies' review pages and their evidence."""

    weight = 1
    wait_time = between(5, 15)

    def begin(self) -> None:
        self.log_in("evaluator")
        listing = self.get(f"/periods/{YEAR_FINAL}/assessments", "/periods/<year>/assessments")
        self.assessments = sorted(set(ASSESSMENT_LINK.findall(listing)))
        self.turn = turn("evaluator")

    @task(4)
    def review_page(self) -> None:
        self.turn += 1
        assessment = self.assessments[self.turn % len(self.assessments)]
        page = self.get(f"/assessments/{assessment}/review", "/assessments/<id>/review")
        previews = re.findall(r'href="(/evidence/\d+/preview)"', page)
        if previews and self.turn % 4 == 0:
            self.client.get(previews[0], name="/evidence/<id>/preview")

    @task(1)
    def listing(self) -> None:
        self.get(f"/periods/{YEAR_OPEN}/assessments", "/periods/<year>/assessments")


class Viewer(DemoUser):
    """The region's leaders on the dashboards."""

    weight = 1
    wait_time = between(5, 15)

    def begin(self) -> None:
        self.log_in("pimpinan")
        self.turn = turn("viewer")

    @task(2)
    def region(self) -> None:
        self.get(f"/periods/{YEAR_FINAL}/region", "/periods/<year>/region")

    @task(2)
    def agency_dashboard(self) -> None:
        self.turn += 1
        code = AGENCIES[self.turn % len(AGENCIES)].upper()
        self.get(f"/agencies/{code}/dashboard", "/agencies/<code>/dashboard")

    @task(1)
    def overview(self) -> None:
        self.get(f"/periods/{YEAR_OPEN}/assessments", "/periods/<year>/assessments")


# --- steps of more users, each measured on its own ------------------------------------------


class Steps(LoadTestShape):
    """Each step: spawn up to its number of users and wait until all have logged in, settle
    for BENCH_SETTLE_SECONDS, reset the statistics, measure for BENCH_STEP_SECONDS, write the
    step's figures. The users of one step stay for the next."""

    def __init__(self) -> None:
        super().__init__()
        self.steps = [int(n) for n in os.environ.get("BENCH_STEPS", "10,20").split(",")]
        self.seconds = float(os.environ.get("BENCH_STEP_SECONDS", "30"))
        self.settle = float(os.environ.get("BENCH_SETTLE_SECONDS", "5"))
        self.rate = float(os.environ.get("BENCH_SPAWN_RATE", "10"))
        self.limit = float(os.environ.get("BENCH_P95_MS", "500"))
        self.stop_after_miss = os.environ.get("BENCH_STOP_AFTER_MISS", "1") == "1"
        self.results = Path(os.environ.get("BENCH_RESULTS", "capacity-steps.jsonl"))
        self.index = 0
        self.phase = "spawn"
        self.since = time.monotonic()

    def tick(self):
        if self.index >= len(self.steps):
            return None
        users = self.steps[self.index]
        runner = self.runner
        now = time.monotonic()
        if self.phase == "spawn":
            logged_in = ready_users + login_failures >= users
            # all logged in (a few minutes at most: a step that cannot is measured as it is)
            if runner.user_count >= users and (logged_in or now - self.since > 300):
                self.phase, self.since = "settle", now
        elif self.phase == "settle" and now - self.since >= self.settle:
            runner.stats.reset_all()
            self.phase, self.since = "measure", now
        elif self.phase == "measure" and now - self.since >= self.seconds:
            missed = self.record(users, now - self.since)
            self.index += 1
            self.phase, self.since = "spawn", now
            if self.index >= len(self.steps) or (missed and self.stop_after_miss):
                return None
            users = self.steps[self.index]
        return users, self.rate

    def record(self, users: int, seconds: float) -> bool:
        total = self.runner.stats.total
        p95 = total.get_response_time_percentile(0.95) if total.num_requests else 0
        row = {
            "users": users,
            "seconds": round(seconds, 1),
            "requests": total.num_requests,
            "failures": total.num_failures,
            "rps": round(total.num_requests / seconds, 1),
            "p50_ms": total.get_response_time_percentile(0.5) if total.num_requests else 0,
            "p95_ms": p95,
            "p99_ms": total.get_response_time_percentile(0.99) if total.num_requests else 0,
            "login_failures": login_failures,
            "requests_sent": requests_sent,
            "conflicts": conflicts,
            "by_name": {
                name: {
                    "requests": entry.num_requests,
                    "failures": entry.num_failures,
                    "p95_ms": entry.get_response_time_percentile(0.95),
                }
                for (name, _method), entry in sorted(self.runner.stats.entries.items())
                if entry.num_requests
            },
            "errors": [
                f"{error.method} {error.name}: {error.error} x{error.occurrences}"
                for error in self.runner.stats.errors.values()
            ],
        }
        with self.results.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        return bool(total.num_failures or login_failures or p95 >= self.limit)


@events.quitting.add_listener
def _report_logins(environment, **_kwargs) -> None:
    if login_failures:
        print(f"log-in failures: {login_failures}")
