"""In real Chromium, the whole assessment year, on a desktop screen and on a 360 px phone.

The admin creates and opens period 2027 with the published demo questionnaire, records its
Tim Pelaksana (the head of Bapperida chairs it) and its certificate rule, and assigns the
evaluator to Diskominfo; the agency's operator answers its two dimensions with a PDF as
evidence, reloads (answers intact), loses the connection while typing (the answer waits and
goes out when the connection returns), and sends it; its head approves it ("Setujui dan
kirim"); the evaluator lowers one level and returns the assessment with a comment; the
operator fixes an answer and sends it again, the head approves again; the evaluator verifies;
the chair finalizes from the team's page (the Berita Acara is issued); the admin issues the
certificate; an anonymous visitor checks the downloaded certificate on /verify. Every step is a click or typing in the browser; the database is only read, to check.

On every answer page (the dimension pages and the submit page) the page must not scroll
sideways: at 360 px this is the phone requirement, at 1280 px it cannot fail unless a page is
badly broken.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Agency, Answer, Assessment, IssuedDocument, Period, User
from tests.browser.axe import launch_chromium

# the agency's first answers: one level-3 answer needs (and gets) a PDF
from tests.browser.helpers import EVIDENCE_FROM_LEVEL, ROUND_1, pdf_bytes, pdf_payload
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

YEAR = 2027
DEMO_YEAR = 2026  # the demo's open period: its questionnaire version is the published one
AGENCY = "DISKOMINFO"
TYPED_OFFLINE = "INF-05"  # answered while the browser has no connection
OFFLINE_TEXT = "Ditulis tanpa sinyal di kantor kecamatan; laporan menyusul."
LOWERED = "GOV-03"  # the evaluator verifies it at level 2, not 3
CHANGED = "INF-02"  # the agency raises it from 1 to 2 after the return
NOTE = "SK Bupati pada data dukung belum ditandatangani; tingkat 3 belum terbukti."
COMMENT = "Mohon periksa kembali INF-02: laporan tahunan menunjukkan tingkat 2."

SAVED = re.compile(r"\bautosave-saved\b")
FAILED = re.compile(r"\bautosave-failed\b")


@dataclass(frozen=True)
class Viewport:
    """The screen every actor of the journey uses."""

    width: int
    height: int
    phone: bool = False

    def context_options(self) -> dict:
        options: dict = {"viewport": {"width": self.width, "height": self.height}}
        if self.phone:
            options.update(is_mobile=True, has_touch=True)
        return options

    def press(self, target: Locator) -> None:
        """A tap on a phone, a click on a desktop."""
        if self.phone:
            target.tap()
        else:
            target.click()


DESKTOP = Viewport(1280, 800)
PHONE = Viewport(360, 740, phone=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_chromium()


# --- reading the database (checks only) ------------------------------------------------------


def ids_of(app) -> dict[str, int]:
    """The ids the journey needs to find its links: demo questionnaire, agency, evaluator."""
    with app.app_context():
        return {
            "version": db.session.scalar(
                select(Period.instrument_version_id).filter_by(year=DEMO_YEAR)
            ),
            "agency": db.session.scalar(select(Agency.id).filter_by(code=AGENCY)),
            "evaluator": db.session.scalar(select(User.id).filter_by(username="evaluator")),
        }


def assessment_of_year(app) -> int | None:
    with app.app_context():
        return db.session.scalar(
            select(Assessment.id)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == AGENCY, Period.year == YEAR)
        )


def stored(app, assessment_id: int, code: str) -> tuple[int | None, str] | None:
    with app.app_context():
        row = db.session.scalar(
            select(Answer).filter_by(assessment_id=assessment_id, indicator_code=code)
        )
        return (row.level, row.justification) if row else None


def certificate_content(app, assessment_id: int) -> bytes:
    with app.app_context():
        return db.session.scalar(
            select(IssuedDocument.content).filter_by(
                assessment_id=assessment_id, kind="certificate"
            )
        )


# --- the browser side ------------------------------------------------------------------------


@contextmanager
def actor(browser: Browser, base_url: str, viewport: Viewport, username: str | None):
    """One person's own browser (cookies, localStorage), logged in unless anonymous."""
    context = browser.new_context(base_url=base_url, locale="id-ID", **viewport.context_options())
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        if username is not None:
            log_in(page, username)
        yield page
    finally:
        context.close()


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url("/")
    expect(page.locator("header form[action='/logout'] button")).to_be_attached()


