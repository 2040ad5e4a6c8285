"""Log in, log out and the language switch."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..forms import LoginForm
from .helpers import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("assessment.home")))
    form = LoginForm()
    if form.validate_on_submit():
        language = session.get("language")
        # a fresh session at login: nothing from before the login carries over
        session.clear()
        if language:
            session["language"] = language
        login_user(form.user)
        return redirect(safe_next(request.args.get("next"), url_for("assessment.home")))
    status = 401 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>")
def switch_language(code: str):
    if code in ("id", "en"):
        session["language"] = code
    return redirect(safe_next(request.args.get("next"), url_for("assessment.home")))
