"""Evidence uploads at the edges: a full disk, long and invisible names, too many files.

- the storage full: 507 naming the file not attached, the typed answers kept; `/healthz`
  reports the storage failing below STORAGE_MIN_FREE_BYTES;
- a name of 81-255 characters is checked by its real extension, shortened only for display;
- zero-width characters and byte-order marks are removed from names;
- at most EVIDENCE_MAX_FILES_PER_REQUEST files in one request, and at most
  EVIDENCE_MAX_FILES_PER_INDICATOR on one indicator.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from smartcity import storage as storage_module

from .helpers import (
    assessment_of,
    attach_sample,
    dimension_form,
    evidence_rows,
    files_on_disk,
    pdf_bytes,
    post_dimension,
    stored_answers,
)


@pytest.fixture(autouse=True)
def evidence_dir(app, tmp_path: Path) -> Path:
    path = tmp_path / "evidence"
    app.config["EVIDENCE_STORAGE_PATH"] = str(path)
    return path


# -- a full disk ------------------------------------------------------------------------------


@contextmanager
def full_file_system(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """A 1 MiB tmpfs filled to the last byte (needs root: mounting)."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("mounting a small file system needs root")
    try:
        with (mount / "filler").open("wb", buffering=0) as out:
            try:
                while out.write(b"\0" * 4096):
                    pass
            except OSError:
                pass  # full
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


