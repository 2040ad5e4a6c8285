"""The agency dashboard's trend chart as people see it (issue 15 item 11): its legend entries
never overlap and their text is at least as large as the page's small print, on a desktop
screen and on a phone."""

from __future__ import annotations

import pytest

from tests.browser.axe import launch_chromium, open_page
from tests.browser.helpers import log_in
from tests.browser.live import served_demo

pytestmark = pytest.mark.browser

SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 360, "height": 740}}

# every leaf element of the chart figure that names a series ("Indeks", "GOV Tata Kelola ..."),
# with its box and the size its text is drawn at (an SVG's text scales with the picture)
LEGEND = """(figure) => {
  const entries = [];
  for (const el of figure.querySelectorAll('*')) {
    if (el.children.length) continue;
    const text = (el.textContent || '').trim();
    if (!/^(Indeks|Index|[A-Z]{3} .+)$/.test(text)) continue;
    const box = el.getBoundingClientRect();
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }
    entries.push({text, size, left: box.left, right: box.right, top: box.top, bottom: box.bottom});
  }
  return entries;
}"""


@pytest.fixture(scope="module")
def demo_server(databases):
    with served_demo(databases) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_trend_legend_does_not_overlap_and_is_readable(browser, demo_server, screen):
    _, base_url = demo_server
    for page in open_page(browser, base_url, viewport=SCREENS[screen]):
        log_in(page, "bapperida")  # three dimensions: four series with the index
        page.goto("/agencies/BAPPERIDA/dashboard")
        small_print = page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('.site-footer')).fontSize)"
        )
        entries = page.locator('[data-testid="chart-trend"]').evaluate(LEGEND)
        names = [e["text"] for e in entries]
        assert len(entries) == 4, names
        for entry in entries:
            assert entry["size"] >= small_print - 0.01, (entry["text"], entry["size"], small_print)
        for i, first in enumerate(entries):
            for second in entries[i + 1 :]:
                assert not _overlap(first, second), (first, second)
