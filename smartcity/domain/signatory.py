"""Who signs an official document: the signature block of tata naskah dinas, as plain data."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NIP = re.compile(r"\d{18}")


def format_nip(nip: str) -> str:
    """An 18-digit NIP grouped as printed on documents: "19780621 200312 1 002"
    (birth date, appointment month, sex, sequence). Anything else is returned as given."""
    digits = re.sub(r"\s+", "", nip or "")
    if not _NIP.fullmatch(digits):
        return (nip or "").strip()
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


@dataclass(frozen=True)
class Signatory:
    """One signature block: position (jabatan), name, rank (pangkat/golongan) and NIP.

    A signatory without a NIP (a Bupati, an external member) prints no NIP line; with
    `on_behalf_of` the block opens with "a.n. <that position>".
    """

    position: str
    name: str
    rank: str = ""
    nip: str = ""
    on_behalf_of: str = ""

    @property
    def nip_display(self) -> str:
        return format_nip(self.nip)
