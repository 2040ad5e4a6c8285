"""Active content in a PDF: its objects read as a viewer finds them, without rendering.

Every "N G obj" in the file is found (also those a wrong /Length or a second revision would
hide), object streams (/ObjStm) are unpacked, names with their #xx escapes decoded; nothing is
rendered and nothing is trusted from the cross-reference table. `pdf_active_content` names
what makes a PDF refused (filetypes.py decides the rest of what evidence may be).
"""

from __future__ import annotations

import base64
import bisect
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

# PDF actions that run code or programs when the file is opened
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch)(?![A-Za-z0-9])")

# names (compared case-insensitively) that run code, start programs, send or fetch data, open
# other files, or carry files inside the PDF
_PDF_ACTIVE_NAMES = frozenset(
    name.casefold()
    for name in (
        "JavaScript",  # /S /JavaScript actions, the document's /Names /JavaScript tree
        "JS",  # the script of an action
        "Launch",  # starts a program
        "SubmitForm",  # sends the form's fields somewhere
        "ImportData",  # reads a file into the form
        "GoToR",  # opens another (remote) PDF
        "GoToE",  # opens an embedded PDF
        "RichMedia",  # Flash and video annotations with their own scripts
        "RichMediaExecute",
        "EmbeddedFile",  # a file carried inside the PDF
        "EmbeddedFiles",
        "EF",
        "FileAttachment",
    )
)
# URI actions to these schemes run code in the viewer or the browser
_SCRIPT_URI = re.compile(rb"^(?:javascript|vbscript):", re.IGNORECASE)
# an XFA form's parts (XML): scripts in them run when the form opens
_XFA_SCRIPT = re.compile(rb"<\s*(?:[A-Za-z0-9_]+:)?script\b|javascript", re.IGNORECASE)
# what reading a PDF's objects may cost at most (a 10 MB PDF of 100,000 objects stays far below)
PDF_MAX_TOKENS = 4_000_000
PDF_MAX_DEPTH = 64
PDF_MAX_DECODED = 32 * 1024 * 1024  # unpacked bytes of one object stream or XFA part
PDF_MAX_DECODED_TOTAL = 64 * 1024 * 1024

_PDF_WHITE = b"\x00\t\n\x0c\r "
_PDF_DELIMITERS = b"()<>[]{}/%"
_PDF_TOKEN = re.compile(
    rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*"
    rb"(?:(?P<open_dict><<)|(?P<close_dict>>>)|(?P<open_array>\[)|(?P<close_array>\])"
    rb"|/(?P<name>[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)"
    rb"|(?P<number>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%]))"
    rb"|<(?P<hex>[0-9A-Fa-f\x00\t\n\x0c\r ]*)>"
    rb"|(?P<string>\()"
    rb"|(?P<word>[^\x00\t\n\x0c\r ()<>\[\]{}/%]+)"
    rb"|(?P<other>[{}<>)]))"
)
_PDF_STREAM = re.compile(rb">>[\x00\t\n\x0c\r ]*stream(?:\r\n|\n|\r)")
_PDF_NAME_CHARS = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
_PDF_NAME = re.compile(rb"/([^" + _PDF_NAME_CHARS + rb"]*)")
_PDF_OBJECT = re.compile(
    rb"(?<![0-9])([0-9]{1,10})[\x00\t\n\x0c\r ]+([0-9]{1,5})[\x00\t\n\x0c\r ]+obj"
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STRING_SPECIAL = re.compile(rb"[()\\]")
_PDF_STRING_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|\r|\n)|(.))", re.DOTALL)
_PDF_STRING_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


class _PdfRefused(Exception):
    """Reading stops: `problem` says why the file is refused."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


class _Name(str):
    """A PDF name, #xx escapes decoded."""


@dataclass(frozen=True)
class _Ref:
    number: int
    generation: int


_END = object()  # the end of the data, or a token that ends a dictionary or an array

# names whose place in the file matters: object streams, XFA forms and links are read there
_LOOKED_AT = frozenset({"objstm", "xfa", "uri"})


@dataclass
class _PdfObject:
    value: object
    data: bytes = b""  # the bytes the stream was read from
    stream: tuple[int, int] | None = None  # where its stream's raw bytes are in `data`


def _decoded_name(raw: bytes) -> str:
    if b"#" in raw:
        raw = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
    return raw.decode("latin-1")


