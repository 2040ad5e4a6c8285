"""The evaluator opens an evidence file in the browser's inline preview, as the agency does
(issue 15, item 4): a link that opens a new tab never starts a download into a blank tab."""

from __future__ import annotations

import re

import pytest

from .helpers import assessment_of, attach_sample, docx_bytes, fetch, jpeg_bytes, pdf_bytes


@pytest.fixture(autouse=True)
def evidence_dir(app, tmp_path):
    app.config["EVIDENCE_STORAGE_PATH"] = str(tmp_path / "evidence")


def links(page: str, evidence_id: int) -> list[str]:
    """Every link to the file on the page (its whole <a ...> tag)."""
    return re.findall(rf'<a href="/evidence/{evidence_id}(?:/preview)?"[^>]*>', page)


# file -> how the review page links it: (a link opening a new tab goes to, a download link)
FILES = {
    "sk-tim.pdf": (pdf_bytes, "preview"),
    "foto-rapat.jpg": (jpeg_bytes, "preview"),
    "rekap.docx": (docx_bytes, None),  # office files have no preview: downloaded in place
}


@pytest.mark.parametrize("name", list(FILES))
@pytest.mark.parametrize("who", ["evaluator", "diskominfo"])
def test_evidence_links_that_open_a_tab_show_the_file_inline(demo, client, auth, name, who):
    own = assessment_of(demo, "DISKOMINFO")
    make, opens = FILES[name]
    evidence_id = attach_sample(demo, own.id, name=name, data=make())
    auth.login(who)
    url = (
        f"/assessments/{own.id}/review"
        if who == "evaluator"
        else f"/assessments/{own.id}/dimensions/GOV"
    )
    page = client.get(url).get_data(as_text=True)
    found = links(page, evidence_id)
    new_tabs = [tag for tag in found if 'target="_blank"' in tag]
    downloads = [tag for tag in found if " download" in tag]
    if opens is None or who == "diskominfo":  # the agency's list has both
        assert downloads, f"no download link for {name} on {url}"
    if opens is None:
        assert new_tabs == []
    else:
        assert new_tabs == [
            f'<a href="/evidence/{evidence_id}/preview" target="_blank" rel="noopener">'
        ]
    for tag in new_tabs:
        href = re.search(r'href="([^"]+)"', tag).group(1)
        response = fetch(client, href)
        assert response.status_code == 200
        assert not response.headers.get("Content-Disposition", "").startswith("attachment")
        assert response.headers["Content-Security-Policy"] == "sandbox"
