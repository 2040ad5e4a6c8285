"""Operator commands: seed-demo, user create, instrument validate, period open."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from smartcity.extensions import db
from smartcity.models import Agency, Assessment, Period, User
from smartcity.services.instruments import DEMO_INSTRUMENT


def test_seed_demo_prints_logins_and_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    logins = dict(re.findall(r"^\s+(\w+)\s+(\S{10,})\s+(?:admin|evaluator|agency)$", first.output, re.M))
    for username in ("diskominfo", "bapperida", "dinkes", "disdik", "dlh", "dpupr", "evaluator", "admin"):
        assert username in logins
    assert len(set(logins.values())) == len(logins)  # random, one each
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already exists" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Agency)) >= 10
        assert db.session.scalar(select(func.count()).select_from(User)) == len(logins)
        period = db.session.scalar(select(Period).filter_by(year=2026))
        assert period.is_open
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == 12
        agency = db.session.scalar(select(Agency).filter_by(code="DISKOMINFO"))
        assert len(agency.head_nip) == 18 and agency.head_nip.isdigit()
        user = db.session.scalar(select(User).filter_by(username="admin"))
        assert user.check_password(logins["admin"])


def test_seed_demo_with_a_fixed_password(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "sandi-demo-2026"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(User).filter_by(username="dlh")).check_password("sandi-demo-2026")
    too_short = runner.invoke(args=["seed-demo", "--password", "pendek"])
    assert too_short.exit_code != 0


def test_user_create_reads_the_password_from_stdin(demo, runner):
    result = runner.invoke(
        args=["user", "create", "operator2", "--role", "agency", "--agency", "dlh", "--full-name", "Operator Dua", "--password-stdin"],
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
        (["operator3", "--role", "agency", "--agency", "NOPE", "--password-stdin"], "rahasia-sekali-2026"),
        (["operator3", "--role", "evaluator", "--password-stdin"], "pendek"),
        (["operator3", "--role", "evaluator", "--password-stdin"], "operator3"),
        (["admin", "--role", "admin", "--password-stdin"], "rahasia-sekali-2026"),  # exists
        (["operator3", "--role", "king", "--password-stdin"], "rahasia-sekali-2026"),
    ]
    for args, password in cases:
        result = demo.test_cli_runner().invoke(args=["user", "create", *args], input=password + "\n")
        assert result.exit_code != 0, args
    with demo.app_context():
        assert db.session.scalar(select(User).filter_by(username="operator3")) is None


def test_instrument_validate(runner, tmp_path: Path):
    ok = runner.invoke(args=["instrument", "validate", str(DEMO_INSTRUMENT)])
    assert ok.exit_code == 0 and "valid" in ok.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        DEMO_INSTRUMENT.read_text(encoding="utf-8").replace("weight: 2.5", "weight: -1", 1).replace(
            "code: INF\n", "code: GOV\n", 1
        ),
        encoding="utf-8",
    )
    bad = runner.invoke(args=["instrument", "validate", str(broken)])
    assert bad.exit_code == 1
    assert "weight" in bad.output and "duplicate" in bad.output
    assert f"{broken}:" in bad.output


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


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        assert compare_metadata(context, db.metadata) == []