@dataclass
class _PdfReader:
    """Reads a PDF the way a viewer finds its objects, without rendering anything.

    Every name in the file is collected (decoded); only the objects that need it are parsed:
    object streams (unpacked, their names collected too), XFA forms and link targets. Object
    headers are found anywhere in the file, so no stream length can hide an object.
    """

    data: bytes
    names: set[str] = field(default_factory=set)
    object_streams: list[_PdfObject] = field(default_factory=list)
    xfa: list[object] = field(default_factory=list)
    script_uri: bool = False
    tokens: int = 0
    decoded: int = 0
    # object number -> where each "N G obj" with that number ends (a later revision adds one)
    headers: dict[int, list[int]] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)
    _ends: list[int] = field(default_factory=list)

    # -- tokens and values ----------------------------------------------------------------

    def _token(self, data: bytes, position: int) -> tuple[str, object, int]:
        self.tokens += 1
        if self.tokens > PDF_MAX_TOKENS:
            raise _PdfRefused("archive_limits")
        found = _PDF_TOKEN.match(data, position)
        if found is None:
            return "end", None, len(data)
        kind = found.lastgroup or "end"
        end = found.end()
        if kind == "name":
            return kind, _Name(_decoded_name(found["name"])), end
        if kind == "number":
            text = found["number"]
            return kind, (float(text) if b"." in text else int(text)), end
        if kind == "hex":
            digits = bytes(c for c in found["hex"] if c not in _PDF_WHITE)
            return "string", bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()), end
        if kind == "string":
            return "string", *_literal_string(data, end)
        if kind == "word":
            return kind, found["word"], end
        return kind, None, end

    def value(self, data: bytes, position: int, depth: int = 0) -> tuple[object, int]:
        """The value at `position` and where it ends; `_END` for a closing bracket or the end."""
        if depth > PDF_MAX_DEPTH:
            raise _PdfRefused("damaged")
        kind, token, end = self._token(data, position)
        if kind == "number" and isinstance(token, int):
            # "12 0 R" is a reference
            kind2, generation, end2 = self._token(data, end)
            if kind2 == "number" and isinstance(generation, int):
                kind3, word, end3 = self._token(data, end2)
                if kind3 == "word" and word == b"R":
                    return _Ref(token, generation), end3
            return token, end
        if kind == "open_dict":
            entries: dict[str, object] = {}
            while True:
                key, end = self.value(data, end, depth + 1)
                if key is _END:
                    return entries, end
                if not isinstance(key, _Name):
                    continue  # damaged: skip what is not a key
                item, end = self.value(data, end, depth + 1)
                if item is _END:
                    return entries, end
                entries[key] = item
        if kind == "open_array":
            items = []
            while True:
                item, end = self.value(data, end, depth + 1)
                if item is _END:
                    return items, end
                items.append(item)
        if kind in ("close_dict", "close_array", "end"):
            return _END, end
        if kind == "word" and token in (b"stream", b"endobj", b"obj", b"endstream"):
            return _END, position  # the object's value ends here; the caller looks at it
        return token, end

    def object_at(self, data: bytes, position: int) -> _PdfObject:
        """The object whose value starts at `position` (just after "obj"), with its stream."""
        value, end = self.value(data, position)
        found = _PdfObject(None if value is _END else value, data)
        kind, word, after = self._token(data, end)
        if kind == "word" and word == b"stream" and isinstance(value, dict):
            found.stream = _stream_span(data, after, value.get("Length"))
        return found

    # -- the file -------------------------------------------------------------------------

    def read(self) -> None:
        """Collect the names of the file's objects: everything outside stream data, and every
        object written inside stream data (a viewer jumps there by its cross-reference)."""
        data = self.data
        for header in _PDF_OBJECT.finditer(data):
            self._starts.append(header.start())
            self._ends.append(header.end())
            self.headers.setdefault(int(header.group(1)), []).append(header.end())
        regions = []
        position = 0
        for start, end in self._stream_data():
            regions.append((position, start))
            for index in range(bisect.bisect_left(self._starts, start), len(self._starts)):
                if self._starts[index] >= end:
                    break
                stop = data.find(b"endobj", self._ends[index], end)
                regions.append((self._starts[index], end if stop < 0 else stop))
            position = end
        regions.append((position, len(data)))
        for start, end in regions:
            if _PDF_ACTIVE.search(data, start, end):
                self.names.add("javascript")  # written plainly: refused as always
            self.scan(data, start, end, top_level=True)

    def _stream_data(self) -> Iterator[tuple[int, int]]:
        """Where the raw bytes of each stream are. A stream counts only when the dictionary of
        the object before it, parsed, ends at its "stream" keyword: a ">> stream" written
        inside a string hides nothing."""
        data = self.data
        position = 0
        for found in _PDF_STREAM.finditer(data):
            if found.start() < position:
                continue  # inside the data of the stream before
            index = bisect.bisect_right(self._starts, found.start()) - 1
            if index < 0:
                continue
            value, end = self.value(data, self._ends[index])
            kind, word, after = self._token(data, end)
            keyword_end = found.start() + found.group().index(b"stream") + len(b"stream")
            if not (isinstance(value, dict) and kind == "word" and word == b"stream"):
                continue
            if after != keyword_end:
                continue
            start, stop = _stream_span(data, after, value.get("Length"))
            yield start, stop
            position = stop

    def scan(self, data: bytes, start: int, end: int, *, top_level: bool) -> None:
        """Collect the names in `data[start:end]`; read the object streams, forms and links
        there."""
        looked_at = []
        for raw in set(_PDF_NAME.findall(data, start, end)):
            name = _decoded_name(raw).casefold()
            self.names.add(name)
            if name in _LOOKED_AT:
                looked_at.append(re.escape(raw))
        if not looked_at:
            return
        places = re.compile(b"/(?:" + b"|".join(looked_at) + b")(?![^" + _PDF_NAME_CHARS + b"])")
        for found in places.finditer(data, start, end):
            name = _decoded_name(found.group()[1:]).casefold()
            if name == "objstm":
                if top_level:
                    self._object_stream_around(found.start())
                continue
            value, _end = self.value(data, found.end())
            if name == "xfa":
                self.xfa.append(value)
            elif name == "uri" and isinstance(value, bytes):
                uri = bytes(c for c in _text_bytes(value) if c > 0x20)
                self.script_uri = self.script_uri or bool(_SCRIPT_URI.match(uri))

    def _object_stream_around(self, position: int) -> None:
        index = bisect.bisect_right(self._starts, position) - 1
        if index < 0:
            return
        found = self.object_at(self.data, self._ends[index])
        if (
            found.stream is not None
            and isinstance(found.value, dict)
            and found.value.get("Type") == "ObjStm"
            and all(
                found is not known and found.stream != known.stream for known in self.object_streams
            )
        ):
            self.object_streams.append(found)

    def unpack_object_streams(self) -> None:
        for stream in self.object_streams:
            data = self.decoded_stream(stream)
            if data is None:
                raise _PdfRefused("damaged")
            self.scan(data, 0, len(data), top_level=False)

    def decoded_stream(self, found: _PdfObject) -> bytes | None:
        """The stream's bytes with its filters undone; None when they cannot be undone."""
        if found.stream is None or not isinstance(found.value, dict):
            return None
        start, end = found.stream
        data = found.data[start:end]
        filters = found.value.get("Filter")
        parameters = found.value.get("DecodeParms")
        if not isinstance(filters, list):
            filters = [] if filters is None else [filters]
        if not isinstance(parameters, list):
            parameters = [parameters] * len(filters)
        for name, options in zip(filters, parameters + [None] * len(filters), strict=False):
            limit = min(PDF_MAX_DECODED, PDF_MAX_DECODED_TOTAL - self.decoded)
            if limit <= 0:
                raise _PdfRefused("archive_limits")
            if name in ("FlateDecode", "Fl"):
                decoded = _inflate(data, limit)
                data = _unpredict(decoded, options) if decoded is not None else None
            elif name in ("ASCIIHexDecode", "AHx"):
                digits = bytes(c for c in data.split(b">")[0] if c not in _PDF_WHITE)
                try:
                    data = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
                except ValueError:
                    return None
            elif name in ("ASCII85Decode", "A85"):
                try:
                    data = base64.a85decode(data.split(b"~>")[0].removeprefix(b"<~"), adobe=False)
                except ValueError:
                    return None
            else:
                return None
            if data is None:
                return None
            self.decoded += len(data)
            if len(data) > limit:
                raise _PdfRefused("archive_limits")
        return data

    def xfa_has_scripts(self) -> bool:
        """Whether an XFA form has a script, or a part that cannot be read (then: assume so)."""
        for value in self.xfa:
            parts = value if isinstance(value, list) else [value]
            for part in parts:
                if isinstance(part, bytes):
                    continue  # the name of the next part
                if not isinstance(part, _Ref):
                    return True
                found = [self.object_at(self.data, at) for at in self.headers.get(part.number, [])]
                streams = [o for o in found if o.stream]
                if not streams:
                    return True
                for found in streams:
                    content = self.decoded_stream(found)
                    if content is None or _XFA_SCRIPT.search(content):
                        return True
        return False


