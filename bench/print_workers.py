"""Batch printing through RQ with 1 and 2 print workers: documents per second and the speed-up.

Run from the repository root (needs Redis; PostgreSQL recommended):

    .venv/bin/python -m bench.print_workers [--database-url URL] [--agencies 40]
        [--what certificate] [--repeat 1] [--redis-url redis://127.0.0.1:6379/11]
    .venv/bin/python -m bench.print_workers --national [--regions 100] [--single-job]
        [--database-url URL] [--repeat 1] [--redis-url redis://127.0.0.1:6379/11]

The database is seeded as bench/documents.py does (the demo region plus extra agencies, all
final in 2025). Each run starts from the freshly seeded state (no document issued yet),
queues one print job per agency through the app's own path (`services.print_jobs.start`,
one job per agency as a national print would queue one per region) and then starts 1 or 2
`flask --app app print-worker --burst` processes, which empty the queue and stop. Timed
from the workers' start to the last one's exit: worker start-up, claiming, rendering,
signing, registering and packing each job's ZIP file. The runs are interleaved (1, 2, 1,
2 ...) with the CPU ceiling of bench/documents.py measured before each round: the speed-up
cannot exceed it. Nothing here asserts: it is a measuring tool.

`--national`: one final national year of the ministry's evaluation instead (bench/synth.py:
`--regions` synthetic regions with one agency each, then `fill_national_year`: every region
ranked with stored results, about four in five at the award level) and a ministry
administrator; each run queues **one award print job per earning region** through
`services.print_jobs.start_awards` (the ministry's print page's path) and the same 1 or 2
workers print the region award certificates. `--single-job` adds, in each round, one job of
all the year's awards (`start_awards(period, "")`) on one worker with `PRINT_PROCESSES=1`
and `=2`: the processes of `services.batch` inside one job instead of RQ workers.
`--timeout`: workers still running after that many seconds are killed (with what they
started), the run marked HUNG.

Its queue (`bench-print-<pid>`) lives in its own Redis database (`--redis-url`, default db 11;
the tests use 15), and only that queue's keys and its jobs are deleted afterwards.
With `--database-url postgresql+psycopg://.../NAME` it creates NAME and NAME_seeded (each run
copies the seeded one) and drops both at the end; without it, a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import documents as bench_documents

ROOT = Path(__file__).resolve().parent.parent
YEAR = bench_documents.YEAR
MINISTRY_ADMIN = "bench-kementerian-admin"  # --national: the one who queues the award jobs


@dataclass
class Run:
    workers: int
    seconds: float  # the workers' start to the last one's exit
    span: float  # first job claimed to last job finished (print_jobs rows)
    busy: float  # the jobs' own durations added up: busy / span = jobs running at once
    cpu: float  # CPU seconds the workers used
    idle: float  # share of the machine's CPU time nobody used during the run (/proc/stat)
    documents: int
    jobs: int
    failed: int
    processes: int = 1  # PRINT_PROCESSES: worker processes inside each job
    hung: bool = False  # a worker did not stop: killed after the timeout

    @property
    def rate(self) -> float:
        return self.documents / self.seconds


# --- the database: SQLite copied, or PostgreSQL databases made from a template ---------------


class Database:
    """The seeded state, restored before every run."""

    def __init__(self, url: str | None, workdir: Path):
        self.workdir = workdir
        self.url = url or f"sqlite:///{workdir / 'bench.db'}"
        self.postgres = self.url.startswith("postgresql")
        if self.postgres:
            base, _, self.name = self.url.rpartition("/")
            self.maintenance = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
            self.template = f"{self.name}_seeded"
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
            self._sql(f'CREATE DATABASE "{self.name}"')

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.maintenance, autocommit=True) as connection:
            connection.execute(statement)

    def snapshot(self) -> None:
        """Keep the seeded state (after every connection of this process is closed)."""
        if self.postgres:
            self._sql(f'CREATE DATABASE "{self.template}" TEMPLATE "{self.name}"')
        else:
            shutil.copyfile(self.workdir / "bench.db", self.workdir / "seeded.db")

    def restore(self) -> None:
        if self.postgres:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._sql(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
        else:
            bench_documents.restore_database(self.workdir / "bench.db", self.workdir / "seeded.db")

    def drop(self) -> None:
        if self.postgres:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


def bench_app(database: Database):
    """The app of the benchmark's database; the workers find it in DATABASE_URL."""
    from smartcity.factory import create_app

    os.environ["DATABASE_URL"] = database.url
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.url,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # hashing is not measured
        }
    )


