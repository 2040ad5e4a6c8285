"""The operator and the agency head (issue 16): "Kirim" to the head, "Setujui dan kirim" after
the statement of responsibility, the head's return with a note, the approval as recorded, and
the submit page's summary (issue 15, item 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smartcity.domain.signatory import Signatory
from smartcity.domain.workflow import Status
from smartcity.extensions import db
from smartcity.models import Approval, Assessment, AuditEvent, Evidence, User
from smartcity.services import approvals, workflow
from smartcity.services import assessments as assessment_service
from smartcity.services.assessments import AnswerInput, AssessmentRefused
from smartcity.services.documents.report import report_data

from .helpers import PASSWORD, answer_all, assessment_of, head_of, operator_of, submitted


def login(client, auth, username: str) -> None:
    auth.logout()
    assert auth.login(username).status_code == 302
    client.get("/language/en")  # assertions read the English source strings


def status_of(app, assessment_id: int) -> str:
    with app.app_context():
        return db.session.get(Assessment, assessment_id).status


def answered(app, code: str = "DISKOMINFO") -> int:
    assessment_id = assessment_of(app, code).id
    with app.test_request_context():
        answer_all(db.session.get(Assessment, assessment_id))
    return assessment_id


def test_the_operator_sends_to_the_head_and_the_evaluators_receive_nothing_yet(demo, client, auth):
    assessment_id = answered(demo)
    login(client, auth, "diskominfo")
    page = client.get(f"/assessments/{assessment_id}/submit").get_data(as_text=True)
    assert ">Send</button>" in page and "Approve and submit" not in page
    response = client.post(f"/assessments/{assessment_id}/submit", data={"confirm": "y"})
    assert response.status_code == 303
    assert status_of(demo, assessment_id) == Status.AWAITING_APPROVAL
    # the operators can no longer change it while the head reads it
    overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert 'data-testid="awaiting-approval"' in overview and "Read and approve" not in overview
    refused = client.post(
        f"/assessments/{assessment_id}/dimensions/GOV",
        data={"level-GOV-01": "5", "justification-GOV-01": "x"},
    )
    assert refused.status_code == 303
    # the evaluators: not in their queue, no score, no review
    login(client, auth, "evaluator")
    queue = client.get("/periods/2026/assessments?queue=1").get_data(as_text=True)
    assert "Dinas Komunikasi" not in queue
    assert (
        client.post(f"/assessments/{assessment_id}/review", data={"action": "save"}).status_code
        == 409
    )
    with demo.test_request_context():
        from smartcity.services import review

        assessment = db.session.get(Assessment, assessment_id)
        assert review.period_scores(assessment.period, [assessment]) == {}


def test_the_head_returns_it_to_the_operators_with_a_note(demo, client, auth):
    assessment_id = answered(demo)
    login(client, auth, "diskominfo")
    client.post(f"/assessments/{assessment_id}/submit", data={"confirm": "y"})
    login(client, auth, "kepala-diskominfo")
    page = client.get(f"/assessments/{assessment_id}/submit").get_data(as_text=True)
    assert "Return to the operators" in page and "Approve and submit" in page
    assert 'data-testid="sent-by"' in page and "Operator DISKOMINFO" in page
    # a return without a note changes nothing
    empty = client.post(f"/assessments/{assessment_id}/submit", data={"action": "return"})
    assert empty.status_code == 400
    assert status_of(demo, assessment_id) == Status.AWAITING_APPROVAL
    response = client.post(
        f"/assessments/{assessment_id}/submit",
        data={"action": "return", "note": "Lampirkan SK Bupati untuk GOV-03."},
    )
    assert response.status_code == 303
    assert status_of(demo, assessment_id) == Status.DRAFT
    login(client, auth, "diskominfo")
    overview = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert 'data-testid="head-note"' in overview
    assert "Lampirkan SK Bupati untuk GOV-03." in overview
    with demo.app_context():
        event = db.session.scalar(
            select(AuditEvent).filter_by(
                assessment_id=assessment_id, action="assessment.returned_to_operators"
            )
        )
        assert event is not None and "Lampirkan SK Bupati" in event.new_value


def test_only_the_confirmed_statement_of_responsibility_submits(demo, client, auth):
    assessment_id = answered(demo)
    login(client, auth, "diskominfo")
    client.post(f"/assessments/{assessment_id}/submit", data={"confirm": "y"})
    login(client, auth, "kepala-diskominfo")
    unconfirmed = client.post(f"/assessments/{assessment_id}/submit", data={"action": "approve"})
    assert unconfirmed.status_code == 400
    assert "Confirm the statement of responsibility" in unconfirmed.get_data(as_text=True)
    assert status_of(demo, assessment_id) == Status.AWAITING_APPROVAL
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        with pytest.raises(AssessmentRefused):
            workflow.approve(assessment, head_of(assessment), confirmed=False)
        assert db.session.scalar(select(Approval).filter_by(assessment_id=assessment_id)) is None
    approved = client.post(
        f"/assessments/{assessment_id}/submit", data={"confirm": "y", "action": "approve"}
    )
    assert approved.status_code == 303
    assert status_of(demo, assessment_id) == Status.SUBMITTED


def test_the_approval_records_the_head_as_they_were_then(demo):
    assessment_id = submitted(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        head = head_of(assessment)
        approval = approvals.latest_approval(assessment)
        assert (approval.user_id, approval.round) == (head.id, 1)
        assert (approval.name, approval.nip, approval.rank, approval.position) == (
            "Rahmat Hidayat, S.Kom., M.Si.",
            "197806212003121002",
            "Pembina Tingkat I (IV/b)",
            "Kepala Dinas Komunikasi, Informatika, Statistik dan Persandian",
        )
        assert "dapat dipertanggungjawabkan" in approval.statement  # as shown, in Indonesian
        # a later promotion does not change what was approved
        head.rank, head.position = "Pembina Utama Muda (IV/c)", "Pj. Sekretaris Daerah"
        db.session.commit()
        block = approvals.agency_signatory(assessment)
        assert block == Signatory(
            position="Kepala Dinas Komunikasi, Informatika, Statistik dan Persandian",
            name="Rahmat Hidayat, S.Kom., M.Si.",
            rank="Pembina Tingkat I (IV/b)",
            nip="197806212003121002",
        )
        assert block.nip_display == "19780621 200312 1 002"
        assert approvals.agency_approval_date(assessment) is not None


def test_without_an_approval_no_document_signs_for_the_agency(demo):
    """Regression: the report printed the head's name and NIP from the agency's record."""
    own, other = submitted(demo), assessment_of(demo, "DINKES").id
    with demo.test_request_context():
        draft = db.session.get(Assessment, other)
        assert approvals.agency_signatory(draft) is None
        approved = db.session.get(Assessment, own)
        report = report_data(approved, "id")
        assert [b.signatory for b in report.signatures] == [approvals.agency_signatory(approved)]
        assert report.signatures[0].signatory.name == "Rahmat Hidayat, S.Kom., M.Si."
        # an assessment sent but never approved: no agency signature in its report
        operator = operator_of(draft)
        answer_all(draft)
        workflow.submit(draft, operator)
        draft.status = Status.SUBMITTED  # as if moved on without an approval (old data)
        db.session.commit()
        unsigned = report_data(draft, "id")
        assert unsigned.signatures == ()


def test_a_head_may_answer_and_approve_in_one_go(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    login(client, auth, "kepala-diskominfo")
    saved = client.post(
        f"/assessments/{assessment_id}/dimensions/GOV",
        data={"level-GOV-01": "2", "justification-GOV-01": "Diisi oleh kepala"},
    )
    assert saved.status_code == 303
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        answer_all(assessment)
    page = client.get(f"/assessments/{assessment_id}/submit").get_data(as_text=True)
    assert "Approve and submit" in page and "Return to the operators" not in page
    response = client.post(
        f"/assessments/{assessment_id}/submit", data={"confirm": "y", "action": "approve"}
    )
    assert response.status_code == 303
    assert status_of(demo, assessment_id) == Status.SUBMITTED
    with demo.app_context():
        steps = [
            a.action
            for a in db.session.scalars(
                select(AuditEvent)
                .filter(
                    AuditEvent.assessment_id == assessment_id,
                    AuditEvent.action.like("assessment.%"),
                )
                .order_by(AuditEvent.id)
            )
        ]
        assert steps == ["assessment.approved"]


def test_a_head_without_a_position_cannot_sign(demo):
    assessment_id = answered(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        head = head_of(assessment)
        head.position = ""
        db.session.commit()
        with pytest.raises(AssessmentRefused, match="jabatan"):
            workflow.approve(assessment, head, confirmed=True)
        assert assessment.status == Status.DRAFT


def test_the_submit_page_summarises_before_the_final_click(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        answer_all(assessment)
        operator = operator_of(assessment)
        # GOV-02 not applicable (allowed, with a reason); GOV-01 at level 1 without evidence
        assessment_service.save_answers(
            assessment,
            operator,
            {
                "INF-03": AnswerInput(None, True, "Tidak mengelola Wi-Fi publik"),
                "GOV-01": AnswerInput(1, False, "Belum daring"),
            },
        )
        files = db.session.scalar(
            select(db.func.count(Evidence.id)).filter_by(assessment_id=assessment_id)
        )
        summary = approvals.submission_summary(assessment)
        assert summary.not_applicable == 1
        assert summary.answered == summary.total == 10
        assert summary.missing == ()
        without = {item.code for item in summary.without_evidence}
        assert "GOV-01" in without and "INF-03" not in without
        assert sum(row.evidence_files for row in summary.dimensions) == files
    login(client, auth, "diskominfo")
    page = client.get(f"/assessments/{assessment_id}/submit").get_data(as_text=True)
    shown = page.split('data-testid="submit-summary"')[1].split("</section>")[0]
    assert 'data-testid="provisional-index"' in shown
    assert 'data-testid="not-applicable-count">1 indicator answered' in shown
    assert "GOV-01" in shown.split('data-testid="without-evidence"')[1]
    assert "I confirm that these answers are complete and true" in page


def test_the_administrator_designates_the_approver(demo, client, auth):
    with demo.app_context():
        operator = db.session.scalar(select(User).filter_by(username="dinkes"))
        user_id = operator.id
    login(client, auth, "admin")
    assert "Change role in the agency" in client.get(f"/admin/users/{user_id}").get_data(
        as_text=True
    )
    bad = client.post(
        f"/admin/users/{user_id}/official",
        data={"head": "y", "full_name": "dr. Budi", "nip": "1234", "position": "Sekretaris"},
    )
    assert bad.status_code == 400 and "18 digits" in bad.get_data(as_text=True)
    good = client.post(
        f"/admin/users/{user_id}/official",
        data={
            "head": "y",
            "full_name": "dr. Budi Santoso",
            "nip": "19800101 200501 1 003",
            "rank": "Pembina (IV/a)",
            "position": "Sekretaris Dinas Kesehatan (Plt. Kepala)",
        },
    )
    assert good.status_code == 303
    with demo.app_context():
        user = db.session.get(User, user_id)
        assert (user.agency_role, user.nip) == ("head", "198001012005011003")
        event = db.session.scalar(
            select(AuditEvent).filter_by(action="user.agency_role_changed", subject_id=str(user_id))
        )
        assert event is not None and '"head"' in event.new_value
    # now an approver: the head's page for Dinkes
    login(client, auth, "dinkes")
    dinkes = assessment_of(demo, "DINKES").id
    assert "Approve and submit" in client.get(f"/assessments/{dinkes}/submit").get_data(
        as_text=True
    )


def test_existing_agency_users_become_operators_in_the_migration(tmp_path):
    """Migration 0011: every agency user before it filled in and submitted: an operator now."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from smartcity.factory import create_app

    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (username, full_name, role, password_hash, active, "
                    "created_at, must_change_password) VALUES "
                    "('op', 'Operator', 'agency', 'x', 1, '2026-01-01', 0), "
                    "('eva', 'Evaluator', 'evaluator', 'x', 1, '2026-01-01', 0)"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT username, agency_role FROM users")).all())
        db.engine.dispose()
    assert rows == {"op": "operator", "eva": None}


def test_demo_heads_log_in_with_their_signature_blocks(demo, client):
    with demo.app_context():
        heads = list(db.session.scalars(select(User).filter(User.username.like("kepala-%"))))
        assert len(heads) == 12
        for head in heads:
            assert head.agency_role == "head" and head.agency.code.lower() in head.username
            assert len(head.nip) == 18 and head.nip.isdigit()
            assert head.rank and head.position and head.full_name
        operators = db.session.scalars(
            select(User).filter(User.role == "agency", ~User.username.like("kepala-%"))
        )
        assert {u.agency_role for u in operators} == {"operator"}
        assert db.session.scalar(select(User).filter_by(username="evaluator")).agency_role is None
    response = client.post("/login", data={"username": "kepala-dinkes", "password": PASSWORD})
    assert response.status_code == 302
