"""The in-app notifications: the list, its unread count in the header, the e-mail address."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..models import Notification
from ..policy import can_view_assessment
from ..services import letterhead, store
from ..services import notifications as service

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def header_helpers() -> dict:
    """Callables, so a page pays for the query only when its header asks."""

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return service.unread_count(current_user)

    return {"unread_notifications": unread_notifications, "region_name": letterhead.region_name}


@bp.route("/notifications")
@login_required
def index():
    return render_template(
        "notifications/list.html",
        notifications=service.latest(current_user),
        title=service.title,
        unread=service.unread_count(current_user),
    )


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Marks it read and opens what it is about."""
    row = store.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    service.mark_read(current_user, row.id)
    if row.assessment is None or not can_view_assessment(current_user, row.assessment):
        return redirect(url_for(".index"), 303)
    return redirect(url_for("assessment.overview", assessment_id=row.assessment_id), 303)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read():
    count = service.mark_read(current_user)
    flash(_("%(n)d notifications marked as read.", n=count), "success")
    return redirect(url_for(".index"), 303)


@bp.route("/notifications/email", methods=["POST"])
@login_required
def set_email():
    try:
        service.set_email(current_user, request.form.get("email", ""))
    except service.AddressRefused as error:
        flash(str(error), "error")
        return render_template(
            "notifications/list.html",
            notifications=service.latest(current_user),
            title=service.title,
            unread=service.unread_count(current_user),
            typed_email=request.form.get("email", ""),
        ), 400
    flash(_("Your e-mail address for notifications is saved."), "success")
    return redirect(url_for(".index"), 303)