def prepare(database: Database, agencies: int):
    """Migrate and seed (bench/documents.py's seed); returns the app and the seed summary."""
    from flask_migrate import upgrade

    from smartcity.extensions import db
    from smartcity.services import documents

    app = bench_app(database)
    with app.app_context():
        upgrade()
        seeded = bench_documents.seed(agencies)
        documents.signer_config()  # the development key, made once before any worker runs
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return app, seeded


def prepare_national(database: Database, regions: int, year: int):
    """Migrate; `regions` synthetic regions (one agency, one year) and the final national
    `year` (bench/synth.py); a ministry administrator. Returns the app and a summary."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from bench import synth
    from smartcity.extensions import db
    from smartcity.models import Role
    from smartcity.region_context import working_in
    from smartcity.services import accounts, batch, documents
    from smartcity.services import national_evaluation as ne

    app = bench_app(database)
    with app.app_context():
        upgrade()
        filled = synth.fill_regions(regions, 1, [year], patterns=4)
        national = synth.fill_national_year(year, filled.region_ids)
        with app.test_request_context(), working_in(None):
            accounts.create_user(
                MINISTRY_ADMIN,
                Role.MINISTRY_ADMIN.value,
                "bench-Kementerian-2026-cetak",
                full_name="Administrator Kementerian (bench)",
            )
            awards = len(batch.award_regions(ne.national_period(year)))
        documents.signer_config()  # the development key, made once before any worker runs
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
        db.session.remove()
        db.engine.dispose()
    return app, {"regions": len(filled.region_ids), "awards": awards, "levels": national.levels}


# --- one run ---------------------------------------------------------------------------------


def queue_awards(app, year: int, single: bool) -> int:
    """One award print job per region that earns one (or, `single`, one job of them all),
    queued by the ministry administrator as the ministry's print page queues them."""
    from sqlalchemy import select

    from smartcity.extensions import db
    from smartcity.models import User
    from smartcity.region_context import working_in
    from smartcity.services import batch, print_jobs
    from smartcity.services import national_evaluation as ne

    with app.test_request_context(), working_in(None):
        period = ne.national_period(year)
        admin = db.session.scalar(select(User).filter_by(username=MINISTRY_ADMIN))
        codes = [""] if single else [r.code for r in batch.award_regions(period)]
        for code in codes:
            print_jobs.start_awards(period, code, admin, "id")
        db.session.remove()
        db.engine.dispose()
    return len(codes)


def queue_jobs(app, what: str) -> int:
    """One print job per agency with a final assessment, queued as the admin pages queue them."""
    from sqlalchemy import select

    from smartcity.extensions import db
    from smartcity.models import Agency, Assessment, Period, Role, User
    from smartcity.services import print_jobs

    with app.test_request_context():
        period = db.session.scalar(select(Period).filter_by(year=YEAR))
        admin = db.session.scalar(select(User).filter_by(role=Role.ADMIN).order_by(User.id))
        codes = db.session.scalars(
            select(Agency.code)
            .join(Assessment, Assessment.agency_id == Agency.id)
            .filter(Assessment.period_id == period.id, Assessment.status == "final")
            .order_by(Agency.code)
        ).all()
        for code in codes:
            print_jobs.start(period, what, code, admin, "id")
        db.session.remove()
        db.engine.dispose()
    return len(codes)


