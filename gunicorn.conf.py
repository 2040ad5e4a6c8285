"""gunicorn settings for `make serve` and production (docs/OPERATIONS.md); environment overrides."""

from __future__ import annotations

import multiprocessing
import os

# behind the reverse proxy; `BIND=0.0.0.0:8000` only when the proxy is on another host
bind = os.environ.get("BIND", "127.0.0.1:8000")

# sync workers: each request holds one worker; the proxy buffers slow clients and uploads
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, 2 * multiprocessing.cpu_count())))
worker_class = "sync"

# a signed PDF takes a few seconds; batch printing runs in the job worker, not here
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# a worker is replaced now and then, so slow memory growth never builds up
max_requests = 2000
max_requests_jitter = 200

# X-Forwarded-* are believed only from these addresses (the proxy); see PROXY_FIX in the docs
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# the app logs every request with its id (smartcity/requestlog.py); gunicorn logs the rest
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn's control socket (gunicorn >= 24) is off: one fixed path per user would be shared
# by every instance on the host; GUNICORN_CONTROL_SOCKET=/path turns it on
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

# the app is imported once by the master and the workers are forked from it: a worker replaced
# after max_requests starts in milliseconds instead of importing everything again (~1.7 s of
# CPU each); GUNICORN_PRELOAD=0 imports the app in every worker instead
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"

# the app's own log (every request with its id, smartcity/requestlog.py) on stderr next to
# gunicorn's, at LOG_LEVEL (INFO; WARNING leaves out the request lines)
LOG_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"


def on_starting(server):
    """Refuse several workers that would each count failed log-ins on their own.

    With `RATELIMIT_STORAGE_URI=memory://` every worker keeps its own counts, so N workers
    allow N times the log-in limit. Unset, the limits are kept in Redis (REDIS_URL) or the
    database, which all workers share (docs/OPERATIONS.md).
    """
    from smartcity.config import counted_per_process, rate_limit_storage

    storage = rate_limit_storage(os.environ)
    if server.cfg.workers > 1 and counted_per_process(storage):
        raise SystemExit(
            f"gunicorn: {server.cfg.workers} workers with RATELIMIT_STORAGE_URI={storage} would "
            "each count failed log-ins on their own. Unset RATELIMIT_STORAGE_URI (the database "
            "counts for all workers), set it to Redis, or run one worker (WEB_CONCURRENCY=1)."
        )


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """In each new worker: its own database connections, and the app's log on stderr."""
    import logging
    import sys

    app_log = logging.getLogger("smartcity")
    if not app_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT, "[%Y-%m-%d %H:%M:%S %z]"))
        app_log.addHandler(handler)
        app_log.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
        app_log.propagate = False
    if not server.cfg.preload_app:
        return
    # connections the master may have opened while loading the app are not shared with it
    wsgi = server.app.wsgi()
    extension = getattr(wsgi, "extensions", {}).get("sqlalchemy")
    if extension is not None:
        with wsgi.app_context():
            for engine in extension.engines.values():
                engine.dispose(close=False)
