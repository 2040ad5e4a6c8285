"""PDF evidence is read object by object: hidden actions are found however they are written.

Each hostile PDF is built here from its objects: names written with #xx escapes, actions
inside compressed object streams (Flate, ASCII hex, PNG predictors), objects hidden behind a
wrong stream length, embedded files, rich media, XFA forms with scripts, form submission and
remote documents. Each is refused as `active_content` (415 at the upload, with a message
naming the file); ordinary PDFs (links, internal jumps, object streams, signatures, static XFA,
the app's own WeasyPrint output) are accepted.
"""

from __future__ import annotations

import io
import zlib

import pypdf
import pytest

from smartcity.domain import pdf_content
from smartcity.domain.filetypes import PDF, check
from smartcity.pdf import from_objects
from smartcity.services import evidence as evidence_service

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


def object_stream(objects: dict[int, bytes], encode=zlib.compress, filters=b"/FlateDecode"):
    """An /ObjStm holding `objects` (number -> body), compressed as given."""
    offsets, body = [], b""
    for number, value in objects.items():
        offsets.append(b"%d %d" % (number, len(body)))
        body += value + b"\n"
    pairs = b" ".join(offsets) + b"\n"
    data = encode(pairs + body)
    header = b"/Type /ObjStm /N %d /First %d /Filter %s " % (len(objects), len(pairs), filters)
    return stream(data, header)


def png_predicted(data: bytes, columns: int = 4) -> bytes:
    """Rows with the PNG "Up" filter: each byte minus the byte above it."""
    rows = [data[i : i + columns].ljust(columns, b"\n") for i in range(0, len(data), columns)]
    out, previous = bytearray(), bytes(columns)
    for row in rows:
        out += b"\x02" + bytes((b - a) & 0xFF for a, b in zip(previous, row, strict=True))
        previous = row
    return zlib.compress(bytes(out))


def with_catalog(extra: bytes, *more: bytes) -> bytes:
    """The one-page PDF whose catalog has `extra` entries, plus further objects (4, 5, ...)."""
    return from_objects(CATALOG.replace(b" >>", b" " + extra + b" >>"), PAGES, PAGE, *more)


def javascript_in_object_stream() -> bytes:
    """The catalog's action is object 5, which lives compressed in object stream 4."""
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    return with_catalog(b"/OpenAction 5 0 R", object_stream({5: action}))


def escaped_javascript_in_object_stream() -> bytes:
    action = b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"
    return with_catalog(b"/OpenAction 5 0 R", object_stream({5: action}))


def javascript_in_hex_and_flate_object_stream() -> bytes:
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    packed = object_stream(
        {5: action},
        encode=lambda data: zlib.compress(data).hex().encode() + b">",
        filters=b"[/ASCIIHexDecode /FlateDecode]",
    )
    return with_catalog(b"/OpenAction 5 0 R", packed)


def javascript_in_predicted_object_stream() -> bytes:
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    packed = object_stream({5: action}, encode=png_predicted).replace(
        b"/FlateDecode ", b"/FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >> "
    )
    return with_catalog(b"/OpenAction 5 0 R", packed)


def object_hidden_by_a_wrong_length() -> bytes:
    """A stream claims to run past the next object, which a viewer still finds by its offset."""
    data = from_objects(
        CATALOG.replace(b" >>", b" /OpenAction 5 0 R >>"),
        PAGES,
        PAGE,
        b"<< /Length 400 >>\nstream\nxxxx\nendstream",
        b"<< /S /L#61unch /F (cmd.exe) >>",
    )
    return data


def page_with_additional_action() -> bytes:
    return from_objects(
        CATALOG,
        PAGES,
        PAGE.replace(b" >>", b" /AA << /O << /S /J#61vaScript /J#53 4 0 R >> >> >>"),
        stream(b"app.alert(1)"),
    )


def embedded_file() -> bytes:
    return with_catalog(
        b"/Names << /E#6dbeddedFiles << /Names [(a.exe) 4 0 R] >> >>",
        b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
        stream(b"MZ\x90\x00", b"/Type /EmbeddedFile "),
    )


def file_attachment_annotation() -> bytes:
    return from_objects(
        CATALOG,
        PAGES,
        PAGE.replace(b" >>", b" /Annots [4 0 R] >>"),
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS (a.exe) >>",
    )