def go_home(page: Page) -> None:
    """The site name in the header leads home from every page."""
    page.locator("header .brand a[href='/']").click()
    expect(page).to_have_url("/")


def expect_status(page: Page, status: str) -> None:
    expect(page.locator("p.breadcrumb .badge")).to_have_class(re.compile(rf"\bstatus-{status}\b"))


def expect_no_sideways_scrolling(page: Page, viewport: Viewport) -> None:
    """The page fits the screen: nothing wider than the window, the window no wider than the
    screen (a mobile browser widens its layout viewport when a page overflows)."""
    page.wait_for_load_state("load")
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width <= inner <= viewport.width:
        return
    # name the widest elements that are not inside a scrolling box (a wide table may scroll)
    culprits = page.evaluate(
        """(limit) => [...document.querySelectorAll('body *')].filter(el => {
              if (el.getBoundingClientRect().right <= limit + 0.5) return false;
              for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                if (getComputedStyle(up).overflowX !== 'visible') return false;
              }
              return true;
            }).slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className)""",
        viewport.width,
    )
    raise AssertionError(
        f"{page.url} scrolls sideways at {viewport.width} px: scrollWidth {width}, "
        f"innerWidth {inner}; too wide: {culprits}"
    )


def justification(page: Page, code: str):
    return page.locator(f'textarea[name="justification-{code}"]')


def choose_level(page: Page, code: str, level: int, text: str, viewport: Viewport) -> None:
    """Pick the level by its label (a tap on a phone), type the justification."""
    fieldset = page.locator(f"#indicator-{code}")
    option = fieldset.locator(f'input[type=radio][name="level-{code}"][value="{level}"]')
    viewport.press(fieldset.locator(f'label[for="{option.get_attribute("id")}"]'))
    expect(option).to_be_checked()
    justification(page, code).fill(text)


def attach_pdf(page: Page, code: str) -> None:
    page.locator(f'input[type=file][name="evidence-{code}"]').set_input_files(pdf_payload(code))


def save_draft(page: Page) -> None:
    page.locator(".sticky-actions button[name=action][value=save]").click()
    expect(page.locator(".message-success").first).to_be_visible()
    expect(page.locator(".field-error:visible")).to_have_count(0)


def expect_answers(page: Page, answers: dict[str, tuple[int, str]]) -> None:
    """The page shows these levels, justifications and (from level 3) the attached PDF."""
    expect(page.locator("fieldset.indicator")).to_have_count(len(answers))
    for code, (level, text) in answers.items():
        expect(page.locator(f'input[name="level-{code}"][value="{level}"]')).to_be_checked()
        expect(justification(page, code)).to_have_value(text)
        files = page.locator(f"#evidence-section-{code} ul.evidence-list a[download]")
        if level >= EVIDENCE_FROM_LEVEL:
            expect(files).to_have_text([f"data-dukung-{code}.pdf"])
        else:
            expect(files).to_have_count(0)


def open_dimension(page: Page, assessment_id: int, dimension: str, viewport: Viewport) -> None:
    overview = f"/assessments/{assessment_id}"
    page.locator(f'table.dimensions a[href="{overview}/dimensions/{dimension}"]').click()
    expect(page).to_have_url(f"{overview}/dimensions/{dimension}")
    expect_no_sideways_scrolling(page, viewport)


def back_to_overview(page: Page, assessment_id: int) -> None:
    page.locator(f'.sticky-actions a[href="/assessments/{assessment_id}"]').click()
    expect(page).to_have_url(f"/assessments/{assessment_id}")


def submit(page: Page, assessment_id: int, viewport: Viewport) -> None:
    """The operator, from the overview: the submit (or resubmit) link, the summary and the
    confirmation, "Kirim": the assessment waits for the head's approval."""
    page.locator(f'.actions a[href="/assessments/{assessment_id}/submit"]').click()
    expect(page).to_have_url(f"/assessments/{assessment_id}/submit")
    expect_no_sideways_scrolling(page, viewport)
    expect(page.locator(".missing-list")).to_have_count(0)
    expect(page.locator("[data-testid=submit-summary]")).to_be_visible()
    page.locator("input[type=checkbox][name=confirm]").check()
    page.locator("main form button[type=submit].primary").click()
    expect(page).to_have_url(f"/assessments/{assessment_id}")
    expect_status(page, "awaiting_approval")


