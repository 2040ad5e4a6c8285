"""An agency answers its self-assessment, submits it and sees its maturity level."""

from __future__ import annotations

import io

from smartcity.extensions import db
from smartcity.models import Assessment
from smartcity.services.assessments import instrument_for

from .helpers import assessment_of, checked_level, csrf_token_from, dimension_form, stored_answers

# a small real PDF: the demo instrument needs evidence (data dukung) from level 3
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def with_evidence(app, assessment_id: int, data: dict[str, str]) -> dict[str, object]:
    """The form data plus one evidence file for every answer whose level needs one."""
    with app.app_context():
        instrument = instrument_for(db.session.get(Assessment, assessment_id))
    result: dict[str, object] = dict(data)
    for key, value in data.items():
        if not key.startswith("level-") or not value.isdigit():
            continue
        code = key.removeprefix("level-")
        if instrument.indicator(code).needs_evidence(int(value)):
            result[f"evidence-{code}"] = (io.BytesIO(EVIDENCE_PDF), f"data-dukung-{code}.pdf")
    return result


def test_home_shows_the_open_period_and_progress(demo, client, auth):
    auth.login("diskominfo")
    page = client.get("/").get_data(as_text=True)
    assert "Periode penilaian 2026" in page
    assert "<strong>0 / 10</strong> indikator" in page  # GOV and INF, five indicators each


def test_dimension_page_shows_question_explanation_and_five_levels(demo, client, auth):
    assessment = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = client.get(f"/assessments/{assessment.id}/dimensions/GOV")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    with demo.app_context():
        instrument = instrument_for(db.session.get(Assessment, assessment.id))
    first = instrument.dimension("GOV").indicators[0]
    assert first.question.id in page
    assert first.explanation.id in page
    for level in range(1, 6):
        assert f'name="level-{first.code}" type="radio" value="{level}"' in page
        assert first.descriptor(level).id.split("\n")[0][:40] in page
    assert "Tidak berlaku" in page and "Simpan draf" in page


def test_save_draft_keeps_partial_answers(demo, client, auth):
    assessment = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = client.post(
        f"/assessments/{assessment.id}/dimensions/GOV",
        data={"level-GOV-02": "4", "justification-GOV-02": "Portal Satu Data aktif"},
    )
    assert response.status_code == 303
    assert stored_answers(demo, assessment.id) == {"GOV-02": (4, False, "Portal Satu Data aktif")}
    page = client.get(f"/assessments/{assessment.id}/dimensions/GOV").get_data(as_text=True)
    assert checked_level(page, "GOV-02") == "4"
    assert checked_level(page, "GOV-01") == ""  # untouched indicators stay unanswered
    assert "Portal Satu Data aktif" in page


def test_submit_lists_what_is_missing_and_keeps_everything(demo, client, auth):
    assessment = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    client.post(
        f"/assessments/{assessment.id}/dimensions/GOV",
        data=dimension_form(demo, assessment.id, "GOV"),
    )
    client.post(
        f"/assessments/{assessment.id}/dimensions/INF",
        data={"level-INF-01": "2", "justification-INF-01": "Sebagian desa"},
    )
    before = stored_answers(demo, assessment.id)
    response = client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "y"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    for code in ("INF-02", "INF-03", "INF-04", "INF-05"):
        assert code in page
    assert "INF-01" not in page.split("missing-list")[1]
    assert stored_answers(demo, assessment.id) == before
    with demo.app_context():
        assert db.session.get(Assessment, assessment.id).status == "draft"


def test_na_needs_a_justification_before_submit(demo, client, auth):
    assessment = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    for code in ("GOV", "INF"):
        client.post(
            f"/assessments/{assessment.id}/dimensions/{code}",
            data=dimension_form(demo, assessment.id, code),
        )
    # INF-03 (public Wi-Fi) allows N/A
    client.post(
        f"/assessments/{assessment.id}/dimensions/INF",
        data={
            **dimension_form(demo, assessment.id, "INF"),
            "level-INF-03": "na",
            "justification-INF-03": "",
        },
    )
    page = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert "INF-03" in page and "justifikasi" in page


