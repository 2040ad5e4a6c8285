"""PDF rendering: already-rendered HTML in, PDF bytes out (the only module that uses WeasyPrint).

Also the one writer of small PDFs by hand, object by object (`from_objects`, `one_page`): the
demo's evidence files and the tests' uploads.
"""

from __future__ import annotations

import logging
import threading
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

with warnings.catch_warnings():
    # WeasyPrint warns at import when the OS lacks HarfBuzz-Subset; fonts still embed fine
    warnings.simplefilter("ignore", DeprecationWarning)
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

# DejaVu from the OS package (fonts-dejavu-core, installed by `make`): the same glyphs everywhere
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FACES = (
    ("DejaVu Sans", "normal", "normal", "DejaVuSans.ttf"),
    ("DejaVu Sans", "bold", "normal", "DejaVuSans-Bold.ttf"),
    ("DejaVu Sans", "normal", "italic", "DejaVuSans-Oblique.ttf"),
    ("DejaVu Sans", "bold", "italic", "DejaVuSans-BoldOblique.ttf"),
    ("DejaVu Serif", "normal", "normal", "DejaVuSerif.ttf"),
    ("DejaVu Serif", "bold", "normal", "DejaVuSerif-Bold.ttf"),
)

# WeasyPrint reports every skipped resource through logging; keep it quiet unless debugging
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class PdfRenderError(Exception):
    """The document could not be rendered (e.g. it asked for a resource that is not allowed)."""


class ResourceRefused(ValueError):
    """A URL the PDF renderer must not read: anything outside the allowed folders."""


class GuardedFetcher(URLFetcher):
    """Reads `data:` URLs and files inside the allowed folders; refuses everything else.

    Templates only ever point at the app's static folder and the bundled fonts, so a refused
    URL means a bug or injected markup, and rendering stops instead of leaking a file.
    """

    def __init__(self, allowed_folders: list[Path]):
        super().__init__(fail_on_errors=True, allowed_protocols={"file", "data"})
        self.allowed = [folder.resolve() for folder in allowed_folders]

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ResourceRefused(f"external URL refused: {url}")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(folder) for folder in self.allowed):
            raise ResourceRefused(f"file outside the allowed folders refused: {url}")
        if not path.is_file():
            raise ResourceRefused(f"no such file: {url}")
        return URLFetcherResponse(path.as_uri(), path.read_bytes())


def _font_css(font_config: FontConfiguration, fetcher: GuardedFetcher) -> CSS:
    rules = [
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{(FONT_DIR / name).as_uri()}"); }}'
        for family, weight, style, name in FONT_FACES
        if (FONT_DIR / name).is_file()
    ]
    return CSS(string="\n".join(rules), font_config=font_config, url_fetcher=fetcher)


# Parsed stylesheets, per thread (WeasyPrint objects are not shared between threads) and per
# set of stylesheet files, re-read when a file's modification time changes: parsing pdf.css
# costs about one bare page each time (docs/PERFORMANCE.md). One entry per set of files (the
# templates use a fixed few), so a document without a stylesheet does not evict pdf.css.
# The fonts are not cached: a FontConfiguration reused across documents made every render
# slower (measured: 3x), so each render gets its own.
_cache = threading.local()


def _sheets(fetcher: GuardedFetcher, stylesheets: tuple[Path, ...]) -> list[CSS]:
    files = tuple(str(sheet) for sheet in stylesheets)
    stamp = tuple(sheet.stat().st_mtime_ns for sheet in stylesheets)
    cached: dict[tuple, tuple[tuple, list[CSS]]] = _cache.__dict__.setdefault("sheets", {})
    entry = cached.get(files)
    if entry is None or entry[0] != stamp:
        # no @font-face in these files: the fonts come from _font_css, per document
        entry = (stamp, [CSS(filename=name, url_fetcher=fetcher) for name in files])
        cached[files] = entry  # a changed stylesheet replaces its old entry
    return entry[1]


def render(html: str, base_url: Path, stylesheets: list[Path] | tuple[Path, ...] = ()) -> bytes:
    """Render HTML into PDF bytes.

    `base_url` is the app's static folder: relative URLs resolve there, and it is the only
    folder (besides the fonts) the renderer may read.
    """
    fetcher = GuardedFetcher([base_url, FONT_DIR])
    font_config = FontConfiguration()
    try:
        sheets = [_font_css(font_config, fetcher), *_sheets(fetcher, tuple(stylesheets))]
        document = HTML(
            string=html, base_url=base_url.resolve().as_uri() + "/", url_fetcher=fetcher
        )
        return document.write_pdf(stylesheets=sheets, font_config=font_config)
    except FatalURLFetchingError as error:
        raise PdfRenderError(str(error.__cause__ or error)) from error


# --- PDFs written by hand --------------------------------------------------------------------


def from_objects(*objects: bytes, trailer: bytes = b"") -> bytes:
    """A PDF of these objects (numbered from 1, the first is the catalog) with a correct
    cross-reference table; `trailer` adds entries to the trailer dictionary."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def one_page(text: str) -> bytes:
    """A small, valid one-page A4 PDF showing one line of text (Helvetica: ASCII only)."""
    line = text.encode("ascii", "replace")
    line = line.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    content = b"BT /F1 12 Tf 56 780 Td (" + line + b") Tj ET"
    return from_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )
