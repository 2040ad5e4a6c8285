"""Command-line interface for operators: `flask --app app ...`."""

from __future__ import annotations

import functools
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .domain.loader import InstrumentError
from .domain.scoring import display_index
from .extensions import db
from .models import NATIONAL_ROLES, Period, PeriodStatus, RegionKind, Role, User
from .region_context import working_in
from .services import accounts, periods, regions
from .services.instruments import InstrumentConflict, register_instrument

user_cli = AppGroup("user", help="Manage user accounts.")
instrument_cli = AppGroup("instrument", help="Check and load questionnaires (instruments).")
period_cli = AppGroup("period", help="Open and close yearly assessment periods.")
region_cli = AppGroup("region", help="The regions (kabupaten, kota, provinsi) served here.")
national_period_cli = AppGroup(
    "national-period", help="The ministry's yearly evaluation of regions (national periods)."
)


def in_region(command=None, *, national=None):
    """Add `--region CODE` to a command and run it in that region: every query it makes stays
    inside the region (tenancy.py). Optional while the deployment has one region.

    `national(kwargs)` true: this call concerns no region (a ministry account) and runs in
    none, whatever `--region` says."""
    if command is None:
        return functools.partial(in_region, national=national)

    @click.option(
        "--region",
        "region_code",
        default=None,
        metavar="CODE",
        help="The region's code (kode wilayah, e.g. 62.02); required when there are several.",
    )
    @functools.wraps(command)
    def wrapper(*args, region_code: str | None = None, **kwargs):
        from . import tenancy

        if national is not None and national(kwargs):
            with working_in(None):
                return command(*args, **kwargs)
        try:
            region = tenancy.region_for_command(region_code)
        except tenancy.RegionChoiceError as error:
            raise click.ClickException(str(error)) from error
        with working_in(region.id if region is not None else None):
            return command(*args, **kwargs)

    return wrapper


@region_cli.command("create")
@click.argument("code")
@click.option("--name", required=True, help='The name, e.g. "Kabupaten Kotawaringin Timur".')
@click.option("--kind", required=True, type=click.Choice([k.value for k in RegionKind]))
@click.option("--province", "province_code", default=None, help="The province's code (e.g. 62).")
@click.option("--seat", default="", help='The seat printed before dates, e.g. "Sampit".')
def create_region_command(
    code: str, name: str, kind: str, province_code: str | None, seat: str
) -> None:
    """Create the region CODE (Kemendagri's kode wilayah: 62 a province, 62.02 a kabupaten)."""
    try:
        region = regions.create_region(
            code, name=name, kind=kind, province_code=province_code, seat=seat
        )
    except regions.RegionError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created region {region.code} {region.name} ({region.kind})")


@region_cli.command("update")
@click.argument("code")
@click.option("--code", "new_code", default=None, help="A corrected code.")
@click.option("--name", default=None)
@click.option("--kind", default=None, type=click.Choice([k.value for k in RegionKind]))
@click.option("--province", "province_code", default=None, help="The province's code.")
@click.option("--seat", default=None)
def update_region_command(
    code: str,
    new_code: str | None,
    name: str | None,
    kind: str | None,
    province_code: str | None,
    seat: str | None,
) -> None:
    """Correct the region CODE (an installation upgraded from one region got code 00.NN)."""
    region = regions.find(code)
    if region is None:
        raise click.ClickException(f"unknown region {code!r} (see `flask region list`)")
    try:
        changed = regions.update_region(
            region,
            code=new_code,
            name=name,
            kind=kind,
            province_code=province_code,
            seat=seat,
        )
    except regions.RegionError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"region {region.code} " + ("updated" if changed else "unchanged"))


@region_cli.command("list")
def list_regions_command() -> None:
    """List the regions: code, kind, province, agencies, users, name."""
    rows = regions.all_regions()
    if not rows:
        click.echo("no region yet: flask --app app region create CODE --name NAME --kind KIND")
        return
    click.echo(f"{'CODE':<8} {'KIND':<10} {'PROV':<5} {'AGENCIES':>8} {'USERS':>6}  NAME")
    for row in rows:
        click.echo(
            f"{row.code:<8} {row.kind:<10} {row.province_code or '-':<5} {row.agencies:>8} "
            f"{row.users:>6}  {row.name}"
        )


