"""Static files under content-hashed names, cached for a year; responses compressed.

A repeat visit on a slow connection then fetches only the page itself, compressed
(docs/PERFORMANCE.md, "Slow connections"; bench/network.py measures it in Chromium).
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from pathlib import Path

import pytest

from .helpers import assessment_of

STATIC = Path(__file__).resolve().parents[1] / "static"
YEAR = "public, max-age=31536000, immutable"
HASHED = re.compile(r"/static/(?P<stem>[\w/.-]+?)\.(?P<hash>[0-9a-f]{12})\.(?P<ext>css|js)\b")


def static_links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def answer_page(demo, client, auth, **headers) -> tuple[str, object]:
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    response = client.get(f"/assessments/{own.id}/dimensions/GOV", headers=headers)
    return f"/assessments/{own.id}/dimensions/GOV", response


def test_pages_link_static_files_by_content_hash(demo, client, auth):
    _, response = answer_page(demo, client, auth)
    links = static_links(response.get_data(as_text=True))
    assert len(links) >= 3  # the style sheet and the page's scripts
    for link in links:
        match = HASHED.fullmatch(link)
        assert match, f"{link} has no content hash in its name"
        plain = STATIC / f"{match['stem']}.{match['ext']}"
        assert hashlib.sha256(plain.read_bytes()).hexdigest()[:12] == match["hash"]


def test_a_hashed_name_is_cached_for_a_year(demo, client, auth):
    _, response = answer_page(demo, client, auth)
    for link in static_links(response.get_data(as_text=True)):
        match = HASHED.fullmatch(link)
        served = client.get(link)
        assert served.status_code == 200, link
        assert served.headers["Cache-Control"] == YEAR, link
        assert served.get_data() == (STATIC / f"{match['stem']}.{match['ext']}").read_bytes()
        # security headers as on every response
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        served.close()


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/app.css",  # the plain name: old pages and bookmarks keep working
        "/static/css/app.000000000000.css",  # a hash of other content (an earlier release)
    ],
)
def test_other_names_are_served_but_revalidated(client, path):
    served = client.get(path)
    assert served.status_code == 200
    assert "immutable" not in served.headers.get("Cache-Control", "")
    assert "no-cache" in served.headers["Cache-Control"]
    assert served.get_data() == (STATIC / "css/app.css").read_bytes()
    served.close()


@pytest.mark.parametrize("path", ["/static/css/nothing.0123456789ab.css", "/static/../app.py"])
def test_unknown_static_files_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    response.close()


def test_the_hash_follows_the_content(app, tmp_path):
    """A changed file gets a new name at once (no restart), so no browser keeps the old one."""
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app.static_folder = str(folder)
    with app.test_request_context():
        from flask import url_for

        before = url_for("static", filename="css/app.css")
        (folder / "css/app.css").write_text("body { color: red; }\n" * 3)
        after = url_for("static", filename="css/app.css")
    assert before != after
    client = app.test_client()
    assert client.get(after).get_data() == (folder / "css/app.css").read_bytes()
    old = client.get(before)
    assert "immutable" not in old.headers["Cache-Control"]


def test_pages_are_compressed_for_browsers_that_accept_it(demo, client, auth):
    url, plain = answer_page(demo, client, auth)
    compressed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.headers.get("Content-Encoding") is None
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    body = gzip.decompress(compressed.get_data())
    assert len(compressed.get_data()) < len(body) / 4
    # the same page (up to the CSRF-free parts that differ per request: none here)
    assert (
        body.decode().split("<main")[1][:2000]
        == plain.get_data(as_text=True).split("<main")[1][:2000]
    )
    assert int(compressed.headers["Content-Length"]) == len(compressed.get_data())


def test_static_files_are_compressed_and_a_refusal_is_respected(client):
    css = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(css.get_data()) == (STATIC / "css/app.css").read_bytes()
    css.close()
    refused = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip;q=0"})
    assert refused.headers.get("Content-Encoding") is None
    refused.close()


def test_small_responses_and_files_are_sent_as_they_are(demo, client, auth):
    """Nothing gained below a packet; evidence files and PDFs are never recompressed."""
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") is None
    response.close()


def test_compression_can_be_left_to_a_reverse_proxy(app, client):
    """COMPRESS_RESPONSES=0: a proxy that compresses gets the bytes as they are."""
    app.config["COMPRESS_RESPONSES"] = False
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    css = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") is None
    assert css.headers.get("Content-Encoding") is None
    css.close()
