"""Notifications (issue 15 item 18): who hears of each step of an assessment, in the app (a list
with an unread count) and by e-mail through a real SMTP server started here (aiosmtpd on a
free local port); sending never blocks or fails the step, and a mail that cannot be sent is
tried again."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from smartcity.domain.workflow import Action
from smartcity.extensions import db
from smartcity.models import Assessment, Notification, User
from smartcity.services import notifications, workflow

from .helpers import finalizer_of, hand_in, handed_to_evaluators, user_named


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.mails.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [message for rcpt, message in self.mails if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(port: int):
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


ADDRESSES = {
    "evaluator": "evaluator@kotimkab.go.id",
    "diskominfo": "diskominfo@kotimkab.go.id",
    "dinkes": "dinkes@kotimkab.go.id",
    "admin": "admin@kotimkab.go.id",
}


@pytest.fixture
def mail_demo(demo):
    """The demo with e-mail on (a local port) and an address for some users; quick retries."""
    port = free_port()
    demo.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_FROM="smartcity@kotimkab.go.id",
        MAIL_RETRY_DELAYS=(0.5, 1.0, 2.0),
        MAIL_TIMEOUT=5,
    )
    with demo.app_context():
        for username, address in ADDRESSES.items():
            db.session.scalar(select(User).filter_by(username=username)).email = address
        db.session.commit()
    yield demo, port
    notifications.wait_for_mail(30)


def _notification_of(username: str, status: str, column=Notification):
    """The query for the user's notification of the state reached."""
    return (
        select(column)
        .join(User, User.id == Notification.user_id)
        .where(User.username == username, Notification.status == status)
    )


def _told(app, assessment_id: int, status: str) -> set[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).filter_by(assessment_id=assessment_id, status=status)
        )
        return {row.user.username for row in rows}


# the steps of one year and who is told (in the app; by mail if they have an address): the
# evaluators when it is submitted, the agency's users when it comes back or is settled
EVALUATORS, AGENCY = "the assigned evaluators", "the agency's users"
STEPS = [
    ("submitted", EVALUATORS),
    ("returned", AGENCY),
    ("submitted", EVALUATORS),  # resubmitted after the return
    ("verified", AGENCY),
    ("final", AGENCY),
]


def _people(app, who: str) -> set[str]:
    with app.app_context():
        if who == EVALUATORS:
            return {"evaluator"}
        agency_id = user_named("diskominfo").agency_id
        return set(db.session.scalars(select(User.username).filter_by(agency_id=agency_id)))


@pytest.mark.commits
def test_each_step_tells_the_people_concerned_in_the_app_and_by_mail(mail_demo):
    app, port = mail_demo
    with smtp_server(port) as inbox:
        assessment_id = handed_to_evaluators(app)
        with app.test_request_context():
            assessment = db.session.get(Assessment, assessment_id)
            workflow.transition(assessment, user_named("evaluator"), Action.RETURN, "Lengkapi SK")
            hand_in(assessment)
            workflow.transition(assessment, user_named("evaluator"), Action.START_REVIEW)
            workflow.transition(assessment, user_named("evaluator"), Action.VERIFY)
            workflow.transition(assessment, finalizer_of(assessment), Action.FINALIZE)
        notifications.wait_for_mail(30)
        with app.app_context():
            rows = list(
                db.session.scalars(
                    select(Notification)
                    .filter(
                        Notification.assessment_id == assessment_id,
                        Notification.status.in_({status for status, _users in STEPS}),
                    )
                    .order_by(Notification.id)
                )
            )
            # one notification per person told, step by step, in order
            steps = []
            for row in rows:
                if not steps or steps[-1][0] != row.status or row.event != steps[-1][2]:
                    steps.append((row.status, set(), row.event))
                steps[-1][1].add(row.user.username)
            assert [(status, users) for status, users, _event in steps] == [
                (status, _people(app, who)) for status, who in STEPS
            ]
            # a mail for everyone with an address, none for the others
            assert {row.user.username for row in rows if row.mail_status == "sent"} == {
                "evaluator",
                "diskominfo",
            }
            assert all(row.mail_status == "" for row in rows if not row.user.email)
        # the mails: one for each notification, to the person's address, saying what happened
        assert "diskominfo" in _people(app, AGENCY)
        evaluator_mails = inbox.to(ADDRESSES["evaluator"])
        agency_mails = inbox.to(ADDRESSES["diskominfo"])
        assert len(evaluator_mails) == 2 and len(agency_mails) == 3
        returned = agency_mails[0]
        assert returned["From"] == "smartcity@kotimkab.go.id"
        assert "dikembalikan" in returned["Subject"]
        body = returned.get_content()
        assert "Lengkapi SK" in body and f"/assessments/{assessment_id}" in body
        assert "/review" in evaluator_mails[0].get_content()
        # nobody else: another agency, the admin who did not take part
        assert not inbox.to(ADDRESSES["dinkes"])


