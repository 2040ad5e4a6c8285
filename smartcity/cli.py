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
from .models import InstrumentVersion, Period, PeriodStatus, Role, User
from .services import accounts, audit
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


def open_period(
    year: int, version: InstrumentVersion, by: User | None = None
) -> tuple[Period, int]:
    """Open (or reopen) period YEAR with the instrument version; returns it and new assessments.

    Raises click.ClickException when the year exists with another instrument version.
    The audit trail records the opening; `by` None is the command line ("system").
    """
    period = db.session.scalar(select(Period).filter_by(year=year))
    if period is None:
        period = Period(year=year, instrument_version=version, status=PeriodStatus.OPEN)
        db.session.add(period)
        db.session.flush()
        audit.record(
            "period.opened",
            "period",
            year,
            user=by,
            period_id=period.id,
            new={
                "year": year,
                "status": str(PeriodStatus.OPEN),
                "instrument": f"{version.code} {version.version}",
            },
        )
    elif period.instrument_version_id != version.id:
        raise click.ClickException(
            f"period {year} already exists with instrument "
            f"{period.instrument_version.code} {period.instrument_version.version}"
        )
    else:
        set_period_status(period, PeriodStatus.OPEN, by)
    created = open_assessments_for_all(period)
    return period, created


def set_period_status(period: Period, status: PeriodStatus, by: User | None = None) -> bool:
    """Open or close an existing period, recorded in the audit trail; False when unchanged."""
    if period.status == status:
        return False
    before = period.status
    period.status = status
    db.session.flush()
    audit.record(
        "period.opened" if status == PeriodStatus.OPEN else "period.closed",
        "period",
        period.year,
        user=by,
        period_id=period.id,
        old={"status": str(before)},
        new={"status": str(status)},
    )
    return True


@period_cli.command("open")
@click.argument("year", type=int)
@click.option("--instrument", "instrument_file", required=True, type=click.Path(dir_okay=False))
def open_period_command(year: int, instrument_file: str) -> None:
    """Open the assessment period YEAR with the instrument in FILE."""
    source = _read(instrument_file)
    try:
        version = register_instrument(source, instrument_file)
        _, created = open_period(year, version)
    except (InstrumentError, InstrumentConflict) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    except click.ClickException:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(
        f"period {year} open with {version.code} {version.version}; "
        f"{created} new agency assessment(s)"
    )


@period_cli.command("close")
@click.argument("year", type=int)
def close_period_command(year: int) -> None:
    """Close the assessment period YEAR: agencies can no longer change or submit."""
    period = db.session.scalar(select(Period).filter_by(year=year))
    if period is None:
        raise click.ClickException(f"period {year} does not exist")
    changed = set_period_status(period, PeriodStatus.CLOSED)
    db.session.commit()
    click.echo(f"period {year} closed" if changed else f"period {year} was already closed")


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


@click.command("verify-pdf")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
def verify_pdf(file: str) -> None:
    """Check a PDF issued here; exit 0 only for a registered, unchanged, current document."""
    from .services.documents import verify_bytes

    result = verify_bytes(Path(file).read_bytes())
    click.echo(f"{file}: {result.outcome}")
    if result.document is not None:
        doc = result.document
        click.echo(f"  {doc.kind} {doc.code} version {doc.version}, issued {doc.issued_at}")
        click.echo(f"  {doc.agency}, {doc.year}: index {doc.index}, level {doc.level}")
        click.echo(f"  signed by {doc.signed_by}" + (" (SIMULASI)" if doc.simulated else ""))
        if doc.revoked_reason:
            click.echo(f"  revoked: {doc.revoked_reason}")
    if result.signature is not None and result.signature.problem:
        click.echo(f"  signature: {result.signature.problem}")
    sys.exit(0 if result.ok else 1)


@click.command("print")
@with_appcontext
@click.option("--period", "year", required=True, type=int, help="The period's year.")
@click.option("--agency", "agency_code", default=None, help="Only this agency (its code).")
@click.option(
    "--what",
    type=click.Choice(["report", "certificate", "all"]),
    default="all",
    show_default=True,
    help="Which documents.",
)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder.")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--by", "by", default=None, help="Issuing user (default: the first admin).")
def print_command(
    year: int, agency_code: str | None, what: str, out_dir: str, processes: int, by: str | None
) -> None:
    """Issue the signed documents of every final assessment of a period into a folder."""
    from .services.batch import MANIFEST, BatchError, print_batch

    bars: list = []

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(click.progressbar(length=max(total, 1), label="printing"))
            bars[0].__enter__()
        bars[0].update(done - bars[0].pos)

    try:
        entries = print_batch(
            year,
            Path(out_dir),
            agency_code=agency_code,
            what=what,
            processes=processes,
            progress=progress,
            by=by,
        )
    except BatchError as error:
        raise click.ClickException(str(error)) from error
    finally:
        if bars:
            bars[0].__exit__(None, None, None)
    click.echo(f"{len(entries)} document(s) in {out_dir}; manifest {Path(out_dir) / MANIFEST}")


def register(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(instrument_cli)
    app.cli.add_command(period_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(verify_pdf)
    app.cli.add_command(print_command)
