"""The application factory: configuration, extensions, blueprints, errors, commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, request, session
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import assets, config, replica, requestlog, security, storage, tenancy, textinput
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .formatting import select_locale

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("SMARTCITY_INSTANCE", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    if app.config.get("PROXY_FIX"):
        hops = int(app.config["PROXY_FIX"])
        # client address, scheme and host as the proxy saw them (log-in limits, URLs, cookies)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    # every <int:...> in a URL fits the database's integer columns: a larger number is a 404,
    # never an overflow error from the database
    app.url_map.converters["int"] = DatabaseInteger
    # the replica's engine, when DATABASE_REPLICA_URL names one, before the database starts
    replica.configure(app)
    register_extensions(app)
    # first registered, so its compression runs after every other after_request function
    assets.register(app)
    # before security's session check: a request refused because the database is down still
    # gets its request ID
    requestlog.register(app)
    security.register(app)
    # every query of a region user's request stays in their region (tenancy.py)
    tenancy.register(app)
    textinput.register(app)
    register_blueprints(app)
    # read-only views on the replica, decided in one place (replica.READ_ONLY_ENDPOINTS)
    replica.register(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    # uploads a killed worker left half-written (storage.py; also `flask storage clean`)
    storage.remove_stale_uploads_at_start(app)
    return app


class DatabaseInteger(IntegerConverter):
    """Werkzeug's int converter, bounded to a 32-bit signed integer (ids and years)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - Werkzeug's parameter name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from . import ratelimit  # noqa: F401 - registers the database storage of the log-in limits

    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    # bound to the address the app believes, never to a forwarded header alone (security.py)
    login_manager._session_identifier_generator = security.session_identifier

    from .models import User
    from .services.accounts import session_user

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # only while the session's row on the server has not been ended
        return session_user(user_id, session.get(security.SESSION_TOKEN))


def register_blueprints(app: Flask) -> None:
    from .views import assessment, auth, overview, review

    app.register_blueprint(auth.bp)
    app.register_blueprint(assessment.bp)
    app.register_blueprint(overview.bp)
    app.register_blueprint(review.bp)

    from .views import audit, region

    app.register_blueprint(audit.bp)
    app.register_blueprint(region.bp)

    from .views import dashboards

    app.register_blueprint(dashboards.bp)

    from .views import documents, region_settings

    app.register_blueprint(documents.bp)
    app.register_blueprint(region_settings.bp)

    from .views import evidence

    app.register_blueprint(evidence.bp)

    from .views import admin_periods

    app.register_blueprint(admin_periods.bp)

    from .views import account, admin_people

    app.register_blueprint(account.bp)
    app.register_blueprint(admin_people.bp)

    from .views import print_jobs

    app.register_blueprint(print_jobs.bp)

    from .views import autosave

    app.register_blueprint(autosave.bp)

    from .views import health

    app.register_blueprint(health.bp)

    from .views import team

    app.register_blueprint(team.bp)

    from .views import confirm, notifications, threads

    app.register_blueprint(confirm.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(threads.bp)

    from . import api
    from .views import exports, national, national_evaluation, national_print, tokens

    app.register_blueprint(national.bp)
    app.register_blueprint(national_evaluation.bp)
    app.register_blueprint(national_print.bp)

    app.register_blueprint(exports.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(api.bp)

    # the region's side of the ministry's evaluation (its submission)
    from .views import national_submission

    app.register_blueprint(national_submission.bp)


def register_errorhandlers(app: Flask) -> None:
    from .views import errors

    errors.register(app)


def register_commands(app: Flask) -> None:
    from . import cli

    cli.register(app)


def register_template_helpers(app: Flask) -> None:
    from . import formatting
    from .views.helpers import rendered_once, text_in

    # numbers and dates in the page's language (index, number, difference, date filters)
    formatting.register(app)
    app.jinja_env.filters["t"] = text_in
    app.jinja_env.globals["rendered_once"] = rendered_once

    @app.context_processor
    def inject_language() -> dict[str, Any]:
        return {
            "language": select_locale(),
            "current_path": request.full_path.rstrip("?"),
        }
