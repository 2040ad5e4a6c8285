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
