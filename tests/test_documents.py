"""Signed documents: what they say (letterhead, number, result, signatures, dates), that they
verify, who issues and who downloads them, and the registry around them (docs/DOCUMENTS.md)."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pypdf
import pytest
from sqlalchemy import select

from smartcity import signing
from smartcity.domain.signatory import format_nip
from smartcity.extensions import db
from smartcity.models import (
    Agency,
    Answer,
    Approval,
    Assessment,
    AuditEvent,
    IssuedDocument,
    Period,
    Transition,
)
from smartcity.services import documents
from smartcity.services.documents import issuing, signatures, stamps, verification

from .helpers import advance, pdf_text, user_named, verify_page

HOSTILE = "<script>alert(1)</script> dan <b>x</b>"
NUMBER = re.compile(r"000\.8\.3/\d{3}/BAPPERIDA/\d{4}")
GROUPED_NIP = re.compile(r"NIP \d{8} \d{6} \d \d{3}")


def page_texts(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def squashed(text: str) -> str:
    return "".join(text.split())


def assessment_id_of(app, code: str = "DISKOMINFO", year: int = 2025) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Assessment.id)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == code, Period.year == year)
        )


def issue(client, assessment_id: int, kind: str = "report"):
    response = client.post(f"/assessments/{assessment_id}/{kind}")
    assert response.status_code == 303, response.get_data(as_text=True)
    download = client.get(response.headers["Location"])
    assert download.status_code == 200
    return response.headers["Location"], download


def tampered(data: bytes) -> bytes:
    """One byte of the visible content changed, in the signed part of the file."""
    changed = bytearray(data)
    position = data.index(b"/MediaBox") + 12
    changed[position] = ord("7") if changed[position] != ord("7") else ord("8")
    return bytes(changed)


def filename(response) -> str:
    return response.headers["Content-Disposition"].split('filename="', 1)[1].rstrip('"')


def change_a_justification(app, assessment_id: int, text: str) -> None:
    """A change to what the report prints, made directly (as a reopened assessment would)."""
    with app.app_context():
        answer = db.session.scalar(
            select(Answer).filter_by(assessment_id=assessment_id).order_by(Answer.indicator_code)
        )
        answer.justification = text
        db.session.commit()


# --- what a report says ----------------------------------------------------------------------


def test_a_final_report_is_a_numbered_letter_of_the_region_that_verifies(
    demo_history, client, auth
):
    assessment_id = assessment_id_of(demo_history)
    change_a_justification(demo_history, assessment_id, HOSTILE)
    auth.login("admin")
    location, download = issue(client, assessment_id)
    data = download.data
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert filename(download) == "Laporan-DISKOMINFO-2025.pdf"

    with demo_history.test_request_context():
        document = db.session.scalar(select(IssuedDocument))
        info = verification.info(document, "id")
        assessment = db.session.get(Assessment, assessment_id)
        approval = db.session.scalar(
            select(Approval).filter_by(assessment_id=assessment_id).order_by(Approval.at.desc())
        )
        finalized = signatures.finalized_on(assessment)
        approved = signatures.approved_on(assessment)
        chair = signatures.team_signatory(assessment.period)
    text = pdf_text(data)
    # the letterhead (kop surat), then the title with its number under it
    assert text.index("PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR") < text.index("LAPORAN HASIL")
    assert "BADAN PERENCANAAN PEMBANGUNAN, RISET DAN INOVASI DAERAH" in text
    assert f"Nomor: {document.number}" in text and NUMBER.fullmatch(document.number)
    # the result named once, the same way everywhere
    assert info.standing and squashed(info.standing) in squashed(text)
    assert "Tingkat" in info.standing and "Level" not in text
    # the numbers are Indonesian: a decimal comma
    assert re.search(r"\b\d,\d\d\b", text) and not re.search(r"\b[0-5]\.\d\d\b", text)
    # the head who approved it signs for the agency: name, rank, grouped NIP, approval date
    assert approval is not None
    assert approval.name in text and approval.rank in text
    assert f"NIP {format_nip(approval.nip)}" in text
    assert f"Sampit, {approved.day} Mei 2025" in text or approved.month != 5
    # the chair signs for the team on the day it became final (not the printing day)
    assert chair.name in text
    assert finalized is not None and finalized.year == 2025
    assert signatures.place_and_date("Sampit", finalized, "id") in text
    assert signatures.place_and_date("Sampit", date.today(), "id") not in text
    assert all(GROUPED_NIP.fullmatch(nip) for nip in re.findall(r"NIP \d[\d ]*\d", text))
    # what users typed is printed literally, never as markup
    assert "<script>alert(1)</script>" in squashed(text) and "<b>x</b>" in squashed(text)
    assert "DRAF" not in text
    assert documents.SIMULATION_MARK in text

    with demo_history.test_request_context():
        assert signing.validate(data, issuing.trust_roots()).ok
        assert documents.verify_bytes(data).outcome == documents.VALID
        # issuing again with unchanged data returns the stored document, byte for byte
        again_location, again = issue(client, assessment_id)
        assert again_location == location and again.data == data
        assert db.session.scalar(select(db.func.count(IssuedDocument.id))) == 1
        assert documents.verify_bytes(tampered(data)).outcome == documents.MODIFIED
        event = db.session.scalar(select(AuditEvent).filter_by(action="document.issued"))
        recorded = json.loads(event.new_value)
        assert event.subject_id == document.code
        assert (recorded["agency"], recorded["year"], recorded["number"]) == (
            "DISKOMINFO",
            2025,
            document.number,
        )

    auth.logout()  # verification needs no log-in
    assert verify_page(client, data) == "valid"
    assert verify_page(client, tampered(data)) == "modified"
    assert verify_page(client, data + b"\n% appended\n") == "modified"
    assert verify_page(client, b"%PDF-1.7 not really") == "unknown"


def test_the_layout_keeps_rows_whole_and_signatures_with_their_closing_sentence(
    demo_history, client, auth
):
    auth.login("admin")
    _, download = issue(client, assessment_id_of(demo_history))
    pages = page_texts(download.data)
    with demo_history.app_context():
        answers = db.session.execute(
            select(Answer.indicator_code, Answer.justification).filter_by(
                assessment_id=assessment_id_of(demo_history)
            )
        ).all()
    # an indicator's row and its justification are never on different pages
    for code, justification in answers:
        first_words = " ".join(justification.split()[:3])
        on = [n for n, page in enumerate(pages) if f"{code} " in page and first_words in page]
        assert on, f"{code} and its justification are split across pages"
    closing = (
        "Demikian laporan ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya."
    )
    last = next(n for n, page in enumerate(pages) if squashed(closing) in squashed(page))
    assert GROUPED_NIP.search(pages[last]), "the signatures are not on the closing sentence's page"
    # the table headers repeat on every page a dimension's table runs over
    for page in pages[1:-1]:
        if re.search(r"\b[A-Z]{3}-0\d ", page):
            assert "Indikator Mandiri Terverifikasi" in page


def test_a_changed_result_is_reissued_with_a_new_number_that_names_the_old_one(
    demo_history, client, auth
):
    assessment_id = assessment_id_of(demo_history)
    auth.login("admin")
    _, first = issue(client, assessment_id)
    change_a_justification(demo_history, assessment_id, "Capaian diperbarui setelah visitasi.")
    _, second = issue(client, assessment_id)
    assert filename(second) == "Laporan-DISKOMINFO-2025-v2.pdf"
    with demo_history.app_context():
        old, new = db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.version))
        assert (old.version, new.version) == (1, 2)
        assert old.superseded_at is not None and new.superseded_at is None
        assert old.number != new.number and new.replaces_number == old.number
        old_code, new_code, old_number = old.code, new.code, old.number
    assert f"Dokumen ini menggantikan nomor {old_number}." in pdf_text(second.data)
    assert verify_page(client, first.data) == "superseded"
    assert verify_page(client, second.data) == "valid"
    page = client.get(f"/verify/{old_code}").get_data(as_text=True)
    # a superseded document links to the one that replaced it
    assert f'href="/verify/{new_code}"' in page and 'data-outcome="superseded"' in page


def test_a_draft_report_is_marked_and_dated_by_its_approval(demo, client, auth):
    from .helpers import submitted

    assessment_id = submitted(demo)
    auth.login("admin")
    _, draft = issue(client, assessment_id)
    text = pdf_text(draft.data)
    assert "DRAF" in text
    with demo.test_request_context():
        approved = signatures.approved_on(db.session.get(Assessment, assessment_id))
    assert signatures.place_and_date("Sampit", approved, "id") in text
    assert client.post(f"/assessments/{assessment_id}/certificate").status_code == 409


def test_without_a_letterhead_the_documents_are_issued_all_the_same(demo_history, client, auth):
    from smartcity.models import DocumentSettings

    with demo_history.app_context():
        db.session.execute(db.delete(DocumentSettings))
        db.session.commit()
    auth.login("admin")
    _, download = issue(client, assessment_id_of(demo_history))
    text = pdf_text(download.data)
    assert "PEMERINTAH" not in text and "Nomor:" in text


def test_a_30_indicator_report_gives_the_justification_room_and_few_pages(demo, client, auth):
    """17 pages before the justification got the full width (docs/PERFORMANCE.md)."""
    from smartcity.services.assessments import AnswerInput, save_answers
    from smartcity.services.instruments import instrument_of

    with demo.test_request_context():
        period = db.session.scalar(select(Period).filter_by(year=2026))
        instrument = instrument_of(period.instrument_version)
        agency = db.session.scalar(select(Agency).filter_by(code="DISKOMINFO"))
        agency.tags = ",".join(
            sorted({t for i in instrument.indicators for t in i.applies_to if t != "all"})
        )
        agency.dimension_links.clear()
        db.session.flush()
        from smartcity.models import AgencyDimension

        agency.dimension_links.extend(
            AgencyDimension(dimension_code=d.code, position=n)
            for n, d in enumerate(instrument.dimensions)
        )
        db.session.commit()
        assessment = db.session.get(Assessment, assessment_id_of(demo, year=2026))
        text = (
            "Berdasarkan evaluasi internal tahun 2026, perangkat daerah memenuhi kriteria tingkat "
            "ini: layanan didata, memiliki penanggung jawab, dan pemeliharaannya direncanakan "
            "dalam anggaran; data dukung berupa SK, laporan kegiatan dan tangkapan layar."
        )
        save_answers(
            assessment,
            user_named("diskominfo"),
            {i.code: AnswerInput(2, False, text) for i in instrument.indicators},
        )
        assessment.status = "final"
        db.session.add(
            Transition(
                assessment_id=assessment.id, action="finalize", from_status="verified",
                to_status="final",
            )
        )  # fmt: skip
        db.session.commit()
        assert len(instrument.indicators) == 30
        assessment_id = assessment.id
    auth.login("admin")
    _, report = issue(client, assessment_id)
    pages = len(pypdf.PdfReader(io.BytesIO(report.data)).pages)
    assert pages <= 9, pages


# --- certificates ----------------------------------------------------------------------------


def test_a_certificate_shows_the_coat_of_arms_and_signs_as_configured(demo_history, client, auth):
    demo_history.config.update(
        CERTIFICATE_SIGNER_NAME="H. Halikinnor",
        CERTIFICATE_SIGNER_NIP="",  # a Bupati has no NIP: no NIP line
        CERTIFICATE_SIGNER_POSITION="Bupati Kotawaringin Timur",
        CERTIFICATE_MIN_LEVEL=0,
    )
    with demo_history.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2025))
        period.certificate_min_level = 0
        db.session.commit()
    assessment_id = assessment_id_of(demo_history)
    auth.login("admin")
    _, certificate = issue(client, assessment_id, "certificate")
    assert filename(certificate) == "Piagam-DISKOMINFO-2025.pdf"
    reader = pypdf.PdfReader(io.BytesIO(certificate.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    text = pdf_text(certificate.data)
    assert "H. Halikinnor" in text and "Bupati Kotawaringin Timur" in text
    assert "NIP" not in text
    # the coat of arms: an image besides the QR code
    xobjects = reader.pages[0]["/Resources"]["/XObject"]
    assert len(xobjects) >= 2
    with demo_history.test_request_context():
        document = db.session.scalar(select(IssuedDocument).filter_by(kind="certificate"))
        info = verification.info(document, "id")
        assert f"Nomor: {document.number}" in text
        assert squashed(info.standing) in squashed(text)
        assert info.agency in text and "2025" in text
        assert stamps.verify_url(document.code) in text
    assert verify_page(client, certificate.data) == "valid"
    # with a NIP, it is grouped
    demo_history.config["CERTIFICATE_SIGNER_NIP"] = "196801011990031001"
    _, again = issue(client, assessment_id, "certificate")
    assert "NIP 19680101 199003 1 001" in pdf_text(again.data)


def test_no_certificate_below_the_periods_minimum(demo_history, client, auth):
    with demo_history.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2025))
        period.certificate_min_level = 5
        db.session.commit()
    auth.login("admin")
    response = client.post(f"/assessments/{assessment_id_of(demo_history)}/certificate")
    assert response.status_code == 409
    with demo_history.app_context():
        assert db.session.scalar(select(IssuedDocument)) is None


# --- one rule: admins (and the app) issue, whoever sees the data downloads -------------------

STAFF_AND_AGENCY = ("evaluator", "pimpinan", "diskominfo", "kepala-diskominfo")


@pytest.mark.parametrize("username", STAFF_AND_AGENCY)
def test_nobody_but_an_administrator_issues_a_document(demo_history, client, auth, username):
    assessment_id = assessment_id_of(demo_history)
    auth.login(username)
    for url in (
        f"/assessments/{assessment_id}/report",
        f"/assessments/{assessment_id}/certificate",
        "/periods/2025/report",
    ):
        assert client.post(url).status_code == 403, url
    with demo_history.app_context():
        assert db.session.scalar(select(IssuedDocument)) is None
        assert db.session.scalar(select(AuditEvent).filter_by(action="document.issued")) is None


@pytest.mark.parametrize(
    ("username", "assessment_documents", "period_documents"),
    [
        ("admin", 200, 200),
        ("evaluator", 200, 200),
        ("pimpinan", 200, 200),
        ("diskominfo", 200, 404),
        ("kepala-diskominfo", 200, 404),
        ("dinkes", 404, 404),
    ],
)
def test_everyone_who_sees_the_data_downloads_what_was_issued(
    demo_history, client, auth, username, assessment_documents, period_documents
):
    assessment_id = assessment_id_of(demo_history)
    with demo_history.test_request_context():
        admin = user_named("admin")
        assessment = db.session.get(Assessment, assessment_id)
        period = db.session.scalar(select(Period).filter_by(year=2025))
        ids = {
            "report": documents.issue_report(assessment, admin, "id").id,
            "region": documents.issue_region_report(period, admin, "id").id,
        }
    auth.login(username)
    assert client.get(f"/documents/{ids['report']}/download").status_code == assessment_documents
    assert client.get(f"/documents/{ids['region']}/download").status_code == period_documents
    if assessment_documents == 200:
        page = client.get(f"/assessments/{assessment_id}/result").get_data(as_text=True)
        # the result page lists what was issued, with its number and a download link
        assert f'href="/documents/{ids["report"]}/download"' in page
        assert "Laporan-DISKOMINFO-2025.pdf" in page and NUMBER.search(page)
        assert ("/report" in page.split("issued-documents", 1)[1]) == (username == "admin")
    if period_documents == 200:
        page = client.get("/periods/2025/region").get_data(as_text=True)
        assert f'href="/documents/{ids["region"]}/download"' in page
        assert "Rekap-Wilayah-2025.pdf" in page
        assert ('action="/periods/2025/report"' in page) == (username == "admin")


def test_closing_a_period_issues_its_region_recap(demo, client, auth):
    auth.login("admin")
    response = client.post("/admin/periods/2026/status", data={"action": "close"})
    assert response.status_code == 303
    with demo.app_context():
        recap = db.session.scalar(select(IssuedDocument).filter_by(kind="region_report"))
        assert recap is not None and recap.language == "id" and recap.act_date is not None
        assert recap.issued_by.username == "admin"
    download = client.get(f"/documents/{recap.id}/download")
    assert filename(download) == "Rekap-Wilayah-2026.pdf"
    assert "DRAF" not in pdf_text(download.data)


def test_finalizing_issues_the_report_and_the_certificate_with_the_berita_acara(demo, client, auth):
    from smartcity.domain.workflow import Action
    from smartcity.services import workflow

    assessment_id = advance(demo, to="submitted", level=3)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        workflow.transition(assessment, user_named("evaluator"), Action.START_REVIEW)
        workflow.transition(assessment, user_named("evaluator"), Action.VERIFY)
    auth.login("kepala-bapperida")  # the team's chair
    response = client.post(
        f"/assessments/{assessment_id}/finalize",
        data={"confirmed": "yes", "held_on": "2026-07-14", "place": "Sampit"},
    )
    assert response.status_code == 303
    with demo.app_context():
        kinds = {
            document.kind: document
            for document in db.session.scalars(
                select(IssuedDocument).filter_by(assessment_id=assessment_id)
            )
        }
        assert set(kinds) == {"minutes", "report", "certificate"}
        assert {d.language for d in kinds.values()} == {"id"}
        assert kinds["report"].issued_by.username == "kepala-bapperida"
        # dated by the finalization, numbered from one series
        assert len({d.number for d in kinds.values()}) == 3
    # the agency downloads all three from its result page
    auth.logout()
    auth.login("diskominfo")
    page = client.get(f"/assessments/{assessment_id}/result").get_data(as_text=True)
    for document in kinds.values():
        assert f'href="/documents/{document.id}/download"' in page


def test_an_assessment_that_becomes_final_gets_its_report_and_certificate(demo_history):
    with demo_history.test_request_context():
        period = db.session.scalar(select(Period).filter_by(year=2025))
        period.certificate_min_level = 0
        assessment = db.session.get(Assessment, assessment_id_of(demo_history))
        issued = documents.issue_final_documents(assessment, user_named("admin"))
        assert [(i.kind, i.problem) for i in issued] == [("report", ""), ("certificate", "")]
        period.certificate_min_level = 5
        db.session.commit()
        other = db.session.get(Assessment, assessment_id_of(demo_history, "DINKES"))
        below = documents.issue_final_documents(other, user_named("admin"))
        # below the minimum: the report, and no certificate (a refusal, not a failure)
        assert below[0].document is not None
        assert below[1].document is None and below[1].problem and not below[1].failed


# --- verification ----------------------------------------------------------------------------


def test_verify_names_the_document_and_leaves_out_what_it_does_not_know(demo_history, client, auth):
    with demo_history.test_request_context():
        admin = user_named("admin")
        period = db.session.scalar(select(Period).filter_by(year=2025))
        report = documents.issue_report(
            db.session.get(Assessment, assessment_id_of(demo_history)), admin, "id"
        )
        recap = documents.issue_region_report(period, admin, "id")
        report_info = verification.info(report, "id")
        codes = (report.code, recap.code)
    page = client.get(f"/verify/{codes[0]}").get_data(as_text=True)
    assert report_info.number in page and "Laporan hasil perangkat daerah" in page
    assert report_info.standing in page and report_info.act_date in page
    assert "Dinas Komunikasi" in page and "2025" in page
    assert all(signer.name in page for signer in report_info.signers)
    recap_page = client.get(f"/verify/{codes[1]}").get_data(as_text=True)
    # no placeholder for what a region recap does not have (an agency)
    for body in (page, recap_page):
        assert not re.search(r"<dd[^>]*>\s*-\s*</dd>", body)
        assert "oleh -" not in body
    assert "Perangkat daerah</dt>" not in recap_page


def test_the_verdict_is_explained_in_the_language_of_the_page(demo_history, client, auth):
    with demo_history.test_request_context():
        document = documents.issue_report(
            db.session.get(Assessment, assessment_id_of(demo_history)), user_named("admin"), "id"
        )
        data = document.content
    page = client.post(
        "/verify",
        data={"document": (io.BytesIO(data + b"\n% appended\n"), "x.pdf")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "content was added after signing" not in page
    assert "ditambahkan" in page


# --- codes, dates, QR ------------------------------------------------------------------------


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
    codes = {stamps.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert len(groups) == 5 and all(len(g) == 4 for g in groups)
        assert set(code.replace("-", "")) <= set(stamps.CROCKFORD)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("id", "Sampit, 7 Juni 2026"), ("en", "Sampit, June 7, 2026")],
)
def test_place_and_date_use_the_documents_language(language, expected):
    assert signatures.place_and_date("Sampit", date(2026, 6, 7), language) == expected


def test_verification_uploads_are_size_and_rate_limited(app, client):
    app.config.update(VERIFY_MAX_BYTES=100, VERIFY_UPLOAD_LIMIT="3 per minute")
    big = client.post(
        "/verify",
        data={"document": (io.BytesIO(b"%PDF" + b"0" * 200), "besar.pdf")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 413
    assert verify_page(client, b"%PDF-1.7 kecil") == "unknown"
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


def test_the_qr_code_encodes_the_verification_address(demo_history, client, auth):
    import segno

    with demo_history.app_context():
        db.session.scalar(select(Period).filter_by(year=2025)).certificate_min_level = 0
        db.session.commit()
    auth.login("admin")
    _, certificate = issue(client, assessment_id_of(demo_history), "certificate")
    with demo_history.app_context():
        code = db.session.scalar(select(IssuedDocument.code).filter_by(kind="certificate"))
    expected = segno.make(f"{demo_history.config['PUBLIC_BASE_URL']}/verify/{code}", error="m")
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
