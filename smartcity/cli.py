"""Command-line interface for operators: `flask --app app ...`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .domain.loader import InstrumentError, validate_instrument
from .extensions import db
from .models import Period, PeriodStatus, Role
from .services import accounts
from .services.assessments import open_assessments_for_all
from .services.instruments import InstrumentConflict, register_instrument

user_cli = AppGroup("user", help="Manage user accounts.")
instrument_cli = AppGroup("instrument", help="Check and load questionnaires (instruments).")
period_cli = AppGroup("period", help="Open and close yearly assessment periods.")


@user_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", help="Agency code (required for agency users).")
@click.option("--full-name", default="", help="The person's full name.")
@click.option(
    "--password-stdin", is_flag=True, required=True, help="Read the password from standard input."
)
def create_user(
    username: str, role: str, agency_code: str | None, full_name: str, password_stdin: bool
) -> None:
    """Create a user; the password is read from standard input (never from arguments)."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = accounts.create_user(
            username, role, password, agency_code=agency_code, full_name=full_name
        )
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created user {user.username} ({user.role})")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"cannot read {path}: {error}") from error


@instrument_cli.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check an instrument file; print every problem and exit 1 if there is any."""
    problems = validate_instrument(_read(file), file)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo(f"{file}: valid")


@period_cli.command("open")
@click.argument("year", type=int)
@click.option("--instrument", "instrument_file", required=True, type=click.Path(dir_okay=False))
def open_period(year: int, instrument_file: str) -> None:
    """Open the assessment period YEAR with the instrument in FILE."""
    source = _read(instrument_file)
    try:
        version = register_instrument(source, instrument_file)
    except InstrumentError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    except InstrumentConflict as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    period = db.session.scalar(select(Period).filter_by(year=year))
    if period is None:
        period = Period(year=year, instrument_version=version, status=PeriodStatus.OPEN)
        db.session.add(period)
    elif period.instrument_version_id != version.id:
        raise click.ClickException(
            f"period {year} already exists with instrument "
            f"{period.instrument_version.code} {period.instrument_version.version}"
        )
    else:
        period.status = PeriodStatus.OPEN
    db.session.flush()
    created = open_assessments_for_all(period)
    db.session.commit()
    click.echo(
        f"period {year} open with {version.code} {version.version}; "
        f"{created} new agency assessment(s)"
    )


@click.command("seed-demo")
@with_appcontext
@click.option("--password", default=None, help="One password for every demo user (else random).")
def seed_demo(password: str | None) -> None:
    """Load the demo region (Kabupaten Kotawaringin Timur); safe to run again."""
    from .seed import seed_demo_region

    if password is not None:
        problem = accounts.password_problem("", password)
        if problem:
            raise click.ClickException(problem)
    report = seed_demo_region(password)
    for line in report:
        click.echo(line)


def register(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(instrument_cli)
    app.cli.add_command(period_cli)
    app.cli.add_command(seed_demo)
