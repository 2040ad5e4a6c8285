"""Evidence file types recognised from their bytes, never from their names (no framework)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

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

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_SIGNATURE = b"%PDF-"
_ZIP_SIGNATURE = b"PK\x03\x04"
_CONTENT_TYPES = "[Content_Types].xml"
# an Office file lists a few dozen parts; more is not a document this app expects
_MAX_ZIP_ENTRIES = 5_000
_MAX_CONTENT_TYPES_BYTES = 1_000_000


def extension_of(name: str) -> str:
    """The lower-case extension of a file name ("" when it has none): "Laporan.PDF" -> ".pdf"."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return ""
    return "." + base.rsplit(".", 1)[-1].lower()


def expected_type(name: str) -> str | None:
    """The media type a file name claims, or None for an extension that is not accepted."""
    return EXTENSIONS.get(extension_of(name))


def detect(stream: BinaryIO) -> str | None:
    """The media type of a seekable binary stream's content, or None when it is not accepted.

    Only the first bytes (and, for Office files, the ZIP's directory) are read; nothing is
    decompressed except a small `[Content_Types].xml`. The stream is left at position 0.
    """
    try:
        stream.seek(0)
        head = stream.read(8)
        if head.startswith(_PDF_SIGNATURE):
            return PDF
        if head.startswith(_PNG_SIGNATURE):
            return PNG
        if head.startswith(_JPEG_SIGNATURE):
            return JPEG
        if head.startswith(_ZIP_SIGNATURE):
            return _office_type(stream)
        return None
    finally:
        stream.seek(0)


def detect_bytes(data: bytes) -> str | None:
    return detect(io.BytesIO(data))


def _office_type(stream: BinaryIO) -> str | None:
    """XLSX or DOCX when the ZIP is an Office Open XML package of that kind (no macros)."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > _MAX_ZIP_ENTRIES:
                return None
            names = {entry.filename for entry in entries}
            if _CONTENT_TYPES not in names:
                return None
            spreadsheet = any(name.startswith("xl/") for name in names)
            document = any(name.startswith("word/") for name in names)
            if spreadsheet == document:  # neither, or a confusing mix of both
                return None
            info = archive.getinfo(_CONTENT_TYPES)
            if info.file_size > _MAX_CONTENT_TYPES_BYTES:
                return None
            with archive.open(info) as part:
                content_types = part.read(_MAX_CONTENT_TYPES_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError):
        return None
    except RuntimeError:  # an encrypted part
        return None
    # .xlsm / .docm (and their templates) carry macros: not accepted as evidence
    if b"macroenabled" in content_types.lower():
        return None
    return XLSX if spreadsheet else DOCX


@dataclass(frozen=True)
class Verdict:
    """What checking one file found: its media type, or why it is refused."""

    media_type: str | None
    # "" (accepted) | "unsupported_name" | "unrecognised_content" | "mismatch"
    problem: str = ""
    claimed: str | None = None

    @property
    def accepted(self) -> bool:
        return not self.problem


def check(name: str, stream: BinaryIO) -> Verdict:
    """Accept a file only when its name claims an accepted type and its bytes are that type."""
    claimed = expected_type(name)
    actual = detect(stream)
    if claimed is None:
        return Verdict(actual, "unsupported_name")
    if actual is None:
        return Verdict(None, "unrecognised_content", claimed)
    if actual != claimed:
        return Verdict(actual, "mismatch", claimed)
    return Verdict(actual, "", claimed)


def accepted_labels() -> str:
    """ "PDF, PNG, JPEG, XLSX, DOCX" """
    return ", ".join(LABELS.values())
