"""The user's own account: changing the password, and the forced change after a reset.

After an administrator resets a password (`User.must_change_password`), every page leads to
/account/password until the user has chosen a new one; logging out and switching the
language still work.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user, user_logged_in
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..security import log_in
from ..services import accounts
from ..services.store import unit_of_work

bp = Blueprint("account", __name__, url_prefix="/account")

# what a user who must change their password may still reach
OPEN_DURING_FORCED_CHANGE = {"account.password", "auth.logout", "auth.switch_language", "static"}


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new", message=_l("The two new passwords are not the same.")),
        ],
    )


# the session remembers which password it was opened with: after a change or a reset,
# sessions opened before it (another browser, a copied cookie) end
PASSWORD_STAMP = "password_stamp"


def _stamp(user) -> str:
    changed = user.password_changed_at
    return changed.isoformat() if changed is not None else ""


def _remember_password_stamp(sender, user, **extra) -> None:  # noqa: ARG001 - blinker's call
    session[PASSWORD_STAMP] = _stamp(user)


user_logged_in.connect(_remember_password_stamp)


@bp.before_app_request
def require_password_change():
    if request.endpoint == "static" or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return None
    stamp = session.setdefault(PASSWORD_STAMP, _stamp(current_user))
    if stamp != _stamp(current_user):
        logout_user()
        session.clear()
        flash(_("Your password was changed or reset: log in again."), "info")
        return redirect(url_for("auth.login"), 303 if request.method != "GET" else 302)
    if request.endpoint in OPEN_DURING_FORCED_CHANGE:
        return None
    if current_user.must_change_password:
        return redirect(url_for("account.password"), 303 if request.method != "GET" else 302)
    return None


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    forced = current_user.must_change_password
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            with unit_of_work():
                accounts.change_own_password(user, form.current.data or "", form.new.data or "")
        except accounts.AccountError as error:
            form.new.errors = [*form.new.errors, str(error)]
        else:
            # every session of the user ended with the change; this browser gets a new one
            log_in(user)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("assessment.home"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "account/password.html",
        form=form,
        forced=forced,
        min_length=accounts.MIN_PASSWORD_LENGTH,
    ), status
