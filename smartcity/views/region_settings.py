"""The region's letterhead and document numbers, set by administrators (/admin/region).

- GET/POST /admin/region: administrators only (403 for everyone else); a refused save answers
  400 with every problem listed and what was typed kept;
- GET /admin/region/emblem: the stored coat of arms (administrators; 404 when there is none),
  served with `nosniff` and a sandbox CSP: it is shown as an image, never run.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FormField, StringField
from wtforms.validators import Length

from ..domain import emblem as emblems
from ..domain.numbering import DEFAULT_PATTERN, NumberFormat
from ..models import Role
from ..services import documents
from ..services import letterhead as service
from .helpers import roles_required

bp = Blueprint("region_settings", __name__, url_prefix="/admin/region")


class NumberingForm(FlaskForm):
    """One kind's number: its pattern and its classification code."""

    class Meta:
        csrf = False  # a part of the settings form, which carries the token

    pattern = StringField(_l("Number pattern"), validators=[Length(max=120)])
    classification = StringField(_l("Classification ({klasifikasi})"), validators=[Length(max=40)])


class RegionSettingsForm(FlaskForm):
    government = StringField(_l("Government"), validators=[Length(max=200)])
    unit = StringField(_l("Issuing unit"), validators=[Length(max=200)])
    unit_code = StringField(_l("Unit in document numbers ({unit})"), validators=[Length(max=40)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    telephone = StringField(_l("Telephone"), validators=[Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Length(max=200)])
    website = StringField(_l("Website"), validators=[Length(max=200)])
    emblem = FileField(_l("Coat of arms (PNG or SVG)"))
    remove_emblem = BooleanField(_l("Remove the coat of arms"))


def _settings_form(**kwargs) -> RegionSettingsForm:
    """The form with one numbering sub-form per kind of document."""

    class Form(RegionSettingsForm):
        pass

    for kind in documents.KINDS:
        setattr(
            Form, f"numbering_{kind}", FormField(NumberingForm, label=documents.kind_title(kind))
        )
    return Form(**kwargs)


def _numbering_fields(form) -> list[tuple[str, object]]:
    return [(kind, form[f"numbering_{kind}"]) for kind in documents.KINDS]


def _initial() -> dict:
    row = service.settings()
    values: dict = {
        name: getattr(row, name) if row is not None else "" for name in service.TEXT_FIELDS
    }
    formats = service.number_formats(row)
    for kind in documents.KINDS:
        number_format = formats.get(kind, NumberFormat())
        values[f"numbering_{kind}"] = {
            "pattern": number_format.pattern,
            "classification": number_format.classification,
        }
    return values


@bp.route("", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit():
    form = _settings_form(data=_initial())
    status = 200
    problems: list[str] = []
    if form.is_submitted():
        if form.validate():
            upload = form.emblem.data
            content = upload.read(emblems.MAX_BYTES + 1) if upload and upload.filename else None
            try:
                service.save(
                    current_user,
                    {name: form[name].data or "" for name in service.TEXT_FIELDS},
                    {
                        kind: NumberFormat(
                            (sub.pattern.data or "").strip() or DEFAULT_PATTERN,
                            (sub.classification.data or "").strip(),
                        )
                        for kind, sub in _numbering_fields(form)
                    },
                    {kind: documents.kind_title(kind) for kind in documents.KINDS},
                    emblem_upload=content,
                    remove_emblem=bool(form.remove_emblem.data),
                )
            except service.SettingsInvalid as error:
                problems = error.problems
                status = 400
            else:
                flash(_("The letterhead and document numbers are saved."), "success")
                return redirect(url_for(".edit"), 303)
        else:
            status = 400
            problems = [
                f"{form[name].label.text}: {message}"
                for name, messages in form.errors.items()
                if isinstance(messages, list)
                for message in messages
            ]
    row = service.settings()
    return render_template(
        "admin/region.html",
        form=form,
        numbering=_numbering_fields(form),
        problems=problems,
        has_emblem=bool(row is not None and row.emblem),
        example=_example(),
    ), status


def _example() -> str:
    """What the report's next number would look like (nothing is taken)."""
    from ..domain import numbering
    from ..models import utcnow

    row = service.settings()
    today = documents.local_day(utcnow())
    return numbering.render(
        service.number_format_of(row, documents.REPORT),
        row.unit_code if row is not None else "",
        today.year,
        today.month,
        17,
    )


@bp.route("/emblem")
@roles_required(Role.ADMIN)
def emblem():
    row = service.settings()
    if row is None or not row.emblem:
        abort(404)
    response = Response(row.emblem, mimetype=row.emblem_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response
