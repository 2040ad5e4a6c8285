"""The ministry's pages of its evaluation of regions (views/national_evaluation.py): a ministry
administrator opens a period, assigns an evaluator and finalizes; the assigned ministry
evaluator reviews, returns and verifies; the results page and its CSV show exactly the
service's ranking; the national viewer reads everything and changes nothing; region users
reach none of it."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from smartcity.domain import formats
from smartcity.extensions import db
from smartcity.models import (
    NationalPeriod,
    NationalPeriodStatus,
    Period,
    ProgrammeKind,
    Region,
    RegionAnswer,
    RegionReview,
    SubmissionStatus,
    User,
)
from smartcity.region_context import working_in
from smartcity.services import accounts, regions
from smartcity.services import national_evaluation as ne
from smartcity.services.exports import rounded
from smartcity.services.instruments import register_instrument

from .crawl import Crawler, parse
from .helpers import PASSWORD, csrf_token_from
from .national_setup import lowest_answers

NATIONAL = "smartcity/instruments/contoh-evaluasi-nasional.yaml"
REGIONAL = "smartcity/instruments/kotim-smart-city.yaml"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEMO = "62.02"
BASE = "/national/evaluations"
REGION_PAGE = f"{BASE}/2026/regions/{DEMO}"


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


@pytest.fixture
def evaluation(app, demo_history):
    """The demo region, the ministry's users (two evaluators and a national viewer) and an
    open national period 2026."""
    with app.test_request_context():
        for username, role in (
            ("kementerian-admin", "ministry-admin"),
            ("kementerian-evaluator", "ministry-evaluator"),
            ("kementerian-evaluator-2", "ministry-evaluator"),
            ("kementerian-pimpinan", "national-viewer"),
        ):
            accounts.create_user(username, role, PASSWORD, full_name=f"Bapak {username}")
        source = Path(NATIONAL).read_text(encoding="utf-8")
        version = register_instrument(source, "contoh-evaluasi-nasional.yaml")
        ne.open_national_period(2026, version, _user("kementerian-admin"))
        db.session.commit()
    return app


def _submitted(app, *, evidence: bool = False) -> int:
    """The demo region's complete submission, approved by its head (through the service);
    with `evidence`, a PDF on GOV-01. Returns the evidence id (or 0)."""
    with app.test_request_context():
        period = ne.national_period(2026)
        region = db.session.scalar(select(Region).filter_by(code=DEMO))
        admin = _user("admin")
        with working_in(region.id):
            submission = ne.ensure_submission(period, region)
            instrument = ne.instrument_for(period)
            ne.save_answers(submission, admin, lowest_answers(instrument))
            file_id = 0
            if evidence:
                row = ne.attach_evidence(submission, admin, "GOV-01", "perbup.pdf", io.BytesIO(PDF))
                file_id = row.id
            for kind in ProgrammeKind:
                ne.add_programme(
                    submission,
                    admin,
                    ne.ProgrammeInput(kind, "GOV", f"Program {kind} Sampit"),
                )
            ne.attach_agencies(submission, admin, 2025)
            ne.ask_approval(submission, admin)
            ne.approve(submission, _user("pimpinan"))
        return file_id


def _assigned(app) -> None:
    with app.test_request_context():
        period = ne.national_period(2026)
        region = db.session.scalar(select(Region).filter_by(code=DEMO))
        ne.assign(period, region, _user("kementerian-evaluator"), _user("kementerian-admin"))


def _status(app) -> str:
    with app.app_context():
        period = ne.national_period(2026)
        return ne.get_submission(period, DEMO).status


def _review_form(page: str) -> MultiDict:
    """The review form's fields as the page fills them in (every verified value and note)."""
    [form] = [f for f in parse(page).forms if f.action.endswith(REGION_PAGE)]
    return MultiDict(form.fields)


def _user_id(app, username: str) -> int:
    with app.app_context():
        return _user(username).id


# --- the national periods --------------------------------------------------------------------


