"""The demo's 2025 history reads like a real year (issue 15 item 20): opened in March, submitted
in May, reviewed and returned in June, final in July, on working days; the 2025 period uses a
2025 questionnaire version; and the log-in page names the region."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import (
    Agency,
    Assessment,
    AuditEvent,
    Evidence,
    Notification,
    Period,
    Transition,
)
from smartcity.seed.history import HISTORY_CALENDAR, history_moment

WIB = timedelta(hours=7)

# transition -> the months of 2025 it happened in
MONTHS = {
    "submit": {5, 6},  # May, and the one resubmission in June
    "start_review": {6},
    "return": {6},
    "verify": {6},
    "finalize": {7},
}


def _local(moment: datetime) -> datetime:
    return moment + WIB


def test_the_2025_history_runs_over_2025(demo_history):
    with demo_history.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2025))
        assert period.instrument_version.version == "2025.1"
        assert period.opens_on.isoformat() == "2025-03-03"
        steps = list(
            db.session.scalars(
                select(Transition).join(Assessment).where(Assessment.period_id == period.id)
            )
        )
        assert {step.action for step in steps} >= set(MONTHS)
        for step in steps:
            if step.action in MONTHS:
                when = _local(step.at)
                assert when.year == 2025 and when.month in MONTHS[step.action], (step.action, when)
                assert when.weekday() < 5 and 8 <= when.hour < 16, (step.action, when)
        # not one second for everything: the steps are spread over days
        assert len({step.at.date() for step in steps}) >= 10
        # each agency's steps happened in the order the workflow took them
        for agency_id in {step.assessment.agency_id for step in steps}:
            own = sorted(
                (s for s in steps if s.assessment.agency_id == agency_id), key=lambda s: s.id
            )
            assert [s.at for s in own] == sorted(s.at for s in own)
        # the returned agency: submitted in May, returned in June, submitted again after that
        dishub = db.session.scalar(select(Agency.id).filter_by(code="DISHUB"))
        own = [s for s in sorted(steps, key=lambda s: s.id) if s.assessment.agency_id == dishub]
        actions = [s.action for s in own if s.action in MONTHS]
        assert actions.index("return") < len(actions) - 1 - actions[::-1].index("submit")
        assert _local(own[-1].at).month == 7 and own[-1].action == "finalize"
        # every recorded event of the period, evidence included, is within its calendar
        first = history_moment("opened")
        last = history_moment("closed") + timedelta(days=1)
        events = list(db.session.scalars(select(AuditEvent).filter_by(period_id=period.id)))
        assert events and all(first <= event.at <= last for event in events)
        files = db.session.scalars(
            select(Evidence.uploaded_at).join(Assessment).where(Assessment.period_id == period.id)
        )
        for uploaded in files:
            assert HISTORY_CALENDAR["answered"][0] <= _local(uploaded).date()
            assert _local(uploaded).date() <= HISTORY_CALENDAR["answered"][1]
        assert period.created_at.year == 2025
        # the year's notifications went out on its dates, and were read back then
        told = list(
            db.session.scalars(
                select(Notification).join(Assessment).where(Assessment.period_id == period.id)
            )
        )
        assert told and all(n.created_at.year == 2025 and n.read_at for n in told)


def test_the_overview_shows_2025_dates(demo_history, client, auth):
    auth.login("dishub")
    with demo_history.app_context():
        assessment_id = db.session.scalar(
            select(Assessment.id)
            .join(Agency)
            .join(Period)
            .where(Agency.code == "DISHUB", Period.year == 2025)
        )
    page = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    history = page.split('id="history-heading"')[1]
    for month in ("Mei 2025", "Jun 2025", "Jul 2025"):
        assert month in history, month
    assert str(datetime.now().year) not in history  # not stamped with today


def test_the_log_in_page_names_the_region(demo, client):
    page = client.get("/login").get_data(as_text=True)
    assert "Kabupaten Kotawaringin Timur" in page
