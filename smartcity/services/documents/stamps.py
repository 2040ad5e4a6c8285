"""What is known only when a document is issued: its code, number, verification link and QR."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import segno
from flask import current_app

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 5  # 5 groups of 4 characters: 20 x 5 = 100 random bits
# the code without hyphens, as the signature's reason and the PDF keywords carry it (PDF
# writers escape "-" in strings, so the grouped form is not found in the raw bytes)
CODE_PATTERN = re.compile(rb"(?<![0-9A-Z])[0-9A-HJKMNP-TV-Z]{20}(?![0-9A-Z])")


@dataclass(frozen=True)
class Stamp:
    """What is known only when a document is issued: its code, number, date and signing."""

    code: str
    version: int
    verify_url: str
    qr_data_uri: str
    place_and_date: str  # of the act the document records
    simulated: bool
    number: str = ""  # "000.8.3/017/BAPPERIDA/2026", printed under the title
    replaces_number: str = ""  # a re-issue states the number it replaces


def new_code() -> str:
    """20 Crockford base-32 characters (100 random bits) in groups of four."""
    chars = "".join(secrets.choice(CROCKFORD) for _ in range(4 * CODE_GROUPS))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def normalise_code(text: str) -> str:
    """What a person typed, as stored: upper case, look-alikes mapped, grouped by four."""
    cleaned = text.upper().translate(str.maketrans("OIL", "011"))
    cleaned = "".join(ch for ch in cleaned if ch in CROCKFORD)
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def verify_url(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{code}"


def qr_data_uri(text: str) -> str:
    # PNG, not SVG: WeasyPrint draws an SVG QR code module by module on every page it is on
    # (about a third of a certificate's render; docs/PERFORMANCE.md), an image only once.
    # One pixel per module: pdf.css scales it up with `image-rendering: pixelated` (sharp
    # edges), and a 16x smaller image is cheaper to decode and embed
    return segno.make(text, error="m").png_data_uri(scale=1, border=1)