@pytest.mark.commits
def test_no_mail_without_an_address_or_without_mail_server(demo, mail_demo):
    app, port = mail_demo
    with app.app_context():
        user_named("evaluator").email = ""
        db.session.commit()
    with smtp_server(port) as inbox:
        assessment_id = handed_to_evaluators(app)
        notifications.wait_for_mail(30)
        assert _told(app, assessment_id, "submitted") == {"evaluator"}  # in the app still
        assert inbox.mails == []
        app.config["MAIL_SERVER"] = ""  # off: nothing is even queued
        with app.test_request_context():
            assessment = db.session.get(Assessment, assessment_id)
            workflow.transition(assessment, user_named("evaluator"), Action.RETURN, "Perbaiki")
        notifications.wait_for_mail(30)
        assert inbox.mails == []
        with app.app_context():
            row = db.session.scalar(_notification_of("diskominfo", "returned"))
            assert row.user.username == "diskominfo" and row.mail_status == ""


@pytest.mark.commits
def test_a_mail_server_that_is_down_neither_blocks_nor_fails_the_step(mail_demo, client, auth):
    app, port = mail_demo  # nothing listens on the port
    assessment_id = handed_to_evaluators(app)
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        workflow.transition(assessment, user_named("evaluator"), Action.RETURN, "Perbaiki")
        assert assessment.status == "returned"
    auth.login("diskominfo")
    page = client.get("/notifications").get_data(as_text=True)
    assert "dikembalikan" in page
    notifications.wait_for_mail(30)
    with app.app_context():
        row = db.session.scalar(_notification_of("diskominfo", "returned"))
        # tried once and after each delay, then given up and recorded
        assert row.mail_status == "failed" and row.mail_attempts == 4
        assert "Connection refused" in row.mail_error or "Errno" in row.mail_error


@pytest.mark.commits
def test_a_mail_that_could_not_be_sent_is_tried_again(mail_demo):
    app, port = mail_demo
    app.config["MAIL_RETRY_DELAYS"] = (1.0, 2.0, 4.0)
    assessment_id = handed_to_evaluators(app)  # the evaluator's mail: the server is not there yet
    with app.app_context():
        row_id = db.session.scalar(_notification_of("evaluator", "submitted", Notification.id))

    def attempts() -> int:
        with app.app_context():
            return db.session.get(Notification, row_id).mail_attempts

    # wait (not time) until the first try has failed, then start the server
    deadline = threading.Event()
    for _ in range(200):
        if attempts() >= 1:
            break
        deadline.wait(0.05)
    assert attempts() >= 1
    with smtp_server(port) as inbox:
        notifications.wait_for_mail(30)
        assert len(inbox.to(ADDRESSES["evaluator"])) == 1
    with app.app_context():
        row = db.session.get(Notification, row_id)
        assert row.mail_status == "sent" and row.mail_attempts >= 2
    assert assessment_id


def test_the_in_app_list_and_its_unread_count(demo, client, auth):
    assessment_id = handed_to_evaluators(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        workflow.transition(
            assessment, user_named("evaluator"), Action.RETURN, "Lengkapi SK GOV-01"
        )
    auth.login("diskominfo")
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="unread-badge">1<' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "1 pemberitahuan belum dibaca" in page
    assert "Lengkapi SK GOV-01" in page
    with demo.app_context():
        row_id = db.session.scalar(_notification_of("diskominfo", "returned", Notification.id))
    # opening it leads to the assessment and marks it read
    opened = client.get(f"/notifications/{row_id}")
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/assessments/{assessment_id}")
    assert 'data-testid="unread-badge"' not in client.get("/").get_data(as_text=True)
    # someone else's notification is not found
    auth.logout()
    auth.login("dinkes")
    assert client.get(f"/notifications/{row_id}").status_code == 404
    assert 'data-testid="unread-badge"' not in client.get("/").get_data(as_text=True)


def test_users_set_their_own_address(demo, client, auth):
    auth.login("dinkes")
    response = client.post("/notifications/email", data={"email": "bukan alamat"})
    assert response.status_code == 400
    response = client.post("/notifications/email", data={"email": "dinkes@kotimkab.go.id"})
    assert response.status_code == 303
    with demo.app_context():
        assert user_named("dinkes").email == "dinkes@kotimkab.go.id"


@pytest.mark.commits
def test_with_redis_the_mails_wait_on_the_queue_for_the_worker(mail_demo):
    """REDIS_URL set: the step only queues the mail; `flask print-worker` sends it."""
    import uuid

    from .helpers import redis_or_skip

    app, port = mail_demo
    url = "redis://127.0.0.1:6379/15"
    connection = redis_or_skip(url)
    queue_name = f"smartcity-mail-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=url, PRINT_QUEUE=queue_name)
    try:
        with smtp_server(port) as inbox:
            handed_to_evaluators(app)
            notifications.wait_for_mail(30)  # no thread was started: nothing to wait for
            assert inbox.mails == []
            with app.app_context():
                row = db.session.scalar(_notification_of("evaluator", "submitted"))
                assert row.mail_status == "pending"
                from smartcity.services import print_jobs

                print_jobs.run_worker(burst=True)
                db.session.remove()
            assert len(inbox.to(ADDRESSES["evaluator"])) == 1
        with app.app_context():
            row = db.session.scalar(_notification_of("evaluator", "submitted"))
            assert row.mail_status == "sent"
    finally:
        for key in connection.scan_iter(f"rq:*{queue_name}*"):
            connection.delete(key)
