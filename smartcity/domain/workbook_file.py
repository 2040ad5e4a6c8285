"""Whether bytes may be handed to openpyxl as an instrument workbook: checked before it parses
anything, so that a huge file or a zip bomb is refused with a problem instead of exhausting
memory (its size, the zip container, the number of parts, their declared unpacked size)."""

from __future__ import annotations

import io
import zipfile

from .messages import N_, Message, message

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# a real instrument workbook unpacks to a few MiB; more is refused before parsing
DEFAULT_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 500


def refusal(data: bytes, max_bytes: int, max_unpacked_bytes: int) -> Message | None:
    """Why the bytes are refused before parsing, or None."""
    if len(data) > max_bytes:
        return message(
            N_("the file is %(size)s bytes; workbooks of at most %(limit)s bytes are accepted"),
            size=f"{len(data):,}",
            limit=f"{max_bytes:,}",
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return message(
            N_("this is an old Excel 97-2003 (.xls) file: save it as an Excel workbook (.xlsx)")
        )
    if not data.startswith(b"PK"):
        return message(N_("not an Excel workbook (.xlsx)"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        # NotImplementedError: a part that claims a zip version or compression zipfile lacks
        return message(N_("not an Excel workbook (.xlsx): the zip container is damaged"))
    if len(entries) > MAX_ZIP_ENTRIES:
        return message(
            N_("the workbook holds %(n)s parts; at most %(limit)s are accepted"),
            n=f"{len(entries):,}",
            limit=MAX_ZIP_ENTRIES,
        )
    # zipfile never yields more than an entry's declared size (and then fails its CRC), so the
    # declared sizes bound what openpyxl can unpack
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > max_unpacked_bytes:
        return message(
            N_(
                "the workbook would unpack to %(size)s bytes, more than the %(limit)s allowed: "
                "refused as a possible zip bomb"
            ),
            size=f"{unpacked:,}",
            limit=f"{max_unpacked_bytes:,}",
        )
    if "xl/workbook.xml" not in names:
        return message(N_("not an Excel workbook (.xlsx): the zip holds no xl/workbook.xml"))
    return None
