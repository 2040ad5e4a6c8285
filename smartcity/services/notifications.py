"""Notifications: who hears that an assessment moved on, in the app and by e-mail.

`notify(event)` takes the audit event a workflow step records (its `new` value names the state
reached) and, in the same transaction, adds one notification for each person concerned:

| state reached | who is told |
| --- | --- |
| submitted | the evaluators assigned to the agency for the period |
| returned, verified, final | the agency's users |

A state missing from `RECIPIENTS` tells nobody; a new step adds its row there.

E-mail (SMTP, `MAIL_SERVER` ...; off while `MAIL_SERVER` is unset) goes to those who gave an
address. It never blocks or fails the step: the mails are handed on only once the step is
committed, to the RQ queue when `REDIS_URL` is set (the print worker sends them), else to a
background thread of the web process; a mail that cannot be sent is tried again after each of
`MAIL_RETRY_DELAYS` seconds, then marked failed.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask, current_app, has_app_context, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, joinedload

from ..domain.workflow import Status
from ..extensions import db
from ..models import (
    Assessment,
    AuditEvent,
    EvaluatorAssignment,
    Notification,
    Role,
    User,
    utcnow,
)
from . import audit
from .review import status_text

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"
UNSENT_KEY = "smartcity.unsent_mail"  # Session.info: ids of mails to hand on after the commit


def evaluators_of(assessment: Assessment) -> list[User]:
    """The evaluators assigned to the agency for the period (never its own members)."""
    return list(
        db.session.scalars(
            select(User)
            .join(EvaluatorAssignment, EvaluatorAssignment.evaluator_id == User.id)
            .where(
                EvaluatorAssignment.agency_id == assessment.agency_id,
                EvaluatorAssignment.period_id == assessment.period_id,
                User.agency_id.is_distinct_from(assessment.agency_id),
            )
            .order_by(User.id)
        )
    )


def agency_users(assessment: Assessment) -> list[User]:
    """The assessed agency's own users."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.agency_id == assessment.agency_id, User.role == Role.AGENCY)
            .order_by(User.id)
        )
    )


# the state an assessment reached -> who hears of it
RECIPIENTS: dict[str, Callable[[Assessment], list[User]]] = {
    Status.SUBMITTED: evaluators_of,
    Status.RETURNED: agency_users,
    Status.VERIFIED: agency_users,
    Status.FINAL: agency_users,
}

# what each state reached means for the one told ({agency}, {year})
TITLES = {
    Status.SUBMITTED: _l("%(agency)s submitted its self-assessment %(year)s for review"),
    Status.RETURNED: _l("The self-assessment %(year)s of %(agency)s was returned for changes"),
    Status.VERIFIED: _l("The self-assessment %(year)s of %(agency)s is verified"),
    Status.FINAL: _l("The result %(year)s of %(agency)s is final"),
}


def title(notification: Notification) -> str:
    """One line for people, in the current language."""
    assessment = notification.assessment
    agency = assessment.agency.name if assessment is not None else ""
    year = assessment.period.year if assessment is not None else ""
    text = TITLES.get(notification.status)
    if text is not None:
        return str(text) % {"agency": agency, "year": year}

    return _(
        "The self-assessment %(year)s of %(agency)s is now %(status)s",
        agency=agency,
        year=year,
        status=status_text(notification.status),
    )


def notify(event: AuditEvent) -> list[Notification]:
    """Tell the people concerned about a workflow step, from the audit event it recorded.

    Call it before the step's commit: the notifications commit (or roll back) with the step,
    and their e-mails are handed on only after the commit.
    """
    new = audit.decoded(event.new_value) or {}
    status = str(new.get("status", ""))
    recipients = RECIPIENTS.get(status)
    if recipients is None or event.assessment_id is None:
        return []
    assessment = db.session.get(Assessment, event.assessment_id)
    assert assessment is not None
    mail_on = bool(current_app.config.get("MAIL_SERVER"))
    rows = []
    for user in recipients(assessment):
        if not user.active or user.id == event.user_id:
            continue
        row = Notification(
            user_id=user.id,
            event=event.action,
            status=status,
            assessment_id=assessment.id,
            actor_id=event.user_id,
            comment=str(new.get("comment", "")),
            created_at=event.at or utcnow(),
        )
        row.assessment = assessment
        if mail_on and user.email:
            row.mail_status, row.mail_to = PENDING, user.email
            row.mail_subject, row.mail_body = _mail_text(row, user)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    unsent = [row.id for row in rows if row.mail_status == PENDING]
    if unsent:
        db.session().info.setdefault(UNSENT_KEY, []).extend(unsent)
    return rows


def _mail_text(row: Notification, user: User) -> tuple[str, str]:
    """Subject and body in the region's language (the app's default locale)."""
    assessment = row.assessment
    assert assessment is not None
    endpoint = "review.review_page" if row.status == Status.SUBMITTED else "assessment.overview"
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "id")):
        subject = title(row)
        lines = [
            _("Dear %(name)s,", name=user.full_name or user.username),
            "",
            subject + ".",
        ]
        if row.comment:
            lines += ["", _("Comment:"), row.comment]
        lines += ["", _("Open it here: %(link)s", link=_external_url(endpoint, assessment.id))]
        lines += ["", "-- ", _("Smart City Self-Assessment")]
    return subject[:300], "\n".join(lines)


