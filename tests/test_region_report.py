"""The signed region summary report of a period: content, registry, verification, access."""

from __future__ import annotations

from sqlalchemy import select

from smartcity.domain.scoring import display_index
from smartcity.extensions import db
from smartcity.models import IssuedDocument
from smartcity.services import documents
from smartcity.services.region import find_period, region_for

from .helpers import csrf_token_from, pdf_text, verify_page


def test_region_report_of_a_closed_period_shows_the_results_and_verifies(
    demo_history, client, auth
):
    auth.login("admin")
    response = client.post("/periods/2025/report")
    assert response.status_code == 303
    download = client.get(response.headers["Location"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    data = download.data
    with demo_history.app_context():
        period = find_period(2025)
        result = region_for(period).result
        document = db.session.scalar(select(IssuedDocument))
        assert document.kind == documents.REGION_REPORT
        assert document.assessment_id is None and document.period_id == period.id
        code = document.code
        ranking = [(r.rank, r.name, display_index(r.index)) for r in result.ranking]
        index = display_index(result.index)
    text = pdf_text(data)
    squashed = "".join(text.split())
    assert index.replace(".", ",") in text and code in text and "2025" in text
    assert "DRAF" not in text  # the 2025 period is closed
    for _rank, name, agency_index in ranking:
        # Indonesian numbers: a decimal comma
        assert "".join(name.split()) in squashed and agency_index.replace(".", ",") in text
    assert verify_page(client, data) == "valid"
    # unchanged data: printing again gives the same registered document
    again = client.post("/periods/2025/report")
    assert again.headers["Location"] == response.headers["Location"]
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Laporan ringkasan wilayah" in page
    assert download.headers["Content-Disposition"].endswith('filename="Rekap-Wilayah-2025.pdf"')


def test_region_report_of_an_open_period_is_a_draft(demo, client, auth):
    auth.login("admin")
    response = client.post("/periods/2026/report")
    assert response.status_code == 303
    text = pdf_text(client.get(response.headers["Location"]).data)
    assert "DRAF" in text
    # agency users may not download it, even knowing its id
    auth.logout()
    auth.login("diskominfo")
    assert client.get(response.headers["Location"]).status_code == 404


def test_region_page_links_to_the_report_with_a_csrf_field(csrf_app, english, auth):
    from smartcity.seed import seed_demo_region

    from .helpers import PASSWORD

    with csrf_app.app_context():
        seed_demo_region(PASSWORD, history=False)
    page = english.get("/login").get_data(as_text=True)
    english.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    page = english.get("/periods/2026/region").get_data(as_text=True)
    assert 'action="/periods/2026/report"' in page
    assert "Issue the region summary report (PDF)" in page
    token = csrf_token_from(page)
    assert english.post("/periods/2026/report").status_code == 400
    assert english.post("/periods/2026/report", data={"csrf_token": token}).status_code == 303
