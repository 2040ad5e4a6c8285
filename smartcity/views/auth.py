"""Log in, log out and the language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import limiter
from ..forms import LoginForm
from ..security import log_in, log_out, safe_next

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    # the same key whether or not the account exists: the limit reveals nothing
    return "login-account:" + request.form.get("username", "").strip().lower()


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("assessment.home")))
    form = LoginForm()
    if form.validate_on_submit():
        # a fresh session at login: nothing from before the login carries over
        log_in(form.user)
        return redirect(safe_next(request.args.get("next"), url_for("assessment.home")))
    status = 401 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    # ended on the server: a copy of the cookie is logged out too
    log_out("logout")
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>")
def switch_language(code: str):
    if code in ("id", "en"):
        session["language"] = code
    return redirect(safe_next(request.args.get("next"), url_for("assessment.home")))
