"""The review page as the evaluator reads it (issue 15): what changed since the last round, every
problem at once with a link to its indicator, and a confirmation before the assessment moves on."""

from __future__ import annotations

import re

from sqlalchemy import select

from smartcity.domain.workflow import Action
from smartcity.extensions import db
from smartcity.models import Assessment, Review, User
from smartcity.services import assessments as assessment_service
from smartcity.services import workflow
from smartcity.services.assessments import AnswerInput

from .helpers import hand_in, handed_to_evaluators


def login(client, auth, username: str) -> None:
    auth.logout()
    assert auth.login(username).status_code == 302
    client.get("/language/en")  # assertions read the English source strings


def get_status(app, assessment_id: int) -> tuple[str, int, str]:
    with app.app_context():
        row = db.session.get(Assessment, assessment_id)
        return row.status, row.round, row.review_comment


def reviews(app, assessment_id: int) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.scalars(select(Review).filter_by(assessment_id=assessment_id))
        return {r.indicator_code: (r.verified_level, r.note) for r in rows}


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def returned_and_resubmitted(app, changes: dict[str, AnswerInput]) -> int:
    """DISKOMINFO's 2026 assessment (every level 2) returned once, changed as given, resubmitted."""
    assessment_id = handed_to_evaluators(app)
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        workflow.transition(assessment, _user("evaluator"), Action.RETURN, "Perbaiki")
        assessment_service.save_answers(assessment, _user("diskominfo"), changes)
        hand_in(assessment)
    return assessment_id


def section(page: str, testid: str) -> str:
    match = re.search(rf'<[^>]+data-testid="{testid}"[^>]*>(.*?)</ul>', page, re.S)
    assert match, f"no list {testid}"
    return match.group(1)


# --- item 5: level changes and justification-only changes apart ------------------------------


def test_round_two_lists_level_changes_apart_from_justification_only_changes(demo, client, auth):
    assessment_id = returned_and_resubmitted(
        demo,
        {
            "GOV-01": AnswerInput(2, False, "Rincian capaian 2026 ditambahkan"),  # text only
            "GOV-03": AnswerInput(1, False, "Belum ada SK"),  # level 2 -> 1
        },
    )
    login(client, auth, "evaluator")
    page = client.get(f"/assessments/{assessment_id}/review").get_data(as_text=True)
    levels = section(page, "changed-levels")
    texts = section(page, "changed-justifications")
    assert "GOV-03" in levels and "2 → 1" in levels and "GOV-01" not in levels
    assert "GOV-01" in texts and "GOV-03" not in texts
    # never a "change" from a level to the same level
    assert not re.search(r"\b(\d) → \1\b", page)


# --- item 9: every problem at once, each with a link to its indicator ------------------------


def test_review_problems_are_reported_all_at_once_with_links(demo, client, auth):
    assessment_id = handed_to_evaluators(demo)  # every level 2
    login(client, auth, "evaluator")
    response = client.post(
        f"/assessments/{assessment_id}/review",
        data={
            "verified-GOV-01": "1",  # differs: needs a note
            "verified-GOV-02": "3",  # differs: needs a note
            "verified-INF-01": "9",  # no such level
            "action": "return",  # and no comment
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = re.search(r'data-testid="review-problems"(.*?)</ul>', page, re.S)
    assert summary, "no list of problems at the top"
    links = re.findall(r'<a href="#([^"]+)"', summary.group(1))
    assert links == ["review-GOV-01", "review-GOV-02", "review-INF-01", "comment"]
    assert "4 problems" in summary.group(1)
    for code in ("GOV-01", "GOV-02", "INF-01"):
        fieldset = page.split(f'id="review-{code}"')[1].split("</fieldset>")[0]
        assert 'class="field-error"' in fieldset, code
    assert get_status(demo, assessment_id)[0] == "submitted"  # nothing moved, nothing saved
    assert reviews(demo, assessment_id) == {}


# --- item 16: verify, return and finalize ask first, saying what changes ----------------------


def test_verifying_asks_first_with_what_changes(demo, client, auth):
    assessment_id = handed_to_evaluators(demo)
    login(client, auth, "evaluator")
    response = client.post(
        f"/assessments/{assessment_id}/review",
        data={"verified-GOV-01": "1", "note-GOV-01": "Belum ada SK", "action": "verify"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    changes = re.search(r'data-testid="confirm-changes">(.*?)</ul>', page, re.S).group(1)
    assert "In review" in changes and "Verified" in changes
    assert "1 indicator is verified at another level" in changes
    assert "Verified index" in changes
    # saved, not yet verified
    assert get_status(demo, assessment_id)[0] == "in_review"
    assert reviews(demo, assessment_id)["GOV-01"] == (1, "Belum ada SK")
    confirmation = page.split('data-testid="confirmation"')[1]
    form = re.search(r'<form method="post" action="([^"]+)"', confirmation).group(1)
    assert form == f"/assessments/{assessment_id}/confirm/verify"
    # leaving it there changes nothing; confirming verifies
    assert client.post(form, data={}).status_code == 200
    assert get_status(demo, assessment_id)[0] == "in_review"
    done = client.post(form, data={"confirmed": "yes"})
    assert done.status_code == 303
    assert get_status(demo, assessment_id)[0] == "verified"


def test_returning_asks_first_and_keeps_the_comment(demo, client, auth):
    assessment_id = handed_to_evaluators(demo)
    login(client, auth, "evaluator")
    response = client.post(
        f"/assessments/{assessment_id}/review",
        data={
            "verified-GOV-01": "1",
            "note-GOV-01": "Lampirkan SK",
            "comment": "Mohon lengkapi bukti",
            "action": "return",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Return the assessment to the agency?" in page
    assert "can change its answers and evidence again" in page
    assert "1 indicator has a note" in page
    assert ">Mohon lengkapi bukti</textarea>" in page
    assert get_status(demo, assessment_id)[0] == "in_review"
    done = client.post(
        f"/assessments/{assessment_id}/confirm/return",
        data={"confirmed": "yes", "comment": "Mohon lengkapi bukti"},
    )
    assert done.status_code == 303
    assert get_status(demo, assessment_id) == ("returned", 1, "Mohon lengkapi bukti")
    # a return without a comment is refused on the confirmation page too
    assert client.post(
        f"/assessments/{assessment_id}/confirm/return", data={"confirmed": "yes"}
    ).status_code in (303, 400)


def test_finalizing_asks_first(demo, client, auth):
    from .helpers import finalizer_of

    assessment_id = handed_to_evaluators(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        workflow.transition(assessment, _user("evaluator"), Action.START_REVIEW)
        workflow.transition(assessment, _user("evaluator"), Action.VERIFY)
        finalizer = finalizer_of(assessment).username
    login(client, auth, finalizer)
    overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert f'href="/assessments/{assessment_id}/confirm/finalize"' in overview
    assert f'action="/assessments/{assessment_id}/finalize"' not in overview
    page = client.get(f"/assessments/{assessment_id}/confirm/finalize").get_data(as_text=True)
    assert "Make the result final?" in page and "counts in the region" in page
    assert (
        f'action="/assessments/{assessment_id}/finalize"'
        in page.split('data-testid="confirmation"')[1]
    )
    assert get_status(demo, assessment_id)[0] == "verified"
    # nobody else is asked: an evaluator may not finalize, a draft cannot be
    login(client, auth, "evaluator")
    if finalizer != "evaluator":
        assert client.get(f"/assessments/{assessment_id}/confirm/finalize").status_code in (
            303,
            403,
        )
    assert client.get(f"/assessments/{assessment_id}/confirm/submit").status_code == 404
