"""Benchmark of the signed documents: renders, signing and the batch, as ratios to a baseline.

Run from the repository root:

    .venv/bin/python -m bench.documents [--repeat N] [--agencies 40] [--skip-batch] [--batch-spawn]

Every figure is printed as a ratio against a bare one-page WeasyPrint document rendered in the
same run (the machines are shared and noisy; absolute times drift, ratios much less). The
measurements are interleaved round by round, so a slow spell hits all of them alike.
Nothing here asserts: this is a measuring tool, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PASSWORD = "bench-password-2026"
YEAR = 2025  # the demo's completed period: every assessment in it is final
ALL_DIMENSIONS_AGENCY = "BENCHALL"
LANGUAGE = "id"

# targets from the issue: (what, limit, comparison)
TARGET_REPORT = 3.0  # report render <= 3x the baseline page
TARGET_CERTIFICATE = 1.5  # certificate render <= 1.5x the baseline page
TARGET_SIGNING = 0.15  # signing < 15 % of the report render
TARGET_SPEEDUP = 1.7  # batch 1 -> 2 processes >= 1.7x

BASELINE_HTML = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Baseline</title>
<style>
  @page { size: A4; margin: 2cm; }
  body { font-family: "DejaVu Sans"; font-size: 10pt; }
  h1 { font-family: "DejaVu Serif"; }
</style></head>
<body>
  <h1>Laporan Hasil Penilaian</h1>
  <p>Satu halaman A4 dengan satu judul dan satu paragraf: dasar pembanding untuk setiap
  pengukuran lain dalam proses yang sama.</p>
</body></html>
"""


# --- set-up: a temporary instance, database and the demo data --------------------------------


def make_app(workdir: Path):
    """An app on a fresh, migrated SQLite database inside `workdir` (also the instance folder).

    The environment variables are set as well, so a worker process that builds its own app
    with create_app() reaches the same database and instance folder.
    """
    instance = workdir / "instance"
    instance.mkdir()
    db_path = workdir / "bench.db"
    os.environ["SMARTCITY_INSTANCE"] = str(instance)
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("SECRET_KEY", "bench-secret")

    from flask_migrate import upgrade

    from smartcity.factory import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "bench-secret",
            # scrypt costs ~0.1 s a user and the bench creates about 40; hashing is not measured
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        upgrade()
    return app, db_path


def seed(agencies_wanted: int) -> dict[str, object]:
    """The demo region, plus extra agencies up to `agencies_wanted`, all final in 2025.

    Extra agencies copy the demo agencies' dimension sets in turn; one of them
    (BENCHALL) answers all six dimensions, i.e. all 30 indicators of the demo instrument.
    They are taken to final by the same code the demo's 2025 history uses
    (seed_history: save_answers + evidence, submit, save_review/transition, finalize).
    """
    from sqlalchemy import select

    from smartcity.extensions import db
    from smartcity.models import Agency, AgencyDimension, Assessment, Period, Region, Role
    from smartcity.seed import data as demo
    from smartcity.seed import seed_demo_region, seed_history
    from smartcity.services.accounts import create_user
    from smartcity.services.instruments import instrument_of

    seed_demo_region(PASSWORD, history=False)
    region = db.session.scalar(select(Region).filter_by(name=demo.REGION_NAME))
    period_2026 = db.session.scalar(select(Period).filter_by(year=demo.DEMO_YEAR))
    version = period_2026.instrument_version
    instrument = instrument_of(version)
    all_codes = tuple(d.code for d in instrument.dimensions)

    extras = [(ALL_DIMENSIONS_AGENCY, all_codes)]
    for i in range(max(0, agencies_wanted - len(demo.DEMO_AGENCIES) - 1)):
        extras.append(
            (f"BENCH{i + 1:02d}", demo.DEMO_AGENCIES[i % len(demo.DEMO_AGENCIES)].dimensions)
        )
    for code, dimensions in extras:
        db.session.add(
            Agency(
                region=region,
                code=code,
                name=f"Perangkat Daerah Uji Kinerja {code}",
                head_name="Drs. Contoh Kepala, M.Si.",
                head_nip="197001012000011001",
                head_position=f"Kepala Perangkat Daerah Uji Kinerja {code}",
                dimension_links=[
                    AgencyDimension(dimension_code=c, position=i) for i, c in enumerate(dimensions)
                ],
            )
        )
    db.session.flush()
    from smartcity.services.approvals import OfficialInput, designate

    tags = sorted({t for i in instrument.indicators for t in i.applies_to if t != "all"})
    for code, _ in extras:
        create_user(
            code.lower(), Role.AGENCY, PASSWORD, agency_code=code, full_name=f"Operator {code}"
        )
        # the agency's head approves what its operator sends (issue 16), as in the demo
        head = create_user(
            f"kepala-{code.lower()}", Role.AGENCY, PASSWORD, agency_code=code,
            full_name="Drs. Contoh Kepala, M.Si.",
        )  # fmt: skip
        designate(
            head,
            OfficialInput(
                head=True,
                full_name="Drs. Contoh Kepala, M.Si.",
                nip="197001012000011001",
                rank="Pembina Utama Muda (IV/c)",
                position=f"Kepala Perangkat Daerah Uji Kinerja {code}",
            ),
            by=None,
        )
    # the agency that answers everything has every remit (the instrument's `applies_to` tags)
    db.session.scalar(select(Agency).filter_by(code=ALL_DIMENSIONS_AGENCY)).tags = ",".join(tags)
    db.session.commit()

    agencies = list(db.session.scalars(select(Agency).order_by(Agency.id)))
    seed_history(version, agencies)

    period = db.session.scalar(select(Period).filter_by(year=YEAR))
    finals = list(
        db.session.scalars(
            select(Assessment).filter_by(period_id=period.id).order_by(Assessment.id)
        )
    )
    final = [a for a in finals if str(a.status) == "final"]
    big = next(a for a in final if a.agency.code == ALL_DIMENSIONS_AGENCY)
    return {
        "assessment": big,
        "indicators": sum(
            len(instrument.dimension(c).indicators) for c in big.agency.dimension_codes
        ),
        "instrument_indicators": len(instrument.indicators),
        "final": len(final),
        "assessments": len(finals),
    }