@contextmanager
def failing_writes(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """Temporary upload files whose writes go to /dev/full (the kernel answers ENOSPC)."""
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        handle, path = real(*args, **kwargs)
        full = os.open("/dev/full", os.O_WRONLY)
        os.dup2(full, handle)
        os.close(full)
        return handle, path

    monkeypatch.setattr(storage_module.tempfile, "mkstemp", mkstemp)
    yield tmp_path / "evidence"


@pytest.fixture(params=[full_file_system, failing_writes], ids=["full tmpfs", "ENOSPC"])
def full_storage(request, app, tmp_path: Path, monkeypatch):
    with request.param(tmp_path, monkeypatch) as path:
        app.config["EVIDENCE_STORAGE_PATH"] = str(path)
        yield path


def test_a_full_storage_answers_507_naming_the_file_and_keeps_the_answers(
    demo, client, auth, english, full_storage
):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    data = dimension_form(demo, own.id, "GOV", text="Ada SK Tim")
    response = post_dimension(
        client, own.id, data=data, files={"GOV-01": [(pdf_bytes(), "sk-tim.pdf")]}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 507
    assert "sk-tim.pdf was not attached: the storage for evidence files is full" in page
    assert "Your answers are saved" in page
    # the typed answers were saved; no evidence row points at bytes that were never stored
    answers = stored_answers(demo, own.id)
    assert answers and all(text.startswith("Ada SK Tim") for _, _, text in answers.values())
    assert evidence_rows(demo, own.id) == []
    assert not any(p.name.startswith(".upload-") for p in files_on_disk(full_storage))


def test_healthz_fails_when_the_storage_has_less_free_space_than_the_minimum(app, tmp_path):
    free = shutil.disk_usage(tmp_path).free
    client = app.test_client()
    assert client.get("/healthz").get_json()["checks"]["storage"] == "ok"
    app.config["STORAGE_MIN_FREE_BYTES"] = free + 1024**4
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "less than STORAGE_MIN_FREE_BYTES" in response.get_json()["checks"]["storage"]


def test_the_minimum_free_space_defaults_to_100_mib(monkeypatch, tmp_path):
    from smartcity import config

    monkeypatch.delenv("STORAGE_MIN_FREE_BYTES", raising=False)
    assert config.from_environment(tmp_path)["STORAGE_MIN_FREE_BYTES"] == 100 * 1024 * 1024


# -- names ------------------------------------------------------------------------------------

# (name as chosen, name as stored)
NAMES = [
    ("a" * 90 + ".pdf", "a" * 90 + ".pdf"),
    ("Laporan " * 30 + "akhir.pdf", ("Laporan " * 30 + "akhir.pdf")),
    ("\ufeffsk-tim.pdf", "sk-tim.pdf"),
    ("sk\u200b-tim\u200d.pdf", "sk-tim.pdf"),
    ("sk-tim\u2060\u200c.pdf", "sk-tim.pdf"),
]


@pytest.mark.parametrize(("chosen", "stored"), NAMES)
def test_long_and_invisible_names_are_checked_by_their_real_extension(demo, chosen, stored):
    own = assessment_of(demo, "DISKOMINFO")
    attach_sample(demo, own.id, name=chosen)
    assert [row.original_name for row in evidence_rows(demo, own.id)] == [stored]


# -- how many ---------------------------------------------------------------------------------


def test_a_request_attaches_at_most_the_configured_number_of_files(
    demo, client, auth, english, evidence_dir
):
    demo.config["EVIDENCE_MAX_FILES_PER_REQUEST"] = 3
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    files = {
        "GOV-01": [(pdf_bytes(f"halaman {n}"), f"bukti-{n}.pdf") for n in range(3)],
        "GOV-02": [(pdf_bytes(f"lain {n}"), f"lain-{n}.pdf") for n in range(2)],
    }
    response = post_dimension(client, own.id, data=dimension_form(demo, own.id, "GOV"), files=files)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert [row.original_name for row in evidence_rows(demo, own.id)] == [
        "bukti-0.pdf",
        "bukti-1.pdf",
        "bukti-2.pdf",
    ]
    for name in ("lain-0.pdf", "lain-1.pdf"):
        assert f"{name} was not attached: at most 3 files can be sent at once" in page
    assert len(files_on_disk(evidence_dir)) == 3


def in_english(app):
    """A request context whose messages are in English."""
    from flask import session

    context = app.test_request_context()
    context.push()
    session["language"] = "en"
    return context


def test_an_indicator_holds_at_most_the_configured_number_of_files(demo):
    from smartcity.services import evidence as evidence_service

    demo.config["EVIDENCE_MAX_FILES_PER_INDICATOR"] = 2
    own = assessment_of(demo, "DISKOMINFO")
    attach_sample(demo, own.id, name="satu.pdf", data=pdf_bytes("1"))
    attach_sample(demo, own.id, name="dua.pdf", data=pdf_bytes("2"))
    context = in_english(demo)
    try:
        with pytest.raises(evidence_service.EvidenceRefused) as refused:
            attach_sample(demo, own.id, name="tiga.pdf", data=pdf_bytes("3"))
    finally:
        context.pop()
    assert refused.value.status == 409
    assert "tiga.pdf was not attached: GOV-01 already has 2 files" in str(refused.value)
    # another indicator still takes files
    attach_sample(demo, own.id, indicator="GOV-02", name="tiga.pdf", data=pdf_bytes("3"))


@pytest.mark.parametrize(
    ("variable", "default"),
    [("EVIDENCE_MAX_FILES_PER_INDICATOR", 20), ("EVIDENCE_MAX_FILES_PER_REQUEST", 20)],
)
def test_the_file_limits_come_from_the_environment(monkeypatch, tmp_path, variable, default):
    from smartcity import config

    monkeypatch.delenv(variable, raising=False)
    assert config.from_environment(tmp_path)[variable] == default
    monkeypatch.setenv(variable, "7")
    assert config.from_environment(tmp_path)[variable] == 7


def test_a_name_too_long_for_display_is_shortened_only_in_messages(app):
    from smartcity.services import evidence as evidence_service

    name = "b" * 120 + ".png"
    context = in_english(app)
    try:
        with pytest.raises(evidence_service.EvidenceRefused) as refused:
            evidence_service.check_file(name, io.BytesIO(pdf_bytes()))
    finally:
        context.pop()
    # judged by its real name (.png) against its content (PDF), shown shortened
    assert "its name says PNG but its content is PDF" in str(refused.value)
    assert name not in str(refused.value) and "\u2026" in str(refused.value)