def test_the_periods_page_lists_each_period_with_its_submissions(evaluation, client, auth):
    auth.login("kementerian-admin")
    before = client.get(f"{BASE}/2026").get_data(as_text=True)
    assert f'data-testid="not-begun-{DEMO}"' in before
    assert f'data-testid="submission-{DEMO}"' not in before
    _submitted(evaluation)
    after = client.get(f"{BASE}/2026").get_data(as_text=True)
    assert f'data-testid="not-begun-{DEMO}"' not in after
    assert f'data-testid="submission-{DEMO}"' in after
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert 'data-testid="national-period-2026"' in page
    assert "contoh-evaluasi-nasional 2026.1-contoh" in page
    assert f'href="{BASE}/2026"' in page
    # the national pages lead here
    assert f'href="{BASE}/"' in client.get("/national/").get_data(as_text=True)


def test_a_ministry_administrator_opens_a_period(evaluation, client, auth):
    auth.login("kementerian-admin")
    with evaluation.app_context():
        version_id = ne.national_period(2026).instrument_version_id
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert f'<option value="{version_id}"' in page
    response = client.post(f"{BASE}/", data={"year": "2027", "instrument": str(version_id)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/2027"
    with evaluation.app_context():
        opened = ne.national_period(2027)
        assert opened.instrument_version_id == version_id
        assert opened.status == NationalPeriodStatus.OPEN
    assert client.get(f"{BASE}/2027").status_code == 200


@pytest.mark.parametrize(
    ("year", "instrument", "message"),
    [
        ("2028", "regional", "has no evaluation dimensions"),
        ("2026", "national", "The national period 2026 already exists."),
        ("dua ribu", "national", "The year must be between 2000 and 2100."),
        ("1999", "national", "The year must be between 2000 and 2100."),
        ("2028", "none", "Choose an instrument with the evaluation dimensions."),
    ],
)
def test_a_period_that_cannot_be_opened_is_refused_with_the_reason(
    evaluation, client, auth, english, year, instrument, message
):
    with evaluation.test_request_context():
        national = ne.national_period(2026).instrument_version_id
        regional = register_instrument(Path(REGIONAL).read_text(encoding="utf-8"), "kotim.yaml")
        ids = {"national": str(national), "regional": str(regional.id), "none": "999999"}
        db.session.commit()
    auth.login("kementerian-admin")
    response = client.post(f"{BASE}/", data={"year": year, "instrument": ids[instrument]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.unescape(page)
    assert f'value="{year}"' in page  # what was typed stays
    with evaluation.app_context():
        assert len(db.session.scalars(select(NationalPeriod)).all()) == 1


# --- who may do what ------------------------------------------------------------------------

READ = [
    f"{BASE}/",
    f"{BASE}/2026",
    REGION_PAGE,
    f"{BASE}/2026/results",
]
WRITE = [
    (f"{BASE}/", {"year": "2027", "instrument": "1"}),
    (f"{BASE}/2026/assignments", {"region": DEMO, "evaluator": ""}),
    (f"{BASE}/2026/finalize", {}),
    (REGION_PAGE, {}),
    (f"{REGION_PAGE}/return", {"comment": "Lengkapi."}),
    (f"{REGION_PAGE}/verify", {}),
]


def test_the_national_viewer_reads_everything_and_changes_nothing(evaluation, client, auth):
    file_id = _submitted(evaluation, evidence=True)
    _assigned(evaluation)
    auth.login("kementerian-pimpinan")
    for url in [*READ, f"{REGION_PAGE}/evidence/{file_id}"]:
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url
    page = client.get(REGION_PAGE).get_data(as_text=True)
    assert 'method="post"' not in page.split("<main", 1)[1]
    year_page = client.get(f"{BASE}/2026").get_data(as_text=True)
    assert "assignments" not in year_page and "finalize" not in year_page
    for url, data in WRITE:
        assert client.post(url, data=data).status_code == 403, url
    assert _status(evaluation) == SubmissionStatus.SUBMITTED


@pytest.mark.parametrize("username", ["admin", "evaluator", "pimpinan", "diskominfo"])
def test_region_users_reach_none_of_it(evaluation, client, auth, username):
    file_id = _submitted(evaluation, evidence=True)
    auth.login(username)
    for url in [*READ, f"{BASE}/2026/results.csv", f"{REGION_PAGE}/evidence/{file_id}"]:
        response = client.get(url)
        response.close()
        assert response.status_code == 403, url
    for url, data in WRITE:
        assert client.post(url, data=data).status_code == 403, url


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/1999",
        f"{BASE}/1999/results",
        f"{BASE}/1999/results.csv",
        f"{BASE}/2026/regions/99.99",
        f"{BASE}/1999/regions/{DEMO}",
        f"{REGION_PAGE}/evidence/999999",
    ],
)
def test_what_does_not_exist_is_not_found(evaluation, client, auth, url):
    _submitted(evaluation)
    auth.login("kementerian-pimpinan")
    assert client.get(url).status_code == 404


# --- assigning the evaluator -----------------------------------------------------------------


def test_the_administrator_assigns_and_the_evaluator_finds_the_region_marked(
    evaluation, client, auth
):
    _submitted(evaluation)
    evaluator = _user_id(evaluation, "kementerian-evaluator")
    auth.login("kementerian-admin")
    page = client.get(f"{BASE}/2026").get_data(as_text=True)
    assert f'id="evaluator-{DEMO}"' in page and 'data-testid="not-begun-62.01"' not in page
    response = client.post(
        f"{BASE}/2026/assignments", data={"region": DEMO, "evaluator": str(evaluator)}
    )
    assert response.status_code == 303
    with evaluation.app_context():
        submission = ne.get_submission(ne.national_period(2026), DEMO)
        assert ne.assigned_evaluator(submission).id == evaluator
    auth.logout()
    auth.login("kementerian-evaluator")
    page = client.get(f"{BASE}/2026").get_data(as_text=True)
    assert f'data-testid="mine-{DEMO}"' in page
    assert f'id="evaluator-{DEMO}"' not in page  # only administrators assign
    auth.logout()
    auth.login("kementerian-evaluator-2")
    assert f'data-testid="mine-{DEMO}"' not in client.get(f"{BASE}/2026").get_data(as_text=True)


def test_an_evaluator_finds_their_own_regions_first(evaluation, client, auth):
    _submitted(evaluation)
    with evaluation.test_request_context():
        period = ne.national_period(2026)
        other = regions.create_region("62.03", name="Kabupaten Kapuas", kind="kabupaten")
        ne.ensure_submission(period, other)
        ne.assign(period, other, _user("kementerian-evaluator"), _user("kementerian-admin"))
        db.session.commit()
    auth.login("kementerian-admin")
    page = client.get(f"{BASE}/2026").get_data(as_text=True)
    assert page.index("submission-62.02") < page.index("submission-62.03")  # by code
    auth.logout()
    auth.login("kementerian-evaluator")
    page = client.get(f"{BASE}/2026").get_data(as_text=True)
    assert page.index("submission-62.03") < page.index("submission-62.02")
    assert 'data-testid="mine-62.03"' in page and 'data-testid="mine-62.02"' not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"region": "99.99", "evaluator": ""}, "Unknown region 99.99."),
        ({"region": DEMO, "evaluator": "999999"}, "Choose one of the ministry's evaluators."),
        ({"region": DEMO, "evaluator": "{viewer}"}, "Choose one of the ministry's evaluators."),
    ],
)
def test_an_assignment_that_cannot_be_made_is_refused(
    evaluation, client, auth, english, data, message
):
    _submitted(evaluation)
    viewer = _user_id(evaluation, "kementerian-pimpinan")
    data = {k: v.replace("{viewer}", str(viewer)) for k, v in data.items()}
    auth.login("kementerian-admin")
    response = client.post(f"{BASE}/2026/assignments", data=data)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    with evaluation.app_context():
        assert ne.assignments(ne.national_period(2026)) == {}