@user_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", help="Agency code (required for agency users).")
@click.option("--full-name", default="", help="The person's full name.")
@click.option(
    "--password-stdin", is_flag=True, required=True, help="Read the password from standard input."
)
@in_region(national=lambda kwargs: kwargs["role"] in {r.value for r in NATIONAL_ROLES})
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


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error}") from error


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"cannot read {path}: {error}") from error


@instrument_cli.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check a YAML or XLSX instrument FILE (recognised by content), as `instrument import`
    would; print every problem and exit 1 if there is any."""
    from .services import instruments

    problems = instruments.problems_in(_read_bytes(file), file)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo(f"{file}: valid")


@period_cli.command("open")
@click.argument("year", type=int)
@click.option("--instrument", "instrument_file", required=True, type=click.Path(dir_okay=False))
@in_region
def open_period_command(year: int, instrument_file: str) -> None:
    """Open the assessment period YEAR with the instrument in FILE."""
    source = _read(instrument_file)
    try:
        version = register_instrument(source, instrument_file)
        _, created = periods.open_period(year, version)
    except (InstrumentError, InstrumentConflict, periods.PeriodRefused) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"period {year} open with {version.code} {version.version}; "
        f"{created} new agency assessment(s)"
    )


@period_cli.command("close")
@click.argument("year", type=int)
@in_region
def close_period_command(year: int) -> None:
    """Close the assessment period YEAR: agencies can no longer change or submit."""
    period = db.session.scalar(select(Period).filter_by(year=year))
    if period is None:
        raise click.ClickException(f"period {year} does not exist")
    changed = periods.set_status(period, PeriodStatus.CLOSED)
    db.session.commit()
    click.echo(f"period {year} closed" if changed else f"period {year} was already closed")


@instrument_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
def import_instrument(file: str) -> None:
    """Validate and publish an instrument from a YAML or XLSX FILE (recognised by content).

    All or nothing: an invalid file, or a version that exists with other content, stores nothing.
    """
    from .services import instruments

    data = _read_bytes(file)
    limit = instruments.max_upload_bytes()
    if len(data) > limit:
        raise click.ClickException(
            f"{file}: {len(data)} bytes; at most {limit} bytes (INSTRUMENT_MAX_BYTES)"
        )
    try:
        version, created = instruments.import_file(data, file)
    except InstrumentError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(error.problems)} problem(s) found; nothing imported"
        ) from error
    except InstrumentConflict as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    if created:
        click.echo(f"published {version.code} {version.version} (sha256 {version.sha256[:12]})")
    else:
        click.echo(f"{version.code} {version.version} was already published with this content")


@instrument_cli.command("export")
@click.argument("code")
@click.option(
    "--version", "version_name", default=None, help="The published version (default: the latest)."
)
@click.option("--format", "file_format", type=click.Choice(["yaml", "xlsx"]), default="yaml")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="File to write.")
def export_instrument(code: str, version_name: str | None, file_format: str, out: str) -> None:
    """Write a published version of instrument CODE (default: the latest) to a YAML or XLSX
    file."""
    from .services import instruments

    version = instruments.find_version(code, version_name)
    if version is None:
        which = f"version {version_name} " if version_name else ""
        raise click.ClickException(f"instrument {code} {which}is not published")
    try:
        data = instruments.export(version, file_format)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    try:
        Path(out).write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error}") from error
    click.echo(f"{version.code} {version.version} written to {out} ({len(data)} bytes)")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.ClickException(
            f"{option} must be a date such as 2026-03-31, not {value!r}"
        ) from error


@period_cli.command("create")
@click.argument("year", type=int)
@click.option("--instrument", "code", required=True, help="The instrument code (published).")
@click.option("--version", "version_name", default=None, help="Its version (default: the latest).")
@click.option("--opens", default=None, help="First day agencies fill in (YYYY-MM-DD).")
@click.option("--closes", default=None, help="Last day agencies fill in (YYYY-MM-DD, inclusive).")
@in_region
def create_period_command(
    year: int, code: str, version_name: str | None, opens: str | None, closes: str | None
) -> None:
    """Create and open period YEAR with a published instrument version."""
    from .services import instruments, periods

    opens_on, closes_on = _day(opens, "--opens"), _day(closes, "--closes")
    version = instruments.find_version(code, version_name)
    if version is None:
        which = f"version {version_name} " if version_name else ""
        raise click.ClickException(
            f"instrument {code} {which}is not published (flask instrument import FILE)"
        )
    try:
        period, created = periods.create_period(year, version, opens_on, closes_on)
    except periods.PeriodRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"period {period.year} open with {version.code} {version.version}; "
        f"{created} new agency assessment(s)"
    )


def _national_period(year: int):
    from .services import national_evaluation

    period = national_evaluation.national_period(year)
    if period is None:
        raise click.ClickException(
            f"national period {year} does not exist (flask national-period create YEAR)"
        )
    return period


@national_period_cli.command("create")
@click.argument("year", type=int)
@click.option("--instrument", "code", required=True, help="The instrument code (published).")
@click.option("--version", "version_name", default=None, help="Its version (default: the latest).")
def create_national_period_command(year: int, code: str, version_name: str | None) -> None:
    """Open the national period YEAR with a published instrument version that has the
    evaluation dimensions (Baseline, Output, Outcome, Impact, Quick Win)."""
    from .services import instruments, national_evaluation

    with working_in(None), current_app.test_request_context():
        version = instruments.find_version(code, version_name)
        if version is None:
            which = f"version {version_name} " if version_name else ""
            raise click.ClickException(
                f"instrument {code} {which}is not published (flask instrument import FILE)"
            )
        try:
            period = national_evaluation.open_national_period(year, version, None)
        except national_evaluation.EvaluationRefused as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        click.echo(f"national period {period.year} open with {version.code} {version.version}")


@national_period_cli.command("list")
def list_national_periods_command() -> None:
    """List the national periods: year, status, submissions by status, instrument."""
    from .services import national_evaluation

    with working_in(None):
        found = national_evaluation.national_periods()
        if not found:
            click.echo(
                "no national period yet: flask national-period create YEAR --instrument CODE"
            )
            return
        click.echo(f"{'YEAR':<6} {'STATUS':<8} {'REGIONS':>7}  {'SUBMISSIONS':<40} INSTRUMENT")
        for period in found:
            rows = national_evaluation.submissions(period)
            counts: dict[str, int] = {}
            for row in rows:
                counts[row.status] = counts.get(row.status, 0) + 1
            states = ", ".join(f"{status} {n}" for status, n in sorted(counts.items())) or "-"
            version = period.instrument_version
            click.echo(
                f"{period.year:<6} {period.status:<8} {len(rows):>7}  {states:<40} "
                f"{version.code} {version.version}"
            )


@national_period_cli.command("finalize")
@click.argument("year", type=int)
def finalize_national_period_command(year: int) -> None:
    """Finalize the national period YEAR: the verified regions' results are stored and ranked
    (then `flask national-period awards YEAR`)."""
    from .services import national_evaluation

    with working_in(None), current_app.test_request_context():
        period = _national_period(year)
        try:
            final = national_evaluation.finalize(period, None)
        except national_evaluation.EvaluationRefused as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        click.echo(f"national period {year} final: {len(final)} region(s) ranked")
        for line in national_evaluation.ranking(period):
            index = display_index(line.index) if line.index is not None else "-"
            click.echo(f"  {line.rank:>3}. {line.code:<8} {index:>5}  {line.name}")


@national_period_cli.command("awards")
@click.argument("year", type=int)
def national_awards_command(year: int) -> None:
    """Issue the certificates of award (Piagam Penghargaan) of the final national period
    YEAR: one for every region at the minimum level (CERTIFICATE_MIN_LEVEL) or above; an award
    already issued with the same results is kept."""
    from .services import documents, national_evaluation

    with working_in(None), current_app.test_request_context():
        period = _national_period(year)
        try:
            issued = documents.issue_awards(period, None)
        except documents.DocumentRefused as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        awarded = {document.subject for document in issued}
        for document in issued:
            click.echo(f"{document.code}  {document.number}  {documents.download_name(document)}")
        for submission in national_evaluation.submissions(period):
            if f"region-submission:{submission.id}" in awarded:
                continue
            refusal = documents.award_refusal(submission)
            if refusal:
                click.echo(f"no award for {submission.region.code}: {refusal}")
        click.echo(f"{len(issued)} award(s) of national period {year}")


@click.command("seed-demo")
@with_appcontext
@click.option("--password", default=None, help="One password for every demo user (else random).")
@click.option(
    "--national",
    is_flag=True,
    help="Also the ministry's users and more regions of Kalimantan Tengah (synthetic results).",
)
def seed_demo(password: str | None, national: bool) -> None:
    """Load the demo region (Kabupaten Kotawaringin Timur); safe to run again."""
    import secrets

    from .seed import seed_demo_region
    from .seed.national import seed_national

    if password is not None:
        problem = accounts.password_problem("", password)
        if problem:
            raise click.ClickException(problem)
    report = seed_demo_region(password)
    if national:
        seed_national(lambda: password or secrets.token_urlsafe(9), report)
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
    type=click.Choice(["report", "certificate", "minutes", "all"]),
    default="all",
    show_default=True,
    help="Which documents.",
)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder.")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--by", "by", default=None, help="Issuing user (default: the first admin).")
@in_region
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


@click.command("print-worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def print_worker(burst: bool) -> None:
    """Run the background print jobs queued on Redis (REDIS_URL); see docs/DOCUMENTS.md."""
    from .services import print_jobs

    if not print_jobs.redis_url():
        raise click.ClickException("REDIS_URL is not set: print jobs run inside the web app")
    print_jobs.run_worker(burst=burst)


@click.command("backup")
@with_appcontext
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Archive.")
def backup_command(out: str) -> None:
    """Write the database, evidence files and issued documents into one .tar.gz archive
    (readable by its owner only), authenticated with the backup key (BACKUP_KEY, else
    instance/backup-key: keep a copy of it apart from the archives)."""
    from .services.backup import BackupError, key_path, write_backup

    try:
        summary = write_backup(Path(out))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error}") from error
    click.echo(f"{out}: {sum(summary.rows.values())} rows, {summary.files} evidence file(s)")
    where = "BACKUP_KEY" if current_app.config.get("BACKUP_KEY") else str(key_path())
    click.echo(f"authenticated with backup key {summary.key_id} ({where}): keep it apart")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, exists=True),
    help="The archive's backup key (default: BACKUP_KEY, else instance/backup-key).",
)
@click.option(
    "--allow-unsigned", is_flag=True, help="Restore an archive without manifest.hmac (older ones)."
)
def restore_command(file: str, key_file: str | None, allow_unsigned: bool) -> None:
    """Restore an archive from `backup` into a new database migrated with `flask db upgrade`;
    its manifest must be authenticated by the backup key it was written with."""
    from .services.backup import BackupError, restore_backup

    key = Path(key_file).read_text(encoding="utf-8").strip().encode() if key_file else None
    try:
        summary = restore_backup(Path(file), key, allow_unsigned=allow_unsigned)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(f"cannot restore {file}: {error}") from error
    if not summary.authenticated:
        click.echo("warning: the archive was not authenticated (--allow-unsigned)", err=True)
    click.echo(f"restored {sum(summary.rows.values())} rows, {summary.files} evidence file(s)")


storage_cli = AppGroup("storage", help="Look after the evidence storage (docs/OPERATIONS.md).")


@storage_cli.command("clean")
@with_appcontext
@click.option("--delete", is_flag=True, help="Also remove the stored files no row refers to.")
def storage_clean(delete: bool) -> None:
    """Remove uploads left half-written (older than an hour); report stored evidence files no
    database row refers to, and with --delete remove them (those older than an hour)."""
    from .services.housekeeping import HousekeepingError, clean_storage

    try:
        report = clean_storage(delete=delete)
    except HousekeepingError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{report.temporary_removed} stale temporary upload file(s) removed")
    for entry in report.unreferenced:
        note = " (stored within the hour: kept)" if entry.recent and delete else ""
        click.echo(f"unreferenced: {entry.digest} {entry.size} bytes{note}")
    total = sum(entry.size for entry in report.unreferenced)
    click.echo(f"{len(report.unreferenced)} unreferenced file(s), {total} bytes")
    if delete:
        click.echo(f"{report.removed} unreferenced file(s) removed")
    elif report.unreferenced:
        click.echo("run again with --delete to remove them")


token_cli = AppGroup("token", help="Create, list and revoke API tokens (docs/API.md).")


@token_cli.command("create")
@click.argument("username")
@click.option("--name", "label", default="", help="What the token is for.")
def create_token_command(username: str, label: str) -> None:
    """Create an API token for USERNAME and print it: it is shown only this once."""
    from .services import tokens

    user = db.session.scalar(select(User).filter_by(username=username))
    if user is None:
        raise click.ClickException(f"no user {username}")
    try:
        created = tokens.create_token(user, label)
    except tokens.TokenError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"token {created.token.id} for {user.username} ({user.role}); copy it now:", err=True
    )
    click.echo(created.secret)


@token_cli.command("list")
def list_tokens_command() -> None:
    """Every token: id, prefix, user, label, state."""
    from .services import tokens

    for token in tokens.tokens_list():
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
        click.echo(
            f"{token.id}\t{token.prefix}\t{token.user.username}\t{token.name}\t{state}\t{used}"
        )


@token_cli.command("revoke")
@click.argument("reference")
def revoke_token_command(reference: str) -> None:
    """Revoke the token with this id or prefix (sc_...)."""
    from .services import tokens

    token = tokens.find_token(reference)
    if token is None:
        raise click.ClickException(f"no single token matches {reference}")
    changed = tokens.revoke_token(token)
    db.session.commit()
    click.echo(f"token {token.id} ({token.prefix}) " + ("revoked" if changed else "was revoked"))


@click.command("export")
@with_appcontext
@click.option("--period", "year", required=True, type=int, help="The period's year.")
@click.option("--what", type=click.Choice(["answers", "results"]), required=True)
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--dialect",
    type=click.Choice(["excel-id"]),
    default=None,
    help="CSV only: semicolons and a decimal comma, for Excel in an Indonesian locale.",
)
@click.option(
    "--language", type=click.Choice(["id", "en"]), default="id", help="XLSX headers and names."
)
@in_region
def export_command(
    year: int, what: str, file_format: str, out_file: str, dialect: str | None, language: str
) -> None:
    """Write a period's answers or results as CSV or XLSX (columns: docs/EXPORTS.md)."""
    from .services import exports

    period = exports.find_period(year)
    if period is None:
        raise click.ClickException(f"period {year} does not exist")
    if dialect and file_format != "csv":
        raise click.ClickException("--dialect is for --format csv")
    # the operator reads the whole region with its review, like an administrator
    exported = exports.export(
        period, exports.EVERYTHING, what, file_format, language=language, dialect=dialect or ""
    )
    Path(out_file).write_bytes(exported.content)
    click.echo(f"{what} {year} written to {out_file} ({len(exported.content)} bytes)")


