"""Evidence storage housekeeping (`flask storage clean`): left-over uploads, unreferenced files."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import Evidence
from ..storage import STALE_AFTER_SECONDS, LocalDirectoryStorage, evidence_storage


class HousekeepingError(Exception):
    """The storage cannot be cleaned as asked; the message is for the operator."""


@dataclass
class Unreferenced:
    digest: str
    size: int
    recent: bool  # stored within the hour: perhaps an upload whose row is being written


@dataclass
class CleanReport:
    temporary_removed: int = 0
    unreferenced: list[Unreferenced] = field(default_factory=list)
    removed: int = 0


def clean_storage(*, delete: bool) -> CleanReport:
    """Remove stale temporary files; list stored files no evidence row refers to, and with
    `delete` remove those older than an hour (a newer one may belong to an upload in flight).

    Removed evidence rows keep their file (the audit trail points at it): only files no row
    at all names are unreferenced.
    """
    storage = evidence_storage()
    if not isinstance(storage, LocalDirectoryStorage):
        raise HousekeepingError("only the local evidence directory can be cleaned")
    report = CleanReport(temporary_removed=storage.remove_stale_temporary_files())
    referenced = set(db.session.scalars(select(Evidence.sha256).distinct()))
    limit = time.time() - STALE_AFTER_SECONDS
    for digest, size, modified in storage.stored():
        if digest in referenced:
            continue
        entry = Unreferenced(digest, size, recent=modified >= limit)
        report.unreferenced.append(entry)
        if delete and not entry.recent:
            storage.remove(digest)
            report.removed += 1
    return report
