"""`/healthz` for load balancers: database reachable, migrations current, storage writable
with at least STORAGE_MIN_FREE_BYTES free."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..extensions import limiter
from ..services.health import check_database, check_migrations, check_storage

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    database_ok, database = check_database()
    if database_ok:
        migrations_ok, migrations = check_migrations()
    else:
        migrations_ok, migrations = False, "not checked: database unreachable"
    storage_ok, storage = check_storage()
    healthy = database_ok and migrations_ok and storage_ok
    response = jsonify(
        status="ok" if healthy else "fail",
        checks={"database": database, "migrations": migrations, "storage": storage},
    )
    # probes come every few seconds: never cached, never a session
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503
