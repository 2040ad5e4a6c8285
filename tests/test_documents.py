"""Signed reports and certificates: what they say, that they verify, and the registry around them."""

from __future__ import annotations

import io
import json

import pypdf
import pytest
from sqlalchemy import select

from smartcity import signing
from smartcity.domain.workflow import Action
from smartcity.extensions import db
from smartcity.models import Assessment, AuditEvent, Evidence, IssuedDocument, User
from smartcity.services import assessments as assessment_service
from smartcity.services import documents, review
from smartcity.services.assessments import AnswerInput

from .test_journey import assessment_of

HOSTILE = "<script>alert(1)</script> dan <b>x</b>"


def pdf_text(data: bytes) -> str:
    """The document's text with runs of white space as one space (lines wrap anywhere)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def user(name: str) -> User:
    return db.session.scalar(select(User).filter_by(username=name))


def advance(app, code: str = "DISKOMINFO", to: str = "final", level: int = 3) -> int:
    """The agency's 2026 assessment answered at `level` (GOV-01 carries hostile text) and moved on."""
    assessment_id = assessment_of(app, code).id
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        instrument = assessment_service.instrument_for(assessment)
        agency_user = db.session.scalar(select(User).filter_by(agency_id=assessment.agency_id))
        entries = {}
        for dim in assessment_service.dimension_codes(assessment, instrument):
            for indicator in instrument.dimension(dim).indicators:
                text = HOSTILE if indicator.code == "GOV-01" else f"Bukti {indicator.code}"
                entries[indicator.code] = AnswerInput(level, False, text)
                if indicator.needs_evidence(level):
                    db.session.add(
                        Evidence(
                            assessment_id=assessment.id,
                            indicator_code=indicator.code,
                            sha256="0" * 64,
                            original_name="sk.pdf",
                            media_type="application/pdf",
                            size=10,
                            uploaded_by_id=agency_user.id,
                        )
                    )
        db.session.commit()
        assessment_service.save_answers(assessment, agency_user, entries)
        assessment_service.submit(assessment, agency_user)
        if to == "submitted":
            return assessment_id
        evaluator = user("evaluator")
        review.save_review(
            assessment,
            evaluator,
            {"GOV-01": review.ReviewInput(level - 1, False, "Catatan <i>asesor</i>")},
        )
        review.transition(assessment, evaluator, Action.VERIFY)
        review.transition(assessment, user("admin"), Action.FINALIZE)
    return assessment_id


def reopen_and_finalize(app, assessment_id: int) -> None:
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        admin = user("admin")
        review.transition(assessment, admin, Action.REOPEN, "Koreksi nilai")
        review.save_review(
            assessment, admin, {"GOV-02": review.ReviewInput(1, False, "Tidak ada bukti")}
        )
        review.transition(assessment, admin, Action.VERIFY)
        review.transition(assessment, admin, Action.FINALIZE)


def issue(client, assessment_id: int, kind: str = "report"):
    response = client.post(f"/assessments/{assessment_id}/{kind}")
    assert response.status_code == 303, response.get_data(as_text=True)
    download = client.get(response.headers["Location"])
    assert download.status_code == 200
    return response.headers["Location"], download