# --- agencies and passwords (docs/ADMINISTRATION.md) -------------------------------------

agency_cli = AppGroup("agency", help="Manage agencies (perangkat daerah).")


@agency_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--dry-run", is_flag=True, help="Check and report; change nothing.")
@in_region
def import_agencies_command(file: str, dry_run: bool) -> None:
    """Create or update agencies from a CSV or XLSX file, all or nothing.

    The header row: code,name,head_name,head_nip,head_position,tags. Every bad row is
    reported with its row number and column, and then nothing is imported (exit 1).
    """
    from .services.agencies import AgencyError, import_agencies

    try:
        result = import_agencies(Path(file), dry_run=dry_run)
    except AgencyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    if result.problems:
        db.session.rollback()
        for problem in result.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(result.problems)} problem(s) found; nothing imported", err=True)
        sys.exit(1)
    counts = (
        f"{len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged"
    )
    if dry_run:
        click.echo(f"dry run: the file is valid; it would give {counts}; nothing changed")
    else:
        db.session.commit()
        click.echo(f"imported {file}: {counts}")
    for label, codes in (("created", result.created), ("updated", result.updated)):
        if codes:
            click.echo(f"  {label}: {', '.join(codes)}")


@user_cli.command("reset-password")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, required=True, help="Read the password from standard input."
)
def reset_password_command(username: str, password_stdin: bool) -> None:
    """Set a temporary password (read from standard input) that must be changed at log-in."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException("no password on standard input")
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"there is no user named {username}")
    try:
        accounts.reset_password(user, password, by=None)
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"password of {user.username} reset; it must be changed at the next log-in")


def register(app: Flask) -> None:
    app.cli.add_command(token_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(export_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(user_cli)
    app.cli.add_command(agency_cli)
    app.cli.add_command(instrument_cli)
    app.cli.add_command(period_cli)
    app.cli.add_command(region_cli)
    app.cli.add_command(national_period_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(verify_pdf)
    app.cli.add_command(print_command)
    app.cli.add_command(print_worker)