def head_approves(page: Page, assessment_id: int, viewport: Viewport) -> None:
    """The agency's head reads it and confirms the statement: "Setujui dan kirim"."""
    go_home(page)
    page.locator(f'section.card a[href="/assessments/{assessment_id}"]').click()
    expect_status(page, "awaiting_approval")
    page.locator("[data-testid=awaiting-approval] a.button").click()
    expect(page).to_have_url(f"/assessments/{assessment_id}/submit")
    expect_no_sideways_scrolling(page, viewport)
    expect(page.locator("[data-testid=statement]")).to_contain_text("dapat dipertanggungjawabkan")
    page.locator("form.approval input[type=checkbox][name=confirm]").check()
    page.locator("form.approval button[type=submit].primary").click()
    expect(page).to_have_url(f"/assessments/{assessment_id}/result")
    expect_status(page, "submitted")


# --- the steps of the year -------------------------------------------------------------------


def admin_opens_the_period(page: Page, app) -> int:
    """Home -> administration -> periods -> create 2027 with the demo questionnaire."""
    ids = ids_of(app)
    page.locator("p.admin-link a[href='/admin']").click()
    page.locator("ul.admin-hub a[href='/admin/periods']").click()
    page.locator("main a[href='/admin/periods/new']").click()
    page.locator("input[name=year]").fill(str(YEAR))
    page.locator("select[name=instrument]").select_option(str(ids["version"]))
    page.locator("main form button[type=submit].primary").click()
    expect(page).to_have_url(f"/admin/periods/{YEAR}")
    expect(page.locator(".message-success")).to_contain_text(str(YEAR))
    with app.app_context():
        period = db.session.scalar(select(Period).filter_by(year=YEAR))
        assert period is not None and period.is_open
        assert period.instrument_version_id == ids["version"]
    assessment_id = assessment_of_year(app)
    assert assessment_id is not None
    return assessment_id


def admin_records_the_team_and_the_certificate_rule(page: Page, app) -> None:
    """On the new period's page: every final assessment earns a certificate this year; the
    Tim Pelaksana, chaired by the head of Bapperida."""
    expect(page).to_have_url(f"/admin/periods/{YEAR}")
    page.locator("select[name=min_level]").select_option("0")
    page.locator(f'form[action="/admin/periods/{YEAR}/certificates"] button[type=submit]').click()
    expect(page.locator(".message-success")).to_be_visible()
    page.locator("[data-testid=team-admin-link]").click()
    expect(page).to_have_url(f"/admin/periods/{YEAR}/team")
    with app.app_context():
        chair = db.session.scalar(select(User.id).filter_by(username="kepala-bapperida"))
    form = page.locator(f'form[action="/admin/periods/{YEAR}/team/members"]')
    form.locator("select[name=role]").select_option("chair")
    form.locator("select[name=user_id]").select_option(str(chair))
    form.locator("button[type=submit]").click()
    expect(page.locator(".message-success")).to_be_visible()


def admin_assigns_the_evaluator(page: Page, app) -> None:
    ids = ids_of(app)
    go_home(page)
    page.locator(f'a[href="/periods/{YEAR}/assignments"]').click()
    box = page.locator(f"#assign-{ids['agency']}-{ids['evaluator']}")
    expect(box).not_to_be_checked()
    box.check()
    page.locator("form.assignments button[type=submit].primary").click()
    expect(page).to_have_url(f"/periods/{YEAR}/assignments")
    expect(page.locator(".message-success")).to_be_visible()
    expect(box).to_be_checked()


