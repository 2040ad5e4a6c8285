"""The region's pages of the ministry's evaluation (views/national_submission.py): its
administrator assembles the submission to the national period 2026 (answers of every type with
evidence, programmes and quick wins, the agencies' results of 2025), its head (pimpinan) sends
it back or approves it, its evaluators read it; nobody else reaches it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import (
    Region,
    RegionAnswer,
    RegionEvidence,
    RegionProgramme,
    RegionSubmission,
    SubmissionStatus,
    User,
)
from smartcity.region_context import working_in
from smartcity.services import accounts
from smartcity.services import national_evaluation as ne
from smartcity.services.instruments import register_instrument

from .crawl import Crawler, log_in
from .helpers import EXE, MINISTRY, PASSWORD, SECOND_REGION, pdf_bytes

NATIONAL = "smartcity/instruments/contoh-evaluasi-nasional.yaml"
BASE = "/national-evaluation/2026"


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def _open_2026(app, *, ministry_users: bool) -> None:
    with app.test_request_context():
        if ministry_users:
            for username, role in zip(
                MINISTRY, ("ministry-admin", "ministry-evaluator", "national-viewer"), strict=True
            ):
                accounts.create_user(username, role, PASSWORD)
        source = Path(NATIONAL).read_text(encoding="utf-8")
        version = register_instrument(source, "contoh-evaluasi-nasional.yaml")
        ne.open_national_period(2026, version, _user("kementerian-admin"))
        db.session.commit()


@pytest.fixture
def evaluation(app, demo_history):
    """The demo region (with its final 2025), the ministry's users, the national period 2026."""
    _open_2026(app, ministry_users=True)
    return app


@pytest.fixture
def two_evaluated(app, two_regions):
    """The demo and Kotawaringin Barat (62.01), the national period 2026 open (the state has
    it, with a draft submission in each region: tests/helpers.add_second_region)."""
    return app


def _submission(app, code: str = "62.02") -> RegionSubmission | None:
    with app.app_context(), working_in(None):
        row = db.session.scalar(select(RegionSubmission).join(Region).where(Region.code == code))
        if row is not None:
            db.session.expunge(row)
        return row


def _answers(app, code: str = "62.02") -> dict[str, tuple]:
    """The answers of the region's submission (the demo's unless `code`)."""
    with app.app_context(), working_in(None):
        rows = db.session.scalars(
            select(RegionAnswer)
            .join(RegionSubmission, RegionSubmission.id == RegionAnswer.submission_id)
            .join(Region, Region.id == RegionSubmission.region_id)
            .where(Region.code == code)
        )
        return {
            row.indicator_code: (row.level, row.choice, row.number, row.justification, row.version)
            for row in rows
        }


def _instrument(app):
    with app.app_context():
        return ne.instrument_for(ne.national_period(2026))


def _lowest(indicator) -> dict[str, str]:
    """The form fields of the lowest answer of an indicator (no evidence needed)."""
    code = indicator.code
    if indicator.answer_type == "level":
        value = {f"level-{code}": "1"}
    elif indicator.answer_type == "choice":
        value = {f"choice-{code}": indicator.options[0].code}
    else:
        worst = indicator.maximum if indicator.direction == "lower_is_better" else 0
        value = {f"number-{code}": str(worst)}
    return {**value, f"justification-{code}": f"Kondisi {code}."}


def _post_pillar(client, code: str, data: dict, files: dict | None = None):
    body: dict[str, object] = dict(data)
    for indicator, (content, name) in (files or {}).items():
        body[f"evidence-{indicator}"] = (io.BytesIO(content), name)
    return client.post(f"{BASE}/pillars/{code}", data=body, content_type="multipart/form-data")


# the GOV pillar of the example instrument has the three answer types it uses
GOV_TYPED = {
    "level-GOV-01": "4",
    "justification-GOV-01": "Perbup rencana induk 2025 berlaku.",
    "number-GOV-02": "62,5",
    "justification-GOV-02": "40 dari 64 jenis layanan.",
    "choice-GOV-03": "2",
    "justification-GOV-03": "Dasbor dibahas bulanan.",
}