def check(client, data: bytes, name: str = "laporan.pdf") -> str:
    response = client.post(
        "/verify",
        data={"document": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page.split('data-outcome="', 1)[1].split('"', 1)[0]


def tampered(data: bytes) -> bytes:
    """One byte of the visible content changed, in the signed part of the file."""
    changed = bytearray(data)
    position = data.index(b"/MediaBox") + 12
    changed[position] = ord("7") if changed[position] != ord("7") else ord("8")
    return bytes(changed)


def test_final_report_says_what_it_is_signs_and_verifies(demo, client, auth):
    assessment_id = advance(demo)
    auth.login("diskominfo")
    location, download = issue(client, assessment_id)
    data = download.data
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")

    with demo.app_context():
        document = db.session.scalar(select(IssuedDocument))
        code, info = document.code, documents.info(document)
    text = pdf_text(data)
    assert (
        "Dinas Komunikasi, Informatika, Statistik dan Persandian" in text
        or "Diskominfo" in text.title()
    )
    assert info.index in text and code in text
    assert f"{info.level}" in text and info.predicate in text
    assert "Sampit, " in text and "2026" in text
    # what users typed is printed literally, never as markup (table cells may wrap anywhere)
    squashed = "".join(text.split())
    assert "<script>alert(1)</script>" in squashed and "<b>x</b>" in squashed
    assert "Catatan<i>asesor</i>" in squashed
    assert "DRAF" not in text
    assert documents.SIMULATION_MARK in text
    assert len(code.replace("-", "")) == 20

    with demo.app_context():
        verdict = signing.validate(data, documents.trust_roots())
        assert verdict.ok, verdict
        assert documents.verify_bytes(data).outcome == documents.VALID
        # issuing again with unchanged data returns the stored document, byte for byte
        again_location, again = issue(client, assessment_id)
        assert again_location == location and again.data == data
        assert (
            db.session.scalar(select(IssuedDocument.id).filter(IssuedDocument.id != document.id))
            is None
        )
        assert not signing.validate(tampered(data), documents.trust_roots()).ok
        assert documents.verify_bytes(tampered(data)).outcome == documents.MODIFIED
        event = db.session.scalar(select(AuditEvent).filter_by(action="document.issued"))
        assert event.subject_id == code

    auth.logout()  # verification needs no log-in
    assert check(client, data) == "valid"
    assert check(client, tampered(data)) == "modified"
    assert check(client, data + b"\n% appended\n") == "modified"
    assert check(client, b"%PDF-1.7 not really") == "unknown"
    page = client.get(f"/verify/{code.lower()}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-outcome="valid"' in body and info.index in body and "SIMULASI" in body
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD-EEEE").status_code == 404
    assert client.get(f"/verify?code={code.replace('-', ' ')}").headers["Location"].endswith(code)


def test_a_draft_report_is_marked_and_superseded_when_the_result_changes(
    demo, client, auth, runner, tmp_path
):
    assessment_id = advance(demo, to="submitted", level=2)
    auth.login("admin")
    _, first = issue(client, assessment_id)
    text = pdf_text(first.data)
    assert "DRAF" in text

    advance_id = assessment_id
    with demo.test_request_context():
        assessment = db.session.get(Assessment, advance_id)
        review.transition(assessment, user("evaluator"), Action.START_REVIEW)
        review.transition(assessment, user("evaluator"), Action.VERIFY)
        review.transition(assessment, user("admin"), Action.FINALIZE)
    _, final = issue(client, assessment_id)
    assert "DRAF" not in pdf_text(final.data)
    with demo.app_context():
        rows = list(db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.version)))
        assert [r.version for r in rows] == [1, 2]
        assert rows[0].superseded_at is not None and rows[1].superseded_at is None
        final_id, final_code = rows[1].id, rows[1].code
    assert check(client, first.data) == "superseded"
    assert check(client, final.data) == "valid"

    old_file, new_file = tmp_path / "old.pdf", tmp_path / "new.pdf"
    old_file.write_bytes(first.data)
    new_file.write_bytes(final.data)
    ok = runner.invoke(args=["verify-pdf", str(new_file)])
    assert ok.exit_code == 0 and "valid" in ok.output
    assert runner.invoke(args=["verify-pdf", str(old_file)]).exit_code == 1

    # revoking needs a reason, is recorded, and every check says so afterwards
    assert client.post(f"/documents/{final_id}/revoke", data={"reason": " "}).status_code == 400
    assert (
        client.post(f"/documents/{final_id}/revoke", data={"reason": "Salah cetak"}).status_code
        == 303
    )
    assert client.post(f"/documents/{final_id}/revoke", data={"reason": "lagi"}).status_code == 409
    assert check(client, final.data) == "revoked"
    assert "Salah cetak" in client.get(f"/verify/{final_code}").get_data(as_text=True)
    revoked = runner.invoke(args=["verify-pdf", str(new_file)])
    assert revoked.exit_code == 1 and "revoked" in revoked.output
    with demo.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="document.revoked"))
        assert json.loads(event.new_value)["reason"] == "Salah cetak"


def test_reopened_and_finalized_again_gives_a_new_version(demo, client, auth):
    assessment_id = advance(demo)
    auth.login("evaluator")
    _, first = issue(client, assessment_id)
    reopen_and_finalize(demo, assessment_id)
    _, second = issue(client, assessment_id)
    assert first.data != second.data
    assert check(client, first.data) == "superseded"
    assert check(client, second.data) == "valid"


