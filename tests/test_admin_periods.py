"""Administering periods: create, open and close, dates, one agency's new deadline, the rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from smartcity.domain.deadlines import EditState, edit_window, today_local
from smartcity.extensions import db
from smartcity.models import (
    Agency,
    Answer,
    Assessment,
    AuditEvent,
    InstrumentVersion,
    IssuedDocument,
    Period,
    PeriodExtension,
)

from .helpers import assessment_of

D = date(2026, 6, 7)
BEFORE, AFTER = D - timedelta(days=1), D + timedelta(days=1)

# (period open, first day, last day, agency's extension, today) -> state
DEADLINE_RULE = [
    ("no dates: no limit", True, None, None, None, D, EditState.OPEN),
    ("closed period", False, None, None, None, D, EditState.CLOSED),
    ("closed period, even with an extension", False, None, D, AFTER, D, EditState.CLOSED),
    ("the last day itself counts", True, None, D, None, D, EditState.OPEN),
    ("the day after the last day", True, None, D, None, AFTER, EditState.DEADLINE_PASSED),
    ("before the first day", True, D, None, None, BEFORE, EditState.NOT_YET),
    ("on the first day", True, D, None, None, D, EditState.OPEN),
    ("an extension opens nothing early", True, D, None, AFTER, BEFORE, EditState.NOT_YET),
    ("an extension beyond the last day", True, None, BEFORE, AFTER, D, EditState.OPEN),
    ("an extension's own last day passed", True, None, AFTER, BEFORE, D, EditState.DEADLINE_PASSED),
    (
        "an extension without a period last day",
        True,
        None,
        None,
        BEFORE,
        D,
        EditState.DEADLINE_PASSED,
    ),
]


@pytest.mark.parametrize(
    ("period_open", "opens_on", "closes_on", "extension", "today", "state"),
    [case[1:] for case in DEADLINE_RULE],
    ids=[case[0] for case in DEADLINE_RULE],
)
def test_deadline_rule(period_open, opens_on, closes_on, extension, today, state):
    window = edit_window(
        period_open=period_open,
        opens_on=opens_on,
        closes_on=closes_on,
        extension_until=extension,
        today=today,
    )
    assert window.state == state
    assert window.may_edit == (state == EditState.OPEN)
    assert window.deadline == (extension or closes_on)


def test_today_is_the_jakarta_day():
    from datetime import datetime

    # 18:00 UTC is already 01:00 the next day in Jakarta (UTC+7)
    assert today_local(datetime(2026, 6, 7, 18, 0)) == date(2026, 6, 8)
    assert today_local(datetime(2026, 6, 7, 16, 59)) == date(2026, 6, 7)


def _version_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(InstrumentVersion.id))


def _count(app, model, **criteria) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**criteria))


def test_admin_creates_a_period_with_dates_for_every_active_agency(demo, client, auth):
    auth.login("admin")
    agencies = _count(demo, Agency, active=True)
    response = client.post(
        "/admin/periods/new",
        data={
            "year": "2027",
            "instrument": str(_version_id(demo)),
            "opens_on": "2027-02-01",
            "closes_on": "2027-06-07",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/periods/2027")
    with demo.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2027))
        assert (period.status, period.opens_on, period.closes_on) == (
            "open",
            date(2027, 2, 1),
            date(2027, 6, 7),
        )
        event = db.session.scalar(
            select(AuditEvent).filter_by(action="period.opened", subject_id="2027")
        )
        assert event is not None and event.user.username == "admin"
        period_id = period.id
    assert _count(demo, Assessment, period_id=period_id) == agencies
    page = client.get("/admin/periods/2027")
    assert page.status_code == 200 and "2027" in page.get_data(as_text=True)


CREATE_REFUSED = [
    ("year exists", {"year": "2026"}, 409),
    (
        "last day before first day",
        {"year": "2028", "opens_on": "2028-06-01", "closes_on": "2028-05-01"},
        409,
    ),
    ("year out of range", {"year": "1999"}, 400),
    ("not a date", {"year": "2028", "closes_on": "7 Juni"}, 400),
    ("no version", {"year": "2028", "instrument": ""}, 400),
]


@pytest.mark.parametrize(
    ("data", "status"), [c[1:] for c in CREATE_REFUSED], ids=[c[0] for c in CREATE_REFUSED]
)
def test_creating_a_period_refuses_bad_input_and_stores_nothing(demo, client, auth, data, status):
    auth.login("admin")
    before = (_count(demo, Period), _count(demo, Assessment), _count(demo, AuditEvent))
    response = client.post(
        "/admin/periods/new", data={"instrument": str(_version_id(demo)), **data}
    )
    assert response.status_code == status
    assert (_count(demo, Period), _count(demo, Assessment), _count(demo, AuditEvent)) == before


def test_a_questionnaire_for_the_evaluation_of_regions_opens_no_agency_period(demo, client, auth):
    """The national example scores on evaluation dimensions too; the region's pages add up
    its agencies by dimension alone, so such a questionnaire is refused for their period."""
    from pathlib import Path

    from smartcity.services.instruments import register_instrument

    source = Path(__file__).resolve().parent.parent / "smartcity" / "instruments"
    with demo.app_context():
        national = register_instrument(
            (source / "contoh-evaluasi-nasional.yaml").read_text(encoding="utf-8"),
            "contoh-evaluasi-nasional.yaml",
        )
        db.session.commit()
        national_id = national.id
    auth.login("admin")
    before = (_count(demo, Period), _count(demo, Assessment))
    response = client.post("/admin/periods/new", data={"year": "2028", "instrument": national_id})
    assert response.status_code == 409
    assert "dimensi evaluasi" in response.get_data(as_text=True)
    assert (_count(demo, Period), _count(demo, Assessment)) == before


def test_close_and_open_again_are_audited(demo, client, auth):
    auth.login("admin")
    assert client.post("/admin/periods/2026/status", data={"action": "close"}).status_code == 303
    with demo.app_context():
        assert db.session.scalar(select(Period.status).filter_by(year=2026)) == "closed"
    # closing twice changes nothing and records nothing
    events = _count(demo, AuditEvent)
    assert client.post("/admin/periods/2026/status", data={"action": "close"}).status_code == 303
    assert _count(demo, AuditEvent) == events
    assert client.post("/admin/periods/2026/status", data={"action": "open"}).status_code == 303
    with demo.app_context():
        assert db.session.scalar(select(Period.status).filter_by(year=2026)) == "open"
        actions = list(
            db.session.scalars(
                select(AuditEvent.action)
                .filter(AuditEvent.subject_type == "period")
                .order_by(AuditEvent.id)
            )
        )
    assert actions[-2:] == ["period.closed", "period.opened"]
    assert client.post("/admin/periods/2026/status", data={"action": "drop"}).status_code == 400


def _set_last_day(app, year: int, day: date | None) -> None:
    with app.app_context():
        period = db.session.scalar(select(Period).filter_by(year=year))
        period.closes_on = day
        db.session.commit()


def _save(client, assessment_id: int, level: str = "2"):
    return client.post(
        f"/assessments/{assessment_id}/dimensions/GOV",
        data={"level-GOV-01": level, "justification-GOV-01": "tepat waktu"},
    )


def _answer(app, assessment_id: int) -> int | None:
    with app.app_context():
        return db.session.scalar(
            select(Answer.level).filter_by(assessment_id=assessment_id, indicator_code="GOV-01")
        )


def test_after_the_deadline_the_agency_cannot_edit_and_sees_why(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO").id
    yesterday = today_local() - timedelta(days=1)
    _set_last_day(demo, 2026, yesterday)
    auth.login("diskominfo")
    page = client.get(f"/assessments/{own}").get_data(as_text=True)
    assert 'data-testid="deadline-notice"' in page
    assert str(yesterday.year) in page and "deadline" in page
    assert _save(client, own).status_code == 303
    assert _answer(demo, own) is None
    dimension = client.get(f"/assessments/{own}/dimensions/GOV").get_data(as_text=True)
    assert 'data-testid="deadline-notice"' in dimension
    # submitting follows the same rule
    response = client.post(f"/assessments/{own}/submit", data={"confirm": "y"})
    assert response.status_code == 303
    with demo.app_context():
        assert db.session.get(Assessment, own).status == "draft"


def test_the_deadline_in_indonesian_names_the_day(demo, client, auth):
    own = assessment_of(demo, "DISKOMINFO").id
    _set_last_day(demo, 2026, date(2026, 6, 7))
    auth.login("diskominfo")
    page = client.get(f"/assessments/{own}").get_data(as_text=True)
    assert "7 Juni 2026" in page


def test_on_the_last_day_the_agency_still_edits(demo, client, auth):
    own = assessment_of(demo, "DISKOMINFO").id
    _set_last_day(demo, 2026, today_local())
    auth.login("diskominfo")
    assert 'data-testid="deadline-reminder"' in client.get(f"/assessments/{own}").get_data(
        as_text=True
    )
    assert _save(client, own, "4").status_code == 303
    assert _answer(demo, own) == 4


def test_an_extension_reopens_filling_in_for_one_agency_only(demo, client, auth):
    own = assessment_of(demo, "DISKOMINFO").id
    other = assessment_of(demo, "DINKES").id
    _set_last_day(demo, 2026, today_local() - timedelta(days=3))
    with demo.app_context():
        agency_id = db.session.scalar(select(Agency.id).filter_by(code="DISKOMINFO"))
    auth.login("admin")
    until = today_local() + timedelta(days=2)
    response = client.post(
        "/admin/periods/2026/extensions",
        data={"agency": str(agency_id), "until": until.isoformat(), "reason": "Banjir di Sampit"},
    )
    assert response.status_code == 303
    with demo.app_context():
        extension = db.session.scalar(select(PeriodExtension))
        assert (extension.until, extension.reason, extension.granted_by.username) == (
            until,
            "Banjir di Sampit",
            "admin",
        )
        assert db.session.scalar(select(AuditEvent).filter_by(action="period.extended")) is not None
    auth.logout()
    auth.login("diskominfo")
    assert _save(client, own, "3").status_code == 303
    assert _answer(demo, own) == 3
    auth.logout()
    auth.login("dinkes")
    assert _save(client, other, "3").status_code in (303, 404)
    assert _answer(demo, other) is None


EXTENSION_REFUSED = [
    ("no reason", {"reason": ""}, 400),
    ("no date", {"until": ""}, 400),
    ("unknown agency", {"agency": "999999"}, 400),
]


@pytest.mark.parametrize(
    ("data", "status"), [c[1:] for c in EXTENSION_REFUSED], ids=[c[0] for c in EXTENSION_REFUSED]
)
def test_extension_input_is_checked(demo, client, auth, data, status):
    with demo.app_context():
        agency_id = db.session.scalar(select(Agency.id).filter_by(code="DISKOMINFO"))
    auth.login("admin")
    form = {"agency": str(agency_id), "until": "2026-12-31", "reason": "alasan", **data}
    assert client.post("/admin/periods/2026/extensions", data=form).status_code == status
    assert _count(demo, PeriodExtension) == 0


def test_changing_the_dates_is_audited(demo, client, auth):
    auth.login("admin")
    response = client.post(
        "/admin/periods/2026/dates", data={"opens_on": "2026-01-05", "closes_on": "2026-06-07"}
    )
    assert response.status_code == 303
    with demo.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2026))
        assert (period.opens_on, period.closes_on) == (date(2026, 1, 5), date(2026, 6, 7))
        assert db.session.scalar(select(AuditEvent).filter_by(action="period.dates_changed"))
    bad = client.post(
        "/admin/periods/2026/dates", data={"opens_on": "2026-07-01", "closes_on": "2026-06-07"}
    )
    assert bad.status_code == 400


def test_the_period_list_is_searched_and_paged(demo, client, auth):
    with demo.app_context():
        version = db.session.scalar(select(InstrumentVersion))
        for year in range(2030, 2075):  # 45 more: 46 periods, three pages of 20
            db.session.add(Period(year=year, instrument_version=version, status="closed"))
        db.session.commit()
    auth.login("admin")
    first = client.get("/admin/periods").get_data(as_text=True)
    assert first.count("data-year=") == 20 and 'data-year="2074"' in first and "page=2" in first
    last = client.get("/admin/periods?page=3").get_data(as_text=True)
    assert last.count("data-year=") == 6 and 'data-year="2026"' in last
    found = client.get("/admin/periods?q=2031").get_data(as_text=True)
    assert found.count("data-year=") == 1 and 'data-year="2031"' in found
    open_only = client.get("/admin/periods?q=open").get_data(as_text=True)
    assert open_only.count("data-year=") == 1 and 'data-year="2026"' in open_only


def test_the_hub_links_only_existing_pages(demo, client, auth):
    auth.login("admin")
    page = client.get("/admin").get_data(as_text=True)
    for url in ("/admin/periods", "/admin/instruments", "/audit"):
        assert f'href="{url}"' in page
    links = [part.split('"', 1)[0] for part in page.split('href="')[1:]]
    for link in links:
        if link.startswith("/") and not link.startswith("/static") and "language" not in link:
            assert client.get(link).status_code == 200, link


def test_submitting_follows_the_same_deadline_rule(demo):
    from smartcity.models import User
    from smartcity.services import assessments, periods, workflow

    own = assessment_of(demo, "DISKOMINFO").id
    _set_last_day(demo, 2026, today_local() - timedelta(days=1))
    with demo.test_request_context():
        user = db.session.scalar(select(User).filter_by(username="diskominfo"))
        assessment = db.session.get(Assessment, own)
        # refused for the deadline before completeness is even looked at
        with pytest.raises(assessments.AssessmentRefused):
            workflow.submit(assessment, user)
        db.session.rollback()
        periods.grant_extension(
            assessment.period, assessment.agency, today_local(), "listrik padam", None
        )
        db.session.commit()
        # with more time the deadline lets it through: now only the missing answers stop it
        with pytest.raises(assessments.Incomplete):
            workflow.submit(db.session.get(Assessment, own), user)


# the certificate rule per period: (instance default, the period's choice, the assessment's
# maturity level 3) -> whether a certificate is printed
CERTIFICATE_RULES = [
    (0, None, True),  # the default: every final assessment
    (5, None, False),  # the instance's CERTIFICATE_MIN_LEVEL when the period has no rule
    (5, 0, True),  # the period's rule wins over the instance default
    (0, 3, True),  # the level itself counts
    (0, 4, False),
]


@pytest.mark.parametrize(("default", "chosen", "printed"), CERTIFICATE_RULES)
def test_the_period_decides_which_final_assessments_earn_a_certificate(
    demo, client, auth, default, chosen, printed
):
    from .helpers import advance

    demo.config["CERTIFICATE_MIN_LEVEL"] = default
    assessment_id = advance(demo, level=3)
    auth.login("admin")
    page = client.get("/admin/periods/2026").get_data(as_text=True)
    assert 'name="min_level"' in page and f'<option selected value="{default}">' in page
    if chosen is not None:
        saved = client.post("/admin/periods/2026/certificates", data={"min_level": str(chosen)})
        assert saved.status_code == 303
    response = client.post(f"/assessments/{assessment_id}/certificate")
    assert response.status_code == (303 if printed else 409)
    with demo.app_context():
        issued = _count(demo, IssuedDocument, kind="certificate")
    assert issued == (1 if printed else 0)


def test_the_certificate_rule_is_checked_and_audited(demo, client, auth):
    auth.login("admin")
    for bad in ("9", "-1", "tiga", ""):
        refused = client.post("/admin/periods/2026/certificates", data={"min_level": bad})
        assert refused.status_code == 400, bad
    with demo.app_context():
        assert db.session.scalar(select(Period).filter_by(year=2026)).certificate_min_level is None
    assert (
        client.post("/admin/periods/2026/certificates", data={"min_level": "4"}).status_code == 303
    )
    # unchanged: nothing to record
    assert (
        client.post("/admin/periods/2026/certificates", data={"min_level": "4"}).status_code == 303
    )
    with demo.app_context():
        assert db.session.scalar(select(Period).filter_by(year=2026)).certificate_min_level == 4
        events = db.session.scalars(
            select(AuditEvent).filter_by(action="period.certificate_minimum_changed")
        ).all()
        assert [(e.old_value, e.new_value) for e in events] == [
            ('{"certificate_min_level": null}', '{"certificate_min_level": 4}')
        ]
    page = client.get("/admin/periods/2026").get_data(as_text=True)
    assert '<option selected value="4">' in page
