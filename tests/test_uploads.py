"""Hostile uploads are refused with a clear message and leave nothing behind.

Polyglots, wrong magic bytes, oversized and empty files, names with folders or control
characters, and Office files that are ZIP bombs: each gets 400, 413 or 415 with a message
naming the file, and neither an evidence row nor a stored file. The rules themselves are
documented in `smartcity/domain/filetypes.py`.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder

from smartcity.domain import filetypes
from smartcity.services import evidence as evidence_service

from .helpers import (
    CONTENT_TYPES,
    EXE,
    HTML,
    assessment_of,
    docx_bytes,
    evidence_rows,
    files_on_disk,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    post_dimension,
    xlsx_bytes,
    zip_bytes,
)

LIMIT = 1024 * 1024  # EVIDENCE_MAX_BYTES in these tests

# -- hostile samples --------------------------------------------------------------------------


def jar_bytes() -> bytes:
    return zip_bytes({"META-INF/MANIFEST.MF": "Main-Class: Exploit\n", "Exploit.class": "\xca"})


def pdf_with_html() -> bytes:
    """A PDF header, then a web page: a browser sniffing it would run the script."""
    return b"%PDF-1.4\n" + HTML + b"\n%%EOF\n"


def pdf_with_javascript() -> bytes:
    return pdf_bytes().replace(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
    )


def pdf_with_launch() -> bytes:
    return pdf_bytes().replace(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>",
    )


def office_with(extra: dict[str, bytes], base: Callable[[], bytes] = docx_bytes) -> bytes:
    """An Office package with extra parts (written stored or deflated as given)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info), zipfile.ZIP_DEFLATED)
        for name, data in extra.items():
            target.writestr(name, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ratio_bomb() -> bytes:
    """8 MiB of zeros that deflate to a few KiB: a ratio of about a thousand."""
    return office_with({"xl/sharedStrings2.xml": b"\x00" * (8 * 1024 * 1024)}, xlsx_bytes)


def declared_huge() -> bytes:
    """A part whose directory entry claims 4 GB once unpacked (the entry itself is tiny)."""
    data = bytearray(office_with({"word/media/huge.bin": b"x" * 100}))
    entry = data.rindex(b"PK\x01\x02")  # the last central directory entry: huge.bin
    data[entry + 24 : entry + 28] = struct.pack("<I", 0xFFFF0000)
    return bytes(data)


def many_entries() -> bytes:
    parts = {f"word/parts/p{n}.xml": b"<p/>" for n in range(filetypes.MAX_ZIP_ENTRIES)}
    return office_with(parts)


def nested_twice() -> bytes:
    """A document embedding a workbook that embeds another package."""
    inner = office_with({"xl/embeddings/deeper.docx": docx_bytes()}, xlsx_bytes)
    return office_with({"word/embeddings/sheet.xlsx": inner})


def nested_bomb() -> bytes:
    return office_with({"word/embeddings/sheet.xlsx": ratio_bomb()})


def archive_inside() -> bytes:
    return office_with({"word/media/photos.zip": zip_bytes({"a.txt": "a"})})


def appended_to_zip() -> bytes:
    return xlsx_bytes() + HTML


def zip_comment() -> bytes:
    data = bytearray(xlsx_bytes())
    data[-2:] = struct.pack("<H", 8)
    return bytes(data) + b"<script>"


def oversized() -> bytes:
    return pdf_bytes() + b"%" + b"x" * LIMIT + b"\n%%EOF\n"


# (case, file name, content, status, what the message says)
CASES: list[tuple[str, str, Callable[[], bytes], int, str]] = [
    # polyglots
    ("PDF header then HTML", "laporan.pdf", pdf_with_html, 415, "web page code"),
    ("PDF with JavaScript", "laporan.pdf", pdf_with_javascript, 415, "scripts"),
    ("PDF with a launch action", "laporan.pdf", pdf_with_launch, 415, "launch actions"),
    ("PNG with a ZIP after it", "foto.png", lambda: png_bytes() + jar_bytes(), 415, "hidden"),
    ("PNG with data after IEND", "foto.png", lambda: png_bytes() + b"MZ" + EXE, 415, "hidden"),
    (
        "JPEG with a JAR after it (GIFAR)",
        "foto.jpg",
        lambda: jpeg_bytes() + jar_bytes(),
        415,
        "hidden",
    ),
    (
        "GIF with a JAR named .png",
        "foto.png",
        lambda: b"GIF89a\x01\x00\x01\x00" + jar_bytes(),
        415,
        "not a PNG file",
    ),
    ("PDF with a ZIP after it", "laporan.pdf", lambda: pdf_bytes() + jar_bytes(), 415, "hidden"),
    ("XLSX with a page appended", "capaian.xlsx", appended_to_zip, 415, "not a XLSX file"),
    ("XLSX with a comment", "capaian.xlsx", zip_comment, 415, "not a XLSX file"),
    # wrong magic bytes
    ("PNG named .pdf", "laporan.pdf", png_bytes, 415, "its content is PNG"),
    ("EXE named .docx", "laporan.docx", lambda: EXE, 415, "not a DOCX file"),
    ("HTML named .jpg", "foto.jpg", lambda: HTML, 415, "not a JPEG file"),
    ("PDF without its end", "laporan.pdf", lambda: pdf_bytes()[:-20], 415, "damaged"),
    ("PNG cut short", "foto.png", lambda: png_bytes()[:30], 415, "damaged"),
    # size
    ("larger than the limit", "besar.pdf", oversized, 413, "larger than the limit of 1 MB"),
    ("zero bytes", "kosong.pdf", lambda: b"", 400, "the file is empty"),
    # names
    ("parent folders", "../../etc/passwd.pdf", pdf_bytes, 400, "cannot contain a folder"),
    ("a Windows path", "C:\\Users\\staf\\SK.pdf", pdf_bytes, 400, "cannot contain a folder"),
    ("a folder", "scan/SK.pdf", pdf_bytes, 400, "cannot contain a folder"),
    ("a hidden file", ".htaccess.pdf", pdf_bytes, 400, "start with a dot"),
    ("a control character", "SK\x07Tim.pdf", pdf_bytes, 400, "control"),
    ("right-to-left override", "SK\u202efdp.exe.pdf", pdf_bytes, 400, "text-direction"),
    ("a very long name", "a" * 300 + ".pdf", pdf_bytes, 400, "longer than 255 characters"),
    ("a blank name", "   ", pdf_bytes, 400, "without a name"),
    ("markup in the name", "<img src=x onerror=alert(1)>.pdf", lambda: EXE, 415, "not a PDF"),
    # ZIP bombs
    ("XLSX compressed a thousand times", "capaian.xlsx", ratio_bomb, 415, "unpack"),
    ("DOCX declaring 4 GB", "laporan.docx", declared_huge, 415, "unpack"),
    ("DOCX with too many parts", "laporan.docx", many_entries, 415, "too many parts"),
    ("DOCX nested twice", "laporan.docx", nested_twice, 415, "unpack"),
    ("DOCX embedding a bomb", "laporan.docx", nested_bomb, 415, "unpack"),
    ("DOCX with a ZIP inside", "laporan.docx", archive_inside, 415, "other archives"),
]
IDS = [case[0] for case in CASES]


@pytest.fixture(autouse=True)
def evidence_dir(app, tmp_path: Path) -> Path:
    path = tmp_path / "evidence"
    app.config["EVIDENCE_STORAGE_PATH"] = str(path)
    app.config["EVIDENCE_MAX_BYTES"] = LIMIT
    return path


@pytest.mark.parametrize(("name", "make", "status", "message"), [c[1:] for c in CASES], ids=IDS)
def test_each_hostile_file_is_refused_with_a_clear_message(
    app, english, name, make, status, message
):
    with app.test_request_context():
        from flask import session

        session["language"] = "en"
        with pytest.raises(evidence_service.EvidenceRefused) as refused:
            evidence_service.check_file(name, io.BytesIO(make()))
    assert refused.value.status == status
    assert message in str(refused.value)
    # the name is shown, but never with its control characters
    assert "\x07" not in str(refused.value) and "\u202e" not in str(refused.value)


def test_hostile_files_sent_through_the_form_leave_nothing_behind(
    demo, client, auth, evidence_dir, english
):
    own = assessment_of(demo, "DISKOMINFO")
    before = files_on_disk(evidence_dir)
    auth.login("diskominfo")
    indicators = [f"GOV-0{n}" for n in range(1, 6)]
    # in a multipart header a backslash escapes the next character, so "C:\\Users\\..." arrives
    # as a plain name without backslashes (checked below); the service refuses real ones
    sent = [case for case in CASES if case[0] != "a Windows path"]
    files: dict[str, list[tuple[bytes, str]]] = {code: [] for code in indicators}
    for number, (_, name, make, _, _) in enumerate(sent):
        files[indicators[number % len(indicators)]].append((make(), name))
    body: dict[str, object] = {"level-GOV-01": "2", "justification-GOV-01": "Tetap"}
    for code, chosen in files.items():
        body[f"evidence-{code}"] = [(io.BytesIO(content), name) for content, name in chosen]
    # a body this large is spooled to a temporary file by the test client: closed here
    builder = EnvironBuilder(
        path=f"/assessments/{own.id}/dimensions/GOV",
        method="POST",
        data=body,
        content_type="multipart/form-data",
    )
    environ = builder.get_environ()
    try:
        response = client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    page = response.get_data(as_text=True)
    # too large is the most telling status of the ones refused
    assert response.status_code == 413
    assert page.count("was not attached") == len(sent)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.pdf" in page
    assert evidence_rows(demo, own.id) == []
    assert files_on_disk(evidence_dir) == before
    assert not [p for p in evidence_dir.rglob(".upload-*")]
    # what was typed is kept
    assert "Tetap" in page
    post_dimension(client, own.id, files={"GOV-01": [(pdf_bytes(), "C:\\Users\\staf\\SK.pdf")]})
    [row] = evidence_rows(demo, own.id)
    assert "\\" not in row.original_name and "/" not in row.original_name


def test_a_nul_in_the_name_never_reaches_the_file_name(app, english):
    """Browsers cannot send it; a crafted request can. The request drops it (textinput.py),
    the service refuses it when called directly."""
    with app.test_request_context():
        with pytest.raises(evidence_service.EvidenceRefused) as refused:
            evidence_service.check_file("laporan\x00.pdf.exe", io.BytesIO(pdf_bytes()))
    assert refused.value.status == 400 and "\x00" not in str(refused.value)


# -- what stays accepted ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make"),
    [
        (
            "laporan dengan grafik.docx",
            lambda: office_with({"word/embeddings/grafik.xlsx": xlsx_bytes()}),
        ),
        ("foto.jpg", lambda: jpeg_bytes() + b"\x00" * 64),  # camera padding after the image
        ("laporan.pdf", lambda: pdf_bytes() + b"\n"),
        ("Laporan Dinas — 2026 (final) v2.pdf", pdf_bytes),
        ("تقرير.pdf", pdf_bytes),
    ],
)
def test_ordinary_files_are_still_accepted(app, name, make):
    with app.test_request_context():
        media_type, size = evidence_service.check_file(name, io.BytesIO(make()))
    assert media_type == filetypes.expected_type(name) and size > 0


def test_office_part_names_are_checked_not_their_content_types():
    # the content-types check of test_filetypes still holds for packages with embeddings
    data = office_with({"word/embeddings/grafik.xlsx": xlsx_bytes()})
    assert filetypes.detect_bytes(data) == filetypes.DOCX
    assert CONTENT_TYPES in zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode()