def agency_answers_and_submits(page: Page, app, assessment_id: int, viewport: Viewport) -> None:
    """Both dimensions with a PDF, a reload, an answer typed offline; then the submission."""
    page.locator(f'section.card a[href="/assessments/{assessment_id}"]').click()
    expect(page).to_have_url(f"/assessments/{assessment_id}")
    expect_status(page, "draft")

    for dimension in ("GOV", "INF"):
        open_dimension(page, assessment_id, dimension, viewport)
        codes = [code for code in ROUND_1 if code.startswith(f"{dimension}-")]
        answers = {code: (ROUND_1[code], f"Justifikasi {code}, {YEAR}.") for code in codes}
        for code in codes:
            if code == TYPED_OFFLINE:
                continue
            level, text = answers[code]
            choose_level(page, code, level, text, viewport)
            if level >= EVIDENCE_FROM_LEVEL:
                attach_pdf(page, code)
        if TYPED_OFFLINE in answers:
            answers[TYPED_OFFLINE] = (ROUND_1[TYPED_OFFLINE], OFFLINE_TEXT)
            answer_offline(page, app, assessment_id, viewport)
        save_draft(page)
        expect_answers(page, answers)
        page.reload()
        expect_answers(page, answers)
        expect_no_sideways_scrolling(page, viewport)
        back_to_overview(page, assessment_id)

    # the PDF that was attached is the PDF that was sent
    link = page.locator(f'table.dimensions a[href="/assessments/{assessment_id}/dimensions/GOV"]')
    link.click()
    href = page.locator(f"#evidence-section-{LOWERED} a[download]").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.body() == pdf_bytes(f"Data dukung {LOWERED}")
    back_to_overview(page, assessment_id)

    submit(page, assessment_id, viewport)


def answer_offline(page: Page, app, assessment_id: int, viewport: Viewport) -> None:
    """No connection: the answer waits in the browser, marked as failed, until it returns."""
    code = TYPED_OFFLINE
    status = page.locator(f"#autosave-status-{code}")
    failed_text = page.locator("form.answers").get_attribute("data-text-failed")
    page.context.set_offline(True)
    try:
        choose_level(page, code, ROUND_1[code], OFFLINE_TEXT, viewport)
        expect(status).to_have_class(FAILED)
        expect(status).to_have_text(failed_text)
        assert stored(app, assessment_id, code) is None
    finally:
        page.context.set_offline(False)
    expect(status).to_have_class(SAVED)
    assert stored(app, assessment_id, code) == (ROUND_1[code], OFFLINE_TEXT)


def evaluator_opens_the_review(page: Page, assessment_id: int) -> None:
    """Home -> the period's review queue -> the agency's review link."""
    go_home(page)
    page.locator(f'a[href="/periods/{YEAR}/assessments?queue=1"]').click()
    page.locator(f'table.overview a[href="/assessments/{assessment_id}/review"]').click()
    expect(page).to_have_url(f"/assessments/{assessment_id}/review")


def evaluator_returns(page: Page, assessment_id: int) -> None:
    evaluator_opens_the_review(page, assessment_id)
    expect(page.locator(f"#review-{LOWERED} .evidence-files a").first).to_contain_text(LOWERED)
    page.locator(f'select[name="verified-{LOWERED}"]').select_option("2")
    page.locator(f'textarea[name="note-{LOWERED}"]').fill(NOTE)
    page.locator("textarea[name=comment]").fill(COMMENT)
    page.locator("button[name=action][value=return]").click()
    page.locator("[data-testid=confirmation] button[name=confirm]").click()  # asks first
    expect(page).to_have_url(f"/assessments/{assessment_id}")
    expect_status(page, "returned")


def agency_fixes_and_resubmits(page: Page, assessment_id: int, viewport: Viewport) -> None:
    go_home(page)
    page.locator(f'section.card a[href="/assessments/{assessment_id}"]').click()
    expect_status(page, "returned")
    expect(page.locator("[data-testid=review-comment]")).to_have_text(COMMENT)
    expect(page.locator("ul.review-notes li")).to_contain_text(f"{LOWERED}: {NOTE}")
    open_dimension(page, assessment_id, "INF", viewport)
    expect(page.locator(".review-comment")).to_have_text(COMMENT)
    fixed = f"Justifikasi {CHANGED}, {YEAR}: laporan tahunan menunjukkan tingkat 2."
    choose_level(page, CHANGED, 2, fixed, viewport)
    save_draft(page)
    expect(page.locator(f'input[name="level-{CHANGED}"][value="2"]')).to_be_checked()
    back_to_overview(page, assessment_id)
    submit(page, assessment_id, viewport)


def evaluator_verifies(page: Page, assessment_id: int) -> None:
    evaluator_opens_the_review(page, assessment_id)
    expect(page.locator(f'section.changes li a[href="#review-{CHANGED}"]')).to_have_text(CHANGED)
    expect(page.locator(f'select[name="verified-{LOWERED}"]')).to_have_value("2")
    page.locator("button[name=action][value=verify]").click()
    page.locator("[data-testid=confirmation] button[name=confirm]").click()  # asks first
    expect(page).to_have_url(f"/assessments/{assessment_id}")
    expect_status(page, "verified")


