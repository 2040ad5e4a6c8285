"""Administration of agencies and user accounts (administrators only).

Nothing here deletes: agencies and users are deactivated, so their history stays readable.
Every change is recorded in the audit trail by the services it calls.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ..models import REGION_ROLES, Agency, Role, User
from ..policy import is_agency_head, works_for_agency
from ..services import accounts
from ..services import agencies as service
from ..services.store import unit_of_work
from .helpers import load_or_404, page_number, roles_required

bp = Blueprint("admin_people", __name__, url_prefix="/admin")

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.EVALUATOR: _l("Evaluator"),
    Role.AGENCY: _l("Agency operator"),
    Role.VIEWER: _l("Leadership (read only)"),
    Role.MINISTRY_ADMIN: _l("Ministry administrator"),
    Role.MINISTRY_EVALUATOR: _l("Ministry evaluator"),
    Role.NATIONAL_VIEWER: _l("National leadership (read only)"),
}
INCLUDE, EXCLUDE = "include", "exclude"


@bp.app_template_filter("role_name")
def role_name(role: str) -> str:
    """A role as people read it, in the page's language ("Pimpinan (hanya membaca)")."""
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


def _no_store(page: str, status: int = 200):
    """A page with a password on it (or typed into it): never kept in a cache."""
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- agencies --------------------------------------------------------------------------------


class AgencyForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=40)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    head_name = StringField(_l("Head of agency: name"), validators=[Length(max=200)])
    head_nip = StringField(_l("Head of agency: NIP"), validators=[Length(max=40)])
    head_position = StringField(_l("Head of agency: position"), validators=[Length(max=200)])
    tags = StringField(_l("Tags"), validators=[Length(max=1000)])

    def values(self, code: str | None = None) -> service.AgencyInput:
        return service.AgencyInput(
            code=code if code is not None else self.code.data or "",
            name=self.name.data or "",
            head_name=self.head_name.data or "",
            head_nip=self.head_nip.data or "",
            head_position=self.head_position.data or "",
            tags=self.tags.data or "",
        )

    def show_problems(self, problems: dict[str, str]) -> None:
        for column, message in problems.items():
            self[column].errors = [*self[column].errors, message]


@bp.route("/agencies")
@roles_required(Role.ADMIN)
def agencies():
    query = request.args.get("q", "").strip()[:100]
    result = service.search_agencies(query, page_number())
    return render_template("admin/agencies.html", result=result, query=query)


@bp.route("/agencies/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def agency_new():
    form = AgencyForm()
    if form.validate_on_submit():
        values = form.values().cleaned()
        problems = service.field_problems(values)
        if not problems:
            try:
                with unit_of_work():
                    agency = service.create_agency(values, by=current_user)
            except service.AgencyError as error:
                problems = {"code": str(error)}
            else:
                flash(_("Agency %(code)s created.", code=agency.code), "success")
                return redirect(url_for("admin_people.agency_edit", agency_id=agency.id), 303)
        form.show_problems(problems)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/agencies_form.html", form=form, agency=None), status


def _scope_choices(scope: list[service.DimensionScope]) -> tuple[list[str], dict[str, bool], str]:
    """The dimensions ticked and the indicator overrides chosen in the form, or a problem."""
    known_dimensions = {d.dimension.code for d in scope}
    known_indicators = {i.indicator.code for d in scope for i in d.indicators}
    chosen = request.form.getlist("dimension")
    if not set(chosen) <= known_dimensions:
        return [], {}, _("Unknown dimension in the form.")
    dimensions = [d.dimension.code for d in scope if d.dimension.code in chosen]
    overrides: dict[str, bool] = {}
    for key, value in request.form.items():
        if not key.startswith("scope-"):
            continue
        code = key.removeprefix("scope-")
        if code not in known_indicators or value not in ("", INCLUDE, EXCLUDE):
            return [], {}, _("Unknown indicator choice in the form.")
        if value:
            overrides[code] = value == INCLUDE
    return dimensions, overrides, ""


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def agency_edit(agency_id: int):
    agency = load_or_404(Agency, agency_id)
    instrument = service.current_instrument()
    # a POST is read from the request only: a missing field is missing, not the stored value
    form = AgencyForm() if request.method == "POST" else AgencyForm(obj=agency)
    scope_problem = ""
    if form.validate_on_submit():
        values = form.values(code=agency.code).cleaned()
        problems = service.field_problems(values)
        dimensions: list[str] | None = None
        overrides: dict[str, bool] | None = None
        if instrument is not None:
            dimensions, overrides, scope_problem = _scope_choices(
                service.scope_of(agency, instrument)
            )
        if not problems and not scope_problem:
            with unit_of_work():
                changed = service.update_agency(
                    agency, values, by=current_user, dimensions=dimensions, overrides=overrides
                )
            if changed:
                flash(_("Agency %(code)s saved.", code=agency.code), "success")
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for("admin_people.agency_edit", agency_id=agency.id), 303)
        form.show_problems(problems)
    status = 400 if request.method == "POST" else 200
    scope = service.scope_of(agency, instrument) if instrument is not None else None
    return render_template(
        "admin/agencies_form.html",
        form=form,
        agency=agency,
        scope=scope,
        scope_problem=scope_problem,
        # after a refused save, the ticks and choices as sent, not as stored
        submitted=request.form if request.method == "POST" else None,
        users=service.users_of(agency),
    ), status


