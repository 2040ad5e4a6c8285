"""In real Chromium: a chosen evidence file uploads at once and is never lost (issue 15, item 1).

An agency chose a PDF for an indicator, saw "all changes saved", went back to the overview and
the file was gone. Now a chosen file is sent on its own (progress bar), listed with Preview and
Remove; while it is not uploaded, leaving the page asks first; offline it waits in IndexedDB
and goes out when the connection returns, also after the tab was closed; and the warning that
an answer needs evidence appears as soon as such a level is chosen.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Evidence
from tests.browser.axe import launch_chromium, open_page
from tests.browser.helpers import diskominfo_assessment_id, fill_in_login, pdf_payload
from tests.browser.live import served_demo
from tests.helpers import HTML

pytestmark = pytest.mark.browser

CODE = "GOV-01"  # levels 3 and above need a file in the demo questionnaire


@pytest.fixture(scope="module")
def demo_server(databases):
    with served_demo(databases) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture
def app(demo_server):
    app = demo_server[0]
    with app.app_context():  # every test starts without files
        for row in db.session.scalars(select(Evidence)):
            db.session.delete(row)
        db.session.commit()
    return app


@pytest.fixture
def context(browser, demo_server):
    for page in open_page(browser, demo_server[1]):
        yield page.context


class Dialogs:
    """Every dialog the page opens, answered as told (beforeunload: stay, by default)."""

    def __init__(self, page: Page, accept: bool = False):
        self.seen: list[str] = []
        self.accept = accept
        page.on("dialog", self.answer)

    def answer(self, dialog) -> None:
        self.seen.append(dialog.type)
        if dialog.type == "confirm" or self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


def answer_page(context, app) -> tuple[Page, str]:
    page = context.new_page()
    assessment_id = diskominfo_assessment_id(app)
    page.goto("/login")
    fill_in_login(page)
    page.wait_for_url(re.compile(r"^(?!.*/login)"))
    url = f"/assessments/{assessment_id}/dimensions/GOV"
    page.goto(url)
    return page, url


def files_of(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (row.indicator_code, row.original_name)
            for row in db.session.scalars(
                select(Evidence).filter(Evidence.deleted_at.is_(None)).order_by(Evidence.id)
            )
        ]


def choose(page: Page, code: str = CODE, payload: dict | None = None) -> None:
    page.locator(f'input[type=file][name="evidence-{code}"]').set_input_files(
        payload or pdf_payload(code)
    )


def listed(page: Page, code: str = CODE):
    return page.locator(f"#evidence-list-{code} li")


def back_link(page: Page):
    return page.locator(".sticky-actions a.button")


def test_a_chosen_file_is_uploaded_at_once_and_leaving_keeps_it(context, app):
    page, url = answer_page(context, app)
    dialogs = Dialogs(page)
    choose(page)
    entry = listed(page)
    expect(entry).to_have_count(1)
    expect(entry.locator("a[download]")).to_have_text(f"data-dukung-{CODE}.pdf")
    expect(entry.locator('a[target="_blank"]')).to_contain_text("Pratinjau")
    expect(entry.locator("button")).to_contain_text("Hapus")
    assert files_of(app) == [(CODE, f"data-dukung-{CODE}.pdf")]
    # straight back to the overview, no Save: nothing to warn about, nothing lost
    back_link(page).click()
    expect(page).to_have_url(url.rsplit("/dimensions", 1)[0])
    assert dialogs.seen == []
    page.goto(url)
    expect(listed(page)).to_have_count(1)
    # the file input is empty again: the Save button does not send the file a second time
    page.locator(".sticky-actions button.primary").click()
    expect(page.locator(".message-success").first).to_be_visible()
    assert files_of(app) == [(CODE, f"data-dukung-{CODE}.pdf")]


def test_leaving_while_a_file_is_on_its_way_asks_first(context, app):
    page, url = answer_page(context, app)
    dialogs = Dialogs(page)
    held = []
    page.route("**/evidence", lambda route: held.append(route))
    choose(page)
    progress = page.locator(f"#evidence-uploads-{CODE} progress")
    expect(progress).to_be_visible()
    page.wait_for_function("() => true")
    assert held, "the upload was not sent at once"
    # a link, back, closing the tab: each asks, and staying keeps the page
    back_link(page).click()
    page.evaluate("() => history.back()")  # the browser's back button
    page.wait_for_timeout(300)
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert dialogs.seen == ["beforeunload", "beforeunload", "beforeunload"]
    assert not page.is_closed()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    # the upload goes through: leaving is quiet again
    held[0].continue_()
    expect(listed(page)).to_have_count(1)
    back_link(page).click()
    expect(page).not_to_have_url(re.compile(re.escape(url) + "$"))
    assert dialogs.seen == ["beforeunload"] * 3


def test_save_pressed_during_an_upload_waits_for_it(context, app):
    page, url = answer_page(context, app)
    dialogs = Dialogs(page)
    held = []
    page.route("**/evidence", lambda route: held.append(route))
    page.locator(f'input[name="level-{CODE}"][value="3"]').check()
    choose(page)
    expect(page.locator(f"#evidence-uploads-{CODE} progress")).to_be_visible()
    page.locator(".sticky-actions button.primary").click()
    page.wait_for_timeout(300)
    expect(page.locator(".message-success")).to_have_count(0)  # not yet: the file is on its way
    held[0].continue_()
    expect(page.locator(".message-success").first).to_be_visible()
    expect(listed(page)).to_have_count(1)
    assert dialogs.seen == []
    assert files_of(app) == [(CODE, f"data-dukung-{CODE}.pdf")]


def test_offline_the_file_waits_in_the_browser_and_goes_out_when_back_online(context, app):
    page, _ = answer_page(context, app)
    Dialogs(page)
    context.set_offline(True)
    choose(page)
    waiting = page.locator(f"#evidence-uploads-{CODE} li.upload-failed")
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("belum terunggah")
    expect(waiting).to_contain_text("disimpan di peramban ini")
    assert files_of(app) == []
    context.set_offline(False)
    expect(listed(page)).to_have_count(1)
    expect(waiting).to_have_count(0)
    assert files_of(app) == [(CODE, f"data-dukung-{CODE}.pdf")]


def test_a_file_kept_offline_is_sent_when_the_page_is_opened_again(context, app):
    page, url = answer_page(context, app)
    Dialogs(page, accept=True)
    context.set_offline(True)
    choose(page, "GOV-02")
    expect(page.locator("#evidence-uploads-GOV-02 li.upload-failed")).to_be_visible()
    # the tab is closed while offline (the user confirms leaving)
    page.close(run_before_unload=True)
    page.wait_for_event("close")
    assert files_of(app) == []
    context.set_offline(False)
    again = context.new_page()
    again.goto(url)
    # the page sends the kept file once it opens: on a busy machine that takes over 5 s
    expect(listed(again, "GOV-02")).to_have_count(1, timeout=15_000)
    assert files_of(app) == [("GOV-02", "data-dukung-GOV-02.pdf")]
    # nothing waits in the browser any more: opening the page again sends nothing
    again.reload()
    expect(listed(again, "GOV-02")).to_have_count(1)
    expect(again.locator("#evidence-uploads-GOV-02 li")).to_have_count(0)
    assert files_of(app) == [("GOV-02", "data-dukung-GOV-02.pdf")]


def test_a_file_whose_reply_was_lost_is_listed_once_when_the_page_is_opened_again(context, app):
    """The server kept the file but its replies never reached the page; the tab is closed
    and opened again: the page lists the stored file and sends the kept copy again, which
    the server answers with the same file (one per upload key): listed once, not twice."""
    page, url = answer_page(context, app)
    Dialogs(page, accept=True)

    def lose_the_reply(route) -> None:
        route.fetch()  # the server stores the file ...
        route.abort()  # ... and the page hears nothing

    page.route("**/evidence", lose_the_reply)
    choose(page, "GOV-02")
    expect(page.locator("#evidence-uploads-GOV-02 li.upload-failed")).to_be_visible()
    page.close(run_before_unload=True)
    page.wait_for_event("close")
    assert files_of(app) == [("GOV-02", "data-dukung-GOV-02.pdf")]
    again = context.new_page()
    again.goto(url)
    expect(again.locator("#evidence-uploads-GOV-02 li")).to_have_count(0, timeout=15_000)
    expect(listed(again, "GOV-02")).to_have_count(1)
    assert files_of(app) == [("GOV-02", "data-dukung-GOV-02.pdf")]


def test_a_refused_file_says_why_and_does_not_hold_the_page(context, app):
    page, _ = answer_page(context, app)
    dialogs = Dialogs(page)
    choose(page, payload={"name": "laporan.pdf", "mimeType": "application/pdf", "buffer": HTML})
    refused = page.locator(f"#evidence-uploads-{CODE} li.upload-refused")
    expect(refused).to_contain_text("laporan.pdf")
    expect(refused).to_contain_text("tidak dilampirkan")
    assert files_of(app) == []
    back_link(page).click()
    expect(page.locator("table.dimensions")).to_be_visible()
    assert dialogs.seen == []


def test_the_evidence_warning_follows_the_chosen_level(context, app):
    page, _ = answer_page(context, app)
    Dialogs(page)
    warning = page.locator(f"#evidence-needed-{CODE}")
    for level, shown in (("2", False), ("3", True), ("2", False), ("5", True)):
        page.locator(f'input[name="level-{CODE}"][value="{level}"]').check()
        if shown:
            expect(warning).to_be_visible()
            expect(warning).to_contain_text("data dukung")
        else:
            expect(warning).to_be_hidden()
    choose(page)
    expect(listed(page)).to_have_count(1)
    expect(warning).to_be_hidden()
    # removed at once (after the confirmation), without saving the form: the warning is back
    listed(page).locator("button").click()
    expect(listed(page)).to_have_count(0)
    expect(warning).to_be_visible()
    assert files_of(app) == []


def test_without_javascript_the_save_button_attaches_the_chosen_file(browser, demo_server, app):
    for page in open_page(browser, demo_server[1], java_script_enabled=False):
        page.goto("/login")
        fill_in_login(page)
        page.goto(f"/assessments/{diskominfo_assessment_id(app)}/dimensions/GOV")
        choose(page)
        page.locator(".sticky-actions button.primary").click()
        expect(page.locator(".message-success").first).to_be_visible()
        expect(listed(page)).to_have_count(1)
        assert files_of(app) == [(CODE, f"data-dukung-{CODE}.pdf")]
