"""Evidence files: which names and which bytes are accepted (no framework).

The rules, in the order they are checked (docs/ARCHITECTURE.md, "Evidence files"):

1. The name is a plain file name: not empty, no folder (`/`, `\\`), does not start with a dot
   (`.`, `..`, hidden files), no control or bidirectional-override characters (a NUL, or
   U+202E that makes `invoice\u202efdp.exe` look like `invoiceexe.pdf`), at most 255 characters.
   Zero-width characters and byte-order marks are removed from it first.
2. Its extension is one of `EXTENSIONS`; its bytes start with that type's signature (a name
   never makes a file another type).
3. Its bytes are only that type (no polyglots):
   - nothing in the first KiB that a browser would run as a web page (`<script`, `<html`, ...);
   - no ZIP archive hidden at the end of a PDF, PNG or JPEG (a GIFAR-like file);
   - a PNG ends at its IEND chunk; a PDF ends with `%%EOF` and none of its objects (object
     streams unpacked, names decoded) holds active content: JavaScript, launch, form submission
     or import, remote or embedded documents, embedded files, rich media, script links, XFA
     forms with scripts (`pdf_content.py` reads the objects);
   - an XLSX/DOCX is a ZIP that ends with its directory (no comment, nothing appended).
4. An XLSX/DOCX is no ZIP bomb: at most `MAX_ZIP_ENTRIES` entries, at most
   `MAX_UNCOMPRESSED` bytes once unpacked (declared sizes, nested packages included), no entry
   compressed more than `MAX_RATIO` times, Office packages nested at most one level (charts
   embed a workbook in a document), no other archives inside, no encrypted parts or macros.

Nothing is unpacked except `[Content_Types].xml` and nested packages within those limits.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from .pdf_content import pdf_active_content

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# media type -> short label shown to people
LABELS: dict[str, str] = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", XLSX: "XLSX", DOCX: "DOCX"}

# the extension a file name claims -> the media type its bytes must have
EXTENSIONS: dict[str, str] = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".xlsx": XLSX,
    ".docx": DOCX,
}

# types a browser may show inline (in a sandbox); the others are only downloaded
PREVIEWABLE: frozenset[str] = frozenset({PDF, PNG, JPEG})

MAX_NAME = 255
# an Office file lists a few dozen parts; thousands is not a document this app expects
MAX_ZIP_ENTRIES = 5_000
# unpacked size of an Office file, nested packages included (a 10 MB XLSX unpacks to ~100 MB)
MAX_UNCOMPRESSED = 256 * 1024 * 1024
# XML compresses 5-50 times; a ZIP bomb thousands of times
MAX_RATIO = 200
# entries smaller than this are not judged by their ratio (tiny repetitive parts compress well)
_RATIO_FROM_BYTES = 1024 * 1024
# a nested package is read into memory to be checked: never more than this
_MAX_NESTED_BYTES = 32 * 1024 * 1024

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_SIGNATURE = b"%PDF-"
_ZIP_SIGNATURE = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
_ZIP_END_SIZE = 22
# the end-of-directory record sits in the last 64 KiB + 22 bytes of any ZIP (or JAR)
_ZIP_TAIL = 65_535 + _ZIP_END_SIZE
_CONTENT_TYPES = "[Content_Types].xml"
_MAX_CONTENT_TYPES_BYTES = 1_000_000
_SNIFF_BYTES = 1024
# what makes a browser (or a careless viewer) treat bytes as a web page
_MARKUP = re.compile(
    rb"<\s*(script|html|!doctype|iframe|body|svg|object|embed|meta|link)\b|javascript:",
    re.IGNORECASE,
)
_PDF_EOF = b"%%EOF"
_ARCHIVE_EXTENSIONS = (".zip", ".jar", ".7z", ".rar", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".cab")
_OFFICE_EXTENSIONS = (".xlsx", ".docx", ".pptx", ".xlsm", ".docm", ".pptm", ".bin")
# invisible characters removed from names: zero-width space, non-joiner and joiner, word
# joiner, byte-order mark (zero-width no-break space)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# characters that reorder the text around them (filename spoofing)
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


# -- names ------------------------------------------------------------------------------------


def extension_of(name: str) -> str:
    """The lower-case extension of a file name ("" when it has none): "Laporan.PDF" -> ".pdf"."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return ""
    return "." + base.rsplit(".", 1)[-1].lower()


