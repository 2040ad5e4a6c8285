"""Static files under content-hashed names with a year-long cache, and compressed responses.

Staff outside the cities work on slow mobile connections (docs/PERFORMANCE.md, "Slow
connections"). `url_for('static', filename='css/app.css')` gives `/static/css/app.<hash>.css`
(the first 12 hex digits of the file's SHA-256): a browser keeps that name for a year without
asking again, and a changed file gets a new name at once, so nobody keeps an old copy. Other
names (the plain name, the hash of an earlier release) are still served, revalidated every
time. Text responses (pages, JSON, style sheets, scripts) are gzip-compressed for browsers
that accept it; static files once per content, pages per response.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, request
from werkzeug.security import safe_join

YEAR_SECONDS = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR_SECONDS}, immutable"
HASH_LENGTH = 12
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
# below about one network packet compression gains nothing
MIN_COMPRESS_BYTES = 1024
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "text/plain",
        "text/csv",
        "image/svg+xml",
        "application/xml",
    }
)


@dataclass(frozen=True)
class StaticFile:
    """One file of the static folder as served: its content, hash and compressed content."""

    stamp: tuple[int, int]  # modification time (ns) and size: recomputed when either changes
    digest: str
    content: bytes
    gzipped: bytes | None


class StaticFiles:
    """The static folder's files by path, hashed once per content (thread-safe)."""

    def __init__(self) -> None:
        self._files: dict[str, StaticFile] = {}
        self._lock = threading.Lock()

    def get(self, folder: str, filename: str) -> StaticFile | None:
        path = safe_join(folder, filename)
        if path is None:
            return None
        try:
            status = os.stat(path)
        except OSError:
            return None
        if not os.path.isfile(path):
            return None
        stamp = (status.st_mtime_ns, status.st_size)
        known = self._files.get(path)
        if known is not None and known.stamp == stamp:
            return known
        content = Path(path).read_bytes()
        media_type = mimetypes.guess_type(filename)[0] or ""
        gzipped = (
            gzip.compress(content, 9, mtime=0)
            if media_type in COMPRESSIBLE and len(content) >= MIN_COMPRESS_BYTES
            else None
        )
        digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
        entry = StaticFile(stamp, digest, content, gzipped)
        with self._lock:
            self._files[path] = entry
        return entry


def hashed_name(filename: str, digest: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    if not dot or "/" in extension:
        return f"{filename}.{digest}"
    return f"{stem}.{digest}.{extension}"


def register(app: Flask) -> None:
    files = StaticFiles()
    app.extensions["smartcity.static_files"] = files

    @app.url_defaults
    def hashed_static_name(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or not app.static_folder:
            return
        if not app.config.get("STATIC_HASHED_NAMES", True):
            return
        filename = values.get("filename")
        if not isinstance(filename, str):
            return
        entry = files.get(app.static_folder, filename)
        if entry is not None:
            values["filename"] = hashed_name(filename, entry.digest)

    app.view_functions["static"] = serve_static
    app.after_request(compress)


def accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def serve_static(filename: str) -> Response:
    """A hashed name of the current content: a year's cache; other names: revalidated."""
    folder = current_app.static_folder
    files: StaticFiles = current_app.extensions["smartcity.static_files"]
    match = HASHED_NAME.match(filename)
    if folder and match and current_app.config.get("STATIC_HASHED_NAMES", True):
        plain = match["stem"] + match["ext"]
        entry = files.get(folder, plain)
        if entry is not None:
            # the hash of an earlier release's file: today's file, asked for again next time
            return _send(plain, entry, immutable=entry.digest == match["hash"])
    entry = files.get(folder, filename) if folder else None
    if entry is None:
        abort(404)
    return _send(filename, entry, immutable=False)


def _send(filename: str, entry: StaticFile, *, immutable: bool) -> Response:
    media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type == "application/javascript":
        media_type += "; charset=utf-8"
    use_gzip = (
        entry.gzipped is not None
        and current_app.config.get("COMPRESS_RESPONSES", True)
        and accepts_gzip()
    )
    response = Response(entry.gzipped if use_gzip else entry.content, content_type=media_type)
    response.headers["Cache-Control"] = IMMUTABLE if immutable else "no-cache"
    response.set_etag(entry.digest + ("-gz" if use_gzip else ""))
    if entry.gzipped is not None:
        response.vary.add("Accept-Encoding")
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    return response.make_conditional(request)


def compress(response: Response) -> Response:
    """gzip a text response for a browser that accepts it (pages, JSON, plain static files)."""
    if not current_app.config.get("COMPRESS_RESPONSES", True):
        return response
    if (
        response.direct_passthrough  # files sent as they are (evidence, documents)
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or response.status_code < 200
        or response.status_code in (204, 304)
        or request.method == "HEAD"
    ):
        return response
    if response.mimetype in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")
    body = response.get_data()
    if len(body) < MIN_COMPRESS_BYTES or not accepts_gzip():
        return response
    response.set_data(gzip.compress(body, 6))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:
        # another representation of the same content
        response.set_etag(etag + "-gz", weak)
    return response