def _external_url(endpoint: str, assessment_id: int) -> str:
    if has_request_context():
        return url_for(endpoint, assessment_id=assessment_id, _external=True)
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "http://localhost")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, assessment_id=assessment_id, _external=True)


# --- handing the mails on after the commit -----------------------------------------------------


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    unsent = session.info.pop(UNSENT_KEY, None)
    if unsent and has_app_context():
        dispatch(list(unsent))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(UNSENT_KEY, None)


def dispatch(ids: list[int]) -> None:
    """Hand mails on: to RQ when REDIS_URL is set (falling back to a thread if Redis is down),
    else to a background thread. Never raises: the step is already done."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REDIS_URL"):
        try:
            _enqueue(app, ids)
            return
        except Exception:  # noqa: BLE001 - Redis down: the thread still sends them
            log.exception("could not queue notification mails %s; sending from this process", ids)
    thread = threading.Thread(
        target=_send_in_thread, args=(app, ids), name="notification-mail", daemon=True
    )
    with _lock:
        _threads.append(thread)
    thread.start()


def _enqueue(app: Flask, ids: list[int]) -> None:
    from redis import Redis
    from rq import Queue, Retry

    delays = [int(d) for d in app.config["MAIL_RETRY_DELAYS"]]
    # the print worker's queue: `flask print-worker` sends the mails too
    queue = Queue(app.config["PRINT_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))
    for notification_id in ids:
        queue.enqueue(
            "smartcity.worker.send_notification",
            notification_id,
            retry=Retry(max=len(delays), interval=delays) if delays else None,
            result_ttl=3600,
            failure_ttl=86400,
        )


_threads: list[threading.Thread] = []
_lock = threading.Lock()


def wait_for_mail(timeout: float | None = None) -> None:
    """Wait for this process's mail threads to finish (the tests' and the CLI's sync point)."""
    with _lock:
        threads = list(_threads)
    for thread in threads:
        thread.join(timeout)
    with _lock:
        _threads[:] = [t for t in _threads if t.is_alive()]


def _send_in_thread(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            schedule = [0.0, *app.config["MAIL_RETRY_DELAYS"]]
            waiting = list(ids)
            for n, delay in enumerate(schedule):
                if delay:
                    time.sleep(delay)
                last = n == len(schedule) - 1
                waiting = [i for i in waiting if not send(i, last_try=last)]
                if not waiting:
                    break
        finally:
            db.session.remove()


class MailNotSent(Exception):
    """The SMTP server could not be reached or refused the mail (RQ tries again)."""


def send_or_raise(notification_id: int) -> None:
    """Send one queued mail (`smartcity.worker.send_notification`, run by RQ); raises
    MailNotSent so that RQ tries again later."""
    from rq import get_current_job

    job = get_current_job()
    last = job is None or not job.retries_left
    if not send(notification_id, last_try=last):
        raise MailNotSent(f"notification {notification_id}: mail not sent yet")


def send(notification_id: int, last_try: bool = False) -> bool:
    """Send one pending mail; True when it is sent (or nothing is left to send)."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.mail_status != PENDING:
        return True
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = row.mail_to
    message["Subject"] = row.mail_subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(row.mail_body)
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=config["MAIL_TIMEOUT"]
        ) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        db.session.execute(
            update(Notification)
            .where(Notification.id == notification_id)
            .values(
                mail_attempts=Notification.mail_attempts + 1,
                mail_error=f"{type(error).__name__}: {error}"[:2000],
                mail_status=FAILED if last_try else PENDING,
            )
        )
        db.session.commit()
        log.warning("notification %s: mail to %s not sent: %s", row.id, row.mail_to, error)
        return False
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(
            mail_attempts=Notification.mail_attempts + 1,
            mail_status=SENT,
            mail_error="",
            mail_sent_at=utcnow(),
        )
    )
    db.session.commit()
    return True


# --- the in-app list ---------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return int(
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def latest(user: User, limit: int = 50) -> list[Notification]:
    """The user's notifications, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .options(
                joinedload(Notification.assessment).joinedload(Assessment.agency),
                joinedload(Notification.assessment).joinedload(Assessment.period),
                joinedload(Notification.actor),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) unread notification of the user read; how many."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    changed = db.session.execute(query.values(read_at=utcnow())).rowcount
    db.session.commit()
    return int(changed or 0)


class AddressRefused(Exception):
    """Not an e-mail address; the message says why."""


def set_email(user: User, address: str) -> None:
    """The user's own address for notification mails ("" for none); audited."""
    address = address.strip()
    if address and (
        len(address) > 254
        or address.count("@") != 1
        or not address.split("@")[0]
        or "." not in address.split("@")[1]
        or any(c.isspace() or c in '<>,;"' for c in address)
    ):
        raise AddressRefused(_("%(address)s is not an e-mail address.", address=address[:80]))
    if address == user.email:
        return
    audit.record(
        "user.email_changed",
        "user",
        user.id,
        user=user,
        old={"email": user.email},
        new={"email": address},
    )
    user.email = address
    db.session.commit()
