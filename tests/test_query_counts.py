"""Lists are set-based: the same number of queries for a region of 5 agencies and one of 50.

A period of its own (2030) holds only the agencies made here, in every workflow state, with
answers, a review and an evidence file each; then every list is asked with 5 agencies and again
with 50, counting the SQL statements.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select

from smartcity import ratelimit
from smartcity.extensions import db
from smartcity.models import (
    Agency,
    AgencyDimension,
    Answer,
    Assessment,
    EvaluatorAssignment,
    Evidence,
    Period,
    Region,
    Review,
    User,
)
from smartcity.services import results, tokens
from smartcity.services.instruments import instrument_of
from smartcity.services.tokens import create_token

from .helpers import PASSWORD

YEAR = 2030
# "final" first: the 5-agency region has a final result too, whatever the demo's agency count
STATES = ("final", "draft", "awaiting_approval", "submitted", "in_review", "returned", "verified")


def add_agencies(app, count: int) -> None:
    """`count` more agencies with a full assessment each in period YEAR."""
    with app.app_context():
        period = db.session.scalar(select(Period).filter_by(year=YEAR))
        if period is None:
            current = db.session.scalar(select(Period).filter_by(year=2026))
            period = Period(year=YEAR, instrument_version_id=current.instrument_version_id)
            db.session.add(period)
        region = db.session.scalar(select(Region))
        evaluator = db.session.scalar(select(User).filter_by(username="evaluator"))
        indicators = instrument_of(period.instrument_version).dimension("GOV").indicators
        start = db.session.scalar(select(db.func.count(Agency.id)))
        for number in range(start, start + count):
            agency = Agency(
                region=region,
                code=f"UJI{number:03d}",
                name=f"Dinas Uji {number:03d}",
                dimension_links=[AgencyDimension(dimension_code="GOV")],
            )
            state = STATES[(number - start) % len(STATES)]
            assessment = Assessment(agency=agency, period=period, status=state)
            db.session.add(assessment)
            db.session.flush()
            for indicator in indicators:
                db.session.add(
                    Answer(
                        assessment=assessment,
                        indicator_code=indicator.code,
                        level=indicator.level_numbers[-1],
                        justification="bukti",
                    )
                )
            first = indicators[0].code
            db.session.add(
                Review(
                    assessment_id=assessment.id,
                    indicator_code=first,
                    verified_level=indicators[0].level_numbers[0],
                    note="diturunkan",
                )
            )
            db.session.add(
                Evidence(
                    assessment_id=assessment.id,
                    indicator_code=first,
                    sha256="0" * 64,
                    original_name="bukti.pdf",
                    media_type="application/pdf",
                    size=1,
                )
            )
            db.session.add(
                EvaluatorAssignment(
                    period_id=period.id, agency_id=agency.id, evaluator_id=evaluator.id
                )
            )
        results.record_missing()  # the final ones' results, as their finalization stores them
        db.session.commit()


@contextmanager
def counted(app):
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


# (who, how: "page" with a log-in or "api" with a token, URL)
LISTS = [
    ("admin", "page", f"/periods/{YEAR}/export?what=answers&format=csv"),
    ("admin", "page", f"/periods/{YEAR}/export?what=results&format=xlsx"),
    ("evaluator", "page", f"/periods/{YEAR}/export?what=answers&format=xlsx"),
    ("pimpinan", "page", f"/periods/{YEAR}/export?what=results&format=csv"),
    ("admin", "api", f"/api/v1/periods/{YEAR}/results"),
    ("diskominfo", "api", f"/api/v1/periods/{YEAR}/results"),
    ("admin", "api", "/api/v1/periods"),
    ("admin", "page", f"/periods/{YEAR}/assessments"),
    ("admin", "page", f"/periods/{YEAR}/region"),
]


def test_the_same_number_of_queries_for_5_and_50_agencies(demo, monkeypatch):
    # a token's last use is written at most once a minute: on a busy machine the second round
    # could cross that minute between its warm-up and its count (one UPDATE more, not a list
    # that grows); the first use is written, later ones not
    monkeypatch.setattr(tokens, "LAST_USED_RESOLUTION", timedelta(days=1))
    # the log-in and API limits' storage deletes ended windows at one increment in 50, chosen
    # at random: one DELETE more in one round only (the flaky "one statement more for the
    # admin's results API"); at every increment here, so in both rounds alike
    monkeypatch.setattr(ratelimit, "_PRUNE_ONE_IN", 1)
    headers = {}
    with demo.app_context():
        for user in {user for user, how, _url in LISTS if how == "api"}:
            owner = db.session.scalar(select(User).filter_by(username=user))
            headers[user] = {"Authorization": f"Bearer {create_token(owner).secret}"}
        db.session.commit()
    clients = {}
    for user, how, _url in LISTS:
        if how == "page" and user not in clients:
            clients[user] = demo.test_client()
            login = clients[user].post("/login", data={"username": user, "password": PASSWORD})
            assert login.status_code == 302
    counts: dict[str, list[int]] = {url + " " + user: [] for user, _how, url in LISTS}
    for added in (5, 45):
        add_agencies(demo, added)
        for user, how, url in LISTS:
            client = clients[user] if how == "page" else demo.test_client()
            options = {"headers": headers[user]} if how == "api" else {}
            client.get(url, **options)  # warm-up: caches and the token's last use
            with counted(demo) as statements:
                response = client.get(url, **options)
            assert response.status_code == 200, url
            counts[url + " " + user].append(len(statements))
    with demo.app_context():
        assert db.session.query(Assessment).join(Period).filter(Period.year == YEAR).count() == 50
    assert all(pair[0] > 0 for pair in counts.values()), counts  # counted, not 0 == 0
    unequal = {name: pair for name, pair in counts.items() if pair[0] != pair[1]}
    assert unequal == {}, "queries for 5 and for 50 agencies differ"