def test_full_journey_submit_locks_and_shows_result(demo, client, auth):
    assessment = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    # GOV: levels 1..5 in order; INF: all 3
    gov = dimension_form(demo, assessment.id, "GOV", level_for=lambda i, n: n + 1)
    inf = dimension_form(demo, assessment.id, "INF")
    client.post(f"/assessments/{assessment.id}/dimensions/GOV", data=gov)
    client.post(f"/assessments/{assessment.id}/dimensions/INF", data=inf)
    # levels 3 and above need evidence: the submission waits for it
    waiting = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    needing = waiting.split("missing-list")[1]
    assert all(code in needing for code in ("GOV-03", "GOV-04", "GOV-05", "INF-01", "INF-05"))
    assert "GOV-01" not in needing and "GOV-02" not in needing
    for code, data in (("GOV", gov), ("INF", inf)):
        response = client.post(
            f"/assessments/{assessment.id}/dimensions/{code}",
            data=with_evidence(demo, assessment.id, data),
        )
        assert response.status_code == 303
    confirm = client.get(f"/assessments/{assessment.id}/submit")
    assert confirm.status_code == 200 and ">Kirim</button>" in confirm.get_data(as_text=True)
    assert client.post(f"/assessments/{assessment.id}/submit", data={}).status_code == 400
    # the operator's "Kirim" sends it to the head of the agency
    response = client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "y"})
    assert response.status_code == 303
    with demo.app_context():
        locked = db.session.get(Assessment, assessment.id)
        assert locked.status == "awaiting_approval"
        assert locked.submitted_by.username == "diskominfo"
    # a second click gives no second transition and no error
    again = client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "y"})
    assert again.status_code == 303
    # the head confirms the statement of responsibility: "Setujui dan kirim" submits it
    auth.logout()
    auth.login("kepala-diskominfo")
    approval = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert "Setujui dan kirim" in approval and "dapat dipertanggungjawabkan" in approval
    unconfirmed = client.post(f"/assessments/{assessment.id}/submit", data={"action": "approve"})
    assert unconfirmed.status_code == 400
    response = client.post(
        f"/assessments/{assessment.id}/submit", data={"confirm": "y", "action": "approve"}
    )
    assert response.status_code == 303
    with demo.app_context():
        locked = db.session.get(Assessment, assessment.id)
        assert locked.status == "submitted"
        assert locked.submitted_by.username == "kepala-diskominfo"
        assert locked.submitted_at is not None
    again = client.post(
        f"/assessments/{assessment.id}/submit", data={"confirm": "y", "action": "approve"}
    )
    assert again.status_code == 303
    # read-only now: a write changes nothing
    before = stored_answers(demo, assessment.id)
    refused = client.post(
        f"/assessments/{assessment.id}/dimensions/GOV",
        data={"level-GOV-01": "5", "justification-GOV-01": "x"},
    )
    assert refused.status_code == 303
    assert stored_answers(demo, assessment.id) == before
    result = client.get(f"/assessments/{assessment.id}/result").get_data(as_text=True)
    # GOV weights 2.5, 2, 2, 1.5, 1.5 with levels 1..5: (2.5+4+6+6+7.5)/9.5 = 26/9.5
    # overall = (1.5 x 52/19 + 1 x 3) / 2.5 = 2.84
    assert 'data-testid="overall-index">2,84<' in result
    assert "Baik · Tingkat 3" in result  # predicate, then the maturity level and its name
    assert "Jalur peningkatan" in result


def test_evaluator_sees_every_agency_with_status_progress_index(demo, client, auth):
    assessment = assessment_of(demo, "DLH")
    auth.login("dlh")
    client.post(
        f"/assessments/{assessment.id}/dimensions/ENV",
        data=with_evidence(
            demo,
            assessment.id,
            dimension_form(demo, assessment.id, "ENV", level_for=lambda i, n: 5),
        ),
    )
    client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "y"})
    auth.logout()
    auth.login("kepala-dlh")
    client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "y", "action": "approve"})
    auth.logout()
    auth.login("evaluator")
    page = client.get("/periods/2026/assessments").get_data(as_text=True)
    assert "12 perangkat daerah" in page
    assert "Dinas Lingkungan Hidup" in page and "Dinas Kesehatan" in page
    row = page.split("Dinas Lingkungan Hidup")[1].split("</tr>")[0]
    assert "Terkirim" in row and "5 / 5" in row and "5,00" in row and "Memuaskan" in row


def test_english_switch(demo, client, auth):
    auth.login("diskominfo")
    client.get("/language/en")
    page = client.get("/").get_data(as_text=True)
    assert "Assessment period 2026" in page and "Continue the self-assessment" in page


def test_login_with_wrong_password_says_nothing_about_the_user(demo, client):
    wrong = client.post("/login", data={"username": "diskominfo", "password": "nope-nope-nope"})
    unknown = client.post("/login", data={"username": "nobody", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in wrong.get_data(as_text=True)
    assert wrong.get_data(as_text=True).count("salah") == unknown.get_data(as_text=True).count(
        "salah"
    )


def test_login_never_redirects_to_another_site(demo, client):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "diskominfo", "password": "demo-password-2026"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_csrf_is_required_on_forms(demo, csrf_app):
    client = csrf_app.test_client()
    refused = client.post(
        "/login", data={"username": "diskominfo", "password": "demo-password-2026"}
    )
    assert refused.status_code == 400
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    ok = client.post(
        "/login",
        data={"username": "diskominfo", "password": "demo-password-2026", "csrf_token": token},
    )
    assert ok.status_code == 302
