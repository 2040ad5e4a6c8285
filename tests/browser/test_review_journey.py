"""In real Chromium, with CSRF on: send, approve, return with notes, fix, resend, approve,
verify, finalize.

The operator `diskominfo` answers both its dimensions and sends them; its head
`kepala-diskominfo` approves them ("Setujui dan kirim"); the evaluator lowers one verified
level (a note is required, and the page says so next to the indicator without losing what was
typed) and returns the assessment with an overall comment; the operator reads the comment and
the note, changes an answer and sends it again, the head approves again; the evaluator sees
what changed since the return and verifies; the team's chair `kepala-bapperida` finalizes from
the team's page; the result shows the self-assessed and verified indices.

Controls are found by stable attributes (name, value, href, id, data-testid, status classes)
rather than by their labels, so the test holds while translations change.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import EVIDENCE_FROM_LEVEL, ROUND_1, pdf_payload
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

YEAR = 2026
LOWERED = "GOV-03"  # the evaluator verifies it at level 2, not 3
CHANGED = "INF-02"  # the agency raises it from 1 to 2 after the return
NOTE = "SK Bupati pada data dukung belum ditandatangani; tingkat 3 belum terbukti."
COMMENT = "Mohon periksa kembali INF-02: laporan tahunan menunjukkan tingkat 2."
INDEX = re.compile(r"^\d,\d\d$")  # Indonesian: a decimal comma


def status_badge(page: Page):
    """The status badge of the assessment in the breadcrumb (on every assessment page)."""
    return page.locator("p.breadcrumb .badge")


def expect_status(page: Page, status: str) -> None:
    expect(status_badge(page)).to_have_class(re.compile(rf"\bstatus-{status}\b"))


def log_in(page: Page, username: str, *, keyboard: bool = False) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    if keyboard:
        page.locator("input[name=password]").press("Enter")
    else:
        page.locator("form button[type=submit]").click()
    expect(page).to_have_url("/")
    expect(page.locator("header form[action='/logout'] button")).to_be_visible()


def log_out(page: Page) -> None:
    page.locator("header form[action='/logout'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("header form[action='/logout']")).to_have_count(0)


def open_own_assessment(page: Page, assessment_id: int) -> None:
    """The agency's home: the current period's card links to the assessment."""
    page.locator(f'section.card a[href="/assessments/{assessment_id}"]').click()
    expect(page).to_have_url(f"/assessments/{assessment_id}")


def open_review_from_queue(page: Page, assessment_id: int) -> None:
    """Staff home -> the period's review queue -> the agency's review link."""
    page.locator(f'a[href="/periods/{YEAR}/assessments?queue=1"]').click()
    page.locator(f'table.overview a[href="/assessments/{assessment_id}/review"]').click()
    expect(page).to_have_url(f"/assessments/{assessment_id}/review")


def choose_level(page: Page, code: str, level: int, justification: str) -> None:
    fieldset = page.locator(f"#indicator-{code}")
    fieldset.locator(f'input[type=radio][name="level-{code}"][value="{level}"]').check()
    fieldset.locator(f'textarea[name="justification-{code}"]').fill(justification)
    if level >= EVIDENCE_FROM_LEVEL:
        fieldset.locator(f'input[type=file][name="evidence-{code}"]').set_input_files(
            pdf_payload(code)
        )


def save_draft(page: Page) -> None:
    page.locator(".sticky-actions button[name=action][value=save]").click()
    expect(page.locator(".message-success").first).to_be_visible()
    expect(page.locator(".field-error:visible")).to_have_count(0)


def back_to_overview(page: Page, assessment_id: int) -> None:
    page.locator(f'.sticky-actions a[href="/assessments/{assessment_id}"]').click()
    expect(page).to_have_url(f"/assessments/{assessment_id}")


def submit(page: Page, assessment_id: int, *, keyboard: bool = False) -> None:
    """The operator, from the overview: the submit (or resubmit) link, the summary and the
    confirmation, "Kirim"; then the agency's head reads it and approves ("Setujui dan kirim")."""
    page.locator(f'.actions a[href="/assessments/{assessment_id}/submit"]').click()
    expect(page.locator(".missing-list")).to_have_count(0)
    confirm = page.locator("input[type=checkbox][name=confirm]")
    if keyboard:
        confirm.focus()
        page.keyboard.press("Space")
    else:
        confirm.check()
    expect(confirm).to_be_checked()
    expect(page.locator("[data-testid=submit-summary]")).to_be_visible()
    page.locator("form button[type=submit].primary").click()
    expect(page).to_have_url(f"/assessments/{assessment_id}")
    expect(page.locator(".message-success")).to_be_visible()
    expect_status(page, "awaiting_approval")
    log_out(page)
    approve_as_head(page, assessment_id)


