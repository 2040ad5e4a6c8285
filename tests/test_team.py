"""The Tim Pelaksana Smart City (issue 16): recorded per period by the admin, its members review
their agencies, the chair finalizes (the vice-chair for an absent chair), the stages, and the
Berita Acara of each final assessment and of the closed period."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from smartcity.domain.signatory import Signatory
from smartcity.domain.workflow import Action, Actor, Status
from smartcity.extensions import db
from smartcity.models import (
    Agency,
    Assessment,
    AuditEvent,
    EvaluationMinutes,
    IssuedDocument,
    Period,
    TeamAssignment,
    TeamMember,
    User,
)
from smartcity.policy import actor_for
from smartcity.services import documents, team, workflow
from smartcity.services import minutes as minutes_service
from smartcity.services.assessments import AssessmentRefused

from .helpers import assessment_of, chair_for, pdf_text, submitted


def login(client, auth, username: str) -> None:
    auth.logout()
    assert auth.login(username).status_code == 302
    client.get("/language/en")


def user(name: str) -> User:
    return db.session.scalar(select(User).filter_by(username=name))


def period(year: int = 2026) -> Period:
    return db.session.scalar(select(Period).filter_by(year=year))


def verified(app, code: str = "DISKOMINFO") -> int:
    assessment_id = submitted(app, code)
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        workflow.transition(assessment, user("evaluator"), Action.START_REVIEW)
        workflow.transition(assessment, user("evaluator"), Action.VERIFY)
    return assessment_id


# --- the team, as the administrator records it ---------------------------------------------


def test_the_demo_team_is_chaired_by_the_head_of_bapperida(demo):
    with demo.test_request_context():
        members = {m.role: m for m in team.members_of(period())}
        assert members["chair"].user.username == "kepala-bapperida"
        assert members["vice_chair"].user.username == "kepala-diskominfo"
        assert members["secretary"].user is None  # an official without an account
        settings = team.settings_of(period())
        assert settings.decree_number and settings.decree_date is not None
        assert team.team_signatory(period(), "chair") == Signatory(
            position="Ketua Tim Pelaksana Smart City",
            name="Ir. Hendra Saputra, M.T.",
            rank="Pembina Utama Muda (IV/c)",
            nip="197303152000031004",
        )


def test_the_admin_records_the_decree_members_and_their_agencies(demo, client, auth):
    login(client, auth, "admin")
    page = client.get("/admin/periods/2026/team").get_data(as_text=True)
    assert "Ir. Hendra Saputra, M.T." in page and "Universitas Darwan Ali" in page
    saved = client.post(
        "/admin/periods/2026/team",
        data={
            "decree_number": "188.45/099/HUK/2026",
            "decree_date": "2026-02-20",
            "interview_required": "y",
        },
    )
    assert saved.status_code == 303
    # a second chair is refused; an external member is added with a NIP-less block
    twice = client.post(
        "/admin/periods/2026/team/members",
        data={"role": "chair", "user_id": "", "name": "Orang Lain"},
    )
    assert twice.status_code == 400 and "already has this position" in twice.get_data(as_text=True)
    added = client.post(
        "/admin/periods/2026/team/members",
        data={
            "role": "member",
            "user_id": "",
            "name": "Ir. Siti Nurhaliza, M.Kom.",
            "position": "Praktisi TIK",
            "institution": "Asosiasi Smart City Kalimantan Tengah",
        },
    )
    assert added.status_code == 303
    member_id = int(added.headers["Location"].rsplit("/", 1)[1])
    with demo.app_context():
        agencies = {a.code: a.id for a in db.session.scalars(select(Agency))}
    assigned = client.post(
        f"/admin/periods/2026/team/members/{member_id}",
        data={
            "role": "member",
            "user_id": "",
            "name": "Ir. Siti Nurhaliza, M.Kom.",
            "position": "Praktisi TIK",
            "institution": "Asosiasi Smart City Kalimantan Tengah",
            "agency": [str(agencies["DLH"]), str(agencies["DPUPR"])],
        },
    )
    assert assigned.status_code == 303
    with demo.test_request_context():
        settings = team.settings_of(period())
        assert (settings.decree_number, settings.decree_date, settings.interview_required) == (
            "188.45/099/HUK/2026",
            date(2026, 2, 20),
            True,
        )
        codes = {
            a.agency.code
            for a in db.session.scalars(select(TeamAssignment).filter_by(member_id=member_id))
        }
        assert codes == {"DLH", "DPUPR"}
        actions = {
            e.action
            for e in db.session.scalars(select(AuditEvent).filter(AuditEvent.action.like("team.%")))
        }
        assert {
            "team.settings_changed",
            "team.member_added",
            "team.assignment_added",
        } <= actions


def test_a_member_never_reviews_their_own_agency(demo):
    with demo.test_request_context():
        vice = db.session.scalar(
            select(TeamMember).filter_by(period_id=period().id, role="vice_chair")
        )
        own = vice.user.agency_id
        with pytest.raises(team.TeamRefused, match="Dinas Komunikasi"):
            team.set_member_agencies(vice, [own], user("admin"))


def test_any_assigned_member_reviews_even_an_agency_head(demo, client, auth):
    """The vice-chair (head of Diskominfo) assigned to Dinkes reviews Dinkes, nothing else."""
    dinkes = submitted(demo, "DINKES")
    with demo.test_request_context():
        vice = db.session.scalar(
            select(TeamMember).filter_by(period_id=period().id, role="vice_chair")
        )
        agency = db.session.scalar(select(Agency).filter_by(code="DINKES"))
        team.set_member_agencies(vice, [agency.id], user("admin"))
        db.session.commit()
        assert actor_for(vice.user, db.session.get(Assessment, dinkes)) == Actor.EVALUATOR
    login(client, auth, "kepala-diskominfo")
    assert client.get(f"/assessments/{dinkes}/review").status_code == 200
    saved = client.post(
        f"/assessments/{dinkes}/review",
        data={"verified-LIV-01": "1", "note-LIV-01": "Belum terhubung", "action": "save"},
    )
    assert saved.status_code == 303
    page = client.get("/periods/2026/team").get_data(as_text=True)
    assert "Dinas Kesehatan" in page.split('data-testid="my-agencies"')[1].split("</section>")[0]
    dlh = assessment_of(demo, "DLH").id
    assert client.get(f"/assessments/{dlh}/review").status_code == 404


# --- finalizing is the chair's ---------------------------------------------------------------


def test_the_chair_finalizes_and_the_berita_acara_is_issued_at_once(demo, client, auth):
    assessment_id = verified(demo)
    login(client, auth, "admin")
    assert client.post(f"/assessments/{assessment_id}/finalize").status_code == 403
    login(client, auth, "kepala-bapperida")
    page = client.get("/periods/2026/team").get_data(as_text=True)
    assert "Dinas Komunikasi" in page.split('data-testid="to-finalize"')[1].split("</section>")[0]
    response = client.post(
        f"/assessments/{assessment_id}/finalize",
        data={
            "confirmed": "yes",
            "held_on": "2026-07-14",
            "place": "Sampit Creative Hub",
            "representatives": "Rahmat Hidayat, S.Kom., M.Si.\nOperator DISKOMINFO",
        },
    )
    assert response.status_code == 303
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment.status == Status.FINAL
        record = minutes_service.minutes_of(assessment)
        assert (record.held_on, record.place, record.acting_for_chair) == (
            date(2026, 7, 14),
            "Sampit Creative Hub",
            False,
        )
        assert record.finalized_by.username == "kepala-bapperida"
        minutes = db.session.scalar(
            select(IssuedDocument).filter_by(assessment_id=assessment_id, kind="minutes")
        )
        assert minutes is not None
        text = pdf_text(minutes.content)
        assert "BERITA ACARA HASIL EVALUASI" in text
        assert "Sampit Creative Hub" in text and "Operator DISKOMINFO" in text
        assert "Ir. Hendra Saputra, M.T." in text and "Rahmat Hidayat, S.Kom., M.Si." in text
        assert documents.verify_code(minutes.code).outcome == documents.VALID
        # the signers the registry shows on /verify: the chair and the approving head
        summary = json.loads(minutes.summary)
        assert {s["name"] for s in summary["signers"]} == {
            "Ir. Hendra Saputra, M.T.",
            "Rahmat Hidayat, S.Kom., M.Si.",
        }


def test_the_vice_chair_finalizes_for_an_absent_chair_recorded_as_such(demo, client, auth):
    assessment_id = verified(demo, "DINKES")
    login(client, auth, "admin")
    refused = client.post(
        "/admin/periods/2026/team",
        data={"decree_number": "188.45/064/HUK/2026", "chair_absent": "y"},
    )
    assert refused.status_code == 400  # the reason is printed: it must be given
    client.post(
        "/admin/periods/2026/team",
        data={
            "decree_number": "188.45/064/HUK/2026",
            "chair_absent": "y",
            "chair_absent_note": "Dinas luar ke Jakarta",
        },
    )
    # the absent chair has no part in it now (404: it is not theirs to see)
    login(client, auth, "kepala-bapperida")
    assert client.post(f"/assessments/{assessment_id}/finalize").status_code == 404
    login(client, auth, "kepala-diskominfo")
    assert client.post(f"/assessments/{assessment_id}/finalize").status_code == 303
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        record = minutes_service.minutes_of(assessment)
        assert record.acting_for_chair and record.finalized_by.username == "kepala-diskominfo"
        signed = team.team_signatory(period(), "chair")
        assert signed.on_behalf_of == "Ketua Tim Pelaksana Smart City"
        assert signed.name == "Rahmat Hidayat, S.Kom., M.Si."
        minutes = db.session.scalar(
            select(IssuedDocument).filter_by(assessment_id=assessment_id, kind="minutes")
        )
        assert "wakil ketua" in pdf_text(minutes.content).lower()


def test_the_chair_does_not_finalize_their_own_agency(demo):
    assessment_id = verified(demo, "BAPPERIDA")
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        chair = user("kepala-bapperida")
        assert actor_for(chair, assessment) == Actor.HEAD
        with pytest.raises(AssessmentRefused):
            workflow.transition(assessment, chair, Action.FINALIZE)
        acting = chair_for(assessment)
        assert acting.username == "kepala-diskominfo"
        workflow.transition(assessment, acting, Action.FINALIZE)
        assert minutes_service.minutes_of(assessment).acting_for_chair is True


def test_without_a_recorded_chair_nobody_finalizes(demo):
    assessment_id = verified(demo)
    with demo.test_request_context():
        for member in team.members_of(period()):
            if member.role in ("chair", "vice_chair"):
                team.remove_member(member, user("admin"))
        db.session.commit()
        assessment = db.session.get(Assessment, assessment_id)
        for who in ("admin", "kepala-bapperida", "evaluator"):
            with pytest.raises(AssessmentRefused):
                workflow.transition(assessment, user(who), Action.FINALIZE)
        assert assessment.status == Status.VERIFIED


# --- stages -----------------------------------------------------------------------------------


def test_where_the_period_requires_it_the_interview_comes_before_final(demo, client, auth):
    assessment_id = verified(demo)
    with demo.test_request_context():
        team.save_settings(
            period(), team.TeamSettings("188.45/064/HUK/2026", None, True, False, ""), None
        )
        db.session.commit()
        assessment = db.session.get(Assessment, assessment_id)
        assert team.stage_of(assessment) == team.INTERVIEW_STAGE
        with pytest.raises(AssessmentRefused, match="wawancara atau visitasi"):
            workflow.transition(assessment, user("kepala-bapperida"), Action.FINALIZE)
    login(client, auth, "evaluator")
    missing = client.post(
        f"/assessments/{assessment_id}/interview",
        data={"kind": "site_visit", "held_on": "2026-07-01", "place": "", "attendees": "x"},
    )
    assert missing.status_code == 400
    recorded = client.post(
        f"/assessments/{assessment_id}/interview",
        data={
            "kind": "site_visit",
            "held_on": "2026-07-01",
            "place": "Command center Diskominfo",
            "attendees": "Tim Pelaksana\nKepala Bidang Aplikasi",
            "note-INF-04": "CCTV 24 titik berfungsi; dasbor tersambung.",
        },
    )
    assert recorded.status_code == 303
    page = client.get(f"/assessments/{assessment_id}/interview").get_data(as_text=True)
    assert "CCTV 24 titik berfungsi" in page and "Command center Diskominfo" in page
    login(client, auth, "kepala-bapperida")
    assert client.post(f"/assessments/{assessment_id}/finalize").status_code == 303
    with demo.test_request_context():
        event = db.session.scalar(
            select(AuditEvent).filter_by(
                assessment_id=assessment_id, action="assessment.interview_recorded"
            )
        )
        assert event is not None and "CCTV" in event.new_value
        minutes = db.session.scalar(
            select(IssuedDocument).filter_by(assessment_id=assessment_id, kind="minutes")
        )
        assert "Command center Diskominfo" in pdf_text(minutes.content)


def test_the_team_page_shows_each_agency_s_stage(demo, client, auth):
    verified(demo)
    login(client, auth, "pimpinan")
    page = client.get("/periods/2026/team").get_data(as_text=True)
    stages = page.split('data-testid="team-stages"')[1]
    row = stages.split("Dinas Komunikasi")[1].split("</tr>")[0]
    assert "Desk evaluation" in row and "Verified" in row
    assert "With the agency" in stages.split("Dinas Kesehatan")[1].split("</tr>")[0]


# --- the region recap ----------------------------------------------------------------------


def test_closing_the_period_issues_the_region_berita_acara(demo, client, auth):
    assessment_id = verified(demo)
    with demo.test_request_context():
        workflow.transition(
            db.session.get(Assessment, assessment_id), user("kepala-bapperida"), Action.FINALIZE
        )
    login(client, auth, "admin")
    assert client.post("/periods/2026/minutes").status_code == 409  # still open
    closed = client.post("/admin/periods/2026/status", data={"action": "close"})
    assert closed.status_code == 303
    with demo.test_request_context():
        recap = db.session.scalar(
            select(IssuedDocument).filter_by(kind="region_minutes", period_id=period().id)
        )
        assert recap is not None
        text = pdf_text(recap.content)
        assert "Dinas Komunikasi" in text and "Nor Aisyah, S.E., M.Si." in text
        assert documents.verify_code(recap.code).outcome == documents.VALID


def test_print_minutes_for_a_closed_year(demo_history, runner, tmp_path):
    result = runner.invoke(
        args=["print", "--period", "2025", "--what", "minutes", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in tmp_path.glob("*.pdf"))
    assert len(files) == 13  # twelve agencies and the region
    assert "2025-region_minutes.pdf" in files
    with demo_history.app_context():
        kinds = {
            row.kind
            for row in db.session.scalars(
                select(IssuedDocument).filter(IssuedDocument.kind.like("%minutes"))
            )
        }
        assert kinds == {"minutes", "region_minutes"}
        assert db.session.scalar(select(db.func.count(EvaluationMinutes.id))) == 12
