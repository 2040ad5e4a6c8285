"""In real Chromium: an administrator uploads a broken questionnaire, reads the report, then
uploads a good one, checks its preview and publishes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import BROKEN, PASSWORD, SMALL

pytestmark = pytest.mark.browser


def yaml_file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "application/yaml", "buffer": text.encode("utf-8")}


def test_admin_sees_the_report_then_publishes_a_good_file(chromium_page: Page):
    page = chromium_page
    page.goto("/login")
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.goto("/admin")
    page.locator("a[href='/admin/instruments']").first.click()
    page.locator("a[href='/admin/instruments/upload']").first.click()

    # a broken file: every problem with its line, and no publish button
    page.locator("input[type=file][name=file]").set_input_files(yaml_file("rusak.yaml", BROKEN))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    report = page.get_by_test_id("validation-report")
    expect(report).to_be_visible()
    expect(report.locator("tr.problem")).to_have_count(2)
    expect(report).to_contain_text("rusak.yaml")
    expect(report.locator("tr.problem").first).to_contain_text("9")
    expect(page.locator("form.publish-form")).to_have_count(0)

    # a good file: the preview shows what it asks, then it is published and listed
    page.locator("input[type=file][name=file]").set_input_files(yaml_file("baik.yaml", SMALL))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_be_visible()
    expect(page.get_by_test_id("instrument-code")).to_have_text("uji-admin")
    expect(page.get_by_test_id("instrument-version")).to_have_text("2027.1")
    expect(preview).to_contain_text("GOV-01")
    page.locator("form.publish-form button[type=submit]").click()
    expect(page.get_by_test_id("instrument-code")).to_have_text("uji-admin")
    page.goto("/admin/instruments?q=uji")
    expect(page.locator("tr[data-code='uji-admin'][data-version='2027.1']")).to_have_count(1)