def approve_as_head(page: Page, assessment_id: int) -> None:
    """The head (kepala-diskominfo) reads what the operators sent and approves it."""
    log_in(page, "kepala-diskominfo")
    open_own_assessment(page, assessment_id)
    expect_status(page, "awaiting_approval")
    page.locator("[data-testid=awaiting-approval] a.button").click()
    expect(page).to_have_url(f"/assessments/{assessment_id}/submit")
    expect(page.locator("[data-testid=statement]")).to_contain_text("dapat dipertanggungjawabkan")
    page.locator("form.approval input[type=checkbox][name=confirm]").check()
    page.locator("form.approval button[type=submit].primary").click()
    expect(page).to_have_url(f"/assessments/{assessment_id}/result")
    expect(page.locator(".message-success")).to_be_visible()
    expect_status(page, "submitted")


def index_of(page: Page, testid: str) -> Decimal:
    cell = page.locator(f"[data-testid={testid}]")
    expect(cell).to_have_text(INDEX)
    return Decimal(cell.inner_text().replace(",", "."))


def test_return_fix_resubmit_verify_finalize(chromium_page: Page):
    page = chromium_page

    # --- the agency answers GOV and INF and submits ----------------------------------------
    log_in(page, "diskominfo")
    link = (
        page.locator("section.card")
        .filter(has_text=str(YEAR))
        .locator('a.button[href^="/assessments/"]')
    )
    assessment_id = int(link.get_attribute("href").rsplit("/", 1)[-1])
    link.click()
    overview = f"/assessments/{assessment_id}"
    expect(page).to_have_url(overview)
    expect_status(page, "draft")

    for dimension in ("GOV", "INF"):
        page.locator(f'table.dimensions a[href="{overview}/dimensions/{dimension}"]').click()
        codes = [c for c in ROUND_1 if c.startswith(f"{dimension}-")]
        expect(page.locator("fieldset.indicator")).to_have_count(len(codes))
        for code in codes:
            choose_level(page, code, ROUND_1[code], f"Justifikasi {code}, putaran 1.")
        save_draft(page)
        # only the level-3 answer has (and needs) a file
        attached = page.locator("ul.evidence-list a[download]")
        if dimension == "GOV":
            expect(attached).to_have_count(1)
            expect(page.locator(f"#evidence-section-{LOWERED} a[download]")).to_have_text(
                f"data-dukung-{LOWERED}.pdf"
            )
        else:
            expect(attached).to_have_count(0)
        back_to_overview(page, assessment_id)

    submit(page, assessment_id)  # sent by the operator, approved by the head
    log_out(page)

    # --- the evaluator lowers one level: first without a note, then with it, and returns -----
    log_in(page, "evaluator")
    open_review_from_queue(page, assessment_id)
    lowered = page.locator(f"#review-{LOWERED}")
    expect(lowered.locator(".evidence-files a")).to_have_text(re.compile(LOWERED))
    verified = page.locator(f'select[name="verified-{LOWERED}"]')
    expect(verified).to_have_value(str(ROUND_1[LOWERED]))
    verified.select_option("2")
    page.locator("textarea[name=comment]").fill(COMMENT)
    page.locator("button[name=action][value=save]").click()

    # refused: the error is at that indicator only, and what was typed is still there
    expect(page.locator(".message-error").first).to_be_visible()
    expect(lowered).to_have_class(re.compile(r"\bhas-error\b"))
    expect(lowered.locator(".field-error")).to_have_count(1)
    expect(page.locator("fieldset.has-error")).to_have_count(1)
    note = page.locator(f'textarea[name="note-{LOWERED}"]')
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(note).to_have_attribute("aria-describedby", f"error-{LOWERED}")
    expect(verified).to_have_value("2")
    expect(page.locator("textarea[name=comment]")).to_have_value(COMMENT)
    expect_status(page, "submitted")  # nothing was saved, so the review has not started

    note.fill(NOTE)
    # keyboard: focus the return button and press Enter
    return_button = page.locator("button[name=action][value=return]")
    return_button.focus()
    expect(return_button).to_be_focused()
    page.keyboard.press("Enter")
    # returning asks first, saying what changes; the comment can still be edited there
    expect(page.locator("[data-testid=confirmation]")).to_be_visible()
    expect(page.locator("textarea[name=comment]")).to_have_value(COMMENT)
    page.locator("[data-testid=confirmation] button[name=confirm]").click()
    expect(page).to_have_url(overview)
    expect(page.locator(".message-success")).to_be_visible()
    expect_status(page, "returned")
    log_out(page)

    # --- the agency reads the comment and the note, changes an answer and resubmits ---------
    log_in(page, "diskominfo", keyboard=True)
    open_own_assessment(page, assessment_id)
    expect_status(page, "returned")
    expect(page.locator("[data-testid=review-comment]")).to_have_text(COMMENT)
    notes = page.locator("ul.review-notes li")
    expect(notes).to_have_count(1)
    expect(notes).to_contain_text(f"{LOWERED}: {NOTE}")

    notes.locator(f'a[href="{overview}/dimensions/GOV#indicator-{LOWERED}"]').click()
    expect(page.locator(f"#indicator-{LOWERED} .review-note")).to_contain_text(NOTE)
    expect(page.locator(".review-note")).to_have_count(1)
    expect(page.locator(".review-comment")).to_have_text(COMMENT)

    page.locator(f'nav.dimension-tabs a[href="{overview}/dimensions/INF"]').click()
    choose_level(page, CHANGED, 2, f"Justifikasi {CHANGED}, putaran 2: laporan tahunan 2025.")
    save_draft(page)
    expect(page.locator(f'input[name="level-{CHANGED}"][value="2"]')).to_be_checked()
    back_to_overview(page, assessment_id)

    submit(page, assessment_id, keyboard=True)
    log_out(page)

    # --- the evaluator sees what changed, and verifies ---------------------------------------
    log_in(page, "evaluator")
    open_review_from_queue(page, assessment_id)
    changes = page.locator("section.changes")
    expect(changes.locator("li")).to_have_count(1)
    expect(changes.locator(f'li a[href="#review-{CHANGED}"]')).to_have_text(CHANGED)
    expect(changes.locator("li")).to_contain_text("1 → 2")
    expect(page.locator(f"#review-{CHANGED} .badge.changed")).to_be_visible()
    expect(page.locator(".review-dimension .badge.changed")).to_have_count(1)
    # the round-1 verdict is kept; the changed answer starts at its new self-assessed level
    expect(verified).to_have_value("2")
    expect(note).to_have_value(NOTE)
    expect(page.locator(f'select[name="verified-{CHANGED}"]')).to_have_value("2")

    page.locator("button[name=action][value=verify]").click()
    page.locator("[data-testid=confirmation] button[name=confirm]").click()
    expect(page).to_have_url(overview)
    expect(page.locator(".message-success")).to_be_visible()
    expect_status(page, "verified")
    expect(page.locator(f'form[action="{overview}/finalize"]')).to_have_count(0)
    log_out(page)

    # --- the team's chair (the head of Bapperida) finalizes, recording the Berita Acara -------
    log_in(page, "kepala-bapperida")
    page.locator("[data-testid=team-link] a").click()
    page.locator(f'[data-testid=to-finalize] a[href="{overview}"]').click()
    expect(page).to_have_url(overview)
    expect_status(page, "verified")
    page.locator("[data-testid=finalize-link]").click()  # finalizing asks first
    meeting = page.locator("[data-testid=meeting-fields]")
    meeting.locator("input[name=place]").fill("Sampit Creative Hub")
    # finalizing issues the signed documents before it answers: slower than a click's 10 s
    # on a busy machine
    page.locator(f'form[action="{overview}/finalize"] button[type=submit]').click(timeout=30_000)
    expect(page).to_have_url(overview)
    expect(page.locator(".message-success")).to_be_visible()
    expect_status(page, "final")
    expect(page.locator("[data-testid=status]")).to_have_class(re.compile(r"\bstatus-final\b"))

    # the overview's score table: self-assessed and verified side by side
    self_index = index_of(page, "self-index")
    verified_index = index_of(page, "verified-index")
    assert verified_index < self_index, (verified_index, self_index)
    expect(page.locator("[data-testid=index-diff]")).to_have_text(
        f"\u2212{self_index - verified_index:.2f}".replace(".", ",")
    )

    # --- the result page: the verified index counts, the self-assessed one is beside it -------
    page.locator(f'.actions a[href="{overview}/result"]').click()
    expect(page).to_have_url(f"{overview}/result")
    expect_status(page, "final")
    expect(page.locator("[data-testid=overall-index]")).to_have_text(
        str(verified_index).replace(".", ",")
    )
    summary = page.locator("[data-testid=self-vs-verified]")
    expect(summary).to_contain_text(str(self_index).replace(".", ","))
    expect(summary).to_contain_text(str(verified_index).replace(".", ","))
    expect(summary).to_contain_text(f"\u2212{self_index - verified_index:.2f}".replace(".", ","))
    # per dimension: GOV verified below self-assessed (the lowered level), INF the same
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(2)
    for row, lower in zip(rows.all(), (True, False), strict=True):
        own, checked, diff = (row.locator("td").nth(i).inner_text() for i in range(3))
        assert INDEX.match(own) and INDEX.match(checked), (own, checked)
        own_value, checked_value = (Decimal(x.replace(",", ".")) for x in (own, checked))
        assert (checked_value < own_value) is lower, (own, checked, diff)
        assert (checked_value == own_value) is not lower, (own, checked, diff)
        assert diff.startswith("\u2212") is lower, diff
    expect(page.locator("ul.review-notes li")).to_contain_text(f"{LOWERED}: {NOTE}")