# --- the review ------------------------------------------------------------------------------


def test_the_review_page_shows_the_regions_submission(evaluation, client, auth):
    file_id = _submitted(evaluation, evidence=True)
    _assigned(evaluation)
    auth.login("kementerian-evaluator")
    page = client.get(REGION_PAGE).get_data(as_text=True)
    for shown in (
        "Dasar hukum belum ada.",  # a justification
        f'href="{REGION_PAGE}/evidence/{file_id}"',
        "Program programme Sampit",
        "Program quick_win Sampit",
        'data-testid="attached-agencies"',
        'data-testid="scores-pillars"',
        'data-testid="scores-evaluation-dimensions"',
        'name="verified-GOV-01"',
        'name="note-GOV-01"',
        f'action="{REGION_PAGE}/return"',
        f'action="{REGION_PAGE}/verify"',
    ):
        assert shown in page, shown
    download = client.get(f"{REGION_PAGE}/evidence/{file_id}")
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()


def test_the_assigned_evaluator_reviews_a_changed_score_needs_a_note(evaluation, client, auth):
    _submitted(evaluation)
    _assigned(evaluation)
    auth.login("kementerian-evaluator")
    data = _review_form(client.get(REGION_PAGE).get_data(as_text=True))
    assert data["verified-GOV-01"] == "1"  # it starts at the region's own answer
    data["verified-GOV-01"] = "3"
    refused = client.post(REGION_PAGE, data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'href="#review-GOV-01"' in page
    assert _review_form(page)["verified-GOV-01"] == "3"  # the typed value is kept
    with evaluation.app_context():
        assert db.session.scalars(select(RegionReview)).all() == []
    data["note-GOV-01"] = "Perbup sudah ditetapkan dan dipakai."
    saved = client.post(REGION_PAGE, data=data)
    assert saved.status_code == 303
    with evaluation.app_context():
        [review] = db.session.scalars(select(RegionReview)).all()
        assert (review.indicator_code, review.verified_level) == ("GOV-01", 3)
        assert review.note == "Perbup sudah ditetapkan dan dipakai."
    page = client.get(REGION_PAGE).get_data(as_text=True)
    assert "Perbup sudah ditetapkan dan dipakai." in page
    assert 'data-testid="verified-index"' in page


@pytest.mark.parametrize("username", ["kementerian-evaluator-2", "kementerian-admin"])
def test_who_is_not_the_assigned_evaluator_cannot_review(evaluation, client, auth, username):
    _submitted(evaluation)
    _assigned(evaluation)
    auth.login(username)
    page = client.get(REGION_PAGE).get_data(as_text=True)
    assert 'name="verified-GOV-01"' not in page
    data = {"verified-GOV-01": "3", "note-GOV-01": "Bukan evaluatornya."}
    assert client.post(REGION_PAGE, data=data).status_code == 403
    assert client.post(f"{REGION_PAGE}/return", data={"comment": "x"}).status_code == 403
    assert client.post(f"{REGION_PAGE}/verify").status_code == 403
    with evaluation.app_context():
        assert db.session.scalars(select(RegionReview)).all() == []
    assert _status(evaluation) == SubmissionStatus.SUBMITTED


def test_returning_needs_a_comment_and_sends_it_to_the_region(evaluation, client, auth, english):
    _submitted(evaluation)
    _assigned(evaluation)
    auth.login("kementerian-evaluator")
    refused = client.post(f"{REGION_PAGE}/return", data={"comment": "  "})
    assert refused.status_code == 400
    assert "Say what the region must fix." in refused.get_data(as_text=True)
    assert _status(evaluation) == SubmissionStatus.SUBMITTED
    returned = client.post(f"{REGION_PAGE}/return", data={"comment": "Lengkapi data dukung."})
    assert returned.status_code == 303
    assert _status(evaluation) == SubmissionStatus.RETURNED
    # no longer the evaluator's to change: the right person at the wrong moment
    assert client.post(f"{REGION_PAGE}/verify").status_code == 409
    page = client.get(REGION_PAGE).get_data(as_text=True)
    assert "Lengkapi data dukung." in page and 'name="verified-GOV-01"' not in page


# --- finalization and the results ------------------------------------------------------------


def test_from_review_to_the_ranking(evaluation, client, auth, english):
    _submitted(evaluation)
    evaluator = _user_id(evaluation, "kementerian-evaluator")
    auth.login("kementerian-admin")
    client.post(f"{BASE}/2026/assignments", data={"region": DEMO, "evaluator": str(evaluator)})
    # still with the evaluator: no button, the reason, and a refused POST
    page = client.get(f"{BASE}/2026").get_data(as_text=True)
    assert 'data-testid="finalize-refusal"' in page and 'data-testid="finalize"' not in page
    refused = client.post(f"{BASE}/2026/finalize")
    assert refused.status_code == 409
    assert "not reviewed yet" in refused.get_data(as_text=True)
    before = client.get(f"{BASE}/2026/results")
    assert before.status_code == 200 and 'data-testid="not-final"' in before.get_data(as_text=True)
    assert client.get(f"{BASE}/2026/results.csv").status_code == 404
    auth.logout()

    auth.login("kementerian-evaluator")
    data = _review_form(client.get(REGION_PAGE).get_data(as_text=True))
    data["verified-GOV-01"] = "4"
    data["note-GOV-01"] = "Rencana induk dipakai untuk penganggaran."
    assert client.post(REGION_PAGE, data=data).status_code == 303
    assert client.post(f"{REGION_PAGE}/verify").status_code == 303
    assert _status(evaluation) == SubmissionStatus.VERIFIED
    assert client.post(f"{BASE}/2026/finalize").status_code == 403  # administrators finalize
    auth.logout()

    auth.login("kementerian-admin")
    assert 'data-testid="finalize"' in client.get(f"{BASE}/2026").get_data(as_text=True)
    finalized = client.post(f"{BASE}/2026/finalize")
    assert finalized.status_code == 303
    assert finalized.headers["Location"] == f"{BASE}/2026/results"
    with evaluation.app_context():
        period = ne.national_period(2026)
        assert period.status == NationalPeriodStatus.FINAL
        [ranked] = ne.ranking(period)
        instrument = ne.instrument_for(period)
    assert client.post(f"{BASE}/2026/finalize").status_code == 409  # once
    auth.logout()

    # what the ministry reads (in Indonesian): exactly the service's stored values
    with client.session_transaction() as session:
        session["language"] = "id"
    auth.login("kementerian-pimpinan")
    page = client.get(f"{BASE}/2026/results").get_data(as_text=True)
    shown = formats.index(ranked.index, "id")
    assert "," in shown
    assert f'<td class="num" data-testid="ranked-index-{DEMO}">{shown}</td>' in page
    assert f'data-submission="{ranked.submission_id}"' in page
    for code, index in {**ranked.pillars, **ranked.evaluation_dimensions}.items():
        assert formats.index(index, "id") in page, code
    assert 'data-testid="pillar-levels-GOV"' in page and 'data-testid="stage-mean-IMPACT"' in page

    plain = list(
        csv.reader(io.StringIO(client.get(f"{BASE}/2026/results.csv").text.lstrip("\ufeff")))
    )
    pillars = [d.code for d in instrument.dimensions]
    stages = [e.code for e in instrument.evaluation_dimensions]
    assert plain[0][7:] == pillars + stages
    row = plain[1]
    assert row[:5] == ["1", DEMO, ranked.name, ranked.province_code, str(rounded(ranked.index))]
    assert row[6] == str(ranked.level)
    assert row[7:] == [
        str(rounded(v))
        for v in (
            *(ranked.pillars[c] for c in pillars),
            *(ranked.evaluation_dimensions[c] for c in stages),
        )
    ]
    excel = client.get(f"{BASE}/2026/results.csv?dialect=excel-id").text.lstrip("\ufeff")
    excel_row = list(csv.reader(io.StringIO(excel), delimiter=";"))[1]
    assert excel_row[4] == shown  # "2,65" as Excel reads it in Indonesia
    assert client.get(f"{BASE}/2026/results.csv?dialect=x").status_code == 400
    year_page = client.get(f"{BASE}/2026").get_data(as_text=True)
    assert 'data-testid="results-link"' in year_page


@pytest.mark.parametrize(("minimum", "awarded"), [(0, True), (5, False)])
def test_finalizing_issues_the_awards_linked_from_the_results(
    evaluation, client, auth, minimum, awarded
):
    """At or above the minimum level the region's award is issued at finalization, linked
    from the results and downloaded as signed; below it there is none (404)."""
    evaluation.config["CERTIFICATE_MIN_LEVEL"] = minimum
    _submitted(evaluation)
    _assigned(evaluation)
    with evaluation.test_request_context():
        submission = ne.get_submission(ne.national_period(2026), DEMO)
        ne.verify(submission, _user("kementerian-evaluator"))
    auth.login("kementerian-admin")
    assert client.post(f"{BASE}/2026/finalize").status_code == 303
    auth.logout()
    auth.login("kementerian-pimpinan")
    page = client.get(f"{BASE}/2026/results").get_data(as_text=True)
    download = client.get(f"{REGION_PAGE}/award.pdf")
    if awarded:
        assert f'data-testid="award-{DEMO}"' in page
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
        assert download.mimetype == "application/pdf"
    else:
        assert f'data-testid="award-{DEMO}"' not in page
        assert download.status_code == 404


def test_the_forms_carry_their_csrf_token(evaluation, csrf_app, client):
    _submitted(evaluation)
    _assigned(evaluation)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    login = {"username": "kementerian-evaluator", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302
    page = client.get(REGION_PAGE).get_data(as_text=True)
    data = _review_form(page)
    data["note-GOV-01"] = "Sesuai."
    assert client.post(REGION_PAGE, data=data).status_code == 303
    for action in ("return", "verify"):
        [form] = [f for f in parse(page).forms if f.action.endswith(f"{REGION_PAGE}/{action}")]
        assert dict(form.fields)["csrf_token"], action
    assert client.post(f"{REGION_PAGE}/verify").status_code == 400  # no token: refused
    assert _status(evaluation) == SubmissionStatus.SUBMITTED


@pytest.mark.parametrize(
    "username",
    [
        "kementerian-admin",
        "kementerian-evaluator",
        "kementerian-evaluator-2",
        "kementerian-pimpinan",
    ],
)
def test_each_ministry_role_is_shown_only_what_it_may_use(evaluation, client, auth, username):
    """Every link and button of these pages works for whoever is shown it: no 403, no error."""
    _submitted(evaluation, evidence=True)
    _assigned(evaluation)
    auth.login(username)
    pages = Crawler(evaluation, client).crawl(f"{BASE}/")
    refused = [(p.method, p.url, p.status) for p in pages if p.status == 403 or p.status >= 500]
    assert refused == []
    assert {f"{BASE}/2026", REGION_PAGE} <= {p.url for p in pages}


def test_the_ministrys_pages_ask_as_many_queries_for_more_regions(two_regions, client, auth):
    """The year page, the results and their CSV: the same statements for 2 regions' and for
    4 regions' submissions (nothing is read region by region)."""
    import random

    from smartcity.seed.national import add_synthetic_region

    from .helpers import counted_requests

    def statements() -> dict[str, int]:
        return counted_requests(
            two_regions,
            client,
            [f"{BASE}/2026", f"{BASE}/2026/results", f"{BASE}/2026/regions/{DEMO}"],
        )

    auth.login("kementerian-pimpinan")
    few = statements()
    with two_regions.test_request_context():
        period = ne.national_period(2026)
        # the regions' own instrument (their periods), not the national one
        version = db.session.scalar(select(Period).filter_by(year=2025)).instrument_version
        for n in range(2):
            region = add_synthetic_region(
                f"62.{30 + n}", f"Kabupaten Uji {n}", "kabupaten", "Uji", version, random.Random(n)
            )
            with working_in(region.id):
                submission = ne.ensure_submission(period, region)
                db.session.add(
                    RegionAnswer(submission_id=submission.id, indicator_code="GOV-01", level=n + 1)
                )
            db.session.commit()
        assert len(ne.submissions(period)) == 4
    assert statements() == few
    assert all(few.values()), few  # counted (not a session that bypassed the listener)
