"""Error pages in both languages, with the request id and never a stack trace.

(503 for an unreachable database: tests/test_database_outage.py.)
"""

from __future__ import annotations

import pytest

# status -> (how to cause it, title in Indonesian, title in English)
CASES = {
    404: ("get", "/no-such-page", "Halaman tidak ditemukan", "Page not found"),
    405: (
        "get",
        "/logout",
        "Tindakan ini tidak diizinkan di sini",
        "This action is not allowed here",
    ),
    413: ("post", "/login", "Berkas atau formulir terlalu besar", "The file or form is too large"),
}


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("status", list(CASES))
def test_error_page_in_each_language(app, client, status, language):
    method, url, title_id, title_en = CASES[status]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    with client.session_transaction() as session:
        session["language"] = language
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data={"username": "x" * 4096, "password": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert f'<html lang="{language}">' in page
    assert (title_id if language == "id" else title_en) in page
    request_id = response.headers["X-Request-ID"]
    assert request_id and f"<code>{request_id}</code>" in page
    assert "Traceback" not in page


@pytest.mark.parametrize("status", list(CASES))
def test_json_clients_get_the_error_as_json(app, client, status):
    method, url, _, title_en = CASES[status]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    with client.session_transaction() as session:
        session["language"] = "en"
    headers = {"Accept": "application/json"}
    if method == "get":
        response = client.get(url, headers=headers)
    else:
        response = client.post(url, headers=headers, data={"username": "x" * 4096})
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == status and error["message"] == title_en
    assert error["request_id"] == response.headers["X-Request-ID"]
