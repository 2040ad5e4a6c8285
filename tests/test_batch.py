"""Batch printing: every final assessment's documents, a manifest that matches, workers."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import threading

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import IssuedDocument
from smartcity.services import batch, documents
from smartcity.services.batch import MANIFEST, BatchError, print_batch, read_manifest


def test_print_command_writes_files_that_match_manifest_and_registry(
    demo_history, runner, tmp_path
):
    out = tmp_path / "out"
    result = runner.invoke(
        args=["print", "--period", "2025", "--what", "certificate", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = read_manifest(out / MANIFEST)
    files = sorted(p.name for p in out.glob("*.pdf"))
    assert files == sorted(r["file"] for r in rows) and files
    assert "2025-DISKOMINFO-certificate.pdf" in files and len(files) > 2
    with demo_history.app_context():
        registered = {d.code: d.sha256 for d in db.session.scalars(select(IssuedDocument))}
        for row in rows:
            data = (out / row["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"] == registered[row["code"]]
        assert len(registered) == len(rows)
        # one verifies fully (signature, registry); the rest by code
        assert documents.verify_bytes((out / rows[0]["file"]).read_bytes()).ok
        assert all(documents.verify_code(r["code"]).ok for r in rows)
    # unchanged data: printing again reuses every document
    again = runner.invoke(
        args=["print", "--period", "2025", "--what", "certificate", "--out", str(tmp_path / "a")]
    )
    assert again.exit_code == 0, again.output
    assert read_manifest(tmp_path / "a" / MANIFEST) == rows


# fork: the default from a single-threaded process on Linux (children of a warmed-up parent);
# spawn: what a web process printing in a background thread uses
@pytest.mark.commits
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_two_worker_processes_issue_the_same_set_as_one(demo_history, tmp_path, start_method):
    with demo_history.app_context():
        seen: list[tuple[int, int]] = []
        single = print_batch(2025, tmp_path / "one", agency_code="DISKOMINFO", what="report")
        # DLH's result earns a certificate (predicate Baik or better); "all" adds the Berita Acara
        many = print_batch(
            2025,
            tmp_path / "two",
            agency_code="DLH",
            what="all",
            processes=2,
            progress=lambda done, total: seen.append((done, total)),
            start_method=start_method,
        )
        assert [e.file for e in single] == ["2025-DISKOMINFO-report.pdf"]
        assert [e.file for e in many] == [
            "2025-DLH-certificate.pdf",
            "2025-DLH-minutes.pdf",
            "2025-DLH-report.pdf",
        ]
        assert seen[-1] == (3, 3)
        # the workers' rows are in the registry, and the parent reuses them: same set
        rows = {d.code: d for d in db.session.scalars(select(IssuedDocument))}
        assert len(rows) == 4
        for entry in many:
            data = (tmp_path / "two" / entry.file).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry.sha256 == rows[entry.code].sha256
            assert documents.verify_bytes(data).ok
        repeat = print_batch(2025, tmp_path / "three", agency_code="DLH", what="all")
        assert [(e.file, e.code, e.sha256) for e in repeat] == [
            (e.file, e.code, e.sha256) for e in many
        ]


@pytest.mark.commits
def test_workers_are_forked_only_from_a_single_threaded_process(demo_history, tmp_path):
    # a fresh interpreter has one thread: fork (on Linux, where the tests run)
    alone = subprocess.run(
        [
            sys.executable,
            "-c",
            "from smartcity.services import batch; print(batch._start_method())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert alone.stdout.strip() == "fork"
    seen: list[str] = []
    worker = threading.Thread(target=lambda: seen.append(batch._start_method()))
    worker.start()
    worker.join()
    assert seen == ["spawn"]  # not the main thread: a web process printing in the background
    busy = threading.Event()
    other = threading.Thread(target=busy.wait)
    other.start()
    try:
        assert batch._start_method() == "spawn"  # a fork would copy whatever locks it holds
    finally:
        busy.set()
        other.join()
    with demo_history.app_context(), pytest.raises(BatchError, match="start method"):
        print_batch(2025, tmp_path, processes=2, start_method="threads")


def test_big_reports_are_handed_out_first(demo_history):
    with demo_history.app_context():
        jobs = batch._jobs(2025, None, "all")
    ordered = batch._longest_first(jobs)
    assert sorted(ordered, key=lambda j: j.file) == sorted(jobs, key=lambda j: j.file)
    reports = [j for j in ordered if j.kind == documents.REPORT]
    assert ordered[: len(reports)] == reports  # every report before any certificate or minutes
    answers = [j.answers for j in reports]
    assert answers == sorted(answers, reverse=True) and answers[0] > answers[-1] > 0


def test_print_refuses_unknown_period_agency_and_nothing_final(demo, runner, tmp_path):
    out = str(tmp_path / "out")
    unknown = runner.invoke(args=["print", "--period", "1999", "--out", out])
    assert unknown.exit_code != 0 and "period 1999 does not exist" in unknown.output
    agency = runner.invoke(args=["print", "--period", "2026", "--agency", "NOPE", "--out", out])
    assert agency.exit_code != 0 and "agency NOPE does not exist" in agency.output
    empty = runner.invoke(args=["print", "--period", "2026", "--out", out])
    assert empty.exit_code != 0 and "no final assessment" in empty.output
    nobody = runner.invoke(args=["print", "--period", "2026", "--by", "ghost", "--out", out])
    assert nobody.exit_code != 0 and "ghost" in nobody.output


# A process that handles SIGTERM itself, as an RQ worker does (a warm shutdown), forks the
# batch's workers; when the pool ends, terminate() sends them SIGTERM. In a forked child RQ's
# handler never returned (it waited on a lock held at the fork): here, a handler that sleeps.
_HANDLED_SIGTERM = """
import multiprocessing, os, signal, sys, time
os.environ["SMARTCITY_INSTANCE"] = sys.argv[1]
from smartcity.factory import create_app
from smartcity.services import batch
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "test"})
signal.signal(signal.SIGTERM, lambda *_: time.sleep(3600))
context = multiprocessing.get_context("fork")
for _ in range(5):  # a worker may be ended before it has started: tried a few times
    with batch.worker_pool(context, 2, batch._init_forked_worker, (app,)) as pool:
        total = sum(pool.map(abs, [-1, -2]))
print(total)
print("ended")
"""


def test_forked_workers_end_with_their_pool_under_a_parent_that_handles_sigterm(tmp_path):
    """`print-worker --burst` with PRINT_PROCESSES 2 printed every document and then waited
    for good: the workers kept the RQ worker's SIGTERM handler and outlived terminate()."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HANDLED_SIGTERM, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its workers too are ended below, whatever happens
    )
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the pool's workers did not end")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()  # waits, and closes the pipes
    assert process.returncode == 0, err
    assert out.split() == ["3", "ended"]