def chair_finalizes(page: Page, assessment_id: int) -> None:
    """The chair: home -> the team's page -> what waits to be finalized -> finalize."""
    overview = f"/assessments/{assessment_id}"
    go_home(page)
    page.locator("[data-testid=team-link] a").click()
    expect(page).to_have_url(f"/periods/{YEAR}/team")
    page.locator(f'[data-testid=to-finalize] a[href="{overview}"]').click()
    expect_status(page, "verified")
    page.locator("[data-testid=finalize-link]").click()  # finalizing asks first
    expect(page.locator("[data-testid=meeting-fields]")).to_be_visible()
    # finalizing issues the signed report, certificate and minutes before it answers: on a
    # busy machine that takes longer than a click's usual 10 s
    page.locator(f'form[action="{overview}/finalize"] button[type=submit]').click(timeout=30_000)
    expect(page).to_have_url(overview)
    expect_status(page, "final")


def admin_downloads_the_certificate(page: Page, app, assessment_id: int, tmp_path: Path) -> Path:
    overview = f"/assessments/{assessment_id}"
    go_home(page)
    page.locator(f'a[href="/periods/{YEAR}/assessments"]').click()
    page.locator(f'table.overview a[href="{overview}"]').click()
    expect_status(page, "final")
    page.locator(f'.actions a[href="{overview}/result"]').click()
    expect(page).to_have_url(f"{overview}/result")
    with page.expect_download() as download_info:
        page.locator(f'form[action="{overview}/certificate"] button[type=submit]').click()
    download = download_info.value
    assert re.fullmatch(r"(Piagam|Certificate)-[A-Z]+-\d{4}\.pdf", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"%PDF-") and content == certificate_content(app, assessment_id)
    return path


def visitor_verifies(page: Page, certificate: Path, viewport: Viewport) -> None:
    """Anyone, without logging in, checks the file on /verify."""
    page.goto("/verify")
    expect(page).to_have_url("/verify")
    page.locator("input[type=file]#document").set_input_files(certificate)
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(page.locator("[data-testid=verdict]")).to_have_attribute("data-outcome", "valid")
    info = page.locator("[data-testid=document-info]")
    expect(info).to_contain_text(str(YEAR))
    # the file is named after what it is: Piagam-<agency>-<year>.pdf
    kind, _agency, year = certificate.stem.split("-")
    expect(info).to_contain_text("Piagam penghargaan" if kind == "Piagam" else "Certificate")
    expect(info).to_contain_text(year)


def whole_year(browser: Browser, base_url: str, app, viewport: Viewport, tmp_path: Path) -> None:
    with (
        actor(browser, base_url, viewport, "admin") as admin,
        actor(browser, base_url, viewport, "diskominfo") as agency,
        actor(browser, base_url, viewport, "evaluator") as evaluator,
        actor(browser, base_url, viewport, "kepala-diskominfo") as head,
        actor(browser, base_url, viewport, "kepala-bapperida") as chair,
    ):
        assessment_id = admin_opens_the_period(admin, app)
        admin_records_the_team_and_the_certificate_rule(admin, app)
        admin_assigns_the_evaluator(admin, app)

        agency.reload()  # the home page now shows period 2027
        agency_answers_and_submits(agency, app, assessment_id, viewport)
        head_approves(head, assessment_id, viewport)
        evaluator_returns(evaluator, assessment_id)
        agency_fixes_and_resubmits(agency, assessment_id, viewport)
        head_approves(head, assessment_id, viewport)
        evaluator_verifies(evaluator, assessment_id)
        chair_finalizes(chair, assessment_id)
        certificate = admin_downloads_the_certificate(admin, app, assessment_id, tmp_path)

    with actor(browser, base_url, viewport, None) as visitor:
        visitor_verifies(visitor, certificate, viewport)


def test_whole_year_journey(browser, live_server, browser_app, tmp_path):
    whole_year(browser, live_server, browser_app, DESKTOP, tmp_path)


def test_whole_year_journey_on_a_phone(browser, live_server, browser_app, tmp_path):
    whole_year(browser, live_server, browser_app, PHONE, tmp_path)