def run_workers(
    app,
    count: int,
    env: dict[str, str],
    logs: Path,
    queue: Callable[[], int] | None = None,
    *,
    timeout: float = 900,
) -> Run:
    """Queue the jobs (`queue()`, by default one per agency), run `count` burst workers. A
    worker still running after `timeout` seconds is killed with its process group and the run
    reported as hung."""
    from sqlalchemy import func, select

    from smartcity.extensions import db
    from smartcity.models import PrintJob

    jobs = queue() if queue is not None else queue_jobs(app, env["BENCH_WHAT"])
    command = [sys.executable, "-m", "flask", "--app", "app", "print-worker", "--burst"]
    cpu_before, idle_before = children_cpu(), machine_idle()
    start = time.perf_counter()
    processes = []
    for n in range(count):
        # the log goes to a file: a pipe nobody reads would fill up and stall the worker
        log = (logs / f"worker-{count}-{n}.log").open("a")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
        processes.append((process, log))
    hung = False
    for process, log in processes:
        try:
            process.wait(timeout=max(timeout - (time.perf_counter() - start), 0))
        except subprocess.TimeoutExpired:
            hung = True
            os.killpg(process.pid, signal.SIGKILL)  # the worker and what it started
            process.wait()
        log.close()
    seconds = time.perf_counter() - start
    if hung:
        print(f"  a worker did not stop within {timeout:.0f} s: killed", flush=True)
    cpu = children_cpu() - cpu_before
    idle = machine_idle(since=idle_before)
    with app.app_context():
        row = db.session.execute(
            select(
                func.count(PrintJob.id),
                func.sum(PrintJob.documents),
                func.min(PrintJob.started_at),
                func.max(PrintJob.finished_at),
                func.count(PrintJob.id).filter(PrintJob.status != "done"),
            )
        ).one()
        durations = db.session.execute(
            select(PrintJob.started_at, PrintJob.finished_at).filter(
                PrintJob.started_at.is_not(None), PrintJob.finished_at.is_not(None)
            )
        ).all()
        db.session.remove()
        db.engine.dispose()
    busy = sum((end - begin).total_seconds() for begin, end in durations)
    finished, documents, first, last, failed = row
    span = (last - first).total_seconds() if first and last else float("nan")
    if finished != jobs:  # pragma: no cover - a measuring tool reports, never asserts
        print(f"  {jobs} jobs queued but {finished} recorded", flush=True)
    processes = int(env.get("PRINT_PROCESSES") or 1)
    return Run(
        count, seconds, span, busy, cpu, idle, int(documents or 0), jobs, failed, processes, hung
    )


def children_cpu() -> float:
    """CPU seconds of the child processes this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_idle(since: tuple[int, int] | None = None):
    """The idle and total CPU ticks of the machine (Linux), or the idle share since `since`:
    near 0 means the workers waited for CPU, a large share that they waited for something else."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return (0, 0) if since is None else float("nan")
    idle, total = fields[3] + fields[4], sum(fields[:8])
    if since is None:
        return idle, total
    return (idle - since[0]) / max(total - since[1], 1)


