"""In real Chromium: an agency answers two dimensions with evidence, saves drafts, submits and sees its result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import EVIDENCE_FROM_LEVEL, pdf_payload
from tests.helpers import PASSWORD, pdf_bytes

pytestmark = pytest.mark.browser


def open_current_assessment(page: Page, year: int = 2026) -> None:
    """From the agency's home, open the given period's self-assessment (the demo also has 2025)."""
    page.locator("section.card").filter(has_text=str(year)).locator(
        'a.button[href^="/assessments/"]'
    ).click()


def level_for(dimension: str, n: int) -> int:
    """A different level per indicator, so a radio restored on the wrong option shows up."""
    return (n + (0 if dimension == "GOV" else 2)) % 5 + 1


def radio(page: Page, code: str, level: int):
    return page.locator(f'input[type=radio][name="level-{code}"][value="{level}"]')


def evidence_links(page: Page, code: str):
    return page.locator(f"#evidence-section-{code} ul.evidence-list a[download]")


def answer_dimension(page: Page, dimension: str) -> dict[str, tuple[int, str]]:
    """Pick a level, type a justification and (from level 3) attach a PDF per indicator; save."""
    fieldsets = page.locator("fieldset.indicator")
    expect(fieldsets.first).to_be_visible()
    codes = [fs.get_attribute("id").removeprefix("indicator-") for fs in fieldsets.all()]
    assert codes and all(code.startswith(f"{dimension}-") for code in codes), codes
    chosen = {}
    for n, code in enumerate(codes):
        level = level_for(dimension, n)
        text = f"Justifikasi {code}: SK Bupati dan laporan tahunan (tingkat {level})."
        fieldset = page.locator(f"#indicator-{code}")
        fieldset.locator("label").filter(has_text=re.compile(rf"^\s*Tingkat {level} · ")).click()
        expect(radio(page, code, level)).to_be_checked()
        fieldset.get_by_label("Justifikasi", exact=True).fill(text)
        if level >= EVIDENCE_FROM_LEVEL:
            fieldset.locator(f'input[type=file][name="evidence-{code}"]').set_input_files(
                pdf_payload(code)
            )
        chosen[code] = (level, text)
    page.get_by_role("button", name="Simpan draf").click()
    expect(page.locator(".message-success").first).to_contain_text("Draf tersimpan")
    expect(page.locator(".field-error:visible")).to_have_count(0)
    return chosen


def expect_answers_kept(page: Page, chosen: dict[str, tuple[int, str]]) -> None:
    for code, (level, text) in chosen.items():
        expect(radio(page, code, level)).to_be_checked()
        expect(
            page.locator(f"#indicator-{code}").get_by_label("Justifikasi", exact=True)
        ).to_have_value(text)
        if level >= EVIDENCE_FROM_LEVEL:
            expect(evidence_links(page, code)).to_have_text([f"data-dukung-{code}.pdf"])
        else:
            expect(evidence_links(page, code)).to_have_count(0)
    expect(page.locator("fieldset.indicator")).to_have_count(len(chosen))


def test_agency_answers_saves_reloads_and_submits(chromium_page: Page, live_server: str):
    page = chromium_page

    page.goto("/login")
    page.locator("input[name=username]").fill("diskominfo")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    open_current_assessment(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Penilaian mandiri")
    overview_url = page.url
    assert re.fullmatch(rf"{re.escape(live_server)}/assessments/\d+", overview_url), overview_url
    status = page.locator("[data-testid=status]")
    expect(status).to_have_text("Draf")
    expect(status).to_have_class(re.compile(r"\bstatus-draft\b"))

    for dimension in ("GOV", "INF"):
        page.goto(overview_url)
        page.locator(f'table.dimensions a[href$="/dimensions/{dimension}"]').filter(
            has_text="Jawab"
        ).click()
        expect(page).to_have_url(f"{overview_url}/dimensions/{dimension}")
        chosen = answer_dimension(page, dimension)
        # the files are listed right after saving, and again after a reload
        expect_answers_kept(page, chosen)
        page.reload()
        expect_answers_kept(page, chosen)

    # an attached file is really the PDF that was sent
    some_code = next(c for c, (level, _) in chosen.items() if level >= EVIDENCE_FROM_LEVEL)
    href = evidence_links(page, some_code).get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.body() == pdf_bytes(f"Data dukung {some_code}")

    page.goto(overview_url)
    page.get_by_role("link", name="Kirim", exact=True).click()
    expect(page.locator(".missing-list")).to_have_count(0)
    page.get_by_label("Saya menyatakan bahwa jawaban ini lengkap dan benar.").check()
    page.get_by_role("button", name="Kirim", exact=True).click()
    # the operator sends it to the head of the agency, who approves and submits it
    expect(page).to_have_url(overview_url)
    expect(page.locator(".message-success")).to_contain_text("kepala perangkat daerah")
    expect(status).to_have_class(re.compile(r"\bstatus-awaiting_approval\b"))
    page.locator("header form[action='/logout'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.locator("input[name=username]").fill("kepala-diskominfo")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto(overview_url + "/submit")
    page.locator("form.approval input[type=checkbox][name=confirm]").check()
    page.get_by_role("button", name="Setujui dan kirim").click()

    expect(page).to_have_url(f"{overview_url}/result")
    expect(page.locator(".message-success")).to_contain_text("telah dikirim")
    expect(page.locator("[data-testid=overall-index]")).to_have_text(re.compile(r"^\d,\d\d$"))
    expect(page.locator("[data-testid=overall-level]")).to_contain_text("Tingkat ")

    page.goto(overview_url)
    expect(status).to_have_text("Terkirim")
    expect(status).to_have_class(re.compile(r"\bstatus-submitted\b"))
    expect(page.get_by_role("link", name="Kirim", exact=True)).to_have_count(0)
