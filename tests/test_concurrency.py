"""Many people autosaving one assessment at once on PostgreSQL: no save lost, none silently overwritten.

Runs only when TEST_DATABASE_URL points at PostgreSQL (CI sets it); SQLite has one writer.
"""

from __future__ import annotations

import os
import random
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Answer, AuditEvent
from smartcity.services import audit
from smartcity.services.accounts import create_user

from .helpers import PASSWORD, Auth, assessment_of

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs PostgreSQL (TEST_DATABASE_URL)",
    ),
    # requests in threads at once, each on a connection of its own
    pytest.mark.commits,
]

THREADS = 16
SAVES_PER_THREAD = 12
# everyone writes the two GOV-01/GOV-02 answers; each other answer belongs to two threads
SHARED = ("GOV-01", "GOV-02")
OWN = ("GOV-03", "GOV-04", "GOV-05", "INF-01", "INF-02", "INF-03", "INF-04", "INF-05")


@dataclass(frozen=True)
class Attempt:
    thread: int
    code: str
    content: tuple[int, bool, str]
    based_on: int
    status: int
    body: dict[str, Any]


def content_of(body: dict[str, Any]) -> tuple[int, bool, str]:
    return (body["level"], body["not_applicable"], body["justification"])


def run_thread(client, assessment_id: int, number: int, attempts: list[Attempt], lock) -> None:
    chooser = random.Random(number)
    known: dict[str, int] = defaultdict(int)  # the version this "browser" last saw per answer
    for save in range(SAVES_PER_THREAD):
        code = SHARED[save % 2] if save % 3 else OWN[number % len(OWN)]
        content = (chooser.randint(1, 5), False, f"thread {number} save {save}")
        for _ in range(3):  # like the browser: on a conflict, "keep mine" with their version
            body = {
                "indicator": code,
                "level": content[0],
                "not_applicable": content[1],
                "justification": content[2],
                "version": known[code],
            }
            response = client.post(f"/assessments/{assessment_id}/autosave", json=body)
            reply = response.get_json(silent=True) or {}
            with lock:
                attempts.append(
                    Attempt(number, code, content, known[code], response.status_code, reply)
                )
            if response.status_code == 200:
                known[code] = reply["version"]
                break
            if response.status_code == 409 and reply.get("error") == "conflict":
                known[code] = reply["theirs"]["version"]
                continue
            break


def test_simultaneous_autosaves_lose_nothing_and_overwrite_nothing(demo):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    with demo.app_context():
        for n in range(1, 4):
            create_user(f"kominfo-{n}", "agency", PASSWORD, agency_code="DISKOMINFO")
        db.session.commit()
    users = ["diskominfo", "kominfo-1", "kominfo-2", "kominfo-3"]
    clients = []
    for number in range(THREADS):
        client = demo.test_client()
        assert Auth(client).login(users[number % len(users)]).status_code == 302
        clients.append(client)

    attempts: list[Attempt] = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=run_thread, args=(client, assessment_id, n, attempts, lock))
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert len(attempts) >= THREADS * SAVES_PER_THREAD

    # nothing failed: every save was either accepted or told it conflicts
    assert {a.status for a in attempts} <= {200, 409}
    accepted = [a for a in attempts if a.status == 200]
    refused = [a for a in attempts if a.status == 409]
    assert all(a.body["error"] == "conflict" for a in refused)
    assert refused, "the shared answers should have produced conflicts"

    # each accepted change has a version of its own; an unchanged one repeats a known version
    by_version: dict[tuple[str, int], tuple[int, bool, str]] = {}
    for attempt in sorted(accepted, key=lambda a: not a.body["changed"]):
        key = (attempt.code, attempt.body["version"])
        if attempt.body["changed"]:
            assert key not in by_version, f"two accepted saves got version {key}"
            by_version[key] = attempt.content
        else:
            assert by_version[key] == attempt.content

    with demo.app_context():
        stored = {
            row.indicator_code: row
            for row in db.session.scalars(select(Answer).filter_by(assessment_id=assessment_id))
        }
        history: dict[str, list[tuple[int, bool, str]]] = defaultdict(list)
        for event in db.session.scalars(
            select(AuditEvent)
            .filter_by(assessment_id=assessment_id, action="answer.changed")
            .order_by(AuditEvent.id)
        ):
            new = audit.decoded(event.new_value)
            history[event.subject_id].append(
                (new["level"], new["not_applicable"], new["justification"])
            )

    for code in {a.code for a in attempts}:
        versions = sorted(v for c, v in by_version if c == code)
        # versions 1..n without gaps: every stored change was reported to its sender
        assert versions == list(range(1, len(versions) + 1))
        # every accepted save is in the trail, in version order, and the last one is stored
        assert history[code] == [by_version[(code, v)] for v in versions]
        row = stored[code]
        assert row.version == versions[-1]
        assert (row.level, row.not_applicable, row.justification) == by_version[
            (code, versions[-1])
        ]

    # every refusal was a real conflict: a newer, different version that someone else saved
    for attempt in refused:
        theirs = attempt.body["theirs"]
        assert theirs["version"] != attempt.based_on
        assert content_of(theirs) != attempt.content
        assert by_version[(attempt.code, theirs["version"])] == content_of(theirs)
