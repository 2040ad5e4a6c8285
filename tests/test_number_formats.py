"""Numbers and dates in the user's language on every main page and in every document.

Indonesian writes "2,65" and "6 Des 2026 10.13"; English "2.65" and "Dec 6, 2026, 10:13 AM".
One result, rendered everywhere (pages, report, certificate, region recap, /verify, exports,
API), is named the same way: "2,14 · Cukup · Tingkat 2 (Terkelola)" (issue 16).
"""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from smartcity.domain import formats
from smartcity.extensions import db
from smartcity.formatting import standing
from smartcity.models import Agency, Assessment, IssuedDocument, Period, User
from smartcity.services import documents
from smartcity.services.instruments import instrument_of
from smartcity.services.region import region_for
from smartcity.services.review import scores

# an index written the other language's way: "2.65" in Indonesian, "2,65" in English
WRONG = {"id": re.compile(r"(?<![\d.,])[0-5]\.\d\d(?![\d.,])"), "en": re.compile(r"(?<![\d.,])[0-5],\d\d(?![\d.,])")}  # fmt: skip


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def setting(demo_history):
    """The 2025 DISKOMINFO result and the region's, exact, and their documents in both languages."""
    with demo_history.test_request_context():
        period = db.session.scalar(select(Period).filter_by(year=2025))
        period.certificate_min_level = 0
        db.session.commit()
        assessment = db.session.scalar(
            select(Assessment)
            .join(Agency)
            .filter(Agency.code == "DISKOMINFO", Assessment.period_id == period.id)
        )
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        issued = {}
        for language in ("id", "en"):
            issued[("report", language)] = documents.issue_report(assessment, admin, language).id
            issued[("certificate", language)] = documents.issue_certificate(
                assessment, admin, language
            ).id
            issued[("region_report", language)] = documents.issue_region_report(
                period, admin, language
            ).id
        return {
            "assessment_id": assessment.id,
            "index": scores(assessment).verified.index,
            "region_index": region_for(period).result.index,
            "instrument": instrument_of(period.instrument_version),
            "documents": issued,
        }


PAGES = (
    "/",
    "/periods/2025/region",
    "/periods/2025/assessments",
    "/assessments/{assessment_id}/result",
    "/agencies/DISKOMINFO/dashboard",
    "/compare?from=2025&to=2026",
    "/audit",
)


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_main_page_writes_numbers_in_its_language(
    demo_history, client, auth, setting, language
):
    auth.login("admin")
    client.get(f"/language/{language}")
    with demo_history.test_request_context():
        mine = formats.index(setting["index"], language)
        region = formats.index(setting["region_index"], language)
    for path in PAGES:
        page = client.get(path.format(**setting)).get_data(as_text=True)
        body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", body)
        assert not WRONG[language].search(text), (path, WRONG[language].search(text).group(0))
    result = client.get(f"/assessments/{setting['assessment_id']}/result").get_data(as_text=True)
    assert mine in result
    assert region in client.get("/periods/2025/region").get_data(as_text=True)
    audit = client.get("/audit").get_data(as_text=True)
    dates = re.findall(r"<time[^>]*>([^<]+)</time>", audit)
    month = r"[A-Z][a-z]{2}"
    list_date = (
        rf"\d{{1,2}} {month} \d{{4}} \d\d\.\d\d" if language == "id" else rf"{month} \d{{1,2}}, \d{{4}}, \d{{1,2}}:\d\d\s[AP]M"
    )  # fmt: skip
    assert dates and all(re.fullmatch(list_date, d) for d in dates), dates[:3]


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_document_writes_numbers_in_its_language(
    demo_history, client, auth, setting, language
):
    auth.login("admin")
    with demo_history.test_request_context():
        mine = formats.index(setting["index"], language)
        region = formats.index(setting["region_index"], language)
    for kind in ("report", "certificate", "region_report"):
        document_id = setting["documents"][(kind, language)]
        text = pdf_text(client.get(f"/documents/{document_id}/download").data)
        assert not WRONG[language].search(text), (kind, WRONG[language].search(text).group(0))
        assert (region if kind == "region_report" else mine) in text, kind
        # the date of the act it records, spelled out: finalized, or the period closed, in July
        month = "Juli" if language == "id" else "July"
        assert re.search(rf"\b\d{{1,2}} {month} 2025\b|{month} \d{{1,2}}, 2025", text), kind


def test_one_result_is_named_the_same_way_everywhere(demo_history, client, auth, setting):
    """Pages, report, certificate, /verify, the XLSX export and the API: the same words."""
    with demo_history.test_request_context():
        shown = standing(setting["index"], setting["instrument"], "id")
        code = db.session.get(IssuedDocument, setting["documents"][("report", "id")]).code
        from smartcity.services.tokens import create_token

        admin = db.session.scalar(select(User).filter_by(username="admin"))
        secret = create_token(admin, "uji", admin).secret
        db.session.commit()
    assert shown.text == f"{shown.index} · {shown.predicate} · {shown.level_text}"
    assert shown.level_text.startswith("Tingkat ")
    auth.login("admin")
    everywhere = {
        "result page": client.get(f"/assessments/{setting['assessment_id']}/result").get_data(
            as_text=True
        ),
        "report": pdf_text(
            client.get(f"/documents/{setting['documents'][('report', 'id')]}/download").data
        ),
        "certificate": pdf_text(
            client.get(f"/documents/{setting['documents'][('certificate', 'id')]}/download").data
        ),
        "verify": client.get(f"/verify/{code}").get_data(as_text=True),
    }
    for where, text in everywhere.items():
        flat = " ".join(re.sub(r"<[^>]+>", " ", text).split())
        assert f"{shown.predicate} · {shown.level_text}" in flat, where
    for where in ("report", "certificate", "verify"):
        flat = " ".join(re.sub(r"<[^>]+>", " ", everywhere[where]).split())
        assert shown.text in flat, where
    # the export keeps the parts in columns, the API names the whole
    sheet = load_workbook(
        io.BytesIO(client.get("/periods/2025/export?what=results&format=xlsx").data)
    ).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header, body = rows[0], rows[1:]
    overall = next(
        dict(zip(header, r, strict=True))
        for r in body
        if r[1] == "DISKOMINFO" and r[header.index("Cakupan")] == "Keseluruhan"
    )
    assert (
        overall["Predikat"],
        overall["Tingkat kematangan"],
        overall["Nama tingkat kematangan"],
    ) == (
        shown.predicate,
        shown.level,
        shown.level_name,
    )
    api = client.get(
        "/api/v1/periods/2025/results", headers={"Authorization": f"Bearer {secret}"}
    ).get_json()
    entry = next(a for a in api["agencies"] if a["code"] == "DISKOMINFO")
    assert entry["overall"]["maturity"]["label"] == shown.text
    assert entry["overall"]["maturity"]["predicate"] == shown.predicate
