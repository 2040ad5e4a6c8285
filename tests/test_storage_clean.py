"""Left-overs in the evidence storage: half-written uploads and files no row refers to.

A worker killed during an upload leaves an `.upload-*` file; those older than an hour are
removed at start-up and by `flask storage clean`, which also reports stored files that no
evidence row references and, with `--delete`, removes them (not those stored within the hour:
an upload may be writing its row).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from smartcity.factory import create_app

from .helpers import assessment_of, attach_sample, pdf_bytes

HOURS = 3600


def aged(path: Path, seconds: float) -> Path:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))
    return path


def stored_file(root: Path, data: bytes, age: float) -> str:
    digest = hashlib.sha256(data).hexdigest()
    folder = root / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / digest).write_bytes(data)
    aged(folder / digest, age)
    return digest


@pytest.fixture
def evidence_dir(app, tmp_path: Path) -> Path:
    path = tmp_path / "evidence"
    path.mkdir()
    app.config["EVIDENCE_STORAGE_PATH"] = str(path)
    return path


def leftovers(root: Path) -> tuple[Path, Path]:
    old = root / ".upload-k1ll3d"
    old.write_bytes(b"half a file")
    aged(old, 2 * HOURS)
    current = root / ".upload-wr1t1ng"
    current.write_bytes(b"being written")
    return old, current


def test_stale_uploads_are_removed_at_start_up(database_url, tmp_path, monkeypatch):
    root = tmp_path / "evidence"
    root.mkdir()
    old, current = leftovers(root)
    monkeypatch.setenv("EVIDENCE_STORAGE_PATH", str(root))
    create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    assert not old.exists()
    assert current.exists()  # perhaps still being written by another worker


def test_storage_clean_reports_and_deletes_what_no_row_refers_to(demo, runner, evidence_dir):
    own = assessment_of(demo, "DISKOMINFO")
    attach_sample(demo, own.id, data=pdf_bytes("dirujuk"))
    referenced = hashlib.sha256(pdf_bytes("dirujuk")).hexdigest()
    orphan = stored_file(evidence_dir, b"nobody refers to this", 2 * HOURS)
    recent = stored_file(evidence_dir, b"an upload writing its row", 0)
    old, current = leftovers(evidence_dir)

    report = runner.invoke(args=["storage", "clean"])
    assert report.exit_code == 0, report.output
    assert "1 stale temporary upload file(s) removed" in report.output
    assert f"unreferenced: {orphan} 21 bytes" in report.output
    assert f"unreferenced: {recent}" in report.output
    assert referenced not in report.output
    assert "2 unreferenced file(s)" in report.output and "--delete" in report.output
    assert not old.exists() and current.exists()
    assert (evidence_dir / orphan[:2] / orphan).exists()  # only reported

    deleted = runner.invoke(args=["storage", "clean", "--delete"])
    assert deleted.exit_code == 0, deleted.output
    assert "1 unreferenced file(s) removed" in deleted.output
    assert "(stored within the hour: kept)" in deleted.output
    assert not (evidence_dir / orphan[:2] / orphan).exists()
    assert (evidence_dir / recent[:2] / recent).exists()
    assert (evidence_dir / referenced[:2] / referenced).exists()


def test_a_removed_files_row_still_keeps_its_bytes(demo, runner, evidence_dir):
    """Removing evidence keeps the row for the audit trail, so its bytes are not unreferenced."""
    from smartcity.extensions import db
    from smartcity.models import Evidence, User
    from smartcity.services import evidence as evidence_service

    own = assessment_of(demo, "DISKOMINFO")
    evidence_id = attach_sample(demo, own.id, data=pdf_bytes("dihapus"))
    with demo.app_context():
        user = db.session.query(User).filter_by(username="diskominfo").one()
        evidence_service.remove(db.session.get(Evidence, evidence_id), user)
    digest = hashlib.sha256(pdf_bytes("dihapus")).hexdigest()
    aged(evidence_dir / digest[:2] / digest, 2 * HOURS)
    result = runner.invoke(args=["storage", "clean", "--delete"])
    assert "0 unreferenced file(s)" in result.output
    assert (evidence_dir / digest[:2] / digest).exists()