# --- what is measured --------------------------------------------------------------------------


def baseline_render() -> bytes:
    from flask import current_app

    from smartcity import pdf

    return pdf.render(BASELINE_HTML, Path(current_app.static_folder))


def make_stamp(kind: str, seat: str):
    """A stamp as `issuing.issue` makes it (code, QR, date, simulated flag), without registering."""
    from smartcity.models import utcnow
    from smartcity.services.documents import issuing, signatures, stamps

    code = stamps.new_code()
    signer = issuing.signer_config(
        reason=f"smartcity {kind} {code.replace('-', '')}", location=seat
    )
    url = stamps.verify_url(code)
    return stamps.Stamp(
        code=code,
        version=1,
        verify_url=url,
        qr_data_uri=stamps.qr_data_uri(url),
        place_and_date=signatures.place_and_date(seat, signatures.local_day(utcnow()), LANGUAGE),
        simulated=signer.simulated,
    ), signer


def report_render(assessment) -> bytes:
    """What issue_report's `build` does: report_data, the chart, template and HTML->PDF."""
    from smartcity.services.documents import report
    from smartcity.services.documents.rendering import render

    data = report.report_data(assessment, LANGUAGE)
    chart = report.radar(data)
    stamp, _ = make_stamp(report.REPORT, data.seat)
    return render("pdf/report.html", data, stamp, chart=chart)


def certificate_render(assessment) -> bytes:
    from smartcity.services.documents import certificate
    from smartcity.services.documents.rendering import render

    data = certificate.certificate_data(assessment, LANGUAGE)
    stamp, _ = make_stamp(certificate.CERTIFICATE, data.seat)
    return render("pdf/certificate.html", data, stamp)


def report_data_only(assessment) -> object:
    from smartcity.services.documents import report

    data = report.report_data(assessment, LANGUAGE)
    report.radar(data)
    return data


def sign_only(pdf_bytes: bytes, seat: str) -> bytes:
    from smartcity import signing
    from smartcity.services.documents import issuing, stamps

    code = stamps.new_code().replace("-", "")
    signer = issuing.signer_config(reason=f"smartcity report {code}", location=seat)
    return signing.sign(pdf_bytes, signer)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def pdf_pages(data: bytes) -> int:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    return len(PdfFileReader(BytesIO(data), strict=False).root["/Pages"]["/Kids"])


# --- the batch ---------------------------------------------------------------------------------


def load_print_batch():
    try:
        from smartcity.services.batch import print_batch
    except ImportError as error:
        return None, str(error)
    return print_batch, ""


def restore_database(db_path: Path, snapshot: Path) -> None:
    """The database as it was right after seeding: no document issued yet."""
    from smartcity.extensions import db

    db.session.remove()
    db.engine.dispose()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    shutil.copyfile(snapshot, db_path)