def _set_agency_active(agency_id: int, active: bool):
    agency = load_or_404(Agency, agency_id)
    with unit_of_work():
        changed = service.set_agency_active(agency, active, by=current_user)
    if changed:
        message = (
            _("Agency %(code)s reactivated.", code=agency.code)
            if active
            else _(
                "Agency %(code)s deactivated: it gets no new assessments; its history stays.",
                code=agency.code,
            )
        )
        flash(message, "success")
    return redirect(url_for("admin_people.agency_edit", agency_id=agency.id), 303)


@bp.route("/agencies/<int:agency_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def agency_deactivate(agency_id: int):
    return _set_agency_active(agency_id, False)


@bp.route("/agencies/<int:agency_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def agency_reactivate(agency_id: int):
    return _set_agency_active(agency_id, True)


# --- users -----------------------------------------------------------------------------------


def _agency_choices() -> list[SelectChoice]:
    rows = service.agency_names()
    choices = [SelectChoice("", _("No agency"))]
    for code, name, active in rows:
        label = f"{code} · {name}" + ("" if active else f" ({_('inactive')})")
        choices.append(SelectChoice(code, label))
    return choices


class UserForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[Length(max=200)])
    # a region's administrator makes region accounts only (never a ministry role)
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in REGION_ROLES]
    )
    agency = SelectField(_l("Agency (required for agency operators)"), choices=[])


class NewUserForm(UserForm):
    username = StringField(_l("Username"), validators=[Length(max=80)])
    password = PasswordField(
        _l("Initial password (the user must change it at first log-in)"),
        validators=[Length(max=200)],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Temporary password (leave empty to have one generated)"),
        validators=[Optional(), Length(max=200)],
    )


