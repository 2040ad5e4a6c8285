"""The audit trail: every change leaves an event (who, when, what, before, after); nothing
edits or deletes one; who may read an assessment's history and the whole trail; filters."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from smartcity.extensions import db
from smartcity.models import Agency, Assessment, AuditEvent, Period, User
from smartcity.services import audit
from smartcity.services.instruments import DEMO_INSTRUMENT

from .helpers import PASSWORD, assessment_of


@pytest.fixture
def demo(demo_history):
    """These tests read the completed 2025 period that `flask seed-demo` creates."""
    return demo_history


def events_of(app, **criteria) -> list[tuple[str, object, object]]:
    """(action, old, new) of matching events, oldest first."""
    with app.app_context():
        query = select(AuditEvent).filter_by(**criteria).order_by(AuditEvent.id)
        return [
            (e.action, audit.decoded(e.old_value), audit.decoded(e.new_value))
            for e in db.session.scalars(query)
        ]


def count_events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


# --- every kind of change is recorded ---------------------------------------------------------


def test_user_creation_is_recorded_without_the_password(demo):
    from smartcity.services.accounts import create_user

    with demo.app_context():
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        user = create_user(
            "operator9",
            "agency",
            "rahasia-sekali-2026",
            agency_code="dlh",
            full_name="Sembilan",
            by=admin,
        )
        db.session.commit()
        event = db.session.scalar(
            select(AuditEvent).filter_by(action="user.created", subject_id=str(user.id))
        )
        assert event.user_id == admin.id and event.old_value == ""
        assert audit.decoded(event.new_value) == {
            "username": "operator9",
            "full_name": "Sembilan",
            "role": "agency",
            "agency": "DLH",
            "active": True,
        }
        assert "rahasia" not in event.new_value and user.password_hash not in event.new_value
    # the demo's own users were created by the command line ("system")
    created = events_of(demo, action="user.created", user_id=None)
    with demo.app_context():
        seeded = db.session.scalar(select(func.count()).select_from(User)) - 1  # not operator9
    assert len(created) == seeded


def test_the_cli_records_users_periods_and_instruments(demo, runner, tmp_path):
    result = runner.invoke(
        args=["user", "create", "operator8", "--role", "evaluator", "--password-stdin"],
        input="rahasia-sekali-2026\n",
    )
    assert result.exit_code == 0
    assert [
        e[2]["username"]
        for e in events_of(demo, action="user.created")
        if e[2]["username"] == "operator8"
    ] == ["operator8"]

    before = len(events_of(demo, action="instrument.registered"))
    changed = tmp_path / "v2.yaml"
    changed.write_text(
        DEMO_INSTRUMENT.read_text(encoding="utf-8").replace(
            'version: "2026.1"', 'version: "2027.1"'
        ),
        encoding="utf-8",
    )
    assert (
        runner.invoke(args=["period", "open", "2027", "--instrument", str(changed)]).exit_code == 0
    )
    registered = events_of(demo, action="instrument.registered")
    assert len(registered) == before + 1
    assert registered[-1][2]["version"] == "2027.1" and registered[-1][1] is None
    # the same text again is not a new version, so not a new event
    assert (
        runner.invoke(args=["period", "open", "2027", "--instrument", str(changed)]).exit_code == 0
    )
    assert len(events_of(demo, action="instrument.registered")) == before + 1

    with demo.app_context():
        period_id = db.session.scalar(select(Period.id).filter_by(year=2027))
    assert events_of(demo, period_id=period_id, subject_type="period") == [
        (
            "period.opened",
            None,
            {"year": 2027, "status": "open", "instrument": "kotim-smart-city 2027.1"},
        )
    ]
    assert runner.invoke(args=["period", "close", "2027"]).exit_code == 0
    assert (
        runner.invoke(args=["period", "close", "2027"]).output.strip()
        == "period 2027 was already closed"
    )
    assert (
        runner.invoke(args=["period", "open", "2027", "--instrument", str(changed)]).exit_code == 0
    )
    assert events_of(demo, period_id=period_id, subject_type="period")[1:] == [
        ("period.closed", {"status": "open"}, {"status": "closed"}),
        ("period.opened", {"status": "closed"}, {"status": "open"}),
    ]
    with demo.app_context():
        assert (
            db.session.scalar(
                select(AuditEvent).filter_by(action="period.closed", period_id=period_id)
            ).user_id
            is None
        )


def test_answers_submission_review_and_assignment_are_recorded(demo):
    from smartcity.domain.workflow import Action
    from smartcity.services.assessments import AnswerInput, save_answers
    from smartcity.services.review import ReviewInput, unassign
    from smartcity.services.workflow import approve, save_review, submit, transition

    own = assessment_of(demo, "DINKES")
    with demo.app_context():
        assessment = db.session.get(Assessment, own.id)
        agency_user = db.session.scalar(select(User).filter_by(username="dinkes"))
        evaluator = db.session.scalar(select(User).filter_by(username="evaluator"))
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        codes = [i.code for i in _indicators(assessment)]
        save_answers(
            assessment, agency_user, {c: AnswerInput(2, False, f"Awal {c}") for c in codes}
        )
        save_answers(assessment, agency_user, {codes[0]: AnswerInput(1, False, "Diubah")})
        submit(assessment, agency_user)
        head = db.session.scalar(select(User).filter_by(username="kepala-dinkes"))
        approve(assessment, head, confirmed=True)
        save_review(assessment, evaluator, {codes[0]: ReviewInput(2, False, "Ada bukti SOP")})
        save_review(assessment, evaluator, {codes[0]: ReviewInput(1, False, "")})
        transition(assessment, evaluator, Action.RETURN, "Lengkapi")
        unassign(assessment.period, assessment.agency, evaluator, admin)
        db.session.commit()
    trail = events_of(demo, assessment_id=own.id)
    answers = [e for e in trail if e[0] == "answer.changed"]
    assert len(answers) == len(codes) + 1  # each answered, then one changed
    assert answers[-1] == (
        "answer.changed",
        {"level": 2, "not_applicable": False, "justification": f"Awal {codes[0]}"},
        {"level": 1, "not_applicable": False, "justification": "Diubah"},
    )
    assert (
        "assessment.submitted",
        {"status": "draft"},
        {"status": "awaiting_approval", "round": 1},
    ) in trail
    assert (
        "assessment.approved",
        {"status": "awaiting_approval"},
        {"status": "submitted", "round": 1},
    ) in trail
    assert (
        "assessment.review_started",
        {"status": "submitted"},
        {"status": "in_review", "round": 1},
    ) in trail
    reviews = [e for e in trail if e[0] == "review.changed"]
    assert reviews[0][1] is None and reviews[0][2]["verified_level"] == 2
    assert reviews[1][1] == {
        "verified_level": 2,
        "verified_not_applicable": False,
        "note": "Ada bukti SOP",
    }
    assert reviews[1][2]["verified_level"] == 1
    assert (
        "assessment.returned",
        {"status": "in_review"},
        {"status": "returned", "round": 1, "comment": "Lengkapi"},
    ) in trail
    with demo.app_context():
        agency_id = db.session.scalar(select(Agency.id).filter_by(code="DINKES"))
    removed = events_of(demo, action="assignment.removed", agency_id=agency_id)
    assert removed[-1][1]["evaluator"] == "evaluator" and removed[-1][2] is None


def _indicators(assessment):
    from smartcity.services.assessments import dimension_codes, questionnaire

    instrument = questionnaire(assessment)  # the indicators of its remit
    return [
        i
        for code in dimension_codes(assessment, instrument)
        for i in instrument.dimension(code).indicators
    ]


def test_the_2025_history_is_in_the_trail(demo):
    """Seeded through the services: every step of a genuine history left its event."""
    history = assessment_of(demo, "DISHUB", 2025)
    actions = {e[0] for e in events_of(demo, assessment_id=history.id)}
    assert {
        "answer.changed",
        "evidence.added",
        "assessment.submitted",
        "assessment.returned",
        "assessment.review_started",
        "review.changed",
        "assessment.verified",
        "assessment.finalized",
    } <= actions


# --- append-only ------------------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted(demo):
    with demo.app_context():
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id))
        event.new_value = '{"forged": true}'
        with pytest.raises(audit.AuditTrailIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id))
        assert "forged" not in event.new_value
        db.session.delete(event)
        with pytest.raises(audit.AuditTrailIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(AuditEvent, event.id) is not None


def test_no_route_writes_the_trail(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule


# --- who may read it --------------------------------------------------------------------------

# the 2025 Diskominfo assessment: the evaluator is assigned to every demo agency for 2025
ACCESS = [
    (
        "/assessments/{H}/history",
        {"anonymous": 302, "diskominfo": 404, "dinkes": 404, "evaluator": 200, "admin": 200},
    ),
    (
        "/audit",
        {"anonymous": 302, "diskominfo": 403, "dinkes": 403, "evaluator": 403, "admin": 200},
    ),
]


@pytest.mark.parametrize(("url", "role"), [(u, r) for u, roles in ACCESS for r in roles])
def test_who_reads_the_trail(demo, client, auth, url, role):
    expected = dict(ACCESS)[url][role]
    history = assessment_of(demo, "DISKOMINFO", 2025)
    if role != "anonymous":
        auth.login(role)
    response = client.get(url.replace("{H}", str(history.id)))
    assert response.status_code == expected


def test_an_unassigned_evaluator_does_not_see_the_history(demo, client, auth):
    from smartcity.services.accounts import create_user

    with demo.app_context():
        create_user("evaluator3", "evaluator", PASSWORD)
        db.session.commit()
    auth.login("evaluator3")
    assert (
        client.get(f"/assessments/{assessment_of(demo, 'DLH', 2025).id}/history").status_code == 404
    )


def test_the_history_page_shows_who_what_and_the_values(demo, client, auth, monkeypatch):
    monkeypatch.setattr("smartcity.views.audit.PAGE_SIZE", 10)
    history = assessment_of(demo, "DISHUB", 2025)
    auth.login("evaluator")
    page = client.get(f"/assessments/{history.id}/history").get_data(as_text=True)
    assert "Tim Evaluator Smart City (evaluator)" in page
    assert "Operator DISHUB (dishub)" in page
    # levels with their names, long texts cut with the full text one click away
    assert "(Terdefinisi)" in page or "(Terkelola)" in page
    assert '<details class="full-text">' in page
    assert "<caption>" in page and 'scope="col"' in page
    # older events are on the next page
    assert 'rel="next"' in page
    second = client.get(f"/assessments/{history.id}/history?page=2")
    assert second.status_code == 200 and 'rel="prev"' in second.get_data(as_text=True)
    assert client.get(f"/assessments/{history.id}/history?page=x").status_code == 400


def test_links_to_the_trail(demo, client, auth):
    history = assessment_of(demo, "DISKOMINFO", 2025)
    auth.login("admin")
    assert "/audit" in client.get("/").get_data(as_text=True)
    assert f"/assessments/{history.id}/history" in client.get(
        f"/assessments/{history.id}"
    ).get_data(as_text=True)
    auth.logout()
    auth.login("diskominfo")
    assert f"/assessments/{history.id}/history" not in client.get(
        f"/assessments/{history.id}"
    ).get_data(as_text=True)


# --- filters ----------------------------------------------------------------------------------


def _rows(page: str) -> int:
    return page.count('<tr data-testid="event-')


def test_filter_by_user_and_agency(demo, client, auth):
    auth.login("admin")
    page = client.get("/audit?user=DINKES").get_data(as_text=True)
    assert _rows(page) > 0
    assert (
        "Operator DINKES (dinkes)" in page and "(evaluator)" not in page and ">system<" not in page
    )
    page = client.get("/audit?agency=dlh").get_data(as_text=True)
    assert _rows(page) > 0 and "Dinas Kesehatan" not in page
    assert "Dinas Lingkungan Hidup" in page
    # both: only what Dishub's operator did
    page = client.get("/audit?agency=DISHUB&user=evaluator").get_data(as_text=True)
    assert _rows(page) > 0 and "Operator DISHUB" not in page


def test_filter_by_local_days(demo, client, auth):
    """Days are Asia/Jakarta days (UTC+7); events are stored in naive UTC."""
    with demo.app_context():
        # 2025-06-30 17:30 UTC is 2025-07-01 00:30 in Jakarta
        db.session.add(
            AuditEvent(at=datetime(2025, 6, 30, 17, 30), action="test.marker", subject_type="test")
        )
        db.session.commit()
    auth.login("admin")
    assert "test.marker" in client.get("/audit?from=2025-07-01&to=2025-07-01").get_data(
        as_text=True
    )
    assert "test.marker" not in client.get("/audit?from=2025-06-30&to=2025-06-30").get_data(
        as_text=True
    )
    assert "test.marker" not in client.get("/audit?from=2025-07-02").get_data(as_text=True)
    assert "test.marker" in client.get("/audit?to=2025-07-01").get_data(as_text=True)
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    page = client.get(f"/audit?from={today}&to={today}").get_data(as_text=True)
    assert _rows(page) == 50
    tomorrow = today + timedelta(days=1)
    assert _rows(client.get(f"/audit?from={tomorrow}").get_data(as_text=True)) == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("user=nobody", "There is no user named nobody."),
        ("agency=XYZ", "There is no agency with the code XYZ."),
        ("from=31-12-2025", "must be a date such as"),
        ("to=2025-02-30", "must be a date such as"),
        ("from=2025-12-31&to=2025-01-01", "The first day must not be after the last day."),
        ("page=0", "The page must be a whole number from 1."),
        ("page=-3", "The page must be a whole number from 1."),
    ],
)
def test_invalid_filters_say_what_is_wrong(demo, client, auth, query, message, english):
    auth.login("admin")
    response = client.get(f"/audit?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'role="alert"' in page
    # what was typed is kept in the form
    value = query.split("=", 1)[1].split("&")[0]
    if not query.startswith("page"):
        assert f'value="{value}"' in page


def test_pages_keep_the_filter(demo, client, auth, monkeypatch):
    monkeypatch.setattr("smartcity.views.audit.PAGE_SIZE", 10)
    auth.login("admin")
    first = client.get("/audit?agency=DISHUB").get_data(as_text=True)
    assert _rows(first) == 10
    assert "agency=DISHUB" in first.split('rel="next"')[0].rsplit("href=", 1)[1]
    second = client.get("/audit?agency=DISHUB&page=2")
    assert second.status_code == 200 and _rows(second.get_data(as_text=True)) > 0
    assert _rows(client.get("/audit?agency=DISHUB&page=999").get_data(as_text=True)) == 0
