"""Administering questionnaires: upload, validation report, preview, publish, download."""

from __future__ import annotations

import hashlib
import io
import re
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from smartcity.domain.loader import load_instrument
from smartcity.extensions import db
from smartcity.models import Answer, AuditEvent, InstrumentVersion, Period
from smartcity.services import assessments, instruments, periods
from smartcity.services.instruments import DEMO_INSTRUMENT

from .helpers import BROKEN, SMALL, assessment_of

MALFORMED = "code: uji-admin\nversion: [2027.1\ntitle: x\n"


def needs_workbooks():
    if not instruments.workbooks_supported():
        pytest.skip("smartcity.domain.workbook (the XLSX reader/writer) is not installed here")


def upload(client, content: bytes | str, name: str = "instrumen.yaml"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        "/admin/instruments/upload",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def token_of(html: str) -> str:
    match = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html) or re.search(
        r'name="token" value="([0-9a-f]{64})"', html
    )
    assert match, "no publish token in the page"
    return match.group(1)


def count(app, model=InstrumentVersion) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin(demo, client, auth):
    auth.login("admin")
    return client


@pytest.fixture
def lone_admin(app, client, auth):
    """An administrator on an otherwise empty database (faster than the demo region)."""
    from smartcity.services.accounts import create_user

    from .helpers import PASSWORD

    with app.app_context():
        create_user("admin", "admin", PASSWORD)
        db.session.commit()
    assert auth.login("admin").status_code == 302
    return client


def test_a_good_file_is_previewed_then_published_once(demo, admin, english):
    before = count(demo)
    response = upload(admin, SMALL)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="preview"' in page and "GOV-01" in page and "Is there a policy?" in page
    assert count(demo) == before  # nothing is published by checking
    token = token_of(page)
    assert token == hashlib.sha256(SMALL.encode()).hexdigest()
    published = admin.post("/admin/instruments/publish", data={"token": token})
    assert published.status_code == 303
    with demo.app_context():
        version = db.session.scalar(select(InstrumentVersion).filter_by(code="uji-admin"))
        assert (version.version, version.source, version.sha256) == ("2027.1", SMALL, token)
        event = db.session.scalar(
            select(AuditEvent).filter_by(action="instrument.registered", subject_id=str(version.id))
        )
        assert event.user.username == "admin"
    assert published.headers["Location"].endswith(f"/admin/instruments/{version.id}")
    # the identical content again: no new version, no new event
    events = count(demo, AuditEvent)
    again = admin.post(
        "/admin/instruments/publish",
        data={"token": token_of(upload(admin, SMALL).get_data(as_text=True))},
    )
    assert again.status_code == 303
    assert count(demo) == before + 1 and count(demo, AuditEvent) == events
    listed = admin.get("/admin/instruments?q=uji").get_data(as_text=True)
    assert 'data-code="uji-admin"' in listed


BAD_FILES = [
    ("malformed YAML", MALFORMED, "instrumen.yaml", ["line 3", "invalid YAML"]),
    ("every problem, with its line", BROKEN, "instrumen.yaml", ["line 9", "line 12"]),
    ("not UTF-8", b"code: \xff\xfe\n", "instrumen.yaml", ["line 1", "UTF-8"]),
    ("an .xlsx that is not a workbook", SMALL, "instrumen.xlsx", ["not an Excel workbook"]),
    ("empty file", "", "instrumen.yaml", ["instrumen.yaml"]),
]


