"""Where evidence bytes live: content-addressed by SHA-256, outside the web root.

Callers use `evidence_storage()` and the `EvidenceStorage` protocol only, so an object store
can replace the local directory later by putting another implementation into
`app.extensions["evidence_storage"]`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

_DIGEST = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024


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
        handle, temporary = tempfile.mkstemp(prefix=".upload-", dir=self.root)
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


def evidence_storage() -> EvidenceStorage:
    """The app's storage: an installed implementation, else the configured local directory."""
    installed = current_app.extensions.get("evidence_storage")
    if installed is not None:
        return installed
    return LocalDirectoryStorage(current_app.config["EVIDENCE_STORAGE_PATH"])
