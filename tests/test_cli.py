"""Operator commands: seed-demo, user create, instrument validate, period open."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from smartcity.domain.loader import load_instrument_file
from smartcity.domain.workbook import write_workbook
from smartcity.extensions import db
from smartcity.models import (
    Agency,
    Answer,
    Assessment,
    AuditEvent,
    EvaluatorAssignment,
    Evidence,
    Period,
    Review,
    Transition,
    User,
)
from smartcity.services.instruments import DEMO_INSTRUMENT


@pytest.mark.commits
def test_seed_demo_prints_logins_and_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    logins = dict(
        re.findall(
            r"^\s+([\w-]+)\s+(\S{10,})\s+(?:admin|evaluator|agency|viewer)$", first.output, re.M
        )
    )
    for username in (
        "diskominfo",
        "bapperida",
        "dinkes",
        "disdik",
        "dlh",
        "dpupr",
        "kepala-diskominfo",  # every agency's head (issue 16)
        "kepala-bpbd",
        "evaluator",
        "admin",
        "pimpinan",
    ):
        assert username in logins
    assert len(set(logins.values())) == len(logins)  # random, one each
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already exists" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Agency)) >= 10
        assert db.session.scalar(select(func.count()).select_from(User)) == len(logins)
        period = db.session.scalar(select(Period).filter_by(year=2026))
        assert period.is_open
        count = select(func.count()).select_from(Assessment).filter_by(period_id=period.id)
        assert db.session.scalar(count) == 12
        agency = db.session.scalar(select(Agency).filter_by(code="DISKOMINFO"))
        assert len(agency.head_nip) == 18 and agency.head_nip.isdigit()
        user = db.session.scalar(select(User).filter_by(username="admin"))
        assert user.check_password(logins["admin"])


@pytest.mark.commits
def test_seed_demo_with_a_fixed_password(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "sandi-demo-2026"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(User).filter_by(username="dlh")).check_password(
            "sandi-demo-2026"
        )
    too_short = runner.invoke(args=["seed-demo", "--password", "pendek"])
    assert too_short.exit_code != 0


def test_user_create_reads_the_password_from_stdin(demo, runner):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "operator2",
            "--role",
            "agency",
            "--agency",
            "dlh",
            "--full-name",
            "Operator Dua",
            "--password-stdin",
        ],
        input="rahasia-sekali-2026\n",
    )
    assert result.exit_code == 0, result.output
    with demo.app_context():
        user = db.session.scalar(select(User).filter_by(username="operator2"))
        assert user.agency.code == "DLH" and user.full_name == "Operator Dua"
        assert user.check_password("rahasia-sekali-2026")


def test_user_create_refuses_bad_requests(demo, runner):
    cases = [
        (["operator3", "--role", "agency", "--password-stdin"], "rahasia-sekali-2026"),  # no agency
        (
            ["operator3", "--role", "agency", "--agency", "NOPE", "--password-stdin"],
            "rahasia-sekali-2026",
        ),
        (["operator3", "--role", "evaluator", "--password-stdin"], "pendek"),
        (["operator3", "--role", "evaluator", "--password-stdin"], "operator3"),
        (["admin", "--role", "admin", "--password-stdin"], "rahasia-sekali-2026"),  # exists
        (["operator3", "--role", "king", "--password-stdin"], "rahasia-sekali-2026"),
    ]
    for args, password in cases:
        result = demo.test_cli_runner().invoke(
            args=["user", "create", *args], input=password + "\n"
        )
        assert result.exit_code != 0, args
    with demo.app_context():
        assert db.session.scalar(select(User).filter_by(username="operator3")) is None


def test_instrument_validate(runner, tmp_path: Path):
    ok = runner.invoke(args=["instrument", "validate", str(DEMO_INSTRUMENT)])
    assert ok.exit_code == 0 and "valid" in ok.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        DEMO_INSTRUMENT.read_text(encoding="utf-8")
        .replace("weight: 2.5", "weight: -1", 1)
        .replace("code: INF\n", "code: GOV\n", 1),
        encoding="utf-8",
    )
    bad = runner.invoke(args=["instrument", "validate", str(broken)])
    assert bad.exit_code == 1
    assert "weight" in bad.output and "duplicate" in bad.output
    assert f"{broken}:" in bad.output


def test_instrument_validate_accepts_the_national_example_as_yaml_and_workbook(
    runner, tmp_path: Path
):
    example = DEMO_INSTRUMENT.parent / "contoh-evaluasi-nasional.yaml"
    ok = runner.invoke(args=["instrument", "validate", str(example)])
    assert ok.exit_code == 0 and "valid" in ok.output, ok.output
    book = tmp_path / "contoh.xlsx"
    book.write_bytes(write_workbook(load_instrument_file(example)))
    ok = runner.invoke(args=["instrument", "validate", str(book)])
    assert ok.exit_code == 0 and "valid" in ok.output, ok.output


def test_period_open(app, runner):
    runner.invoke(args=["seed-demo", "--password", "sandi-demo-2026"])
    result = runner.invoke(args=["period", "open", "2027", "--instrument", str(DEMO_INSTRUMENT)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2027))
        assert period.is_open and period.instrument_version.code == "kotim-smart-city"
        count = select(func.count()).select_from(Assessment).filter_by(period_id=period.id)
        assert db.session.scalar(count) == 12
        # the same instrument text is stored once, whatever the number of periods
        assert period.instrument_version_id == db.session.scalar(
            select(Period.instrument_version_id).filter_by(year=2026)
        )


@pytest.mark.commits
def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        assert compare_metadata(context, db.metadata) == []


def _table_counts(app) -> dict[str, int]:
    models = (
        Agency,
        Answer,
        Assessment,
        AuditEvent,
        EvaluatorAssignment,
        Evidence,
        Period,
        Review,
        Transition,
        User,
    )
    with app.app_context():
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


@pytest.mark.commits
def test_seed_demo_adds_a_finished_2025_period(app, runner):
    from smartcity.domain import filetypes
    from smartcity.services.assessments import answers_by_code, dimension_codes, questionnaire
    from smartcity.services.review import reviews_by_code
    from smartcity.storage import evidence_storage

    first = runner.invoke(args=["seed-demo", "--password", "sandi-demo-2026"])
    assert first.exit_code == 0, first.output
    assert "period 2025 (closed), 12 final" in first.output
    with app.app_context():
        period = db.session.scalar(select(Period).filter_by(year=2025))
        assert not period.is_open
        # its own 2025 version of the questionnaire the 2026 period uses (issue 15 item 20)
        later = db.session.scalar(select(Period).filter_by(year=2026)).instrument_version
        assert period.instrument_version.code == later.code
        assert (period.instrument_version.version, later.version) == ("2025.1", "2026.1")
        assessments = list(db.session.scalars(select(Assessment).filter_by(period_id=period.id)))
        assert len(assessments) == 12 and {a.status for a in assessments} == {"final"}
        differing = 0
        for assessment in assessments:
            instrument = questionnaire(assessment)
            answers = answers_by_code(assessment)
            wanted = {
                i.code
                for c in dimension_codes(assessment, instrument)
                for i in instrument.dimension(c).indicators
            }
            assert set(answers) == wanted  # every indicator of its dimensions and remit
            assert all(a.level is not None and len(a.justification) > 40 for a in answers.values())
            evidence = {
                e.indicator_code
                for e in db.session.scalars(select(Evidence).filter_by(assessment_id=assessment.id))
            }
            for code, answer in answers.items():
                if instrument.indicator(code).needs_evidence(answer.level):
                    assert code in evidence, (assessment.agency.code, code)
            for code, review in reviews_by_code(assessment).items():
                if review.verified_level != answers[code].level:
                    differing += 1
                    assert review.note.strip() and review.updated_by.username == "evaluator"
            steps = [
                (t.action, t.user.username)
                for t in db.session.scalars(
                    select(Transition)
                    .filter_by(assessment_id=assessment.id)
                    .order_by(Transition.id)
                )
            ]
            # sent by its operator, approved by its head; finalized by the team's chair (the
            # vice-chair for the chair's own agency)
            operator, head = (
                assessment.agency.code.lower(),
                f"kepala-{assessment.agency.code.lower()}",
            )
            assert steps[:2] == [("submit", operator), ("approve", head)]
            chair = (
                "kepala-diskominfo" if assessment.agency.code == "BAPPERIDA" else "kepala-bapperida"
            )
            assert steps[-2:] == [("verify", "evaluator"), ("finalize", chair)]
        assert differing >= 12
        # one agency was returned once and resubmitted
        dishub = next(a for a in assessments if a.agency.code == "DISHUB")
        assert dishub.round == 2
        # the evidence bytes are stored and are a real PDF
        row = db.session.scalar(select(Evidence))
        with evidence_storage().open(row.sha256) as stored:
            assert filetypes.detect(stored) == filetypes.PDF
        # the open 2026 period is untouched
        current = db.session.scalar(select(Period).filter_by(year=2026))
        assert current.is_open
        assert {
            a.status for a in db.session.scalars(select(Assessment).filter_by(period_id=current.id))
        } == {"draft"}
    before = _table_counts(app)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "2025 (closed, already exists)" in second.output
    assert _table_counts(app) == before


def test_an_operator_command_prints_no_third_party_warning(tmp_path: Path):
    """`flask --app app ...` as an operator runs it (Python's default warning filters): the
    output is the command's own, without a library's deprecation warning on stderr."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONWARNINGS", "PYTEST"))}
    env["SMARTCITY_INSTANCE"] = str(tmp_path)
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "instrument", "validate"]
        + [str(DEMO_INSTRUMENT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout
    assert result.stderr == ""