@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "").strip()
    if role not in {r.value for r in REGION_ROLES}:
        role = ""
    result = accounts.search_users(query, role, page_number())
    return render_template(
        "admin/users.html", result=result, query=query, role=role, role_labels=ROLE_LABELS
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_new():
    form = NewUserForm()
    form.agency.choices = _agency_choices()
    user = created_from(form, agency_code=form.agency.data or None)
    if user is not None:
        return redirect(url_for("admin_people.user_edit", user_id=user.id), 303)
    status = 400 if request.method == "POST" else 200
    return _no_store(
        render_template("admin/users_form.html", form=form, user=None, role_labels=ROLE_LABELS),
        status,
    )


def created_from(form, agency_code: str | None = None) -> User | None:
    """The account a valid new-user form (username, role, password, full name) asks for,
    created by the current user with a password to change at first log-in; None when the form
    is not sent or not valid (a refused username is shown on its field)."""
    if not form.validate_on_submit():
        return None
    try:
        with unit_of_work():
            user = accounts.create_user(
                form.username.data or "",
                form.role.data or "",
                form.password.data or "",
                agency_code=agency_code,
                full_name=form.full_name.data or "",
                by=current_user,
                must_change_password=True,
            )
    except accounts.AccountError as error:
        form.username.errors = [*form.username.errors, str(error)]
        return None
    flash(
        _(
            "User %(username)s created: they must change the password at first log-in.",
            username=user.username,
        ),
        "success",
    )
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    user = load_or_404(User, user_id)
    form = UserForm() if request.method == "POST" else UserForm(obj=user)
    if request.method == "GET":
        form.agency.data = user.agency.code if user.agency is not None else ""
    form.agency.choices = _agency_choices()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                changed = accounts.update_user(
                    user,
                    full_name=form.full_name.data or "",
                    role=form.role.data or "",
                    agency_code=form.agency.data or None,
                    by=current_user,
                )
        except accounts.AccountError as error:
            form.role.errors = [*form.role.errors, str(error)]
        else:
            flash(
                _("User %(username)s saved.", username=user.username)
                if changed
                else _("Nothing changed."),
                "success" if changed else "info",
            )
            return redirect(url_for("admin_people.user_edit", user_id=user.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/users_form.html",
        form=form,
        user=user,
        reset_form=ResetPasswordForm(formdata=None),
        role_labels=ROLE_LABELS,
        agency_account=works_for_agency(user),
        agency_head=is_agency_head(user),
        open_sessions=accounts.open_sessions(user),
    ), status


def _set_user_active(user_id: int, active: bool):
    user = load_or_404(User, user_id)
    try:
        with unit_of_work():
            changed = accounts.set_user_active(user, active, by=current_user)
    except accounts.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("admin_people.user_edit", user_id=user.id), 303)
    if changed:
        flash(
            _("User %(username)s reactivated.", username=user.username)
            if active
            else _(
                "User %(username)s deactivated: they can no longer log in; their history stays.",
                username=user.username,
            ),
            "success",
        )
    return redirect(url_for("admin_people.user_edit", user_id=user.id), 303)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def user_deactivate(user_id: int):
    return _set_user_active(user_id, False)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def user_reactivate(user_id: int):
    return _set_user_active(user_id, True)


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@roles_required(Role.ADMIN)
def user_end_sessions(user_id: int):
    """Log the user out of every browser for good (e.g. a lost phone, a shared computer)."""
    user = load_or_404(User, user_id)
    with unit_of_work():
        ended = accounts.end_all_sessions(user, by=current_user)
    flash(
        ngettext(
            "%(num)d session of %(username)s ended: they must log in again.",
            "%(num)d sessions of %(username)s ended: they must log in again.",
            ended,
            username=user.username,
        ),
        "success",
    )
    return redirect(url_for("admin_people.user_edit", user_id=user.id), 303)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def user_reset_password(user_id: int):
    user = load_or_404(User, user_id)
    reset_form = ResetPasswordForm()
    if reset_form.validate_on_submit():
        try:
            with unit_of_work():
                temporary = accounts.reset_password(
                    user, reset_form.password.data or None, by=current_user
                )
        except accounts.AccountError as error:
            reset_form.password.errors = [*reset_form.password.errors, str(error)]
        else:
            generated = not reset_form.password.data
            # shown once, never stored as text: the page must not be cached either
            return _no_store(
                render_template(
                    "admin/users_password.html",
                    user=user,
                    temporary=temporary if generated else None,
                )
            )
    form = UserForm(formdata=None, obj=user)
    form.agency.choices = _agency_choices()
    form.agency.data = user.agency.code if user.agency is not None else ""
    return render_template(
        "admin/users_form.html",
        form=form,
        user=user,
        reset_form=reset_form,
        role_labels=ROLE_LABELS,
        agency_account=works_for_agency(user),
        agency_head=is_agency_head(user),
        open_sessions=accounts.open_sessions(user),
    ), 400
