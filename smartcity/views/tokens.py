"""Administrators create and revoke API tokens (docs/API.md); a new secret is shown once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..models import ApiToken, Role, User
from ..services import accounts, store
from ..services import tokens as service
from ..services.store import unit_of_work
from .admin_people import role_name
from .helpers import roles_required

bp = Blueprint("tokens", __name__, url_prefix="/admin")


class TokenForm(FlaskForm):
    user_id = SelectField(_l("User"), coerce=int, validators=[DataRequired()])
    name = StringField(
        _l("Label (what the token is for)"), validators=[Length(max=service.NAME_MAX)]
    )


def token_form() -> TokenForm:
    form = TokenForm()
    users = accounts.active_users()
    form.user_id.choices = [
        (
            user.id,
            f"{user.username} ({role_name(user.role)}"
            + (f", {user.agency.code})" if user.agency else ")"),
        )
        for user in users
    ]
    return form


@bp.route("/tokens", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def token_list():
    form = token_form()
    created = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            user = store.get(User, form.user_id.data)
            try:
                with unit_of_work():
                    created = service.create_token(user, form.name.data or "", by=current_user)
            except service.TokenError as error:
                form.name.errors.append(str(error))
                status = 400
            else:
                form = token_form()
                form.name.data = ""
        else:
            status = 400
    response = render_template(
        "admin/tokens.html", form=form, tokens=service.tokens_list(), created=created
    )
    # the secret is on this page only once: never kept by a cache
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke(token_id: int):
    token = store.get(ApiToken, token_id)
    if token is None:
        abort(404)
    with unit_of_work():
        revoked = service.revoke_token(token, by=current_user)
    if revoked:
        flash(_("Token %(prefix)s revoked: it no longer works.", prefix=token.prefix), "success")
    else:
        flash(_("Token %(prefix)s was already revoked.", prefix=token.prefix), "info")
    return redirect(url_for("tokens.token_list"), 303)
