"""PDF rendering: HTML in, PDF out, reading nothing but the static folder and the fonts."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pypdf
import pytest

from smartcity import pdf

STATIC = Path(__file__).resolve().parent.parent / "static"


@pytest.fixture(scope="module")
def rendered() -> bytes:
    html = (
        "<html><body><h1>Laporan</h1><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
        "<img src=\"data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/>\">"
        "</body></html>"
    )
    return pdf.render(html, STATIC, [STATIC / "css" / "pdf.css"])


def test_renders_an_a4_pdf_with_the_text(rendered):
    reader = pypdf.PdfReader(io.BytesIO(rendered))
    assert rendered.startswith(b"%PDF-")
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    text = page.extract_text()
    assert "Laporan" in text and "<script>alert(1)</script>" in text


def test_embeds_the_bundled_dejavu_fonts(rendered):
    reader = pypdf.PdfReader(io.BytesIO(rendered))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for font in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVu" in name for name in fonts)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://example.com/style.css",
        "ftp://example.com/x",
        (STATIC / ".." / "app.py").resolve().as_uri(),
        STATIC.as_uri() + "/../app.py",
        STATIC.as_uri() + "/css/no-such-file.css",
    ],
)
def test_the_fetcher_refuses_everything_but_the_allowed_folders(url):
    fetcher = pdf.GuardedFetcher([STATIC])
    with pytest.raises(pdf.ResourceRefused):
        fetcher.fetch(url)


def test_the_fetcher_reads_static_files_and_data_urls():
    fetcher = pdf.GuardedFetcher([STATIC])
    response = fetcher.fetch((STATIC / "css" / "pdf.css").as_uri())
    assert b"@page" in response.read()
    response.close()
    inline = fetcher.fetch("data:text/plain,halo")
    assert inline.read() == b"halo"
    inline.close()


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/passwd">',
        '<img src="http://127.0.0.1:9/x.png">',
        '<link rel="stylesheet" href="https://example.com/x.css">',
        '<link rel="stylesheet" href="../app.py">',
        "<style>@import url(file:///etc/hostname);</style>",
    ],
)
def test_a_document_asking_for_a_forbidden_resource_is_not_rendered(markup):
    with pytest.raises(pdf.PdfRenderError):
        pdf.render(f"<html><body>{markup}<p>x</p></body></html>", STATIC)


def test_parsed_stylesheets_are_reused_until_the_file_changes(tmp_path):
    sheet = tmp_path / "page.css"
    sheet.write_text("@page { size: A5; }")
    fetcher = pdf.GuardedFetcher([tmp_path])
    first = pdf._sheets(fetcher, (sheet,))
    assert pdf._sheets(fetcher, ()) == []  # a document without a stylesheet evicts nothing
    assert pdf._sheets(fetcher, (sheet,)) is first
    html = "<html><body><p>x</p></body></html>"
    a5 = pypdf.PdfReader(io.BytesIO(pdf.render(html, tmp_path, [sheet]))).pages[0]
    assert round(float(a5.mediabox.width)) == 420  # A5: 148 mm

    sheet.write_text("@page { size: A4 landscape; }")
    stat = sheet.stat()
    os.utime(sheet, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert pdf._sheets(fetcher, (sheet,)) is not first
    landscape = pypdf.PdfReader(io.BytesIO(pdf.render(html, tmp_path, [sheet]))).pages[0]
    assert round(float(landscape.mediabox.width)) == 842
