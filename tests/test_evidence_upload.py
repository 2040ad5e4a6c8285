"""Evidence files sent at once, as soon as they are chosen (issue 15, item 1).

`POST /assessments/<id>/evidence` takes one file for one indicator with the browser's
`upload_key`, checks it through `services.evidence.attach` (the same rules as the form) and
answers JSON: the file's list entry with Preview and Remove, or why it was refused. The browser
side (progress, offline, leaving the page) is in tests/browser/test_evidence_upload.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from smartcity.domain.loader import load_instrument_file
from smartcity.extensions import db
from smartcity.models import Evidence
from smartcity.security import LAST_ACTIVE

from .helpers import (
    HTML,
    assessment_of,
    attach_sample,
    audit_events,
    csrf_token_from,
    evidence_rows,
    fetch,
    pdf_bytes,
    png_bytes,
    set_status,
)

KEY = "k" * 32
ALL_FEATURES = Path(__file__).parents[1] / "smartcity" / "instruments" / "test-all-features.yaml"


@pytest.fixture(autouse=True)
def evidence_dir(app, tmp_path: Path) -> Path:
    path = tmp_path / "evidence"
    app.config["EVIDENCE_STORAGE_PATH"] = str(path)
    return path


def upload(
    client,
    assessment_id: int,
    *,
    indicator="GOV-01",
    name="sk-tim.pdf",
    data=None,
    key=KEY,
    headers=None,
):
    body: dict[str, object] = {"indicator": indicator, "upload_key": key}
    if data is not False:
        body["file"] = (io.BytesIO(pdf_bytes() if data is None else data), name)
    return client.post(
        f"/assessments/{assessment_id}/evidence",
        data=body,
        content_type="multipart/form-data",
        headers={"Accept": "application/json", **(headers or {})},
    )


def test_a_chosen_file_is_attached_at_once_and_listed_with_preview_and_remove(
    demo, client, auth, english
):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = upload(client, own.id, name="SK Tim Smart City.pdf")
    assert response.status_code == 201
    reply = response.get_json()
    [row] = evidence_rows(demo, own.id)
    assert (row.indicator_code, row.original_name, row.upload_key) == (
        "GOV-01",
        "SK Tim Smart City.pdf",
        KEY,
    )
    assert reply["id"] == row.id and reply["indicator"] == "GOV-01"
    # the entry as the page lists it: download, Preview, Remove (without saving the form)
    html = reply["html"]
    assert f'href="/evidence/{row.id}" download>SK Tim Smart City.pdf</a>' in html
    assert f'href="/evidence/{row.id}/preview" target="_blank"' in html and "Preview" in html
    assert f'data-remove-url="/evidence/{row.id}/remove"' in html and "Remove" in html
    assert len(audit_events(demo, "evidence.added", own.id)) == 1
    # and the page shows it from now on
    page = client.get(f"/assessments/{own.id}/dimensions/GOV").get_data(as_text=True)
    assert f'href="/evidence/{row.id}/preview"' in page


def test_the_same_upload_sent_again_is_the_same_file(demo, client, auth, english):
    """A reply lost on a weak connection: the browser sends the file again with its key."""
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    first = upload(client, own.id)
    again = upload(client, own.id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert len(evidence_rows(demo, own.id)) == 1
    assert len(audit_events(demo, "evidence.added", own.id)) == 1
    # another upload of the same bytes is another file
    assert upload(client, own.id, key="other-key-123").status_code == 201
    assert len(evidence_rows(demo, own.id)) == 2


# what is refused, and how: (who, request changes, status, error, words of the message)
REFUSALS = [
    ("diskominfo", {"data": HTML, "name": "laporan.pdf"}, 415, "refused", "laporan.pdf"),
    ("diskominfo", {"data": b"", "name": "kosong.pdf"}, 400, "refused", "empty"),
    ("diskominfo", {"data": png_bytes(), "name": "foto.docx"}, 415, "refused", "foto.docx"),
    ("diskominfo", {"indicator": "LIV-01"}, 422, "invalid", "LIV-01"),
    ("diskominfo", {"indicator": "NOPE-99"}, 422, "invalid", "NOPE-99"),
    ("diskominfo", {"key": "short"}, 400, "bad_request", "upload_key"),
    ("diskominfo", {"data": False}, 400, "bad_request", "file"),
    ("dinkes", {}, 404, "not_found", "not found"),
    ("evaluator", {}, 403, "forbidden", "Only the agency"),
    ("admin", {}, 403, "forbidden", "Only the agency"),
]


@pytest.mark.parametrize(("who", "change", "status", "error", "words"), REFUSALS)
def test_refused_uploads_say_why_and_leave_nothing(
    demo, client, auth, english, evidence_dir, who, change, status, error, words
):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login(who)
    response = upload(client, own.id, **change)
    assert response.status_code == status
    reply = response.get_json()
    assert reply["error"] == error
    assert words in reply["message"]
    assert evidence_rows(demo, own.id, include_removed=True) == []
    assert not evidence_dir.exists() or not any(evidence_dir.rglob("*.*"))


def test_a_file_above_the_limit_is_refused_with_413(demo, client, auth, english):
    demo.config["EVIDENCE_MAX_BYTES"] = 2048
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = upload(client, own.id, data=pdf_bytes() + b"\n%" + b"x" * 4096 + b"\n%%EOF\n")
    assert response.status_code == 413
    assert response.get_json()["error"] == "refused"
    assert evidence_rows(demo, own.id) == []


@pytest.mark.parametrize("status", ["submitted", "final"])
def test_no_upload_once_the_assessment_cannot_change(demo, client, auth, english, status):
    own = assessment_of(demo, "DISKOMINFO")
    set_status(demo, own.id, status)
    auth.login("diskominfo")
    response = upload(client, own.id)
    assert response.status_code == 409
    assert response.get_json()["error"] == "not_editable"
    assert evidence_rows(demo, own.id) == []


def test_an_ended_session_hears_401_never_a_redirect(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    response = upload(client, own.id)
    assert response.status_code == 401
    assert response.get_json()["error"] == "login_required"
    # idle too long: logged out by the idle check, still JSON
    auth.login("diskominfo")
    with client.session_transaction() as session:
        session[LAST_ACTIVE] = 0
    response = upload(client, own.id)
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"
    assert evidence_rows(demo, own.id) == []


def test_the_csrf_token_is_required(demo, csrf_app, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "username": "diskominfo",
            "password": "demo-password-2026",
            "csrf_token": csrf_token_from(page),
        },
    )
    token = csrf_token_from(
        client.get(f"/assessments/{own.id}/dimensions/GOV").get_data(as_text=True)
    )
    refused = upload(client, own.id)
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    accepted = upload(client, own.id, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_remove_at_once(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    evidence_id = attach_sample(demo, own.id, name="salah.pdf")
    auth.login("evaluator")
    assert client.post(f"/evidence/{evidence_id}/remove").status_code == 403
    auth.logout()
    auth.login("dinkes")
    assert client.post(f"/evidence/{evidence_id}/remove").status_code == 404
    auth.logout()
    auth.login("diskominfo")
    response = client.post(f"/evidence/{evidence_id}/remove")
    assert response.status_code == 200 and response.get_json() == {
        "id": evidence_id,
        "removed": True,
    }
    assert evidence_rows(demo, own.id) == []
    assert len(audit_events(demo, "evidence.removed", own.id)) == 1
    assert fetch(client, f"/evidence/{evidence_id}").status_code == 404
    # a repeated click: already gone
    assert client.post(f"/evidence/{evidence_id}/remove").status_code == 404


def test_a_closed_assessment_keeps_its_files(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    evidence_id = attach_sample(demo, own.id)
    set_status(demo, own.id, "submitted")
    auth.login("diskominfo")
    assert client.post(f"/evidence/{evidence_id}/remove").status_code == 409
    assert [row.id for row in evidence_rows(demo, own.id)] == [evidence_id]


# -- the warning that an answer needs evidence ----------------------------------------------


def warning_shown(page: str, code: str) -> bool:
    match = re.search(
        rf'<p class="[^"]*evidence-needed[^"]*" id="evidence-needed-{code}"([^>]*)>', page
    )
    assert match, f"no evidence warning for {code}"
    return "hidden" not in match.group(1)


@pytest.mark.parametrize(
    ("level", "files", "shown"),
    [("2", 0, False), ("3", 0, True), ("5", 0, True), ("3", 1, False), ("na", 0, False)],
)
def test_the_page_warns_when_the_saved_answer_needs_evidence(
    demo, client, auth, english, level, files, shown
):
    """Without script too: the warning is in the page as soon as such a level is saved."""
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    client.post(
        f"/assessments/{own.id}/dimensions/GOV",
        data={"level-GOV-01": level, "justification-GOV-01": "Alasan"},
    )
    for _ in range(files):
        attach_sample(demo, own.id)
    page = client.get(f"/assessments/{own.id}/dimensions/GOV").get_data(as_text=True)
    assert warning_shown(page, "GOV-01") is shown
    assert "This answer needs at least one evidence file" in page


def rule_of(code: str) -> dict | None:
    from smartcity.views.evidence import evidence_rule

    return evidence_rule(load_instrument_file(ALL_FEATURES).indicator(code))


# which answers need a file, per answer type, as the page's script gets it
RULES = {
    "GOV-SVC-01": {"type": "level", "values": ["3", "4", "5"]},
    # choice: option points / 3 x 5 >= 4, so only the full 3 points
    "GOV-POL-01": {"type": "choice", "values": ["3"]},
    # checklist: ticked points / 4 x 5 >= 3, so at least 2.4 points
    "ENV-01": {
        "type": "checklist",
        "points": {"air": 2.0, "udara": 2.0, "dasbor": 1.0},
        "needed": 2.4,
    },
    "GOV-SVC-02": {
        "type": "number",
        "minimum": 0.0,
        "maximum": 100.0,
        "thresholds": [[0.0, 1], [20.0, 2], [40.0, 3], [60.0, 4], [80.0, 5]],
        "from": 3,
    },
    "ENV-02": None,  # evidence_from_level: null
}


@pytest.mark.parametrize("code", list(RULES))
def test_the_evidence_rule_for_the_page_matches_the_submit_rule(code):
    assert rule_of(code) == RULES[code]


def test_the_rule_is_on_the_page_only_where_files_are_required(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    page = client.get(f"/assessments/{own.id}/dimensions/GOV").get_data(as_text=True)
    assert """data-evidence-rule='{"type": "level", "values": ["3", "4", "5"]}'""" in page
    assert f'data-evidence-url="/assessments/{own.id}/evidence"' in page
    with demo.app_context():
        assert db.session.scalar(select(Evidence.id)) is None
