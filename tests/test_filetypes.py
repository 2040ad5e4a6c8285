"""Evidence file types are recognised from their bytes; a name cannot make a file another type.

The samples are real (tiny) files built here: a PDF written by hand, a PNG from zlib and
struct, a JPEG, an XLSX from openpyxl and a DOCX as a minimal Office package.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook

from smartcity.domain import filetypes
from smartcity.domain.filetypes import DOCX, JPEG, PDF, PNG, XLSX, check, detect_bytes

ROOT = Path(__file__).resolve().parent.parent


# -- real samples ---------------------------------------------------------------------------


def pdf_bytes(text: str = "Data dukung") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """A JPEG's start: SOI and a JFIF APP0 segment, then the end marker."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Indikator", "Capaian"])
    sheet.append(["GOV-01", 3])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def zip_bytes(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "word/document.xml": (
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                "<w:body><w:p><w:r><w:t>SK Tim Smart City</w:t></w:r></w:p></w:body></w:document>"
            ),
        }
    )


HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program"


# -- recognising content --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (pdf_bytes, PDF),
        (png_bytes, PNG),
        (jpeg_bytes, JPEG),
        (xlsx_bytes, XLSX),
        (docx_bytes, DOCX),
    ],
    ids=["pdf", "png", "jpeg", "xlsx", "docx"],
)
def test_each_accepted_type_is_recognised_from_its_bytes(make, expected):
    assert detect_bytes(make()) == expected


@pytest.mark.parametrize(
    "data",
    [
        HTML,
        EXE,
        b"",
        b"%PD",
        b"just some text",
        b"GIF89a\x01\x00\x01\x00",
        # a ZIP that is not an Office package
        zip_bytes({"notes.txt": "hello"}),
        # Office parts without the package's [Content_Types].xml
        zip_bytes({"word/document.xml": "<w:document/>"}),
        # both a workbook and a document: not something to guess about
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "", "xl/a.xml": ""}),
        # a ZIP signature followed by garbage
        b"PK\x03\x04" + b"\x00" * 100,
    ],
    ids=[
        "html",
        "exe",
        "empty",
        "truncated pdf",
        "text",
        "gif",
        "plain zip",
        "no content types",
        "word and excel",
        "broken zip",
    ],
)
def test_other_content_is_not_recognised(data):
    assert detect_bytes(data) is None


def test_macro_enabled_office_files_are_not_accepted():
    macro = CONTENT_TYPES.replace(
        "wordprocessingml.document.main+xml", "word.document.macroEnabled.main+xml"
    )
    data = zip_bytes({"[Content_Types].xml": macro, "word/document.xml": "<w:document/>"})
    assert detect_bytes(data) is None


def test_detection_leaves_the_stream_at_its_start():
    stream = io.BytesIO(xlsx_bytes())
    stream.seek(10)
    assert filetypes.detect(stream) == XLSX
    assert stream.tell() == 0


# -- names against content ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("sk-tim.pdf", pdf_bytes),
        ("SCAN.PDF", pdf_bytes),
        ("foto.png", png_bytes),
        ("foto.jpg", jpeg_bytes),
        ("foto.JPEG", jpeg_bytes),
        ("capaian.xlsx", xlsx_bytes),
        ("laporan akhir.v2.docx", docx_bytes),
    ],
)
def test_a_file_whose_name_and_content_agree_is_accepted(name, make):
    verdict = check(name, io.BytesIO(make()))
    assert verdict.accepted
    assert verdict.media_type == filetypes.expected_type(name)


@pytest.mark.parametrize(
    ("name", "make", "problem", "actual"),
    [
        ("laporan.pdf", png_bytes, "mismatch", PNG),
        ("capaian.docx", xlsx_bytes, "mismatch", XLSX),
        ("foto.png", jpeg_bytes, "mismatch", JPEG),
        ("setup.pdf", lambda: EXE, "unrecognised_content", None),
        ("halaman.pdf", lambda: HTML, "unrecognised_content", None),
        ("setup.exe", lambda: EXE, "unsupported_name", None),
        ("halaman.html", lambda: HTML, "unsupported_name", None),
        # an accepted content does not excuse a name without an accepted extension
        ("laporan", pdf_bytes, "unsupported_name", PDF),
        ("laporan.pdf.exe", pdf_bytes, "unsupported_name", PDF),
    ],
)
def test_a_file_that_claims_another_type_is_refused(name, make, problem, actual):
    verdict = check(name, io.BytesIO(make()))
    assert not verdict.accepted
    assert verdict.problem == problem
    assert verdict.media_type == actual


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("a.PDF", ".pdf"),
        ("dir/b.tar.gz", ".gz"),
        ("C:\\x\\c.Docx", ".docx"),
        (".pdf", ""),
        ("noext", ""),
        ("trailing.", ""),
    ],
)
def test_extension_of(name, extension):
    assert filetypes.extension_of(name) == extension


def test_filetypes_imports_no_framework():
    code = (
        "import sys, smartcity.domain.filetypes\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