def expected_type(name: str) -> str | None:
    """The media type a file name claims, or None for an extension that is not accepted."""
    return EXTENSIONS.get(extension_of(name))


def _unsafe_character(ch: str) -> bool:
    # Cc: control (NUL, newline, escape, ...), Cs/Co/Cn: surrogates, private use, unassigned
    return ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")


def normal_name(name: str) -> str:
    """The name as stored: NFC, without zero-width characters or byte-order marks (invisible,
    they make two names that look alike differ), without surrounding white space."""
    return unicodedata.normalize("NFC", name.translate(_INVISIBLE)).strip()


def name_problem(name: str) -> str:
    """Why a file name is refused ("" when it is fine):

    "empty_name" | "path" | "control_characters" | "name_too_long".
    """
    name = normal_name(name)
    if not name:
        return "empty_name"
    if "/" in name or "\\" in name or name.startswith("."):
        return "path"
    if any(_unsafe_character(ch) for ch in name):
        return "control_characters"
    if len(name) > MAX_NAME:
        return "name_too_long"
    return ""


def display_name(name: str, limit: int = 80) -> str:
    """A name safe to show in a message: unsafe characters as U+FFFD, shortened."""
    shown = "".join("\ufffd" if _unsafe_character(ch) else ch for ch in name)
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


# -- content ----------------------------------------------------------------------------------


def detect(stream: BinaryIO) -> str | None:
    """The media type of a seekable binary stream's content, or None when it is not accepted.

    Only the start, the end and (for Office files) the ZIP's directory are read; the stream is
    left at position 0.
    """
    media_type, problem = examine(stream)
    return media_type if not problem else None


def detect_bytes(data: bytes) -> str | None:
    return detect(io.BytesIO(data))


def examine(stream: BinaryIO) -> tuple[str | None, str]:
    """(media type by signature, problem) for a stream; see the module's rules 2-4.

    problem: "" | "not_office" | "active_content" | "polyglot" | "damaged" | "archive_limits".
    """
    try:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        head = stream.read(_SNIFF_BYTES)
        if head.startswith(_ZIP_SIGNATURE):
            return _examine_office(stream, size)
        if head.startswith(_PDF_SIGNATURE):
            media_type = PDF
        elif head.startswith(_PNG_SIGNATURE):
            media_type = PNG
        elif head.startswith(_JPEG_SIGNATURE):
            media_type = JPEG
        else:
            return None, ""
        if _MARKUP.search(head):
            return media_type, "active_content"
        stream.seek(max(0, size - _ZIP_TAIL))
        tail = stream.read()
        if _ZIP_END in tail:
            return media_type, "polyglot"
        if media_type == PNG:
            return media_type, _png_problem(stream, size)
        if media_type == PDF:
            return media_type, _pdf_problem(stream, tail[-_SNIFF_BYTES:])
        return media_type, ""
    finally:
        stream.seek(0)


def _png_problem(stream: BinaryIO, size: int) -> str:
    """A PNG is its chunks up to IEND, and nothing after it."""
    position = len(_PNG_SIGNATURE)
    while position + 12 <= size:
        stream.seek(position)
        length, kind = struct.unpack(">I4s", stream.read(8))
        position += 12 + length
        if kind == b"IEND":
            return "" if position == size else "polyglot"
    return "damaged"


def _pdf_problem(stream: BinaryIO, end: bytes) -> str:
    if _PDF_EOF not in end:
        return "damaged"
    stream.seek(0)
    return pdf_active_content(stream.read())  # at most EVIDENCE_MAX_BYTES: checked first


def _zip_ends_cleanly(stream: BinaryIO, size: int) -> bool:
    """The ZIP's end-of-directory record is the last thing in the file, without a comment."""
    if size < _ZIP_END_SIZE:
        return False
    stream.seek(size - _ZIP_END_SIZE)
    record = stream.read(_ZIP_END_SIZE)
    return record.startswith(_ZIP_END) and record[20:22] == b"\x00\x00"


@dataclass
class _Budget:
    """What a package and its nested packages may still unpack to."""

    entries: int = MAX_ZIP_ENTRIES
    uncompressed: int = MAX_UNCOMPRESSED