def clean_queue(redis_url: str, queue_name: str) -> None:
    """Delete this run's queue, its registries and its jobs; nothing else in that database."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url)
    queue = Queue(queue_name, connection=connection)
    job_ids = set(queue.job_ids)
    for registry in (
        queue.finished_job_registry,
        queue.failed_job_registry,
        queue.started_job_registry,
        queue.deferred_job_registry,
        queue.scheduled_job_registry,
        queue.canceled_job_registry,
    ):
        job_ids.update(registry.get_job_ids())
    for job_id in job_ids:
        for key in connection.scan_iter(match=f"rq:*{job_id}*"):
            connection.delete(key)
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(match=f"*{queue_name}*"):
        connection.delete(key)
    for key in connection.scan_iter(match="rq:worker:*"):  # the burst workers' records
        if (
            connection.type(key) == b"hash"
            and connection.hget(key, "queues") == queue_name.encode()
        ):
            connection.delete(key)


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.print_workers", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--agencies", type=int, default=40, help="agencies final in 2025")
    parser.add_argument("--what", choices=("certificate", "report", "all"), default="certificate")
    parser.add_argument(
        "--national",
        action="store_true",
        help="a final national year's region award certificates, one job per region",
    )
    parser.add_argument("--regions", type=int, default=100, help="--national: regions ranked")
    parser.add_argument(
        "--single-job",
        action="store_true",
        help="--national: also one job of all awards, PRINT_PROCESSES=1 and 2 on one worker",
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds of 1 and 2 workers")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds before a run's workers are killed"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="smartcity-bench-print-"))
    instance = workdir / "instance"
    instance.mkdir()
    logs = workdir / "logs"
    logs.mkdir()
    queue_name = f"bench-print-{os.getpid()}"
    settings = {
        "SMARTCITY_INSTANCE": str(instance),
        "SECRET_KEY": "bench-secret",
        "REDIS_URL": args.redis_url,
        "PRINT_QUEUE": queue_name,
        # one process per job: the parallelism measured is the number of RQ workers
        "PRINT_PROCESSES": "1",
        "PRINT_JOBS_PATH": str(workdir / "print-jobs"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(settings)
    database = Database(args.database_url, workdir)
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.platform()}; database {database.url.split('@')[-1]}; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    # (name, RQ workers, PRINT_PROCESSES, one job of everything): interleaved in every round
    variants = [("1 worker", 1, 1, False), ("2 workers", 2, 1, False)]
    if args.national and args.single_job:
        variants += [("one job, 1 process", 1, 1, True), ("one job, 2 processes", 1, 2, True)]
    runs: dict[str, list[Run]] = {name: [] for name, *_ in variants}
    ceilings: list[float] = []
    try:
        start = time.perf_counter()
        if args.national:
            app, seeded = prepare_national(database, args.regions, YEAR)
            print(
                f"seeded in {time.perf_counter() - start:.0f} s: national year {YEAR} final, "
                f"{seeded['regions']} regions ranked (by overall level: {seeded['levels']}), "
                f"{seeded['awards']} earn an award; one award job per earning region",
                flush=True,
            )
        else:
            app, seeded = prepare(database, args.agencies)
            print(
                f"seeded in {time.perf_counter() - start:.0f} s: {seeded['final']} final "
                f"assessments in {YEAR}; one '{args.what}' job per agency",
                flush=True,
            )
        database.snapshot()
        env = {**os.environ, "DATABASE_URL": database.url, "BENCH_WHAT": args.what}
        for round_number in range(max(1, args.repeat)):
            ceilings.append(bench_documents.cpu_ceiling())
            for name, count, processes, single in variants:
                with app.app_context():
                    database.restore()
                clean_queue(args.redis_url, queue_name)
                queue = None
                if args.national:
                    queue = functools.partial(queue_awards, app, YEAR, single)
                run = run_workers(
                    app,
                    count,
                    {**env, "PRINT_PROCESSES": str(processes)},
                    logs,
                    queue,
                    timeout=args.timeout,
                )
                runs[name].append(run)
                print(
                    f"round {round_number + 1} (ceiling {ceilings[-1]:.2f}x): {name} "
                    f"{run.documents} documents in {run.seconds:.1f} s = {run.rate:.2f}/s "
                    f"(jobs {run.span:.1f} s from first claim to last finish, "
                    f"{run.busy / run.span:.2f} running at once on average; workers' CPU "
                    f"{run.cpu:.1f} s, machine idle {run.idle:.0%}; "
                    f"{run.failed} of {run.jobs} jobs not done)" + (" HUNG" if run.hung else ""),
                    flush=True,
                )
        clean_queue(args.redis_url, queue_name)
    finally:
        database.drop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    def median(name: str, attribute: str) -> float:
        return statistics.median(getattr(r, attribute) for r in runs[name])

    one, two = median("1 worker", "rate"), median("2 workers", "rate")
    span_one, span_two = median("1 worker", "span"), median("2 workers", "span")
    print()
    print(f"{'':22}{'documents/s':>12}{'/ 1 worker':>12}{'jobs only':>12}")
    print(f"{'1 worker':22}{one:12.2f}{1:11.2f}x{'':>12}")
    print(f"{'2 workers':22}{two:12.2f}{two / one:11.2f}x{span_one / span_two:11.2f}x")
    if "one job, 1 process" in runs:
        alone = median("one job, 1 process", "rate")
        pair = median("one job, 2 processes", "rate")
        alone_span = median("one job, 1 process", "span")
        pair_span = median("one job, 2 processes", "span")
        print(f"{'one job, 1 process':22}{alone:12.2f}{alone / one:11.2f}x{'':>12}")
        print(
            f"{'one job, 2 processes':22}{pair:12.2f}{pair / one:11.2f}x"
            f"{alone_span / pair_span:11.2f}x"
        )
        print(
            f"one job of all awards, 2 processes vs 1 on one worker {pair / alone:.2f}x "
            f"({alone_span / pair_span:.2f}x the job alone, without the worker's start-up)"
        )
    print(
        f"speed-up 1 -> 2 workers {two / one:.2f}x (median of {len(runs['1 worker'])}; 'jobs "
        f"only' leaves out the workers' start-up); CPU ceiling {statistics.median(ceilings):.2f}x "
        f"({', '.join(f'{c:.2f}' for c in ceilings)}); load average {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