def test_the_administrator_fills_a_pillar_with_every_answer_type_and_evidence(
    evaluation, client, auth
):
    auth.login("admin")
    assert 'href="/national-evaluation/"' in client.get("/").get_data(as_text=True)
    listing = client.get("/national-evaluation/")
    assert listing.status_code == 200 and f'href="{BASE}"' in listing.get_data(as_text=True)
    assert client.get(BASE).status_code == 200  # the first visit begins the draft
    assert _submission(evaluation).status == SubmissionStatus.DRAFT
    page = client.get(f"{BASE}/pillars/GOV").get_data(as_text=True)
    for field in ("level-GOV-01", "number-GOV-02", "choice-GOV-03", "evidence-GOV-01"):
        assert f'name="{field}"' in page
    response = _post_pillar(
        client,
        "GOV",
        {**GOV_TYPED, "version-GOV-01": "0", "version-GOV-02": "0", "version-GOV-03": "0"},
        {"GOV-01": (pdf_bytes(), "perbup-rencana-induk.pdf")},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{BASE}/pillars/GOV")
    stored = _answers(evaluation)
    assert stored["GOV-01"][0] == 4 and stored["GOV-03"][1] == "2"
    assert stored["GOV-02"][2] in ("62.5", "125/2", "62,5")
    assert stored["GOV-02"][3] == "40 dari 64 jenis layanan."
    page = client.get(f"{BASE}/pillars/GOV").get_data(as_text=True)
    # the state's file and the one sent here: the newest is this one
    evidence_id = max(re.findall(rf"{BASE}/evidence/(\d+)\"", page), key=int)
    download = client.get(f"{BASE}/evidence/{evidence_id}")
    assert download.status_code == 200 and download.get_data() == pdf_bytes()
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    # the overview counts it: 3 of 3 answered in the pillar, an index shown
    overview = client.get(BASE).get_data(as_text=True)
    pillar_row = re.search(r'data-testid="pillar-GOV">(.*?)</tr>', overview, re.S).group(1)
    assert "3" in pillar_row and "-" not in pillar_row.split("</td>")[1]
    # removing the file
    removed = client.post(f"{BASE}/evidence/{evidence_id}/remove")
    assert removed.status_code == 303
    assert client.get(f"{BASE}/evidence/{evidence_id}").status_code == 404
    # level 4 needs a file again: the page says so
    page = client.get(f"{BASE}/pillars/GOV").get_data(as_text=True)
    assert 'data-testid="evidence-needed-GOV-01"' in page
    assert 'data-testid="evidence-needed-GOV-02"' in page  # 62,5 persen: level 3


def test_a_colleagues_save_in_between_is_a_conflict_and_keeps_what_was_typed(
    evaluation, client, auth
):
    auth.login("admin")
    client.get(BASE)
    first = _post_pillar(client, "GOV", {**GOV_TYPED, "version-GOV-01": "0"})
    assert first.status_code == 303
    before = _answers(evaluation)
    # a second page loaded before that save still says version 0
    typed = {**GOV_TYPED, "justification-GOV-01": "Teks saya yang baru", "version-GOV-01": "0"}
    response = _post_pillar(client, "GOV", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Teks saya yang baru" in page and "GOV-01" in page
    assert _answers(evaluation) == before
    # the page now carries the stored version: saving again keeps the typed text
    version = re.search(r'name="version-GOV-01" type="hidden" value="(\d+)"', page).group(1)
    again = _post_pillar(client, "GOV", {**typed, "version-GOV-01": version})
    assert again.status_code == 303
    assert _answers(evaluation)["GOV-01"][3] == "Teks saya yang baru"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number-GOV-02", "banyak sekali"),  # not a number
        ("number-GOV-02", "140"),  # over the maximum of 100
        ("level-GOV-01", "9"),  # no such level
        ("choice-GOV-03", "7"),  # no such option
    ],
)
def test_invalid_input_saves_nothing_and_keeps_the_typed_values(
    evaluation, client, auth, field, value
):
    auth.login("admin")
    client.get(BASE)
    typed = {**GOV_TYPED, field: value, "justification-GOV-03": "Tetap di halaman"}
    response = _post_pillar(client, "GOV", typed, {"GOV-01": (pdf_bytes(), "sk.pdf")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _answers(evaluation) == {}
    assert "Tetap di halaman" in page
    if field.startswith("number"):
        assert f'value="{value}"' in page
    with evaluation.app_context(), working_in(None):
        assert db.session.scalar(select(RegionEvidence)) is None


def test_a_refused_file_does_not_lose_the_answers(evaluation, client, auth):
    auth.login("admin")
    client.get(BASE)
    response = _post_pillar(client, "GOV", GOV_TYPED, {"GOV-01": (EXE, "aplikasi.pdf")})
    assert response.status_code == 415
    assert "aplikasi.pdf" in response.get_data(as_text=True)
    assert _answers(evaluation)["GOV-01"][0] == 4
    evaluation.config["EVIDENCE_MAX_BYTES"] = 100
    response = _post_pillar(client, "GOV", GOV_TYPED, {"GOV-01": (pdf_bytes(), "besar.pdf")})
    assert response.status_code == 413
    assert "besar.pdf" in response.get_data(as_text=True)


def test_programmes_and_quick_wins_are_added_and_removed(evaluation, client, auth):
    auth.login("admin")
    client.get(BASE)
    added = client.post(
        f"{BASE}/programmes",
        data={
            "kind": "programme",
            "pillar": "GOV",
            "title": "Satu Data Kotim",
            "description": "Portal data terpadu.",
            "years": "2025-2029",
        },
    )
    assert added.status_code == 303
    quick = client.post(
        f"{BASE}/programmes", data={"kind": "quick_win", "pillar": "SOC", "title": "Lapor Cepat"}
    )
    assert quick.status_code == 303
    page = client.get(BASE).get_data(as_text=True)
    assert "Satu Data Kotim" in page and "Lapor Cepat" in page and "2025-2029" in page
    # a programme without a title: refused, what was typed is still in the form
    refused = client.post(
        f"{BASE}/programmes",
        data={"kind": "programme", "pillar": "ENV", "title": " ", "description": "Bank sampah"},
    )
    assert refused.status_code == 400 and "Bank sampah" in refused.get_data(as_text=True)
    assert client.post(f"{BASE}/programmes", data={"kind": "x", "pillar": "GOV"}).status_code == 400
    with evaluation.app_context(), working_in(None):
        rows = {row.title: row.id for row in db.session.scalars(select(RegionProgramme))}
    assert set(rows) == {"Satu Data Kotim", "Lapor Cepat"}
    assert client.post(f"{BASE}/programmes/{rows['Lapor Cepat']}/remove").status_code == 303
    page = client.get(BASE).get_data(as_text=True)  # the flash names it, the table does not
    assert "Lapor Cepat telah dihapus" in page or "Lapor Cepat was removed" in page
    table = re.search(r'data-testid="programmes">(.*?)</table>', page, re.S).group(1)
    assert "Lapor Cepat" not in table and "Satu Data Kotim" in table
    assert client.post(f"{BASE}/programmes/999999/remove").status_code == 404


def test_the_agencies_results_of_2025_are_attached(evaluation, client, auth):
    auth.login("admin")
    page = client.get(BASE).get_data(as_text=True)
    assert '<option value="2025"' in page
    response = client.post(f"{BASE}/attachment", data={"year": "2025"})
    assert response.status_code == 303
    page = client.get(BASE).get_data(as_text=True)
    assert 'data-testid="attached-agencies"' in page and "DISKOMINFO" in page
    assert _submission(evaluation).agencies_year == 2025
    assert client.post(f"{BASE}/attachment", data={"year": "1999"}).status_code == 400


def _complete(client, instrument) -> None:
    """Every pillar answered (lowest answers), a programme, a quick win, 2025 attached."""
    client.get(BASE)
    for dimension in instrument.dimensions:
        data = {}
        for indicator in dimension.indicators:
            data |= _lowest(indicator)
        assert _post_pillar(client, dimension.code, data).status_code == 303, dimension.code
    for kind in ("programme", "quick_win"):
        client.post(f"{BASE}/programmes", data={"kind": kind, "pillar": "GOV", "title": kind})
    client.post(f"{BASE}/attachment", data={"year": "2025"})


def test_the_head_sends_it_back_with_a_comment_then_approves(evaluation, client, auth):
    auth.login("admin")
    client.get(BASE)
    incomplete = client.post(f"{BASE}/ask-approval")
    assert incomplete.status_code == 409
    assert 'data-testid="missing"' in incomplete.get_data(as_text=True)
    _complete(client, _instrument(evaluation))
    assert 'data-testid="complete"' in client.get(BASE).get_data(as_text=True)
    assert client.post(f"{BASE}/ask-approval").status_code == 303
    assert _submission(evaluation).status == SubmissionStatus.AWAITING_APPROVAL
    # while it waits, the administrator changes nothing
    before = _answers(evaluation)
    waiting = client.post(f"{BASE}/pillars/GOV", data={**GOV_TYPED, "version-GOV-01": ""})
    assert waiting.status_code == 303 and _answers(evaluation) == before
    assert client.post(f"{BASE}/programmes", data={"kind": "programme"}).status_code == 303
    auth.logout()

    auth.login("pimpinan")
    page = client.get(BASE).get_data(as_text=True)
    assert f'action="{BASE}/approve"' in page and f'action="{BASE}/send-back"' in page
    no_comment = client.post(f"{BASE}/send-back", data={"comment": "  "})
    assert no_comment.status_code == 400
    assert _submission(evaluation).status == SubmissionStatus.AWAITING_APPROVAL
    back = client.post(f"{BASE}/send-back", data={"comment": "Lengkapi data dukung GOV-01."})
    assert back.status_code == 303
    assert _submission(evaluation).status == SubmissionStatus.DRAFT
    auth.logout()

    auth.login("admin")
    page = client.get(BASE).get_data(as_text=True)
    assert "Lengkapi data dukung GOV-01." in page
    assert client.post(f"{BASE}/ask-approval").status_code == 303
    auth.logout()

    auth.login("pimpinan")
    assert client.post(f"{BASE}/approve").status_code == 303
    submission = _submission(evaluation)
    assert submission.status == SubmissionStatus.SUBMITTED and submission.submitted_at
    # once sent, approving again changes nothing
    client.post(f"{BASE}/approve")
    assert _submission(evaluation).round == 1
    page = client.get(BASE).get_data(as_text=True)
    assert f'action="{BASE}/approve"' not in page


@pytest.mark.parametrize("reader", ["evaluator", "pimpinan"])
def test_readers_see_the_submission_read_only(evaluation, client, auth, reader):
    auth.login(reader)
    # nothing begun yet: "not started", and reading begins nothing
    page = client.get(BASE).get_data(as_text=True)
    assert 'data-testid="not-started"' in page
    assert _submission(evaluation) is None
    auth.logout()
    auth.login("admin")
    client.get(BASE)
    _post_pillar(client, "GOV", GOV_TYPED, {"GOV-01": (pdf_bytes(), "perbup.pdf")})
    auth.logout()

    auth.login(reader)
    page = client.get(f"{BASE}/pillars/GOV").get_data(as_text=True)
    assert 'data-testid="read-only"' in page
    assert '<form method="post"' not in page.split("</header>")[1]
    assert re.search(
        r'checked disabled id="[^"]*" name="level-GOV-01" type="radio" value="4"', page
    )
    assert "Perbup rencana induk 2025 berlaku." in page and "readonly" in page
    [evidence_id] = re.findall(rf"{BASE}/evidence/(\d+)\"", page)
    download = client.get(f"{BASE}/evidence/{evidence_id}")
    assert download.status_code == 200
    download.close()
    overview = client.get(BASE).get_data(as_text=True)
    assert f'action="{BASE}/programmes"' not in overview
    assert f'action="{BASE}/ask-approval"' not in overview
    before = _answers(evaluation)
    for url, data in (
        (f"{BASE}/pillars/GOV", {"level-GOV-01": "1"}),
        (f"{BASE}/programmes", {"kind": "programme", "pillar": "GOV", "title": "x"}),
        (f"{BASE}/attachment", {"year": "2025"}),
        (f"{BASE}/ask-approval", {}),
        (f"{BASE}/evidence/{evidence_id}/remove", {}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    assert _answers(evaluation) == before


URLS = [
    ("GET", "/national-evaluation/"),
    ("GET", BASE),
    ("GET", f"{BASE}/pillars/GOV"),
    ("POST", f"{BASE}/pillars/GOV"),
    ("POST", f"{BASE}/programmes"),
    ("POST", f"{BASE}/attachment"),
    ("POST", f"{BASE}/ask-approval"),
    ("POST", f"{BASE}/approve"),
    ("POST", f"{BASE}/send-back"),
    ("GET", f"{BASE}/evidence/1"),
]


@pytest.mark.parametrize("who", ["diskominfo", "kepala-diskominfo", *MINISTRY])
@pytest.mark.parametrize(("method", "url"), URLS)
def test_agencies_and_the_ministry_do_not_reach_the_regions_pages(
    evaluation, client, auth, who, method, url
):
    auth.login(who)
    assert client.open(url, method=method).status_code == 403
    assert _submission(evaluation) is None


@pytest.mark.parametrize(
    "url",
    [
        "/national-evaluation/2025",
        "/national-evaluation/2025/pillars/GOV",
        f"{BASE}/pillars/XYZ",
        f"{BASE}/evidence/999999",
    ],
)
def test_unknown_years_pillars_and_files_are_not_found(evaluation, client, auth, url):
    auth.login("admin")
    assert client.get(url).status_code == 404


def test_another_region_sees_neither_the_submission_nor_its_evidence(two_evaluated, client, auth):
    app = two_evaluated
    auth.login("admin")
    client.get(BASE)
    _post_pillar(client, "GOV", GOV_TYPED, {"GOV-01": (pdf_bytes(), "perbup-kotim.pdf")})
    client.post(f"{BASE}/programmes", data={"kind": "programme", "pillar": "GOV", "title": "Kotim"})
    page = client.get(f"{BASE}/pillars/GOV").get_data(as_text=True)
    # the state's file and the one sent here: the newest is this one
    evidence_id = max(re.findall(rf"{BASE}/evidence/(\d+)\"", page), key=int)
    auth.logout()
    for username in ("b-admin", "b-evaluator", "b-pimpinan"):
        auth.login(username)
        overview = client.get(BASE).get_data(as_text=True)
        pillar = client.get(f"{BASE}/pillars/GOV").get_data(as_text=True)
        for text in ("Perbup rencana induk", "perbup-kotim.pdf", "Kotim</span>"):
            assert text not in overview + pillar, (username, text)
        assert client.get(f"{BASE}/evidence/{evidence_id}").status_code == 404
        auth.logout()
    auth.login("b-admin")
    assert client.post(f"{BASE}/evidence/{evidence_id}/remove").status_code == 404
    with app.app_context(), working_in(None):
        assert db.session.get(RegionEvidence, int(evidence_id)).deleted_at is None
    assert _submission(app, SECOND_REGION).status == SubmissionStatus.DRAFT
    assert _answers(app)["GOV-01"][3] == "Perbup rencana induk 2025 berlaku."


class OwnPagesCrawler(Crawler):
    """Follows the links and sends the forms of these pages only (tests/test_crawl.py crawls
    the whole app)."""

    def endpoint_of(self, path: str, method: str = "GET") -> str | None:
        endpoint = super().endpoint_of(path, method)
        return endpoint if endpoint and endpoint.startswith("national_submission.") else None


@pytest.mark.commits
@pytest.mark.parametrize("username", ["admin", "evaluator", "pimpinan"])
def test_no_reader_is_shown_a_button_they_may_not_use(evaluation, username):
    """Crawled as the region's readers (tests/crawl.py), with a begun submission: nothing
    linked or shown answers 403, every button pressed after the pages were read."""
    with evaluation.test_request_context():
        period = ne.national_period(2026)
        region = db.session.scalar(select(Region).filter_by(code="62.02"))
        with working_in(region.id):
            submission = ne.ensure_submission(period, region)
            ne.attach_evidence(
                submission, _user("admin"), "GOV-01", "perbup.pdf", io.BytesIO(pdf_bytes())
            )
    client = evaluation.test_client()
    log_in(client, username, PASSWORD)
    crawler = OwnPagesCrawler(evaluation, client, per_endpoint=2)
    pages = crawler.crawl("/national-evaluation/")
    assert len(pages) > 3
    assert [(p.method, p.url) for p in pages if p.status == 403] == []
    assert all(p.status < 500 for p in pages)
    # the administrator's buttons were pressed; the readers were shown none
    sent = {p.url for p in pages if p.method == "POST"}
    assert (f"{BASE}/ask-approval" in sent) == (username == "admin")
    assert (f"{BASE}/pillars/GOV" in sent) == (username == "admin")


def test_every_form_carries_the_csrf_token_and_a_post_without_it_is_refused(
    evaluation, client, auth
):
    auth.login("admin")
    evaluation.config["WTF_CSRF_ENABLED"] = True  # as in production, once logged in
    overview = client.get(BASE).get_data(as_text=True)
    pillar = client.get(f"{BASE}/pillars/GOV").get_data(as_text=True)
    for page in (overview, pillar):
        forms = re.findall(r"<form method=\"post\".*?</form>", page, re.S)
        assert forms and all('name="csrf_token"' in form for form in forms)
    for url in (f"{BASE}/pillars/GOV", f"{BASE}/programmes", f"{BASE}/ask-approval"):
        assert client.post(url, data={"kind": "programme"}).status_code == 400, url
    assert _submission(evaluation).status == SubmissionStatus.DRAFT


def test_a_submission_returned_by_the_ministry_is_the_administrators_again(
    evaluation, client, auth
):
    auth.login("admin")
    _complete(client, _instrument(evaluation))
    client.post(f"{BASE}/ask-approval")
    auth.logout()
    auth.login("pimpinan")
    client.post(f"{BASE}/approve")
    auth.logout()
    with evaluation.test_request_context():
        submission = ne.get_submission(ne.national_period(2026), "62.02")
        evaluator = _user("kementerian-evaluator")
        ne.assign(submission.national_period, submission.region, evaluator, _user(MINISTRY[0]))
        ne.return_to_region(submission, evaluator, "Data dukung pilar lingkungan kurang.")
    auth.login("admin")
    page = client.get(BASE).get_data(as_text=True)
    assert "Data dukung pilar lingkungan kurang." in page
    assert f'action="{BASE}/ask-approval"' in page
    changed = {}
    for indicator in _instrument(evaluation).dimension("GOV").indicators:
        changed |= _lowest(indicator)
    changed["justification-GOV-03"] = "Diperbaiki setelah dikembalikan."
    assert _post_pillar(client, "GOV", changed).status_code == 303
    assert client.post(f"{BASE}/ask-approval").status_code == 303
    auth.logout()
    auth.login("pimpinan")
    client.post(f"{BASE}/approve")
    submission = _submission(evaluation)
    assert submission.status == SubmissionStatus.SUBMITTED and submission.round == 2
    assert _answers(evaluation)["GOV-03"][3] == "Diperbaiki setelah dikembalikan."