def _examine_office(stream: BinaryIO, size: int) -> tuple[str | None, str]:
    """XLSX or DOCX when the ZIP is an Office Open XML package of that kind (no macros)."""
    if not _zip_ends_cleanly(stream, size):
        return None, "not_office"
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = {entry.filename for entry in archive.infolist()}
            if _CONTENT_TYPES not in names:
                return None, "not_office"
            spreadsheet = any(name.startswith("xl/") for name in names)
            document = any(name.startswith("word/") for name in names)
            if spreadsheet == document:  # neither, or a confusing mix of both
                return None, "not_office"
            media_type = XLSX if spreadsheet else DOCX
            problem = _package_problem(archive, _Budget(), depth=0)
            if problem:
                return media_type, problem
            info = archive.getinfo(_CONTENT_TYPES)
            if info.file_size > _MAX_CONTENT_TYPES_BYTES:
                return media_type, "archive_limits"
            with archive.open(info) as part:
                content_types = part.read(_MAX_CONTENT_TYPES_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError):
        return None, "not_office"
    except (RuntimeError, EOFError):  # an encrypted or truncated part
        return None, "not_office"
    # .xlsm / .docm (and their templates) carry macros: not accepted as evidence
    if b"macroenabled" in content_types.lower():
        return None, "not_office"
    return media_type, ""


def _package_problem(archive: zipfile.ZipFile, budget: _Budget, depth: int) -> str:
    """ "archive_limits" when the package (with what it nests) is a ZIP bomb, else ""."""
    entries = archive.infolist()
    budget.entries -= len(entries)
    if budget.entries < 0:
        return "archive_limits"
    for entry in entries:
        if entry.flag_bits & 0x1:  # encrypted
            return "archive_limits"
        budget.uncompressed -= entry.file_size
        if budget.uncompressed < 0:
            return "archive_limits"
        if entry.file_size > _RATIO_FROM_BYTES and entry.file_size > MAX_RATIO * max(
            entry.compress_size, 1
        ):
            return "archive_limits"
    for entry in entries:
        lower = entry.filename.lower()
        if lower.endswith(_ARCHIVE_EXTENSIONS):
            return "archive_limits"
        nested = lower.endswith(_OFFICE_EXTENSIONS)
        if not nested and not entry.is_dir() and entry.file_size >= 4:
            with archive.open(entry) as part:
                nested = part.read(4) == _ZIP_SIGNATURE
        if not nested:
            continue
        if depth >= 1 or entry.file_size > _MAX_NESTED_BYTES:
            return "archive_limits"
        with archive.open(entry) as part:
            data = part.read(_MAX_NESTED_BYTES + 1)
        if not data.startswith(_ZIP_SIGNATURE):
            continue  # e.g. an OLE ".bin" part: not an archive
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as inner:
                problem = _package_problem(inner, budget, depth + 1)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError):
            return "archive_limits"
        if problem:
            return problem
    return ""


# -- both -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What checking one file found: its media type, or why it is refused."""

    media_type: str | None
    # "" (accepted) | a name problem (see `name_problem`) | "unsupported_name" |
    # "unrecognised_content" | "mismatch" | "active_content" | "polyglot" | "damaged" |
    # "archive_limits"
    problem: str = ""
    claimed: str | None = None

    @property
    def accepted(self) -> bool:
        return not self.problem


def check(name: str, stream: BinaryIO) -> Verdict:
    """Accept a file only when its name is plain, claims an accepted type, and its bytes are
    exactly that type (see the module's rules)."""
    problem = name_problem(name)
    if problem:
        return Verdict(None, problem)
    claimed = expected_type(name)
    actual, problem = examine(stream)
    if claimed is None:
        return Verdict(actual, "unsupported_name")
    if actual is None:
        return Verdict(None, "unrecognised_content", claimed)
    if actual != claimed:
        return Verdict(actual, "mismatch", claimed)
    if problem:
        return Verdict(actual, problem, claimed)
    return Verdict(actual, "", claimed)


def accepted_labels() -> str:
    """ "PDF, PNG, JPEG, XLSX, DOCX" """
    return ", ".join(LABELS.values())