def run_batch(
    app, print_batch, workdir: Path, label: str, processes: int, start_method: str | None = None
) -> tuple[float, int]:
    """One batch run in an app context (as the command line has), timed as a whole:
    worker start-up (fork or spawn), issuing, signing, registering and writing the files.
    `start_method` None is print_batch's own choice (fork from this single-threaded process
    on Linux); "spawn" is what a web process printing in a background thread gets."""
    out_dir = Path(tempfile.mkdtemp(prefix=f"batch-{label}-", dir=workdir))
    options = {"start_method": start_method} if start_method else {}
    with app.app_context():
        start = time.perf_counter()
        entries = print_batch(YEAR, out_dir, processes=processes, **options)
        elapsed = time.perf_counter() - start
    return elapsed, len(entries)


def _spin(n: int) -> float:
    """Pure Python work, timed inside the process that runs it."""
    start = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i % 7
    return time.perf_counter() - start


def cpu_ceiling(n: int = 4_000_000) -> float:
    """How much faster two CPU-bound processes finish than one doing both halves in a row:
    2.0 on two free cores; less when another process (or the host) takes CPU time. The
    batch speed-up cannot exceed it; printed next to the speed-up as context."""
    import multiprocessing

    _spin(n // 4)
    one = _spin(n)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [n // 4, n // 4])  # both started and warm
        start = time.perf_counter()
        pool.map(_spin, [n, n])
        two = time.perf_counter() - start
    return 2 * one / two


# --- main --------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"python": platform.python_version(), "nproc": str(os.cpu_count())}
    for name in ("weasyprint", "pyHanko", "pydyf", "cryptography"):
        try:
            out[name] = version(name)
        except Exception:  # noqa: BLE001
            out[name] = "?"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.documents", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed rounds after one warm-up (median)"
    )
    parser.add_argument("--agencies", type=int, default=40, help="agencies with a final assessment")
    parser.add_argument("--skip-batch", action="store_true", help="do not measure the batch")
    parser.add_argument(
        "--batch-repeat",
        type=int,
        default=None,
        help="batch runs per process count (default: --repeat; each run is ~40 reports)",
    )
    parser.add_argument(
        "--batch-spawn",
        action="store_true",
        help="also run the 2-process batch with spawned workers (how a web process prints)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)
    batch_repeat = max(1, args.batch_repeat if args.batch_repeat is not None else repeat)

    info = versions()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + f", {platform.platform()}")

    workdir = Path(tempfile.mkdtemp(prefix="smartcity-bench-"))
    try:
        app, db_path = make_app(workdir)
        with app.app_context():
            start = time.perf_counter()
            seeded = seed(args.agencies)
            print(
                f"seeded in {time.perf_counter() - start:.1f} s: {seeded['final']} final "
                f"assessment(s) of {seeded['assessments']} in {YEAR}; report agency "
                f"{ALL_DIMENSIONS_AGENCY} answers {seeded['indicators']} of "
                f"{seeded['instrument_indicators']} indicators"
            )
            assessment = seeded["assessment"]
            seat = assessment.agency.region.seat
            from smartcity.extensions import db

            db.session.commit()
            db.engine.dispose()
            snapshot = workdir / "seeded.db"
            shutil.copyfile(db_path, snapshot)

            # the renders run as in the app: inside a request (gettext picks the locale there)
            request = app.test_request_context()
            request.push()
            # warm-up: imports, fonts, templates, the development key (made once), caches
            base_pdf = baseline_render()
            report_pdf = report_render(assessment)
            cert_pdf = certificate_render(assessment)
            sign_only(report_pdf, seat)
            report_pages = pdf_pages(report_pdf)
            print(
                f"pages: baseline {pdf_pages(base_pdf)}, report {pdf_pages(report_pdf)}, "
                f"certificate {pdf_pages(cert_pdf)}; sizes {len(base_pdf)} / {len(report_pdf)} / "
                f"{len(cert_pdf)} bytes"
            )

            names = ("baseline", "report", "report_data", "certificate", "signing")
            times: dict[str, list[float]] = {n: [] for n in names}
            for _ in range(repeat):
                times["baseline"].append(timed(baseline_render))
                times["report"].append(timed(lambda: report_render(assessment)))
                times["report_data"].append(timed(lambda: report_data_only(assessment)))
                times["certificate"].append(timed(lambda: certificate_render(assessment)))
                times["signing"].append(timed(lambda: sign_only(report_pdf, seat)))
            med = {n: median(v) for n, v in times.items()}
            request.pop()

            batch: dict[int | str, list[float]] = {1: [], 2: [], "spawn": []}
            ceilings: list[float] = []
            batch_note = ""
            rerun = None
            if args.skip_batch:
                batch_note = "batch: skipped"
            else:
                print_batch, problem = load_print_batch()
                if print_batch is None:
                    batch_note = f"batch: not available ({problem})"
                else:
                    counts = set()
                    runs: list[tuple[int | str, int, str | None]] = [(1, 1, None), (2, 2, None)]
                    if args.batch_spawn:
                        runs.append(("spawn", 2, "spawn"))
                    # interleaved 1, 2, 1, 2 ...; each run on the freshly seeded database
                    for _ in range(batch_repeat):
                        ceilings.append(cpu_ceiling())
                        for key, processes, method in runs:
                            restore_database(db_path, snapshot)
                            elapsed, n = run_batch(
                                app, print_batch, workdir, f"p{key}", processes, method
                            )
                            batch[key].append(elapsed)
                            counts.add(n)
                    # once more on the same database: unchanged data, documents already issued
                    rerun, _n = run_batch(app, print_batch, workdir, "rerun", 1)
                    from smartcity.services import batch as batch_module

                    batch_note = (
                        f"batch: {sorted(counts)} manifest entries per run; workers start by "
                        f"{getattr(batch_module, '_start_method', lambda: 'spawn')()}"
                    )

        print()
        base = med["baseline"]
        rows = [
            ("baseline (bare 1-page A4)", med["baseline"], "1.00x", ""),
            (
                f"report render ({seeded['indicators']} indicators)",
                med["report"],
                f"{med['report'] / base:.2f}x",
                f"<= {TARGET_REPORT}x: {verdict(med['report'] / base <= TARGET_REPORT)}",
            ),
            (
                f"  per page ({report_pages} pages)",
                med["report"] / report_pages,
                f"{med['report'] / report_pages / base:.2f}x",
                "information only",
            ),
            (
                "  of which report_data + chart",
                med["report_data"],
                f"{med['report_data'] / base:.2f}x",
                f"{med['report_data'] / med['report']:.0%} of report",
            ),
            (
                "certificate render",
                med["certificate"],
                f"{med['certificate'] / base:.2f}x",
                f"<= {TARGET_CERTIFICATE}x: "
                f"{verdict(med['certificate'] / base <= TARGET_CERTIFICATE)}",
            ),
            (
                "signing the report",
                med["signing"],
                f"{med['signing'] / base:.2f}x",
                f"{med['signing'] / med['report']:.1%} of report; < {TARGET_SIGNING:.0%}: "
                f"{verdict(med['signing'] / med['report'] < TARGET_SIGNING)}",
            ),
        ]
        if batch[1] and batch[2]:
            b1, b2 = median(batch[1]), median(batch[2])
            rows.append((f"batch {args.agencies} agencies, 1 process", b1, f"{b1 / base:.1f}x", ""))
            rows.append(
                (
                    f"batch {args.agencies} agencies, 2 processes",
                    b2,
                    f"{b2 / base:.1f}x",
                    f"speed-up {b1 / b2:.2f}x; >= {TARGET_SPEEDUP}x: "
                    f"{verdict(b1 / b2 >= TARGET_SPEEDUP)}",
                )
            )
            if batch["spawn"]:
                b2s = median(batch["spawn"])
                rows.append(
                    (
                        "  2 processes, spawned workers",
                        b2s,
                        f"{b2s / base:.1f}x",
                        f"speed-up {b1 / b2s:.2f}x (information)",
                    )
                )
            if rerun is not None:
                rows.append(
                    (
                        "batch re-run, unchanged data (1 process)",
                        rerun,
                        f"{rerun / base:.1f}x",
                        f"{rerun / b1:.0%} of a fresh run",
                    )
                )
        width = max(len(r[0]) for r in rows)
        print(f"{'measurement':<{width}}  {'median s':>9}  {'/ baseline':>10}  target")
        for name, seconds, ratio, target in rows:
            print(f"{name:<{width}}  {seconds:>9.3f}  {ratio:>10}  {target}")
        print(batch_note)
        if ceilings:
            print(
                "CPU ceiling (two CPU-bound processes vs one, before each batch round): "
                + ", ".join(f"{c:.2f}x" for c in ceilings)
            )
            for round_number, ceiling in enumerate(ceilings):
                round_times = ", ".join(
                    f"{key if key == 'spawn' else f'{key}p'} {runs[round_number]:.1f} s"
                    for key, runs in batch.items()
                    if len(runs) > round_number
                )
                print(f"  batch round {round_number + 1} (ceiling {ceiling:.2f}x): {round_times}")
        print(
            f"repeat {repeat} (median, after one warm-up)"
            + (f"; batch runs per process count: {batch_repeat}" if batch[1] else "")
        )
        spread = {n: (min(v) / base, max(v) / base) for n, v in times.items()}
        print(
            "spread (min..max / median baseline): "
            + ", ".join(f"{n} {lo:.2f}..{hi:.2f}" for n, (lo, hi) in spread.items())
        )
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
