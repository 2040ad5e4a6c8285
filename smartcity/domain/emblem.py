"""The coat of arms an administrator uploads for the letterhead: a checked PNG or a cleaned SVG.

Checked by content, never by the file name. A PNG must be exactly a PNG: the signature, every
chunk whole with a correct CRC, IHDR first, IEND last and nothing after it, at most
`MAX_PIXELS` on a side. An SVG is parsed (no DOCTYPE, entities or processing instructions:
no entity expansion, no external files) and rebuilt from an allow-list: drawing elements and
presentation attributes only, references only inside the file ("#id"), inline styles reduced
to allowed properties. Scripts, event handlers, links, foreign objects, embedded images,
animations and style sheets do not survive, so the stored SVG can never run anything.

Pure: no Flask, no database. Refusals carry a `reason` code the service turns into a message.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree as ET

MAX_BYTES = 512 * 1024
MAX_PIXELS = 4000
PNG = "image/png"
SVG = "image/svg+xml"

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# drawing only: no script, style, a, image, foreignObject, animate, set, use of other files
ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle",
        "ellipse", "line", "polyline", "polygon", "text", "tspan", "linearGradient",
        "radialGradient", "stop", "clipPath", "mask", "pattern",
    }
)  # fmt: skip
# geometry and presentation: no on* handlers, no href except inside the file
ATTRIBUTES = frozenset(
    {
        "id", "class", "viewBox", "preserveAspectRatio", "width", "height", "x", "y", "x1",
        "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "d", "points",
        "transform", "version", "fill", "fill-opacity", "fill-rule", "stroke",
        "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin",
        "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "opacity", "clip-path",
        "clip-rule", "mask", "offset", "stop-color", "stop-opacity", "gradientUnits",
        "gradientTransform", "spreadMethod", "patternUnits", "patternTransform",
        "clipPathUnits", "maskUnits", "font-family", "font-size", "font-weight",
        "font-style", "text-anchor", "dominant-baseline", "letter-spacing", "display",
        "visibility", "color", "href",
    }
)  # fmt: skip
STYLE_PROPERTIES = ATTRIBUTES - {"id", "class", "href", "d", "points", "viewBox", "version"}
_LOCAL_URL = re.compile(r"url\(\s*#[A-Za-z_][\w.\-]*\s*\)")
_SAFE_VALUE = re.compile(r"[#%(),.\-\w\s\"':;/+]*")
_FORBIDDEN = re.compile(r"[\\@<>&]|expression|javascript|data:", re.IGNORECASE)


class EmblemRefused(ValueError):
    """Not an acceptable coat of arms; `reason` says why (type, size, png, svg)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Emblem:
    content: bytes
    media_type: str


def checked(data: bytes) -> Emblem:
    """The emblem as it may be stored: a valid PNG unchanged, or an SVG rebuilt clean."""
    if not data:
        raise EmblemRefused("empty")
    if len(data) > MAX_BYTES:
        raise EmblemRefused("size")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_png(data)
        return Emblem(data, PNG)
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--"):
        return Emblem(clean_svg(data), SVG)
    raise EmblemRefused("type")


def _check_png(data: bytes) -> None:
    position = 8
    first = True
    while position < len(data):
        if position + 12 > len(data):
            raise EmblemRefused("png")
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data) or not kind.isalpha():
            raise EmblemRefused("png")
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : end])
        if zlib.crc32(kind + body) != crc:
            raise EmblemRefused("png")
        if first:
            if kind != b"IHDR" or length != 13:
                raise EmblemRefused("png")
            width, height = struct.unpack(">II", body[:8])
            if not (0 < width <= MAX_PIXELS and 0 < height <= MAX_PIXELS):
                raise EmblemRefused("size")
            first = False
        position = end
        if kind == b"IEND":
            if position != len(data):
                raise EmblemRefused("png")  # something hidden after the image
            return
    raise EmblemRefused("png")


def clean_svg(data: bytes) -> bytes:
    """The SVG rebuilt from the allow-list; refused when it is not a well-formed SVG."""
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise EmblemRefused("svg")
    if re.search(rb"<\?(?!xml[\s?])", data):  # processing instructions (xml-stylesheet, ...)
        raise EmblemRefused("svg")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise EmblemRefused("svg") from error
    if root.tag != f"{{{SVG_NS}}}svg":
        raise EmblemRefused("svg")
    clean = _clean_element(root)
    if clean is None:  # pragma: no cover - the root is an allowed element
        raise EmblemRefused("svg")
    clean.set("xmlns", SVG_NS)
    return ET.tostring(clean, encoding="utf-8", xml_declaration=False)


def _local(tag: str) -> str | None:
    if not isinstance(tag, str):  # comments
        return None
    if tag.startswith(f"{{{SVG_NS}}}"):
        return tag[len(SVG_NS) + 2 :]
    return None  # elements of any other namespace (XHTML in foreignObject, ...) are dropped


def _clean_element(element: ET.Element) -> ET.Element | None:
    name = _local(element.tag)
    if name is None or name not in ELEMENTS:
        return None
    clean = ET.Element(name)
    for key, value in element.attrib.items():
        attribute = _attribute(key, value)
        if attribute is not None:
            clean.set(*attribute)
    if name in ("text", "tspan", "title", "desc") and element.text:
        clean.text = element.text
    for child in element:
        kept = _clean_element(child)
        if kept is not None:
            if child.tail and name in ("text", "tspan"):
                kept.tail = child.tail
            clean.append(kept)
    return clean


def _attribute(key: str, value: str) -> tuple[str, str] | None:
    if key == f"{{{XLINK_NS}}}href":
        key = "href"
    elif key.startswith("{"):
        return None  # other namespaced attributes
    if key == "style":
        style = _clean_style(value)
        return ("style", style) if style else None
    if key not in ATTRIBUTES:
        return None
    value = value.strip()
    if key == "href":
        return ("href", value) if re.fullmatch(r"#[A-Za-z_][\w.\-]*", value) else None
    return (key, value) if _safe(value) else None


def _safe(value: str) -> bool:
    if _FORBIDDEN.search(value):
        return False
    if "url(" in value.lower() and _LOCAL_URL.sub("", value).lower().count("url(") > 0:
        return False
    return _SAFE_VALUE.fullmatch(value) is not None


def _clean_style(style: str) -> str:
    kept = []
    for declaration in style.split(";"):
        prop, _colon, value = declaration.partition(":")
        prop, value = prop.strip().lower(), value.strip()
        if prop in STYLE_PROPERTIES and value and _safe(value) and ":" not in value:
            kept.append(f"{prop}:{value}")
    return ";".join(kept)