def test_certificate_for_a_final_assessment_issued_by_an_admin(demo, client, auth):
    demo.config.update(
        CERTIFICATE_SIGNER_NAME="H. Halikinnor",
        CERTIFICATE_SIGNER_NIP="196801011990031001",
        CERTIFICATE_SIGNER_POSITION="Bupati Kotawaringin Timur",
    )
    assessment_id = advance(demo)
    auth.login("diskominfo")
    assert client.post(f"/assessments/{assessment_id}/certificate").status_code == 403
    auth.logout()
    auth.login("admin")
    demo.config["CERTIFICATE_MIN_LEVEL"] = 5
    assert client.post(f"/assessments/{assessment_id}/certificate").status_code == 409
    demo.config["CERTIFICATE_MIN_LEVEL"] = 0
    _, certificate = issue(client, assessment_id, "certificate")
    reader = pypdf.PdfReader(io.BytesIO(certificate.data))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    text = pdf_text(certificate.data)
    assert "H. Halikinnor" in text and "196801011990031001" in text
    assert "SIMULASI" in text
    assert len(reader.pages) == 1
    with demo.app_context():
        document = db.session.scalar(select(IssuedDocument).filter_by(kind="certificate"))
        info = documents.info(document)
        assert document.code in text and info.index in text
        # what a certificate says: agency, period, level and index, and how to verify it
        assert info.agency in text and info.year == 2026 and "2026" in text
        assert f"tingkat kematangan {info.level}" in text and info.predicate in text
        assert documents.verify_url(document.code) in text
        assert "kunci pengembangan" in text  # the development key's notice next to the code
    assert check(client, certificate.data) == "valid"
    # the agency downloads what the admin issued
    auth.logout()
    auth.login("diskominfo")
    assert client.get(f"/documents/{document.id}/download").data == certificate.data
    assert client.post(f"/documents/{document.id}/revoke", data={"reason": "x"}).status_code == 403
    auth.logout()
    auth.login("dinkes")
    assert client.get(f"/documents/{document.id}/download").status_code == 404
    assert client.post(f"/documents/{document.id}/revoke", data={"reason": "x"}).status_code == 404


def test_nothing_is_printed_for_a_draft_or_certified_before_final(demo, client, auth):
    draft = assessment_of(demo, "DINKES").id
    submitted = advance(demo, to="submitted", level=2)
    auth.login("admin")
    assert client.post(f"/assessments/{draft}/report").status_code == 409
    assert client.post(f"/assessments/{submitted}/certificate").status_code == 409
    with demo.app_context():
        assert db.session.scalar(select(IssuedDocument)) is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("k7q2-m9xd-0000-1111-2222", "K7Q2-M9XD-0000-1111-2222"),
        ("K7Q2 M9XD OOOO IIII LLLL", "K7Q2-M9XD-0000-1111-1111"),
        ("k7q2m9xd000011112222", "K7Q2-M9XD-0000-1111-2222"),
    ],
)
def test_typed_codes_are_normalised(typed, stored):
    assert documents.normalise_code(typed) == stored


def test_codes_are_random_crockford_groups():
    codes = {documents.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert len(groups) == 5 and all(len(g) == 4 for g in groups)
        assert set(code.replace("-", "")) <= set(documents.CROCKFORD)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("id", "Sampit, 7 Juni 2026"), ("en", "Sampit, 7 June 2026")],
)
def test_place_and_date_use_the_documents_language(language, expected):
    from datetime import date

    assert documents.place_and_date("Sampit", date(2026, 6, 7), language) == expected


def test_verification_uploads_are_size_and_rate_limited(app, client):
    app.config.update(VERIFY_MAX_BYTES=100, VERIFY_UPLOAD_LIMIT="3 per minute")
    big = client.post(
        "/verify",
        data={"document": (io.BytesIO(b"%PDF" + b"0" * 200), "besar.pdf")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 413
    assert check(client, b"%PDF-1.7 kecil") == "unknown"
    assert client.post("/verify", data={}).status_code == 400
    limited = client.post(
        "/verify",
        data={"document": (io.BytesIO(b"%PDF"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert limited.status_code == 429


def qr_modules_in(data: bytes, size: int) -> list[list[bool]]:
    """The dark/light modules of the QR image (`size` modules a side) on the PDF's first page."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    images = [image.image for image in reader.pages[0].images]
    squares = [image for image in images if image.width == image.height]
    assert len(squares) == 1, "one square image: the QR code"
    image = squares[0].convert("L")
    scale = image.width // size  # pixels a module (1: the PDF scales it up, unblurred)
    assert scale >= 1 and image.width == size * scale
    middle = scale // 2
    return [
        [image.getpixel((x * scale + middle, y * scale + middle)) < 128 for x in range(size)]
        for y in range(size)
    ]


def test_the_qr_code_encodes_the_verification_address(demo, client, auth):
    import segno

    assessment_id = advance(demo)
    auth.login("admin")
    _, certificate = issue(client, assessment_id, "certificate")
    with demo.app_context():
        code = db.session.scalar(select(IssuedDocument.code).filter_by(kind="certificate"))
    expected = segno.make(f"{demo.config['PUBLIC_BASE_URL']}/verify/{code}", error="m")
    border = 1
    modules = [[bool(cell) for cell in row] for row in expected.matrix]
    found = qr_modules_in(certificate.data, len(modules) + 2 * border)
    inner = [row[border:-border] for row in found[border:-border]]
    assert inner == modules
    assert not any(found[0]) and not any(found[-1])  # the light border around it
    # drawn sharp: the PDF image is not interpolated when scaled up to 20 mm
    reader = pypdf.PdfReader(io.BytesIO(certificate.data))
    xobjects = reader.pages[0]["/Resources"]["/XObject"]
    qr = [x.get_object() for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
    assert [x.get("/Interpolate") for x in qr] == [False]
