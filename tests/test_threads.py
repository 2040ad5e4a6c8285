"""Per-indicator threads (issue 15 item 17): the agency answers an evaluator's note, the evaluator
replies; both sides see the thread, the review page shows it, the audit trail records it."""

from __future__ import annotations

import re

from sqlalchemy import select

from smartcity.domain.workflow import Action
from smartcity.extensions import db
from smartcity.models import Assessment, AuditEvent
from smartcity.services import review, workflow

from .helpers import handed_to_evaluators, user_named


def returned_with_a_note(app) -> int:
    assessment_id = handed_to_evaluators(app)
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        workflow.save_review(
            assessment,
            user_named("evaluator"),
            {"GOV-01": review.ReviewInput(1, False, "SK Tim belum dilampirkan")},
        )
        workflow.transition(assessment, user_named("evaluator"), Action.RETURN, "Perbaiki GOV-01")
    return assessment_id


def test_the_agency_answers_a_note_and_the_evaluator_replies(demo, client, auth):
    assessment_id = returned_with_a_note(demo)
    thread = f"/assessments/{assessment_id}/indicators/GOV-01/thread"
    auth.login("diskominfo")
    overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert f'href="{thread}"' in overview  # next to the note
    dimension = client.get(f"/assessments/{assessment_id}/dimensions/GOV").get_data(as_text=True)
    assert f'href="{thread}"' in dimension
    page = client.get(thread).get_data(as_text=True)
    assert "SK Tim belum dilampirkan" in page  # the note starts the thread
    answer = "SK Tim Smart City sudah kami unggah di GOV-01."
    response = client.post(thread, data={"message": answer})
    assert response.status_code == 303
    # shown to the agency, on the thread and under the indicator
    assert answer in client.get(thread).get_data(as_text=True)
    dimension = client.get(f"/assessments/{assessment_id}/dimensions/GOV").get_data(as_text=True)
    assert answer in dimension.split('id="indicator-GOV-01"')[1].split("</fieldset>")[0]

    auth.logout()
    auth.login("evaluator")
    page = client.get(f"/assessments/{assessment_id}/review").get_data(as_text=True)
    fieldset = page.split('id="review-GOV-01"')[1].split("</fieldset>")[0]
    assert answer in fieldset and f'href="{thread}"' in fieldset
    assert client.post(thread, data={"message": "Terima kasih, sudah kami cek."}).status_code == 303

    auth.logout()
    auth.login("diskominfo")
    page = client.get(thread).get_data(as_text=True)
    assert page.index(answer) < page.index("Terima kasih, sudah kami cek.")
    # in the audit trail, with who wrote what on which indicator
    with demo.app_context():
        events = list(
            db.session.scalars(
                select(AuditEvent)
                .filter_by(assessment_id=assessment_id, action="thread.message_added")
                .order_by(AuditEvent.id)
            )
        )
        assert [e.user.username for e in events] == ["diskominfo", "evaluator"]
        assert all(e.subject_id == "GOV-01" for e in events)
    auth.logout()
    auth.login("admin")
    trail = client.get(f"/assessments/{assessment_id}/history").get_data(as_text=True)
    assert "Pesan pada indikator" in trail and "GOV-01" in trail


def test_who_may_read_and_write_a_thread(demo, client, auth):
    assessment_id = returned_with_a_note(demo)
    thread = f"/assessments/{assessment_id}/indicators/GOV-01/thread"
    # another agency does not learn the assessment exists
    auth.login("dinkes")
    assert client.get(thread).status_code == 404
    assert client.post(thread, data={"message": "x"}).status_code == 404
    auth.logout()
    # the leadership reads, and writes nothing
    auth.login("pimpinan")
    assert client.get(thread).status_code == 200
    assert client.post(thread, data={"message": "x"}).status_code == 403
    auth.logout()
    auth.login("diskominfo")
    # an empty message, or an indicator the agency does not answer, is refused
    assert client.post(thread, data={"message": "   "}).status_code == 400
    unknown = f"/assessments/{assessment_id}/indicators/ECO-01/thread"
    assert client.post(unknown, data={"message": "x"}).status_code in (400, 404)
    with demo.app_context():
        assert not db.session.scalar(select(AuditEvent.id).filter_by(action="thread.message_added"))
    assert re.search(r"SK Tim belum dilampirkan", client.get(thread).get_data(as_text=True))
