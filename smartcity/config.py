"""Configuration read from the environment, with safe defaults for a local install."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def rate_limit_storage(environ: Mapping[str, str]) -> str:
    """Where failed log-ins are counted (docs/OPERATIONS.md): RATELIMIT_STORAGE_URI, else
    Redis (REDIS_URL), else the app's database (smartcity/ratelimit.py)."""
    return (
        environ.get("RATELIMIT_STORAGE_URI") or environ.get("REDIS_URL") or "smartcity+database://"
    )


def counted_per_process(storage_uri: str) -> bool:
    """Counts kept in one process's memory: each worker would allow the limit again."""
    return storage_uri.strip().lower().startswith("memory://")


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'smartcity.db'}"
    return sqlalchemy_url(url)


def sqlalchemy_url(url: str) -> str:
    """A database URL as SQLAlchemy needs it: operators often paste the libpq form
    (`postgres://`, `postgresql://`), and the driver (psycopg 3) must be named."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_environment(instance_path: Path) -> dict[str, object]:
    evidence_max_bytes = int(os.environ.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        **_replica(),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Jakarta"),
        "LANGUAGES": ("id", "en"),
        **_session(),
        "WTF_CSRF_TIME_LIMIT": None,
        # shared by all workers and servers: Redis when there, else the database
        "RATELIMIT_STORAGE_URI": rate_limit_storage(os.environ),
        # reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed
        # (0: none; the client address then is the proxy's, for every user)
        "PROXY_FIX": int(os.environ.get("PROXY_FIX", "0")),
        "RATELIMIT_HEADERS_ENABLED": True,
        # failed log-ins allowed per account and per address
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 5 minutes"),
        # the whole request: room for several evidence files, so one file too large is refused
        # by the evidence check (413 with the page intact), not by the request parser
        "MAX_CONTENT_LENGTH": int(
            os.environ.get("MAX_CONTENT_LENGTH", 8 * evidence_max_bytes + 1024 * 1024)
        ),
        # one evidence file (data dukung)
        "EVIDENCE_MAX_BYTES": evidence_max_bytes,
        # files attached to one indicator, and files sent in one request (docs/OPERATIONS.md)
        "EVIDENCE_MAX_FILES_PER_INDICATOR": int(
            os.environ.get("EVIDENCE_MAX_FILES_PER_INDICATOR", "20")
        ),
        "EVIDENCE_MAX_FILES_PER_REQUEST": int(
            os.environ.get("EVIDENCE_MAX_FILES_PER_REQUEST", "20")
        ),
        # /healthz reports the storage as failing when less space than this is left
        "STORAGE_MIN_FREE_BYTES": int(
            os.environ.get("STORAGE_MIN_FREE_BYTES", str(100 * 1024 * 1024))
        ),
        # authenticates backup archives; unset: instance/backup-key, made by the first backup
        "BACKUP_KEY": os.environ.get("BACKUP_KEY", ""),
        # where evidence files are kept: outside the web root
        "EVIDENCE_STORAGE_PATH": os.environ.get(
            "EVIDENCE_STORAGE_PATH", str(instance_path / "evidence")
        ),
        # gzip for pages, JSON and static files (smartcity/assets.py); 0 when a proxy does it
        "COMPRESS_RESPONSES": os.environ.get("COMPRESS_RESPONSES", "1") != "0",
        **_documents(),
        **_print_jobs(instance_path),
        **_mail(),
    }


def _replica() -> dict[str, object]:
    """A streaming replica for the read-only pages (smartcity/replica.py, docs/OPERATIONS.md);
    unset: every query on the primary."""
    env = os.environ.get
    return {
        "DATABASE_REPLICA_URL": sqlalchemy_url(env("DATABASE_REPLICA_URL", "").strip()),
        # seconds to wait for a connection to the replica before reading from the primary
        "DATABASE_REPLICA_CONNECT_TIMEOUT": int(env("DATABASE_REPLICA_CONNECT_TIMEOUT", "2")),
        # after the replica failed, reads stay on the primary this long before it is tried again
        "DATABASE_REPLICA_RETRY_SECONDS": float(env("DATABASE_REPLICA_RETRY_SECONDS", "30")),
    }


def _mail() -> dict[str, object]:
    """E-mail notifications through SMTP (docs/WORKFLOW.md); off while MAIL_SERVER is unset."""
    env = os.environ.get
    return {
        "MAIL_SERVER": env("MAIL_SERVER", ""),
        "MAIL_PORT": int(env("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _flag(env("MAIL_USE_TLS", "0")),
        "MAIL_USERNAME": env("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env("MAIL_PASSWORD", ""),
        "MAIL_FROM": env("MAIL_FROM", "smartcity@localhost"),
        # seconds to wait before each new try of a mail that could not be sent
        "MAIL_RETRY_DELAYS": tuple(
            float(s) for s in env("MAIL_RETRY_DELAYS", "30,120,600").split(",") if s.strip()
        ),
        "MAIL_TIMEOUT": float(env("MAIL_TIMEOUT", "20")),
    }


def _print_jobs(instance_path: Path) -> dict[str, object]:
    """Background batch printing (docs/DOCUMENTS.md): RQ when REDIS_URL is set, else a thread."""
    env = os.environ.get
    return {
        "REDIS_URL": env("REDIS_URL", ""),
        "PRINT_QUEUE": env("PRINT_QUEUE", "smartcity-print"),
        "PRINT_JOBS_PATH": env("PRINT_JOBS_PATH", str(instance_path / "print-jobs")),
        # worker processes per batch (the signing and layout are CPU-bound)
        "PRINT_PROCESSES": int(env("PRINT_PROCESSES", str(min(2, os.cpu_count() or 1)))),
        # a running job with no progress for this long is taken as interrupted
        "PRINT_STALE_SECONDS": int(env("PRINT_STALE_SECONDS", "300")),
        "PRINT_JOB_TIMEOUT": int(env("PRINT_JOB_TIMEOUT", "7200")),
    }


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _session() -> dict[str, object]:
    """Session cookie and idle time-out (docs/AUTOSAVE.md)."""
    env = os.environ.get
    scheme = env("PREFERRED_URL_SCHEME", "").strip().lower()
    if not scheme:
        scheme = "https" if env("PUBLIC_BASE_URL", "").startswith("https://") else "http"
    # served over HTTPS: the cookie never travels in clear; SESSION_COOKIE_SECURE=0/1 overrides
    override = env("SESSION_COOKIE_SECURE", "").strip()
    secure = _flag(override) if override else scheme == "https"
    return {
        "PREFERRED_URL_SCHEME": scheme,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        # a session unused for longer is logged out; unsaved edits wait in the browser
        "SESSION_IDLE_MINUTES": int(env("SESSION_IDLE_MINUTES", "60")),
    }


def _documents() -> dict[str, object]:
    """Signed PDF documents (docs/DOCUMENTS.md)."""
    env = os.environ.get
    chair = {
        "TEAM_CHAIR_NAME": env("TEAM_CHAIR_NAME", ""),
        "TEAM_CHAIR_NIP": env("TEAM_CHAIR_NIP", ""),
        "TEAM_CHAIR_POSITION": env("TEAM_CHAIR_POSITION", ""),
    }
    return {
        # PKCS#12 key and certificate; unset: a development key in the instance folder
        "SIGNING_PKCS12_PATH": env("SIGNING_PKCS12_PATH", ""),
        "SIGNING_PKCS12_PASSPHRASE": env("SIGNING_PKCS12_PASSPHRASE", ""),
        # further trusted certificates (PEM or DER files, separated by os.pathsep)
        "SIGNING_TRUST_ROOTS": env("SIGNING_TRUST_ROOTS", ""),
        "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # lowest maturity level that earns a certificate (3: predicate Baik); 0: every final
        # assessment; each period may set its own (docs/ADMINISTRATION.md)
        "CERTIFICATE_MIN_LEVEL": int(env("CERTIFICATE_MIN_LEVEL", "3")),
        **chair,
        # who signs certificates: the region head, or by default the team chair
        "CERTIFICATE_SIGNER_NAME": env("CERTIFICATE_SIGNER_NAME", chair["TEAM_CHAIR_NAME"]),
        "CERTIFICATE_SIGNER_NIP": env("CERTIFICATE_SIGNER_NIP", chair["TEAM_CHAIR_NIP"]),
        "CERTIFICATE_SIGNER_POSITION": env(
            "CERTIFICATE_SIGNER_POSITION", chair["TEAM_CHAIR_POSITION"]
        ),
        "VERIFY_UPLOAD_LIMIT": env("VERIFY_UPLOAD_LIMIT", "10 per minute"),
        "VERIFY_MAX_BYTES": int(env("VERIFY_MAX_BYTES", str(10 * 1024 * 1024))),
    }