def rich_media_annotation() -> bytes:
    return from_objects(
        CATALOG,
        PAGES,
        PAGE.replace(b" >>", b" /Annots [4 0 R] >>"),
        b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>",
    )


def xfa_form(template: bytes) -> bytes:
    return with_catalog(
        b"/AcroForm << /Fields [] /XFA [(template) 4 0 R] >>",
        stream(zlib.compress(template), b"/Filter /FlateDecode "),
    )


def action(kind: bytes) -> bytes:
    return with_catalog(b"/OpenAction << /S /%s /F (http://example.com/f) >>" % kind)


def script_link(uri: bytes) -> bytes:
    return from_objects(
        CATALOG,
        PAGES,
        PAGE.replace(b" >>", b" /Annots [4 0 R] >>"),
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI %s >> >>" % uri,
    )


def encrypted_with_object_stream() -> bytes:
    return javascript_in_object_stream().replace(
        b"/Root 1 0 R ", b"/Root 1 0 R /Encrypt << /Filter /Standard /V 2 /R 3 >> "
    )


def deeply_nested() -> bytes:
    return with_catalog(b"/AcroForm << /XFA " + b"[" * 200 + b"]" * 200 + b" >>")


def inflating_object_stream() -> bytes:
    """An object stream of 40 MiB of spaces, compressed to about 40 KiB."""
    header = b"5 0\n"
    data = zlib.compress(header + b"<< >>" + b" " * (40 * 1024 * 1024), 9)
    packed = stream(data, b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode " % len(header))
    return with_catalog(b"", packed)


def unreadable_object_stream() -> bytes:
    return with_catalog(b"", object_stream({5: b"<< >>"}, filters=b"/LZWDecode"))


# (case, PDF, problem)
REFUSED = [
    ("JavaScript written with #xx escapes", lambda: with_catalog(
        b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"
    ), "active_content"),
    ("launch written with #xx escapes", lambda: with_catalog(
        b"/OpenAction << /S /L#61unch /F (cmd.exe) >>"
    ), "active_content"),
    ("JavaScript in a Flate object stream", javascript_in_object_stream, "active_content"),
    ("escaped JavaScript in an object stream", escaped_javascript_in_object_stream,
     "active_content"),
    ("JavaScript in a hex + Flate object stream", javascript_in_hex_and_flate_object_stream,
     "active_content"),
    ("JavaScript in a PNG-predicted object stream", javascript_in_predicted_object_stream,
     "active_content"),
    ("launch hidden behind a wrong stream length", object_hidden_by_a_wrong_length,
     "active_content"),
    ("launch after a fake stream in a string", lambda: with_catalog(
        b"/Title (>> stream\n) /OpenAction << /S /L#61unch /F (cmd.exe) >> /Note (endstream)"
    ), "active_content"),
    ("a page's additional action (/AA)", page_with_additional_action, "active_content"),
    ("the document's JavaScript name tree", lambda: with_catalog(
        b"/Names << /J#61vaScript << /Names [(a) 4 0 R] >> >>", b"<< /S /Named /N /Print >>"
    ), "active_content"),
    ("an embedded file", embedded_file, "active_content"),
    ("a file attachment annotation", file_attachment_annotation, "active_content"),
    ("a rich media annotation", rich_media_annotation, "active_content"),
    ("an XFA form with a script", lambda: xfa_form(
        b"<template><subform><event activity='initialize'><script contentType="
        b"'application/x-javascript'>app.alert(1)</script></event></subform></template>"
    ), "active_content"),
    ("an XFA part that cannot be found", lambda: with_catalog(
        b"/AcroForm << /Fields [] /XFA 9 0 R >>"
    ), "active_content"),
    ("a form that submits itself", lambda: action(b"SubmitForm"), "active_content"),
    ("a form that imports data", lambda: action(b"ImportData"), "active_content"),
    ("a jump into another PDF (GoToR)", lambda: action(b"GoToR"), "active_content"),
    ("a jump into an embedded PDF (GoToE)", lambda: action(b"GoT#6fE"), "active_content"),
    ("a javascript: link", lambda: script_link(b"(javascript:app.alert\\(1\\))"),
     "active_content"),
    ("a javascript: link in octal escapes", lambda: script_link(b"(\\152avascript:x)"),
     "active_content"),
    ("a javascript: link in hex", lambda: script_link(b"<%s>" % b"JavaScript:x".hex().encode()),
     "active_content"),
    ("an encrypted object stream (cannot be checked)", encrypted_with_object_stream, "encrypted"),
    ("an object stream in an unknown encoding", unreadable_object_stream, "damaged"),
    ("arrays nested 200 deep", deeply_nested, "damaged"),
    ("an object stream unpacking to 40 MiB", inflating_object_stream, "archive_limits"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "problem"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_pdf_with_active_content_is_refused(make, problem):
    data = make()
    if problem != "encrypted":
        assert pypdf.PdfReader(io.BytesIO(data)).pages  # a PDF a viewer opens
    verdict = check("laporan.pdf", io.BytesIO(data))
    assert (verdict.media_type, verdict.problem) == (PDF, problem)


def signed_pdf() -> bytes:
    """What a signature leaves in a PDF: an AcroForm with a signature field, no scripts."""
    return with_catalog(
        b"/AcroForm << /Fields [4 0 R] /SigFlags 3 >>",
        b"<< /FT /Sig /T (Signature1) /V << /Type /Sig /Filter /Adobe.PPKLite >> >>",
    )


def encrypted_without_object_streams() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 100)
    writer.encrypt(user_password="", owner_password="pemilik", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def weasyprint_pdf() -> bytes:
    from pathlib import Path

    from smartcity import pdf

    static = Path(__file__).resolve().parent.parent / "static"
    return pdf.render("<h1>Laporan</h1><p><a href='https://example.go.id'>tautan</a></p>", static)


ACCEPTED = [
    ("a plain page", lambda: from_objects(CATALOG, PAGES, PAGE)),
    ("a web link", lambda: script_link(b"(https://kotimkab.go.id/javascript-guide)")),
    ("a jump to its first page", lambda: with_catalog(b"/OpenAction [3 0 R /Fit]")),
    ("a named action", lambda: with_catalog(b"/OpenAction << /S /Named /N /NextPage >>")),
    ("an object stream of ordinary objects", lambda: with_catalog(
        b"/Info 5 0 R", object_stream({5: b"<< /Title (Laporan #1 \\(final\\)) >>"})
    )),
    ("a signature field", signed_pdf),
    ("a static XFA form", lambda: xfa_form(b"<template><subform name='a'/></template>")),
    ("encrypted without object streams", encrypted_without_object_streams),
    ("the app's own PDF (WeasyPrint)", weasyprint_pdf),
    # compressed images are random bytes: "/JS" among them is no action (it refused a third of
    # all 10 MB scans before)
    ("/JS among an image's bytes", lambda: with_catalog(b"", stream(
        b"\x8f\x12/JS\x00 (/Launch)\xff" * 100, b"/Type /XObject /Subtype /Image "
    ))),
]  # fmt: skip


@pytest.mark.parametrize("make", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_an_ordinary_pdf_is_accepted(make):
    verdict = check("laporan.pdf", io.BytesIO(make()))
    assert (verdict.media_type, verdict.problem) == (PDF, "")


@pytest.mark.parametrize(("make", "words"), [
    (escaped_javascript_in_object_stream, "scripts, launch actions or embedded files"),
    (embedded_file, "scripts, launch actions or embedded files"),
    (encrypted_with_object_stream, "encrypted"),
])  # fmt: skip
def test_the_upload_is_refused_with_415_and_a_clear_message(app, make, words):
    with app.test_request_context():
        from flask import session

        session["language"] = "en"
        with pytest.raises(evidence_service.EvidenceRefused) as refused:
            evidence_service.check_file("laporan tim.pdf", io.BytesIO(make()))
    assert refused.value.status == 415
    assert "laporan tim.pdf was not attached" in str(refused.value)
    assert words in str(refused.value)


def test_the_pdf_reader_stops_at_its_token_budget(monkeypatch):
    monkeypatch.setattr(pdf_content, "PDF_MAX_TOKENS", 50)
    many = with_catalog(b"/AcroForm << /XFA [" + b"(part) " * 100 + b"] >>")
    assert pdf_content.pdf_active_content(many) == "archive_limits"