def _literal_string(data: bytes, position: int) -> tuple[bytes, int]:
    """A (literal string) from just after its "(": its bytes, escapes undone, and its end."""
    depth = 1
    start = position
    while depth:
        found = _PDF_STRING_SPECIAL.search(data, position)
        if found is None:
            position = len(data)
            break
        position = found.end()
        if found.group() == b"\\":
            position += 1
        elif found.group() == b"(":
            depth += 1
        else:
            depth -= 1
    raw = data[start : position - 1] if depth == 0 else data[start:position]
    return _PDF_STRING_ESCAPE.sub(_unescape, raw), position


def _unescape(found: re.Match[bytes]) -> bytes:
    if found.group(1):
        return bytes([int(found.group(1), 8) & 0xFF])
    if found.group(2):
        return b""  # a line continued
    return _PDF_STRING_ESCAPES.get(found.group(3), found.group(3))


def _text_bytes(value: bytes) -> bytes:
    """A PDF text string as plain bytes (UTF-16 with its byte-order mark turned to latin-1)."""
    if value[:2] in (b"\xfe\xff", b"\xff\xfe"):
        encoding = "utf-16-be" if value[:2] == b"\xfe\xff" else "utf-16-le"
        return value[2:].decode(encoding, "replace").encode("latin-1", "replace")
    return value


