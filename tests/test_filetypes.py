"""Evidence file types are recognised from their bytes; a name cannot make a file another type.

The samples are real (tiny) files built here: a PDF written by hand, a PNG from zlib and
struct, a JPEG, an XLSX from openpyxl and a DOCX as a minimal Office package.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from smartcity.domain import filetypes
from smartcity.domain.filetypes import DOCX, JPEG, PDF, PNG, XLSX, check, detect_bytes

from .helpers import (
    CONTENT_TYPES,
    EXE,
    HTML,
    docx_bytes,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    xlsx_bytes,
    zip_bytes,
)

ROOT = Path(__file__).resolve().parent.parent


# -- real samples ---------------------------------------------------------------------------


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