@pytest.mark.parametrize(
    ("content", "name", "expected"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_a_bad_file_gets_a_report_and_nothing_is_stored(
    app, lone_admin, english, content, name, expected
):
    before, events = count(app), count(app, AuditEvent)
    response = upload(lone_admin, content, name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="validation-report"' in page and 'name="token"' not in page
    for text in expected:
        assert text in page
    assert (count(app), count(app, AuditEvent)) == (before, events)


def test_the_report_lists_every_problem(lone_admin):
    page = upload(lone_admin, BROKEN).get_data(as_text=True)
    assert page.count('class="problem"') == 2


# a message whose value is itself translated ("a list"), in the page's language
LISTED_WEIGHT = [
    ("id", "weight harus berupa bilangan positif, ditemukan sebuah daftar"),
    ("en", "weight must be a positive number, got a list"),
]


@pytest.mark.parametrize(("language", "expected"), LISTED_WEIGHT, ids=[c[0] for c in LISTED_WEIGHT])
def test_the_report_reads_in_the_page_language(lone_admin, language, expected):
    with lone_admin.session_transaction() as session:
        session["language"] = language
    page = upload(lone_admin, SMALL.replace("weight: 2", "weight: [2]")).get_data(as_text=True)
    assert page.count('class="problem"') == 1 and expected in page


def test_a_too_large_file_is_refused_with_413(app, lone_admin):
    app.config["INSTRUMENT_MAX_BYTES"] = 100
    response = upload(lone_admin, SMALL)
    assert response.status_code == 413
    assert 'data-testid="too-large"' in response.get_data(as_text=True)
    assert count(app) == 0


def test_the_same_version_with_other_content_is_refused(demo, admin, english):
    admin.post(
        "/admin/instruments/publish",
        data={"token": token_of(upload(admin, SMALL).get_data(as_text=True))},
    )
    changed = SMALL.replace("Is there a policy?", "Is there a written policy?")
    page = upload(admin, changed).get_data(as_text=True)
    assert 'data-testid="clash"' in page and "give it a new version" in page
    # a publish of it anyway (an old page, a crafted form) is refused too
    token = hashlib.sha256(changed.encode()).hexdigest()
    before = count(demo)
    response = admin.post("/admin/instruments/publish", data={"token": token})
    assert response.status_code == 409
    assert "2027.1" in response.get_data(as_text=True)
    assert count(demo) == before


PUBLISH_REFUSED = [
    ("not a token", "../../etc/passwd", 400),
    ("never uploaded", "0" * 64, 303),
]


@pytest.mark.parametrize(
    ("token", "status"), [c[1:] for c in PUBLISH_REFUSED], ids=[c[0] for c in PUBLISH_REFUSED]
)
def test_publish_only_takes_what_was_checked_here(app, lone_admin, token, status):
    assert (
        lone_admin.post("/admin/instruments/publish", data={"token": token}).status_code == status
    )
    assert count(app) == 0


def test_a_changed_server_copy_is_never_published(demo, admin):
    from pathlib import Path

    token = token_of(upload(admin, SMALL).get_data(as_text=True))
    copy = Path(demo.instance_path) / "uploads" / "instruments" / token
    copy.write_text(copy.read_text().replace("Ada kebijakan?", "Diubah?"))
    assert admin.post("/admin/instruments/publish", data={"token": token}).status_code == 303
    assert count(demo) == 1


def test_yaml_download_is_the_published_text_and_uploads_as_the_same_version(demo, admin):
    with demo.app_context():
        version = db.session.scalar(select(InstrumentVersion))
        source, version_id = version.source, version.id
    response = admin.get(f"/admin/instruments/{version_id}/download?format=yaml")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == source
    assert "attachment" in response.headers["Content-Disposition"]
    again = upload(admin, response.get_data(), "unduhan.yaml").get_data(as_text=True)
    assert token_of(again) == hashlib.sha256(source.encode()).hexdigest()
    assert admin.get(f"/admin/instruments/{version_id}/download?format=pdf").status_code == 400


def test_xlsx_download_round_trips(demo, admin):
    needs_workbooks()
    with demo.app_context():
        version = db.session.scalar(select(InstrumentVersion))
        version_id, code, number = version.id, version.code, version.version
        original = instruments.instrument_of(version)
    response = admin.get(f"/admin/instruments/{version_id}/download?format=xlsx")
    assert response.status_code == 200
    assert response.get_data()[:4] == b"PK\x03\x04"
    page = upload(admin, response.get_data(), "unduhan.xlsx")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    with demo.app_context():
        checked = instruments.pending_upload(token_of(page.get_data(as_text=True)))
    assert (checked.instrument.code, checked.instrument.version) == (code, number)
    assert checked.instrument.dimensions == original.dimensions


def test_a_broken_workbook_gets_a_report(demo, admin):
    needs_workbooks()
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Bukan"
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(admin, buffer.getvalue(), "rusak.xlsx")
    assert response.status_code == 422
    assert 'data-testid="validation-report"' in response.get_data(as_text=True)
    assert count(demo) == 1


def test_a_workbook_problem_is_located_by_sheet_and_cell(demo, admin):
    needs_workbooks()
    from openpyxl import load_workbook

    from smartcity.domain.workbook import write_workbook

    book = load_workbook(io.BytesIO(write_workbook(load_instrument(SMALL, "u.yaml"))))
    book["Indicators"]["E2"] = "dua"  # the weight of the first indicator
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(admin, buffer.getvalue(), "uji.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count('class="problem"') == 1 and "Indicators!E2" in page
    assert count(demo) == 1


def test_the_preview_shows_sub_elements_and_answer_types(demo, admin, english):
    features = DEMO_INSTRUMENT.parent / "test-all-features.yaml"
    if not features.exists():
        pytest.skip("the all-features sample instrument is not shipped here")
    page = upload(admin, features.read_bytes(), features.name).get_data(as_text=True)
    assert 'data-testid="preview"' in page, page[:3000]
    instrument = load_instrument(features.read_text(encoding="utf-8"), "f.yaml")
    for dimension in instrument.dimensions:
        assert f'id="dim-{dimension.code}"' in page
        for sub in dimension.sub_elements:
            assert sub.code in page
    kinds = {indicator.answer_type for indicator in instrument.indicators}
    labels = {
        "level": "Level 1-5",
        "choice": "Choice",
        "checklist": "Checklist",
        "number": "Number",
    }
    for kind in kinds:
        assert f"<td>{labels[kind]}</td>" in page


def test_a_published_version_is_previewed(demo, admin, english):
    with demo.app_context():
        version_id = db.session.scalar(select(InstrumentVersion.id))
    page = admin.get(f"/admin/instruments/{version_id}").get_data(as_text=True)
    assert "kotim-smart-city" in page and "GOV-01" in page and "2026" in page
    assert admin.get("/admin/instruments/999999").status_code == 404


def test_the_version_list_is_searched_and_paged(demo, admin):
    with demo.app_context():
        for n in range(44):  # 45 versions in all: three pages of 20
            text = SMALL.replace('"2027.1"', f'"2027.{n + 2}"')
            instruments.register_instrument(text, "uji.yaml")
        db.session.commit()
    first = admin.get("/admin/instruments").get_data(as_text=True)
    assert first.count("data-code=") == 20 and "page=2" in first
    last = admin.get("/admin/instruments?page=3").get_data(as_text=True)
    assert last.count("data-code=") == 5
    found = admin.get("/admin/instruments?q=2027.17").get_data(as_text=True)
    assert found.count("data-code=") == 1
    assert admin.get("/admin/instruments?q=kotim").get_data(as_text=True).count("data-code=") == 1


# --- version pinning: a period's results never change when an instrument changes ---


def _answer_gov(app, year: int) -> None:
    with app.app_context():
        assessment = assessment_of(app, "DISKOMINFO", year)
        assessment = db.session.merge(assessment)
        instrument = assessments.instrument_for(assessment)
        for n, indicator in enumerate(instrument.dimension("GOV").indicators):
            db.session.add(
                Answer(
                    assessment_id=assessment.id,
                    indicator_code=indicator.code,
                    level=1 + n % 5,
                    justification="ada",
                )
            )
        db.session.commit()


def _scores(app, year: int) -> tuple[Fraction | None, dict[str, Fraction | None]]:
    with app.app_context():
        assessment = db.session.merge(assessment_of(app, "DISKOMINFO", year))
        result = assessments.score(assessment)
        return result.index, {d.dimension.code: d.index for d in result.dimensions}


def test_an_old_period_keeps_its_exact_scores_after_a_changed_version(demo, admin):
    _answer_gov(demo, 2026)
    before = _scores(demo, 2026)
    assert before[0] is not None
    text = DEMO_INSTRUMENT.read_text(encoding="utf-8")
    changed = text.replace('version: "2026.1"', 'version: "2027.1"', 1)
    lines = changed.splitlines(keepends=True)
    weights = [i for i, line in enumerate(lines) if line.strip().startswith("weight:")]
    for i in weights[:3]:  # the first dimension and its first indicators weigh differently
        lines[i] = lines[i].split("weight:")[0] + "weight: 9\n"
    changed = "".join(lines)
    # the changed file under the old version is refused ...
    clash = DEMO_INSTRUMENT.read_text(encoding="utf-8").replace("weight: 2.5", "weight: 9", 1)
    assert 'data-testid="clash"' in upload(admin, clash).get_data(as_text=True)
    token = hashlib.sha256(clash.encode()).hexdigest()
    assert admin.post("/admin/instruments/publish", data={"token": token}).status_code == 409
    # ... and under a new version it is published and used by a new period
    token = token_of(upload(admin, changed).get_data(as_text=True))
    assert admin.post("/admin/instruments/publish", data={"token": token}).status_code == 303
    with demo.app_context():
        new_version = db.session.scalar(select(InstrumentVersion).filter_by(version="2027.1"))
        periods.create_period(2027, new_version)
        db.session.commit()
        pinned = db.session.scalar(select(Period).filter_by(year=2026)).instrument_version
        assert pinned.version == "2026.1" and pinned.source == text
    _answer_gov(demo, 2027)
    assert _scores(demo, 2026) == before  # exactly: Fractions, to the last digit
    assert _scores(demo, 2027) != before  # the same answers weigh differently in the new version


def test_checked_files_never_published_are_forgotten_after_two_days(demo, admin):
    import os
    import time
    from pathlib import Path

    token = token_of(upload(admin, SMALL).get_data(as_text=True))
    copy = Path(demo.instance_path) / "uploads" / "instruments" / token
    three_days_ago = time.time() - 3 * 24 * 3600
    os.utime(copy, (three_days_ago, three_days_ago))
    upload(admin, SMALL.replace('"2027.1"', '"2027.2"'))
    assert not copy.exists()
    assert admin.post("/admin/instruments/publish", data={"token": token}).status_code == 303
    assert count(demo) == 1