def _stream_span(data: bytes, position: int, length: object) -> tuple[int, int]:
    """Where a stream's bytes are: after "stream" and its line end, up to "endstream"."""
    if data.startswith(b"\r\n", position):
        position += 2
    elif data[position : position + 1] in (b"\n", b"\r"):
        position += 1
    if isinstance(length, int) and 0 <= length <= len(data) - position:
        after = data[position + length : position + length + 32].lstrip(_PDF_WHITE)
        if after.startswith(b"endstream"):
            return position, position + length
    end = data.find(b"endstream", position)
    if end < 0:
        return position, len(data)
    if data[end - 2 : end] == b"\r\n":
        return position, end - 2
    if data[end - 1 : end] in (b"\n", b"\r"):
        return position, end - 1
    return position, end


def _inflate(data: bytes, limit: int) -> bytes | None:
    """Flate-decoded bytes (at most `limit` + 1 of them); what a damaged end leaves readable."""
    inflater = zlib.decompressobj()
    out = bytearray()
    try:
        for start in range(0, len(data), 64 * 1024):
            out += inflater.decompress(data[start : start + 64 * 1024], limit + 1 - len(out))
            if len(out) > limit or inflater.unconsumed_tail:
                return bytes(out)
    except zlib.error:
        return bytes(out) if out else None
    return bytes(out)


def _unpredict(data: bytes, options: object) -> bytes | None:
    """Undo a PNG predictor (DecodeParms /Predictor 10-15); None for one not supported."""
    if not isinstance(options, dict):
        return data
    predictor = options.get("Predictor", 1)
    if predictor in (1, None):
        return data
    if not isinstance(predictor, int) or predictor < 10:
        return None  # TIFF predictors: not used by object streams
    columns = options.get("Columns", 1)
    colors = options.get("Colors", 1)
    bits = options.get("BitsPerComponent", 8)
    if not all(isinstance(v, int) and v > 0 for v in (columns, colors, bits)):
        return None
    pixel = max(1, colors * bits // 8)
    width = (columns * colors * bits + 7) // 8
    out = bytearray()
    previous = bytearray(width)
    for start in range(0, len(data), width + 1):
        kind = data[start]
        row = bytearray(data[start + 1 : start + 1 + width].ljust(width, b"\x00"))
        for i in range(width):
            left = row[i - pixel] if i >= pixel else 0
            up = previous[i]
            corner = previous[i - pixel] if i >= pixel else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                a, b, c = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                nearest = left if a <= b and a <= c else up if b <= c else corner
                row[i] = (row[i] + nearest) & 0xFF
        out += row
        previous = row
    return bytes(out)


def pdf_active_content(data: bytes) -> str:
    """Why a PDF's objects are refused ("" when they are fine):

    "active_content" (JavaScript, launch, form submission or import, remote or embedded
    documents, embedded files, rich media, script URIs, XFA forms with scripts), "encrypted"
    (encrypted object streams or XFA parts, which cannot be checked), "damaged" (object
    streams that cannot be read) or "archive_limits" (too much to read or unpack).
    """
    reader = _PdfReader(data)
    try:
        reader.read()
        encrypted = "encrypt" in reader.names
        if encrypted and (reader.object_streams or reader.xfa):
            return "encrypted"
        reader.unpack_object_streams()
        if reader.names & _PDF_ACTIVE_NAMES or reader.script_uri:
            return "active_content"
        if reader.xfa_has_scripts():
            return "active_content"
    except _PdfRefused as refused:
        return refused.problem
    except RecursionError:
        return "damaged"
    return ""
