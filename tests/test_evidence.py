"""Evidence files (data dukung) attached to answers: checked by content, stored once, shown only
to those who may see the assessment, removed only while it can be edited, required at submit.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Assessment, Evidence, User
from smartcity.services import evidence as evidence_service
from smartcity.services.accounts import create_user
from smartcity.services.assessments import AssessmentRefused
from smartcity.storage import LocalDirectoryStorage

from .helpers import (
    EXE,
    HTML,
    PASSWORD,
    assessment_of,
    attach_sample,
    audit_events,
    checked_level,
    dimension_form,
    docx_bytes,
    evidence_rows,
    fetch,
    files_on_disk,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    post_dimension,
    set_status,
    stored_answers,
    xlsx_bytes,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def evidence_dir(app, tmp_path: Path) -> Path:
    """Every test stores its evidence files in its own temporary folder."""
    path = tmp_path / "evidence"
    app.config["EVIDENCE_STORAGE_PATH"] = str(path)
    return path


# -- helpers --------------------------------------------------------------------------------


# -- the form -------------------------------------------------------------------------------


def test_dimension_form_offers_a_labelled_file_input_per_indicator(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    page = client.get(f"/assessments/{own.id}/dimensions/GOV").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    for code in ("GOV-01", "GOV-05"):
        assert f'<label for="evidence-{code}">' in page
        assert f'type="file" id="evidence-{code}" name="evidence-{code}" multiple' in page
    assert 'accept=".pdf,.png,.jpg,.jpeg,.xlsx,.docx' in page
    assert f'data-max-bytes="{10 * 1024 * 1024}"' in page
    assert "PDF, PNG, JPEG, XLSX or DOCX, at most 10 MB per file" in page
    # levels 3 and above need a file in the demo instrument
    assert "required for level 3 and above" in page
    # the size warning is an external script (the CSP forbids inline code)
    script_url = re.search(r'<script src="(/static/js/evidence\.[0-9a-f]{12}\.js)" defer>', page)
    assert script_url, "no evidence.js script (under its content-hashed name)"
    script = client.get(script_url.group(1))
    script.close()
    assert script.status_code == 200


def test_read_only_viewers_see_the_files_but_no_upload_or_remove(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    attach_sample(demo, own.id, name="notulen.pdf")
    auth.login("evaluator")
    page = client.get(f"/assessments/{own.id}/dimensions/GOV").get_data(as_text=True)
    assert "notulen.pdf" in page
    assert 'type="file"' not in page and 'name="delete-evidence"' not in page


# -- uploading: accepted types --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "media_type"),
    [
        ("sk-tim.pdf", pdf_bytes, "application/pdf"),
        ("foto-rapat.png", png_bytes, "image/png"),
        ("foto-rapat.jpg", jpeg_bytes, "image/jpeg"),
        ("capaian.xlsx", xlsx_bytes, XLSX_TYPE),
        ("laporan.docx", docx_bytes, DOCX_TYPE),
    ],
)
def test_agency_attaches_each_accepted_type(
    demo, client, auth, evidence_dir, name, make, media_type, english
):
    own = assessment_of(demo, "DISKOMINFO")
    before = files_on_disk(evidence_dir)  # the demo region's own evidence
    content = make()
    auth.login("diskominfo")
    response = post_dimension(
        client,
        own.id,
        data={"level-GOV-01": "3", "justification-GOV-01": "Ada SK"},
        files={"GOV-01": [(content, name)]},
    )
    assert response.status_code == 303
    [row] = evidence_rows(demo, own.id)
    assert (row.indicator_code, row.original_name, row.media_type, row.size) == (
        "GOV-01",
        name,
        media_type,
        len(content),
    )
    with demo.app_context():
        assert db.session.get(User, row.uploaded_by_id).username == "diskominfo"
    assert row.uploaded_at is not None
    # stored outside the web root, under its SHA-256, exactly as sent
    [stored] = files_on_disk(evidence_dir) - before
    assert stored.name == row.sha256 and stored.read_bytes() == content
    # recorded in the audit trail
    [event] = audit_events(demo, "evidence.added", own.id)
    assert json.loads(event.new_value) == {
        "name": name,
        "sha256": row.sha256,
        "size": len(content),
        "type": media_type,
        "indicator": "GOV-01",
    }
    assert event.assessment_id == own.id and event.subject_id == str(row.id)
    # the page lists it with size, type and uploader, and links to it
    page = client.get(f"/assessments/{own.id}/dimensions/GOV").get_data(as_text=True)
    assert name in page and f'href="/evidence/{row.id}"' in page
    assert "Dinas Komunikasi" in page or "diskominfo" in page.lower()
    previewable = media_type in ("application/pdf", "image/png", "image/jpeg")
    assert (
        f'href="/evidence/{row.id}/preview" target="_blank" rel="noopener"' in page
    ) is previewable
    assert f'name="delete-evidence" value="{row.id}"' in page


def test_several_files_at_once_and_the_answers_with_them(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = post_dimension(
        client,
        own.id,
        data={"level-GOV-02": "4", "justification-GOV-02": "Portal aktif"},
        files={
            "GOV-02": [(pdf_bytes("a"), "a.pdf"), (png_bytes(), "b.png")],
            "GOV-03": [(xlsx_bytes(), "c.xlsx")],
        },
    )
    assert response.status_code == 303
    assert [(r.indicator_code, r.original_name) for r in evidence_rows(demo, own.id)] == [
        ("GOV-02", "a.pdf"),
        ("GOV-02", "b.png"),
        ("GOV-03", "c.xlsx"),
    ]
    assert stored_answers(demo, own.id) == {"GOV-02": (4, False, "Portal aktif")}


def test_an_empty_file_input_is_ignored(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = client.post(
        f"/assessments/{own.id}/dimensions/GOV",
        data={"level-GOV-01": "2", "evidence-GOV-01": (io.BytesIO(b""), "")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert evidence_rows(demo, own.id) == []


def test_the_stored_name_is_the_plain_name_as_sent(demo, client, auth, english):
    # names with folders or control characters are refused: tests/test_uploads.py
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    post_dimension(client, own.id, files={"GOV-01": [(pdf_bytes(), " SK Tim Cafe\u0301.pdf ")]})
    [row] = evidence_rows(demo, own.id)
    assert row.original_name == "SK Tim Caf\u00e9.pdf"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("SK Tim.pdf", "SK Tim.pdf"),
        ("  laporan akhir.v2.pdf\t", "laporan akhir.v2.pdf"),
        ("Cafe\u0301.pdf", "Caf\u00e9.pdf"),
    ],
)
def test_clean_name(sent, kept):
    assert evidence_service.clean_name(sent) == kept


# -- uploading: refused files ---------------------------------------------------------------

MISMATCHES = [
    ("a PNG named .pdf", "foto.pdf", png_bytes, "its name says PDF but its content is PNG"),
    ("an EXE renamed .pdf", "setup.pdf", lambda: EXE, "its content is not a PDF file"),
    ("an HTML page renamed .pdf", "halaman.pdf", lambda: HTML, "its content is not a PDF file"),
    (
        "an XLSX renamed .docx",
        "capaian.docx",
        xlsx_bytes,
        "its name says DOCX but its content is XLSX",
    ),
    ("an .exe", "setup.exe", lambda: EXE, "only PDF, PNG, JPEG, XLSX, DOCX files are accepted"),
    (
        "an .html",
        "halaman.html",
        lambda: HTML,
        "only PDF, PNG, JPEG, XLSX, DOCX files are accepted",
    ),
]


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [case[1:] for case in MISMATCHES],
    ids=[case[0] for case in MISMATCHES],
)
def test_a_file_that_is_not_what_it_claims_is_refused_with_415(
    demo, client, auth, evidence_dir, name, make, message, english
):
    own = assessment_of(demo, "DISKOMINFO")
    before = files_on_disk(evidence_dir)  # the demo region's own evidence
    auth.login("diskominfo")
    response = post_dimension(
        client,
        own.id,
        data={"level-GOV-01": "3", "justification-GOV-01": "Teks yang baru diketik"},
        files={"GOV-01": [(make(), name)]},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 415
    assert f"{name} was not attached" in page and message in page
    # what was typed is on the page and saved; the file is not
    assert "Teks yang baru diketik" in page
    assert stored_answers(demo, own.id) == {"GOV-01": (3, False, "Teks yang baru diketik")}
    assert evidence_rows(demo, own.id) == []
    assert files_on_disk(evidence_dir) == before


def test_a_file_above_the_limit_is_refused_with_413_and_nothing_typed_is_lost(
    demo, client, auth, evidence_dir, english
):
    demo.config["EVIDENCE_MAX_BYTES"] = 2000
    own = assessment_of(demo, "DISKOMINFO")
    before = files_on_disk(evidence_dir)  # the demo region's own evidence
    big = pdf_bytes() + b"%" + b"x" * 3000 + b"\n"
    auth.login("diskominfo")
    response = post_dimension(
        client,
        own.id,
        data={
            "level-GOV-01": "4",
            "justification-GOV-01": "Justifikasi panjang yang diketik",
            "level-GOV-02": "2",
        },
        files={"GOV-01": [(big, "pindaian-besar.pdf"), (png_bytes(), "kecil.png")]},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "pindaian-besar.pdf was not attached" in page and "larger than the limit of 2 KB" in page
    assert "Justifikasi panjang yang diketik" in page
    assert checked_level(page, "GOV-02") == "2"
    # the answers and the acceptable file are kept; the large file is not stored
    assert stored_answers(demo, own.id)["GOV-01"] == (4, False, "Justifikasi panjang yang diketik")
    assert [r.original_name for r in evidence_rows(demo, own.id)] == ["kecil.png"]
    assert len(files_on_disk(evidence_dir) - before) == 1


def test_a_request_above_max_content_length_gets_the_413_error_page(demo, client, auth):
    demo.config["MAX_CONTENT_LENGTH"] = 4000
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = post_dimension(
        client,
        own.id,
        data={"level-GOV-01": "3"},
        files={"GOV-01": [(pdf_bytes() + b"%" + b"x" * 8000, "besar.pdf")]},
    )
    assert response.status_code == 413
    assert "Berkas atau formulir terlalu besar" in response.get_data(as_text=True)
    assert stored_answers(demo, own.id) == {}


def test_the_default_request_limit_leaves_room_for_several_files(app):
    assert app.config["EVIDENCE_MAX_BYTES"] == 10 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] >= 8 * app.config["EVIDENCE_MAX_BYTES"]


def test_files_for_an_indicator_of_another_dimension_are_refused(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = post_dimension(
        client, own.id, data={"level-GOV-01": "2"}, files={"LIV-01": [(pdf_bytes(), "x.pdf")]}
    )
    assert response.status_code == 400
    assert stored_answers(demo, own.id) == {} and evidence_rows(demo, own.id) == []


def test_files_are_not_attached_when_the_answers_cannot_be_saved(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = post_dimension(
        client,
        own.id,
        data={"level-GOV-01": "2", "justification-GOV-01": "x" * 20_001},
        files={"GOV-01": [(pdf_bytes(), "sk.pdf")]},
    )
    assert response.status_code == 400
    assert "The chosen files were not attached because nothing was saved." in response.get_data(
        as_text=True
    )
    assert evidence_rows(demo, own.id) == []


# -- storage --------------------------------------------------------------------------------


def test_the_same_file_twice_is_stored_once_with_two_rows(
    demo, client, auth, evidence_dir, english
):
    own = assessment_of(demo, "DISKOMINFO")
    before = files_on_disk(evidence_dir)  # the demo region's own evidence
    content = pdf_bytes("sama")
    auth.login("diskominfo")
    post_dimension(client, own.id, files={"GOV-01": [(content, "sk.pdf")]})
    post_dimension(client, own.id, files={"GOV-02": [(content, "sk-salinan.pdf")]})
    first, second = evidence_rows(demo, own.id)
    assert first.sha256 == second.sha256
    assert (first.indicator_code, second.indicator_code) == ("GOV-01", "GOV-02")
    assert len(files_on_disk(evidence_dir) - before) == 1


def test_local_storage_is_content_addressed_and_atomic(tmp_path):
    storage = LocalDirectoryStorage(tmp_path / "store")
    digest = storage.put(io.BytesIO(b"isi berkas"))
    assert digest == hashlib.sha256(b"isi berkas").hexdigest()
    assert storage.exists(digest)
    with storage.open(digest) as stored:
        assert stored.read() == b"isi berkas"
    assert storage.put(io.BytesIO(b"isi berkas")) == digest
    # one file in a fan-out folder, no temporary file left behind
    assert [
        p.relative_to(tmp_path / "store").as_posix() for p in files_on_disk(tmp_path / "store")
    ] == [f"{digest[:2]}/{digest}"]
    assert not storage.exists("0" * 64)
    for hostile in ("../../etc/passwd", digest.upper(), digest[:-1]):
        with pytest.raises(ValueError):
            storage.open(hostile)


def test_storage_path_comes_from_the_configuration(app, evidence_dir):
    from smartcity.storage import evidence_storage

    with app.app_context():
        storage = evidence_storage()
    assert isinstance(storage, LocalDirectoryStorage) and storage.root == evidence_dir


# -- download and preview -------------------------------------------------------------------


def test_download_is_an_attachment_with_nosniff(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    content = pdf_bytes()
    evidence_id = attach_sample(demo, own.id, name="SK Tim Smart City.pdf", data=content)
    auth.login("diskominfo")
    response = fetch(client, f"/evidence/{evidence_id}")
    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="SK Tim Smart City.pdf"' in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("name", "make"), [("a.pdf", pdf_bytes), ("b.png", png_bytes), ("c.jpg", jpeg_bytes)]
)
def test_preview_is_inline_in_a_sandbox(demo, client, auth, name, make, english):
    own = assessment_of(demo, "DISKOMINFO")
    evidence_id = attach_sample(demo, own.id, name=name, data=make())
    auth.login("diskominfo")
    response = fetch(client, f"/evidence/{evidence_id}/preview")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("name", "make"), [("a.xlsx", xlsx_bytes), ("b.docx", docx_bytes)])
def test_office_files_are_only_downloaded(demo, client, auth, name, make, english):
    own = assessment_of(demo, "DISKOMINFO")
    evidence_id = attach_sample(demo, own.id, name=name, data=make())
    auth.login("diskominfo")
    assert fetch(client, f"/evidence/{evidence_id}/preview").status_code == 404
    assert fetch(client, f"/evidence/{evidence_id}").status_code == 200


# -- who may reach a file -------------------------------------------------------------------

# role -> (download and preview status, may remove)
ACCESS = {
    "anonymous": (302, False),
    "diskominfo": (200, True),  # the owner agency
    "dinkes": (404, False),  # another agency: ids reveal nothing
    "evaluator": (200, False),  # assigned to every demo agency: reads, never changes
    "evaluator2": (404, False),  # an evaluator not assigned to Diskominfo
    "admin": (200, False),
}


@pytest.fixture
def unassigned_evaluator(demo):
    with demo.app_context():
        create_user("evaluator2", "evaluator", PASSWORD, full_name="Evaluator Lain")
        db.session.commit()


@pytest.mark.parametrize("role", list(ACCESS))
def test_evidence_access_matrix(demo, client, auth, unassigned_evaluator, role, english):
    own = assessment_of(demo, "DISKOMINFO")
    evidence_id = attach_sample(demo, own.id)
    expected, may_remove = ACCESS[role]
    if role != "anonymous":
        assert auth.login(role).status_code == 302
    assert fetch(client, f"/evidence/{evidence_id}").status_code == expected
    assert fetch(client, f"/evidence/{evidence_id}/preview").status_code == expected
    response = post_dimension(client, own.id, data={"delete-evidence": str(evidence_id)})
    assert response.status_code in (302, 303, 404)
    assert (evidence_rows(demo, own.id) == []) is may_remove


def test_another_agency_cannot_remove_a_file_through_its_own_form(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    other = assessment_of(demo, "DINKES")
    evidence_id = attach_sample(demo, own.id)
    auth.login("dinkes")
    response = post_dimension(
        client, other.id, code="LIV", data={"delete-evidence": str(evidence_id)}
    )
    assert response.status_code == 303
    assert [r.id for r in evidence_rows(demo, own.id)] == [evidence_id]
    assert audit_events(demo, "evidence.removed", own.id) == []


def test_unknown_ids_are_404(demo, client, auth, english):
    auth.login("admin")
    assert client.get("/evidence/999999").status_code == 404
    assert client.get("/evidence/999999/preview").status_code == 404


# -- removing -------------------------------------------------------------------------------


def test_removing_keeps_the_typed_answers_and_is_audited(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    evidence_id = attach_sample(demo, own.id, name="salah-unggah.pdf")
    auth.login("diskominfo")
    # the remove button is part of the answer form: what was typed is saved first
    response = post_dimension(
        client,
        own.id,
        data={
            "level-GOV-01": "2",
            "justification-GOV-01": "Diketik sebelum menghapus",
            "delete-evidence": str(evidence_id),
        },
    )
    assert response.status_code == 303
    assert stored_answers(demo, own.id) == {"GOV-01": (2, False, "Diketik sebelum menghapus")}
    assert evidence_rows(demo, own.id) == []
    # a soft delete: the row stays with who removed it and when
    [row] = evidence_rows(demo, own.id, include_removed=True)
    assert row.deleted_at is not None
    with demo.app_context():
        assert db.session.get(User, row.deleted_by_id).username == "diskominfo"
    [event] = audit_events(demo, "evidence.removed", own.id)
    assert json.loads(event.old_value)["name"] == "salah-unggah.pdf"
    assert event.subject_id == str(evidence_id)
    # no longer listed or reachable
    page = client.get(f"/assessments/{own.id}/dimensions/GOV").get_data(as_text=True)
    assert "salah-unggah.pdf was removed." in page
    assert f'href="/evidence/{evidence_id}"' not in page
    assert fetch(client, f"/evidence/{evidence_id}").status_code == 404


@pytest.mark.parametrize("status", ["submitted", "in_review", "final"])
def test_files_cannot_be_added_or_removed_once_the_assessment_is_not_editable(
    demo, client, auth, status, english
):
    own = assessment_of(demo, "DISKOMINFO")
    evidence_id = attach_sample(demo, own.id)
    set_status(demo, own.id, status)
    auth.login("diskominfo")
    response = post_dimension(
        client,
        own.id,
        data={"delete-evidence": str(evidence_id)},
        files={"GOV-02": [(pdf_bytes(), "terlambat.pdf")]},
    )
    assert response.status_code == 303
    assert [r.id for r in evidence_rows(demo, own.id)] == [evidence_id]
    assert audit_events(demo, "evidence.removed", own.id) == []
    # the service refuses too, whoever calls it
    with demo.test_request_context():
        row = db.session.get(Evidence, evidence_id)
        user = db.session.scalar(select(User).filter_by(username="diskominfo"))
        with pytest.raises(AssessmentRefused):
            evidence_service.remove(row, user)
        with pytest.raises(AssessmentRefused):
            evidence_service.attach(
                row.assessment, user, "GOV-01", "a.pdf", io.BytesIO(pdf_bytes())
            )


def test_files_can_change_again_after_a_return(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    evidence_id = attach_sample(demo, own.id)
    set_status(demo, own.id, "returned")
    auth.login("diskominfo")
    post_dimension(client, own.id, data={"delete-evidence": str(evidence_id)})
    assert evidence_rows(demo, own.id) == []


# -- the evidence rule at submit ------------------------------------------------------------


def test_submit_lists_answers_that_need_evidence_and_succeeds_once_attached(
    demo, client, auth, english
):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    # GOV: levels 1..5 (GOV-03, 04, 05 need a file from level 3); INF: all level 2 (none needed)
    gov = dimension_form(demo, own.id, "GOV", level_for=lambda i, n: n + 1)
    post_dimension(client, own.id, "GOV", data=gov)
    post_dimension(
        client, own.id, "INF", data=dimension_form(demo, own.id, "INF", level_for=lambda i, n: 2)
    )
    response = client.post(f"/assessments/{own.id}/submit", data={"confirm": "y"})
    assert response.status_code == 409
    listed = response.get_data(as_text=True).split("missing-list")[1]
    for code in ("GOV-03", "GOV-04", "GOV-05"):
        assert code in listed
    for code in ("GOV-01", "GOV-02", "INF-01"):
        assert code not in listed
    assert listed.count("needs at least one evidence file (data dukung)") == 3
    assert db_status(demo, own.id) == "draft"

    post_dimension(
        client,
        own.id,
        "GOV",
        data=gov,
        files={"GOV-03": [(pdf_bytes(), "a.pdf")], "GOV-04": [(png_bytes(), "b.png")]},
    )
    still = client.post(f"/assessments/{own.id}/submit", data={"confirm": "y"})
    assert still.status_code == 409
    listed = still.get_data(as_text=True).split("missing-list")[1]
    assert "GOV-05" in listed and "GOV-03" not in listed

    post_dimension(client, own.id, "GOV", data=gov, files={"GOV-05": [(xlsx_bytes(), "c.xlsx")]})
    assert client.post(f"/assessments/{own.id}/submit", data={"confirm": "y"}).status_code == 303
    assert db_status(demo, own.id) == "awaiting_approval"  # sent to the head (issue 16)


def test_a_removed_file_no_longer_counts_at_submit(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    gov = {**dimension_form(demo, own.id, "GOV", level_for=lambda i, n: 2), "level-GOV-01": "3"}
    post_dimension(client, own.id, "GOV", data=gov)
    post_dimension(
        client, own.id, "INF", data=dimension_form(demo, own.id, "INF", level_for=lambda i, n: 2)
    )
    evidence_id = attach_sample(demo, own.id, indicator="GOV-01")
    assert client.get(f"/assessments/{own.id}/submit").status_code == 200  # complete now
    post_dimension(client, own.id, data={**gov, "delete-evidence": str(evidence_id)})
    response = client.post(f"/assessments/{own.id}/submit", data={"confirm": "y"})
    assert response.status_code == 409
    assert "GOV-01" in response.get_data(as_text=True).split("missing-list")[1]


def db_status(app, assessment_id: int) -> str:
    with app.app_context():
        return db.session.get(Assessment, assessment_id).status
