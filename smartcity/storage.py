"""Where evidence bytes live: content-addressed by SHA-256, outside the web root.

Callers use `evidence_storage()` and the `EvidenceStorage` protocol only, so an object store
can replace the local directory later by putting another implementation into
`app.extensions["evidence_storage"]`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

_DIGEST = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024
# the prefix of a file being written; one that is still there after this long was left behind
# by a worker killed during an upload (an upload takes seconds)
TEMPORARY_PREFIX = ".upload-"
STALE_AFTER_SECONDS = 60 * 60
log = logging.getLogger(__name__)


class EvidenceStorage(Protocol):
    def put(self, stream: BinaryIO) -> str:
        """Store the stream's bytes (from its current position); return their SHA-256 (hex).

        Storing the same bytes again stores nothing new.
        """

    def open(self, digest: str) -> BinaryIO:
        """The stored bytes for reading; FileNotFoundError when there are none."""

    def exists(self, digest: str) -> bool: ...


def _checked(digest: str) -> str:
    if not _DIGEST.fullmatch(digest):
        raise ValueError("not a SHA-256 hex digest")
    return digest


class LocalDirectoryStorage:
    """Files in `<root>/<first two hex digits>/<sha256>`, written atomically."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        digest = _checked(digest)
        return self.root / digest[:2] / digest

    def put(self, stream: BinaryIO) -> str:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        hasher = hashlib.sha256()
        # the temporary file is in the same directory tree, so the rename is atomic
        handle, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=self.root)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = hasher.hexdigest()
            target = self.path_for(digest)
            if target.exists():
                os.unlink(temporary)  # the same bytes are already stored
            else:
                target.parent.mkdir(exist_ok=True, mode=0o700)
                os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        return digest

    def open(self, digest: str) -> BinaryIO:
        return self.path_for(digest).open("rb")

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    # -- housekeeping (`flask storage clean`, start-up) -------------------------------------

    def stale_temporary_files(self, older_than: float = STALE_AFTER_SECONDS) -> list[Path]:
        """Temporary files of uploads that never finished (nothing refers to them)."""
        if not self.root.is_dir():
            return []
        limit = time.time() - older_than
        return sorted(
            path
            for path in self.root.glob(TEMPORARY_PREFIX + "*")
            if path.is_file() and path.stat().st_mtime < limit
        )

    def remove_stale_temporary_files(self, older_than: float = STALE_AFTER_SECONDS) -> int:
        removed = 0
        for path in self.stale_temporary_files(older_than):
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def stored(self) -> Iterator[tuple[str, int, float]]:
        """(digest, size, modification time) of every stored file."""
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if len(folder.name) != 2 or not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if _DIGEST.fullmatch(path.name) and path.name[:2] == folder.name:
                    status = path.stat()
                    yield path.name, status.st_size, status.st_mtime

    def remove(self, digest: str) -> None:
        self.path_for(digest).unlink(missing_ok=True)


def remove_stale_uploads_at_start(app) -> None:
    """At start-up: temporary files that a killed worker left behind are removed."""
    root = Path(app.config["EVIDENCE_STORAGE_PATH"])
    try:
        removed = LocalDirectoryStorage(root).remove_stale_temporary_files()
    except OSError as error:  # a read-only or missing mount must not stop the app
        log.warning("stale uploads in %s not removed: %s", root, error)
        return
    if removed:
        log.info("removed %d stale temporary upload file(s) from %s", removed, root)


def evidence_storage() -> EvidenceStorage:
    """The app's storage: an installed implementation, else the configured local directory."""
    installed = current_app.extensions.get("evidence_storage")
    if installed is not None:
        return installed
    return LocalDirectoryStorage(current_app.config["EVIDENCE_STORAGE_PATH"])
