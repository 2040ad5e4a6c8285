"""The evaluator's review in the browser's terms: assignments, review page, return, verify, finalize."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Agency, Assessment, EvaluatorAssignment, Period, Review, User
from smartcity.services.accounts import create_user

from .helpers import PASSWORD, add_evidence, assessment_of, dimension_form, submitted


def login(client, auth, username: str) -> None:
    auth.logout()
    assert auth.login(username).status_code == 302
    client.get("/language/en")  # assertions read the English source strings


def selected(page: str, name: str) -> str | None:
    block = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert block, f"no select {name}"
    option = re.search(
        r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected',
        block.group(1),
    )
    return (option.group(1) or option.group(2)) if option else None


def confirm(client, assessment_id: int, action: str, comment: str = ""):
    """The second click: the confirmation page's button (verify, return, finalize ask first)."""
    return client.post(
        f"/assessments/{assessment_id}/confirm/{action}",
        data={"confirmed": "yes", "comment": comment},
    )


def get_status(app, assessment_id: int) -> tuple[str, int, str]:
    with app.app_context():
        row = db.session.get(Assessment, assessment_id)
        return row.status, row.round, row.review_comment


def reviews(app, assessment_id: int) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.scalars(select(Review).filter_by(assessment_id=assessment_id))
        return {
            r.indicator_code: (r.verified_level, r.verified_not_applicable, r.note) for r in rows
        }


# --- assignments -----------------------------------------------------------------------------


def test_admin_assigns_evaluators_and_an_evaluator_sees_only_their_agencies(demo, client, auth):
    with demo.app_context():
        create_user("evaluator2", "evaluator", PASSWORD, full_name="Evaluator Dua")
        db.session.commit()
        agencies = {a.code: a.id for a in db.session.scalars(select(Agency))}
        ids = {u.username: u.id for u in db.session.scalars(select(User))}
    login(client, auth, "admin")
    page = client.get("/periods/2026/assignments").get_data(as_text=True)
    assert f'name="assign-{agencies["DINKES"]}" value="{ids["evaluator2"]}"' in page
    assert "Evaluator Dua reviews Dinas Kesehatan" in page  # each checkbox has a label
    # keep "evaluator" everywhere except DLH; give evaluator2 Dinkes
    data = {
        f"assign-{agency_id}": [str(ids["evaluator"])]
        for code, agency_id in agencies.items()
        if code != "DLH"
    }
    data[f"assign-{agencies['DINKES']}"] = [str(ids["evaluator"]), str(ids["evaluator2"])]
    response = client.post("/periods/2026/assignments", data=data)
    assert response.status_code == 303
    login(client, auth, "evaluator2")
    page = client.get("/periods/2026/assessments").get_data(as_text=True)
    assert "Dinas Kesehatan" in page and "Dinas Lingkungan Hidup" not in page
    assert "1 agency" in page
    login(client, auth, "evaluator")
    page = client.get("/periods/2026/assessments").get_data(as_text=True)
    assert "Dinas Lingkungan Hidup" not in page and "Dinas Kesehatan" in page
    dlh = assessment_of(demo, "DLH").id
    assert client.get(f"/assessments/{dlh}").status_code == 404
    login(client, auth, "admin")
    assert "Dinas Lingkungan Hidup" in client.get("/periods/2026/assessments").get_data(
        as_text=True
    )


