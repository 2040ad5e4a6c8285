"""In real Chromium: an agency answers two dimensions, saves drafts, submits and sees its result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def level_for(dimension: str, n: int) -> int:
    """A different level per indicator, so a radio restored on the wrong option shows up."""
    return (n + (0 if dimension == "GOV" else 2)) % 5 + 1


def radio(page: Page, code: str, level: int):
    return page.locator(f'input[type=radio][name="level-{code}"][value="{level}"]')


def answer_dimension(page: Page, dimension: str) -> dict[str, tuple[int, str]]:
    """Pick a level and type a justification for every indicator, then save the draft."""
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
        chosen[code] = (level, text)
    page.get_by_role("button", name="Simpan draf").click()
    expect(page.locator(".message-success")).to_contain_text("Draf tersimpan")
    return chosen


def expect_answers_kept(page: Page, chosen: dict[str, tuple[int, str]]) -> None:
    for code, (level, text) in chosen.items():
        expect(radio(page, code, level)).to_be_checked()
        expect(
            page.locator(f"#indicator-{code}").get_by_label("Justifikasi", exact=True)
        ).to_have_value(text)
    expect(page.locator("fieldset.indicator")).to_have_count(len(chosen))


def test_agency_answers_saves_reloads_and_submits(chromium_page: Page, live_server: str):
    page = chromium_page

    page.goto("/login")
    page.locator("input[name=username]").fill("diskominfo")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    page.get_by_role("link", name="Buka penilaian mandiri").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Penilaian mandiri")
    overview_url = page.url
    assert re.fullmatch(rf"{re.escape(live_server)}/assessments/\d+", overview_url), overview_url
    expect(page.locator(".badge")).to_have_text("Draf")

    for dimension in ("GOV", "INF"):
        page.goto(overview_url)
        page.locator(f'table.dimensions a[href$="/dimensions/{dimension}"]').filter(
            has_text="Jawab"
        ).click()
        expect(page).to_have_url(f"{overview_url}/dimensions/{dimension}")
        chosen = answer_dimension(page, dimension)
        page.reload()
        expect_answers_kept(page, chosen)

    page.goto(overview_url)
    page.get_by_role("link", name="Kirim", exact=True).click()
    page.get_by_label("Saya menyatakan bahwa jawaban ini lengkap dan benar.").check()
    page.get_by_role("button", name="Kirim sekarang").click()

    expect(page).to_have_url(f"{overview_url}/result")
    expect(page.locator(".message-success")).to_contain_text("telah dikirim")
    expect(page.locator("[data-testid=overall-index]")).to_have_text(re.compile(r"^\d\.\d\d$"))
    expect(page.locator("[data-testid=overall-level]")).to_contain_text("Tingkat kematangan")
    expect(page.get_by_text("Tingkat kematangan").first).to_be_visible()

    page.goto(overview_url)
    expect(page.locator(".badge")).to_have_text("Terkirim")
    expect(page.get_by_role("link", name="Kirim", exact=True)).to_have_count(0)
