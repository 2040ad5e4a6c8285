"""What each role sees first (issue 15 items 14 and 16): the agency its years (a final year's
result, the open year's deadline, days left and progress, and after submitting what happens
next); the evaluator how many assessments wait, oldest submission first."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from smartcity.domain import deadlines, formats
from smartcity.extensions import db
from smartcity.models import Assessment, Period, stamped_at, utcnow

from .helpers import assessment_of, handed_to_evaluators, user_named


def _section(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"(.*?)</section>', page, re.S)
    assert match, f"no section {testid}"
    return match.group(1)


def test_agency_home_shows_each_final_year_s_result(demo_history, client, auth):
    auth.login("dishub")
    page = client.get("/").get_data(as_text=True)
    year = _section(page, "home-year-2025")
    assessment_id = assessment_of(demo_history, "DISHUB", 2025).id
    with demo_history.test_request_context():
        from smartcity.services.review import scores

        verified = scores(db.session.get(Assessment, assessment_id)).verified
        shown_index = formats.index(verified.index, "id")  # "2,14": the page's language
    result = re.search(r'data-testid="home-result-2025">(.*?)</dl>', year, re.S).group(1)
    assert shown_index in result
    assert verified.maturity.name.get("id") in result  # the predicate
    level = re.search(r"<dt>Tingkat kematangan</dt><dd>([^<]*)</dd>", result).group(1)
    assert re.search(rf"\b{verified.maturity.level}\b", level)  # "Tingkat 2 (Terkelola)"
    assert f'href="/assessments/{assessment_id}/result"' in year and "Lihat hasil" in year
    assert "Buka penilaian mandiri" not in year


def test_agency_home_shows_the_open_year_s_deadline_days_left_and_progress(demo, client, auth):
    with demo.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2026))
        today = deadlines.today_local(utcnow())
        period.opens_on, period.closes_on = today - timedelta(days=30), today + timedelta(days=12)
        db.session.commit()
    auth.login("dinkes")
    year = _section(client.get("/").get_data(as_text=True), "home-year-2026")
    deadline = re.search(r'data-testid="home-deadline-2026">(.*?)</p>', year, re.S).group(1)
    assert "12 hari lagi" in deadline
    assert str((today + timedelta(days=12)).year) in deadline
    progress = re.search(r'data-testid="home-progress-2026">(.*?)</p>', year, re.S).group(1)
    with demo.test_request_context():
        from smartcity.services.assessments import progress as steps

        own = db.session.get(Assessment, assessment_of(demo, "DINKES").id)
        total = sum(step.total for step in steps(own))
    assert total > 0 and f"0 / {total}" in progress


def test_agency_home_says_what_happens_after_submitting(demo, client, auth):
    handed_to_evaluators(demo, "DINKES")
    auth.login("dinkes")
    year = _section(client.get("/").get_data(as_text=True), "home-year-2026")
    after = re.search(r'data-testid="home-next-2026">(.*?)</p>', year, re.S).group(1)
    assert "evaluator" in after and "diberi tahu" in after
    assert 'data-testid="home-deadline-2026"' not in year  # nothing left to meet


def test_evaluator_home_lists_the_queue_oldest_first(demo, client, auth):
    # DINKES handed in a week before DISKOMINFO (submitted later in this test)
    with stamped_at(utcnow() - timedelta(days=2)):
        first = handed_to_evaluators(demo, "DISKOMINFO")
    with stamped_at(utcnow() - timedelta(days=9)):
        second = handed_to_evaluators(demo, "DINKES")
    auth.login("evaluator")
    page = client.get("/").get_data(as_text=True)
    queue = _section(page, "review-queue")
    assert "2 penilaian menunggu reviu Anda" in queue
    order = re.findall(r'data-testid="queue-([A-Z]+)-2026"', queue)
    assert order == ["DINKES", "DISKOMINFO"]
    assert f'href="/assessments/{second}/review"' in queue
    assert f'href="/assessments/{first}/review"' in queue
    assert "9 hari yang lalu" in queue
    # the viewer has no queue; an evaluator with nothing waiting is told so
    auth.logout()
    auth.login("pimpinan")
    assert 'data-testid="review-queue"' not in client.get("/").get_data(as_text=True)
    with demo.test_request_context():
        for assessment_id in (first, second):
            assessment = db.session.get(Assessment, assessment_id)
            from smartcity.domain.workflow import Action
            from smartcity.services import workflow

            workflow.transition(assessment, user_named("evaluator"), Action.RETURN, "Perbaiki")
    auth.logout()
    auth.login("evaluator")
    queue = _section(client.get("/").get_data(as_text=True), "review-queue")
    assert "0 penilaian menunggu" in queue