def test_an_evaluator_of_the_agency_cannot_be_assigned_and_nothing_changes(demo, client, auth):
    with demo.app_context():
        member = create_user("kominfo-eval", "evaluator", PASSWORD, agency_code="DISKOMINFO")
        db.session.commit()
        member_id = member.id
        kominfo = db.session.scalar(select(Agency).filter_by(code="DISKOMINFO")).id
        dinkes = db.session.scalar(select(Agency).filter_by(code="DINKES")).id
        before = db.session.scalar(select(db.func.count(EvaluatorAssignment.id)))
    login(client, auth, "admin")
    page = client.get("/periods/2026/assignments").get_data(as_text=True)
    assert f'name="assign-{kominfo}" value="{member_id}"' not in page
    assert "member of this agency" in page
    response = client.post(
        "/periods/2026/assignments",
        data={f"assign-{kominfo}": [str(member_id)], f"assign-{dinkes}": [str(member_id)]},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "belongs to" in page and "cannot review it" in page
    with demo.app_context():
        assert db.session.scalar(select(db.func.count(EvaluatorAssignment.id))) == before


def test_staff_home_links_to_the_review_queue_and_assignments(demo, client, auth):
    login(client, auth, "admin")
    page = client.get("/").get_data(as_text=True)
    assert "/periods/2026/assessments?queue=1" in page and "/periods/2026/assignments" in page
    login(client, auth, "evaluator")
    page = client.get("/").get_data(as_text=True)
    assert "/periods/2026/assessments?queue=1" in page and "/periods/2026/assignments" not in page


def test_the_review_queue_lists_what_waits_for_review(demo, client, auth):
    submitted(demo, "DISKOMINFO")
    login(client, auth, "evaluator")
    page = client.get("/periods/2026/assessments?queue=1").get_data(as_text=True)
    assert "Dinas Komunikasi" in page and "Dinas Kesehatan" not in page
    assert "Review queue" in page


# --- the review page -------------------------------------------------------------------------


def test_review_page_shows_answers_evidence_and_defaults_to_the_self_assessed_level(
    demo, client, auth
):
    assessment_id = submitted(demo)
    with demo.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        agency_user = db.session.scalar(select(User).filter_by(username="diskominfo"))
        evidence = add_evidence(assessment, "GOV-01", agency_user, name="sk-walikota.pdf")
        evidence_id = evidence.id
        gone = add_evidence(assessment, "GOV-01", agency_user, name="dihapus.pdf")
        gone.deleted_at = gone.uploaded_at
        db.session.commit()
    login(client, auth, "evaluator")
    response = client.get(f"/assessments/{assessment_id}/review")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bukti GOV-01" in page  # the justification
    assert "sk-walikota.pdf" in page and "dihapus.pdf" not in page
    if "evidence.download" in demo.view_functions:
        assert re.search(
            rf'href="/evidence/{evidence_id}[^"]*" target="_blank" rel="noopener"', page
        )
    assert selected(page, "verified-GOV-01") == "2"
    assert 'name="note-GOV-01"' in page and 'name="comment"' in page
    for action in ("save", "return", "verify"):
        assert f'name="action" value="{action}"' in page
    assert '<label for="verified-GOV-01">' in page


def test_a_different_level_without_a_note_is_refused_and_typed_values_are_kept(demo, client, auth):
    assessment_id = submitted(demo)
    login(client, auth, "evaluator")
    response = client.post(
        f"/assessments/{assessment_id}/review",
        data={
            "verified-GOV-01": "4",
            "note-GOV-02": "catatan yang diketik",
            "comment": "umum",
            "action": "save",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "A note is required when the verified level differs" in page
    assert selected(page, "verified-GOV-01") == "4"
    assert "catatan yang diketik" in page and "umum" in page
    assert reviews(demo, assessment_id) == {}
    assert get_status(demo, assessment_id)[0] == "submitted"


def test_saving_starts_the_review_and_stores_only_what_the_evaluator_touched(demo, client, auth):
    assessment_id = submitted(demo)
    login(client, auth, "evaluator")
    response = client.post(
        f"/assessments/{assessment_id}/review",
        data={
            "verified-GOV-01": "1",
            "note-GOV-01": "SK belum ditandatangani",
            "verified-GOV-02": "2",
            "action": "save",
        },
    )
    assert response.status_code == 303
    assert get_status(demo, assessment_id)[0] == "in_review"
    assert reviews(demo, assessment_id) == {"GOV-01": (1, False, "SK belum ditandatangani")}
    page = client.get(f"/assessments/{assessment_id}/review").get_data(as_text=True)
    assert selected(page, "verified-GOV-01") == "1" and "SK belum ditandatangani" in page


def test_return_needs_a_comment_but_keeps_the_saved_review(demo, client, auth):
    assessment_id = submitted(demo)
    login(client, auth, "evaluator")
    response = client.post(
        f"/assessments/{assessment_id}/review",
        data={
            "verified-GOV-01": "1",
            "note-GOV-01": "Kurang bukti",
            "comment": "  ",
            "action": "return",
        },
    )
    assert response.status_code == 400
    assert "Returning an assessment needs a comment" in response.get_data(as_text=True)
    assert get_status(demo, assessment_id)[0] == "in_review"
    assert reviews(demo, assessment_id)["GOV-01"] == (1, False, "Kurang bukti")


def test_return_resubmit_and_the_changes_since_the_last_round(demo, client, auth):
    assessment_id = submitted(demo)
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
    assert response.status_code == 200  # saved; returning asks first (tests/test_review_page.py)
    response = confirm(client, assessment_id, "return", "Mohon lengkapi bukti")
    assert response.status_code == 303
    assert get_status(demo, assessment_id) == ("returned", 1, "Mohon lengkapi bukti")

    # the agency sees the overall comment and which indicators have notes
    login(client, auth, "diskominfo")
    overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert "Mohon lengkapi bukti" in overview and "Lampirkan SK" in overview
    assert "#indicator-GOV-01" in overview and "Resubmit" in overview
    dimension = client.get(f"/assessments/{assessment_id}/dimensions/GOV").get_data(as_text=True)
    assert "Mohon lengkapi bukti" in dimension and "Lampirkan SK" in dimension
    # it changes an answer and resubmits through the usual page
    form = dimension_form(demo, assessment_id, "GOV", level_for=lambda i, n: 2, text="Bukti")
    form["level-GOV-03"] = "1"
    saved = client.post(f"/assessments/{assessment_id}/dimensions/GOV", data=form)
    assert saved.status_code == 303
    assert client.get(f"/assessments/{assessment_id}/submit").status_code == 200
    response = client.post(
        f"/assessments/{assessment_id}/submit", data={"confirm": "y"}, follow_redirects=True
    )
    assert "Sent to the head of the agency" in response.get_data(as_text=True)
    assert get_status(demo, assessment_id)[:2] == ("awaiting_approval", 1)
    # the evaluators' notes stay in view while the head reads it again
    login(client, auth, "kepala-diskominfo")
    overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert "Mohon lengkapi bukti" in overview and "Read and approve" in overview
    response = client.post(
        f"/assessments/{assessment_id}/submit",
        data={"confirm": "y", "action": "approve"},
        follow_redirects=True,
    )
    assert "submitted to the evaluators" in response.get_data(as_text=True)
    assert get_status(demo, assessment_id)[:2] == ("submitted", 2)

    login(client, auth, "evaluator")
    page = client.get(f"/assessments/{assessment_id}/review").get_data(as_text=True)
    assert "Changed since the last round" in page
    changes = page.split("Changed since the last round")[1].split("</section>")[0]
    assert "GOV-03" in changes and "2 → 1" in changes and "GOV-01" not in changes
    assert (
        "changed since the last round"
        in page.split('id="review-GOV-03"')[1].split("</fieldset>")[0]
    )
    overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    history = overview.split("History")[1]
    for step in (
        "Sent to the head of the agency",
        "Approved by the head and submitted",
        "Review started",
        "Returned to the agency",
        "Mohon lengkapi bukti",
    ):
        assert step in history


def test_verify_finalize_and_reopen(demo, client, auth):
    assessment_id = submitted(demo)
    login(client, auth, "evaluator")
    response = client.post(
        f"/assessments/{assessment_id}/review",
        data={"verified-GOV-01": "1", "note-GOV-01": "Belum ada SK", "action": "verify"},
    )
    assert response.status_code == 200  # saved; verifying asks first
    assert confirm(client, assessment_id, "verify").status_code == 303
    assert get_status(demo, assessment_id)[0] == "verified"
    # an evaluator sees the assessment but may not finalize it (the team's chair does)
    assert client.post(f"/assessments/{assessment_id}/finalize").status_code == 403
    # review inputs can no longer change
    refused = client.post(
        f"/assessments/{assessment_id}/review", data={"verified-GOV-02": "2", "action": "save"}
    )
    assert refused.status_code == 409
    assert "nothing was saved" in refused.get_data(as_text=True)

    login(client, auth, "admin")
    overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert f'action="/assessments/{assessment_id}/reopen"' in overview
    no_reason = client.post(f"/assessments/{assessment_id}/reopen", data={"reason": " "})
    assert no_reason.status_code == 400 and "needs a reason" in no_reason.get_data(as_text=True)
    # an administrator no longer finalizes: the team's chair (the head of Bapperida) does
    assert client.post(f"/assessments/{assessment_id}/finalize").status_code == 403
    login(client, auth, "kepala-bapperida")
    assert client.post(f"/assessments/{assessment_id}/finalize").status_code == 303
    assert get_status(demo, assessment_id)[0] == "final"
    again = client.post(f"/assessments/{assessment_id}/finalize")
    assert again.status_code == 409
    assert "cannot be done while the assessment is final" in again.get_data(as_text=True)
    assert get_status(demo, assessment_id)[0] == "final"
    login(client, auth, "admin")
    reopened = client.post(
        f"/assessments/{assessment_id}/reopen", data={"reason": "Salah input GOV-01"}
    )
    assert reopened.status_code == 303
    assert get_status(demo, assessment_id)[0] == "in_review"
    overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert "Salah input GOV-01" in overview and "Reopened" in overview


def test_the_agency_cannot_review_or_finalize_its_own_assessment(demo, client, auth):
    assessment_id = submitted(demo)
    login(client, auth, "diskominfo")
    assert client.get(f"/assessments/{assessment_id}/review").status_code == 403
    assert (
        client.post(
            f"/assessments/{assessment_id}/review",
            data={"verified-GOV-01": "5", "note-GOV-01": "x"},
        ).status_code
        == 403
    )
    assert (
        client.post(f"/assessments/{assessment_id}/reopen", data={"reason": "x"}).status_code == 403
    )
    assert reviews(demo, assessment_id) == {}
    assert get_status(demo, assessment_id)[0] == "submitted"


# --- results side by side ---------------------------------------------------------------------


def test_results_show_self_assessed_and_verified_indices_with_the_difference(demo, client, auth):
    assessment_id = submitted(demo)
    login(client, auth, "evaluator")
    client.post(
        f"/assessments/{assessment_id}/review",
        data={"verified-GOV-01": "1", "note-GOV-01": "Belum ada SK", "action": "save"},
    )
    # the agency does not see a review in progress
    login(client, auth, "diskominfo")
    result = client.get(f"/assessments/{assessment_id}/result").get_data(as_text=True)
    assert 'data-testid="self-vs-verified"' not in result
    login(client, auth, "evaluator")
    client.post(
        f"/assessments/{assessment_id}/review",
        data={"verified-GOV-01": "1", "note-GOV-01": "Belum ada SK", "action": "verify"},
    )
    confirm(client, assessment_id, "verify")
    with demo.test_request_context():
        from smartcity.services import review

        pair = review.scores(db.session.get(Assessment, assessment_id))
    from smartcity.domain.scoring import display_index
    from smartcity.views.review import index_diff

    own, checked = display_index(pair.self_assessed.index), display_index(pair.verified.index)
    with demo.test_request_context(), force_locale("en"):  # the pages below are English
        diff = index_diff(pair.verified.index, pair.self_assessed.index)
    assert diff.startswith("\u2212")
    for who in ("diskominfo", "admin"):
        login(client, auth, who)
        result = client.get(f"/assessments/{assessment_id}/result").get_data(as_text=True)
        assert f'data-testid="overall-index">{checked}<' in result
        assert f"Self-assessed {own} · verified {checked} · difference {diff}" in result
        overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
        assert f'data-testid="verified-index">{checked}<' in overview
        assert f'data-testid="index-diff">{diff}<' in overview
    page = client.get("/periods/2026/assessments").get_data(as_text=True)
    row = page.split("Dinas Komunikasi")[1].split("</tr>")[0]
    assert own in row and checked in row and diff in row and "Verified" in row


@pytest.mark.parametrize(
    ("verified", "self_assessed", "english", "indonesian"),
    [
        (Fraction(13, 4), Fraction(3), "+0.25", "+0,25"),
        (Fraction(26, 10), Fraction(3), "\u22120.40", "\u22120,40"),
        (Fraction(3), Fraction(3), "0.00", "0,00"),
        (None, Fraction(3), "-", "-"),
        (Fraction(2), Fraction(1, 3), "+1.67", "+1,67"),
    ],
)
def test_index_difference_is_signed(app, verified, self_assessed, english, indonesian):
    from smartcity.views.review import index_diff

    for language, shown in (("en", english), ("id", indonesian)):
        with app.test_request_context(), force_locale(language):
            assert index_diff(verified, self_assessed) == shown


def test_period_404_for_assignments(demo, client, auth):
    login(client, auth, "admin")
    assert client.get("/periods/1999/assignments").status_code == 404
    with demo.app_context():
        assert db.session.scalar(select(Period).filter_by(year=2026)) is not None
