"""Every answer type through the web app: the form, autosave, applicability, review, report.

A 2027 period uses `test-all-features.yaml` (level, number, choice in GOV; checklist and a
lower-is-better number in ENV, the checklist only for DLH and `dinas-teknis` agencies).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from smartcity.domain.scoring import display_index
from smartcity.extensions import db
from smartcity.models import Agency, AgencyIndicatorScope, Answer, Assessment, Period, Review
from smartcity.services import assessments as service
from smartcity.services import review as review_service
from smartcity.services import team, workflow
from smartcity.services.instruments import register_instrument
from smartcity.services.periods import create_period

from .helpers import chair_for, submit_and_approve

YEAR = 2027
SOURCE = Path(__file__).parent.parent / "smartcity" / "instruments" / "test-all-features.yaml"


@pytest.fixture
def period(demo):
    """The demo region with an open 2027 period on the all-features instrument."""
    with demo.app_context():
        version = register_instrument(SOURCE.read_text(encoding="utf-8"), SOURCE.name)
        create_period(YEAR, version)
        db.session.commit()
    return demo


def assessment_id(app, agency_code: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Assessment.id)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == agency_code, Period.year == YEAR)
        )


def stored(app, assessment: int, code: str) -> Answer | None:
    with app.app_context():
        row = db.session.scalar(
            select(Answer).filter_by(assessment_id=assessment, indicator_code=code)
        )
        if row is not None:
            db.session.expunge(row)
        return row


def self_index(app, assessment: int) -> str:
    with app.app_context():
        return display_index(service.score(db.session.get(Assessment, assessment)).index)


def test_the_dimension_page_shows_a_widget_per_answer_type(period, client, auth):
    auth.login("diskominfo")
    page = client.get(f"/assessments/{assessment_id(period, 'DISKOMINFO')}/dimensions/GOV")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="level-GOV-SVC-01"' in html
    assert 'name="number-GOV-SVC-02"' in html and 'inputmode="decimal"' in html
    assert 'name="choice-GOV-POL-01"' in html and 'name="na-GOV-POL-01"' in html
    assert 'id="sub-GOV-SVC"' in html and 'id="sub-GOV-POL"' in html


def dimension_url(app, agency_code: str, dimension: str) -> str:
    return f"/assessments/{assessment_id(app, agency_code)}/dimensions/{dimension}"


# --- the form: typed inputs -> stored values -> index ------------------------------------------

# (fields posted on the GOV page of DISKOMINFO, stored (code, column, value), self index)
FORM_CASES = [
    pytest.param(
        {"level-GOV-SVC-01": "3", "number-GOV-SVC-02": "85", "choice-GOV-POL-01": "2"},
        [("GOV-SVC-01", "level", 3), ("GOV-SVC-02", "number", "85"), ("GOV-POL-01", "choice", "2")],
        # SVC (2x3 + 1x5)/3 = 11/3, POL 2/3 x 5 = 10/3; GOV (3 x 11/3 + 10/3)/4 = 43/12
        "3.58",
        id="level-number-choice",
    ),
    pytest.param(
        {"number-GOV-SVC-02": "12,5"},
        [("GOV-SVC-02", "number", "12.5"), ("GOV-SVC-02", "level", None)],
        "1.00",  # 12.5 % is below the 20 % threshold: level 1
        id="decimal-comma",
    ),
    pytest.param(
        {"number-GOV-SVC-02": " 40.0 "},
        [("GOV-SVC-02", "number", "40")],
        "3.00",
        id="decimal-point-normalised",
    ),
    pytest.param(
        {"choice-GOV-POL-01": "3", "na-GOV-POL-01": "y", "justification-GOV-POL-01": "Belum ada"},
        [("GOV-POL-01", "not_applicable", True), ("GOV-POL-01", "choice", None)],
        "-",  # N/A counts for nothing: no index yet
        id="not-applicable-wins",
    ),
    pytest.param(
        {"choice-GOV-POL-01": "0"},
        [("GOV-POL-01", "choice", "0")],
        "0.00",
        id="choice-worth-nothing",
    ),
]


@pytest.mark.parametrize(("fields", "expected", "index"), FORM_CASES)
def test_the_form_stores_each_answer_type(period, client, auth, fields, expected, index):
    auth.login("diskominfo")
    url = dimension_url(period, "DISKOMINFO", "GOV")
    response = client.post(url, data={"action": "save", **fields})
    assert response.status_code == 303, response.get_data(as_text=True)
    assessment = assessment_id(period, "DISKOMINFO")
    for code, column, value in expected:
        row = stored(period, assessment, code)
        assert row is not None and getattr(row, column) == value, (code, column)
    assert self_index(period, assessment) == index
    # the page shows the stored answer again
    page = client.get(url).get_data(as_text=True)
    if "number-GOV-SVC-02" in fields:
        shown = fields["number-GOV-SVC-02"].strip().replace(".0", "").replace(".", ",")
        assert f'value="{shown}"' in page


CHECKLIST_CASES = [
    # (ticked, stored, ENV index with ENV-02 answered 1,5 days -> level 5)
    (["air", "dasbor"], "air,dasbor", "4.50"),  # (3/4 x 5 x 1 + 5 x 1.5) / 2.5
    (["air", "udara", "dasbor"], "air,dasbor,udara", "5.00"),  # 5 points, capped at 4
    ([""], "", "3.00"),  # "none of these": answered, worth 0 -> (0 + 7.5) / 2.5
]


@pytest.mark.parametrize(("ticked", "expected", "index"), CHECKLIST_CASES)
def test_the_checklist_stores_the_ticked_items(period, client, auth, ticked, expected, index):
    auth.login("dlh")
    url = dimension_url(period, "DLH", "ENV")
    data = {"action": "save", "checked-ENV-01": ticked, "number-ENV-02": "1,5"}
    assert client.post(url, data=data).status_code == 303
    assessment = assessment_id(period, "DLH")
    row = stored(period, assessment, "ENV-01")
    assert row is not None and row.checked == expected
    assert self_index(period, assessment) == index


def test_an_untouched_checklist_stays_unanswered(period, client, auth):
    auth.login("dlh")
    url = dimension_url(period, "DLH", "ENV")
    assert client.post(url, data={"action": "save", "number-ENV-02": "3"}).status_code == 303
    assert stored(period, assessment_id(period, "DLH"), "ENV-01") is None


BAD_INPUTS = [
    pytest.param({"choice-GOV-POL-01": "9"}, None, id="option-not-in-the-list"),
    pytest.param({"number-GOV-SVC-02": "101"}, "101", id="number-above-the-range"),
    pytest.param({"number-GOV-SVC-02": "-1"}, "-1", id="number-below-the-range"),
    pytest.param({"number-GOV-SVC-02": "abc"}, "abc", id="not-a-number"),
    pytest.param({"number-GOV-SVC-02": "1e3"}, "1e3", id="exponent"),
    pytest.param({"level-GOV-SVC-01": "7"}, None, id="level-not-in-the-list"),
]


@pytest.mark.parametrize(("fields", "kept"), BAD_INPUTS)
def test_bad_inputs_save_nothing_and_keep_the_typed_text(
    period, client, auth, english, fields, kept
):
    auth.login("diskominfo")
    url = dimension_url(period, "DISKOMINFO", "GOV")
    typed = {"justification-GOV-SVC-01": "Typed text kept", "level-GOV-SVC-01": "2"}
    response = client.post(url, data={"action": "save", **typed, **fields})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    if kept is not None:
        assert f'value="{kept}"' in page
    assert "Typed text kept" in page
    assessment = assessment_id(period, "DISKOMINFO")
    assert all(stored(period, assessment, code) is None for code in ("GOV-SVC-01", "GOV-SVC-02"))


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"na-GOV-SVC-02": "y"}, id="na-box-where-not-allowed"),
        pytest.param({"checked-ENV-01": "air"}, id="indicator-of-another-dimension"),
        pytest.param({"choice-GOV-SVC-01": "1"}, id="other-answer-type"),
    ],
)
def test_fields_the_page_does_not_have_are_refused(period, client, auth, fields):
    auth.login("diskominfo")
    url = dimension_url(period, "DISKOMINFO", "GOV")
    response = client.post(url, data={"action": "save", "level-GOV-SVC-01": "2", **fields})
    assert response.status_code == 400
    assert stored(period, assessment_id(period, "DISKOMINFO"), "GOV-SVC-01") is None


def test_the_messages_say_what_is_wrong(period, client, auth, english):
    auth.login("diskominfo")
    url = dimension_url(period, "DISKOMINFO", "GOV")
    cases = [
        ({"choice-GOV-POL-01": "9"}, "“9” is not an option of GOV-POL-01."),
        ({"number-GOV-SVC-02": "101"}, "101 is outside the range of GOV-SVC-02 (0 to 100)."),
        ({"number-GOV-SVC-02": "abc"}, "GOV-SVC-02: “abc” is not a number (write e.g. 12,5)."),
    ]
    for fields, message in cases:
        page = client.post(url, data={"action": "save", **fields}).get_data(as_text=True)
        assert message.replace("“", "&#8220;").replace("”", "&#8221;") in page or message in page


# --- autosave ----------------------------------------------------------------------------------


def autosave(client, app, agency_code: str, **body):
    url = f"/assessments/{assessment_id(app, agency_code)}/autosave"
    return client.post(url, json=body)


AUTOSAVE_CASES = [
    # (body, stored column, stored value)
    ({"indicator": "GOV-POL-01", "choice": "3"}, "choice", "3"),
    ({"indicator": "GOV-SVC-02", "number": "12,5"}, "number", "12.5"),
    ({"indicator": "GOV-SVC-02", "number": "99.75"}, "number", "99.75"),
    ({"indicator": "GOV-POL-01", "not_applicable": True, "choice": "3"}, "choice", None),
    ({"indicator": "GOV-SVC-01", "level": 4}, "level", 4),
]


@pytest.mark.parametrize(("body", "column", "value"), AUTOSAVE_CASES)
def test_autosave_stores_each_answer_type(period, client, auth, body, column, value):
    auth.login("diskominfo")
    response = autosave(client, period, "DISKOMINFO", **body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == 1
    row = stored(period, assessment_id(period, "DISKOMINFO"), body["indicator"])
    assert row is not None and getattr(row, column) == value


def test_autosave_stores_a_checklist(period, client, auth):
    auth.login("dlh")
    assessment = assessment_id(period, "DLH")
    assert (
        autosave(client, period, "DLH", indicator="ENV-01", checked=["udara", "air"]).status_code
        == 200
    )
    assert stored(period, assessment, "ENV-01").checked == "air,udara"
    # nothing ticked is an answer too
    saved = autosave(client, period, "DLH", indicator="ENV-01", checked=[], version=1)
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    assert stored(period, assessment, "ENV-01").checked == ""


def test_autosave_compares_the_whole_value(period, client, auth):
    auth.login("diskominfo")
    first = autosave(client, period, "DISKOMINFO", indicator="GOV-SVC-02", number="12,5")
    assert first.get_json()["version"] == 1
    # a retry of the same number in another spelling is no change and no conflict
    retry = autosave(client, period, "DISKOMINFO", indicator="GOV-SVC-02", number="12.50")
    assert retry.status_code == 200
    assert retry.get_json()["changed"] is False and retry.get_json()["version"] == 1
    # another value based on the old version: a colleague's save wins until the user chooses
    conflict = autosave(client, period, "DISKOMINFO", indicator="GOV-SVC-02", number="30")
    assert conflict.status_code == 409
    theirs = conflict.get_json()["theirs"]
    assert theirs["number"] == "12.5" and theirs["choice"] is None and theirs["checked"] is None
    assert stored(period, assessment_id(period, "DISKOMINFO"), "GOV-SVC-02").number == "12.5"


AUTOSAVE_REFUSED = [
    ({"indicator": "GOV-POL-01", "choice": "9"}, 422, "invalid"),
    ({"indicator": "GOV-SVC-02", "number": "abc"}, 422, "invalid"),
    ({"indicator": "GOV-SVC-02", "number": "100.5"}, 422, "invalid"),
    ({"indicator": "GOV-SVC-02", "number": 12}, 400, "bad_request"),
    ({"indicator": "GOV-POL-01", "checked": "air"}, 400, "bad_request"),
    ({"indicator": "GOV-POL-01", "checked": ["0"]}, 422, "invalid"),
    ({"indicator": "ENV-01", "checked": ["air"]}, 422, "invalid"),  # not DISKOMINFO's
]


@pytest.mark.parametrize(("body", "status", "error"), AUTOSAVE_REFUSED)
def test_autosave_refuses_bad_values(period, client, auth, body, status, error):
    auth.login("diskominfo")
    response = autosave(client, period, "DISKOMINFO", **body)
    assert response.status_code == status
    assert response.get_json()["error"] == error
    assert stored(period, assessment_id(period, "DISKOMINFO"), body["indicator"]) is None


# --- applicability -----------------------------------------------------------------------------


def missing_codes(app, agency_code: str) -> list[str]:
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id(app, agency_code))
        return [m.indicator.code for m in service.missing_for(assessment)]


def set_scope(app, agency_code: str, *, tags: str | None = None, include: bool | None = None):
    with app.app_context():
        agency = db.session.scalar(select(Agency).filter_by(code=agency_code))
        if tags is not None:
            agency.tags = tags
        if include is not None:
            db.session.add(
                AgencyIndicatorScope(agency=agency, indicator_code="ENV-01", included=include)
            )
        db.session.commit()


# DPUPR answers ENV (and INF, which this instrument lacks); ENV-01 is for DLH and dinas-teknis
APPLICABILITY = [
    pytest.param({}, False, id="rule-leaves-it-out"),
    pytest.param({"tags": "dinas-teknis"}, True, id="a-tag-brings-it-in"),
    pytest.param({"include": True}, True, id="admin-override-includes"),
    pytest.param({"tags": "dinas-teknis", "include": False}, False, id="admin-override-excludes"),
]


@pytest.mark.parametrize(("scope", "applies"), APPLICABILITY)
def test_only_applicable_indicators_are_shown_required_and_scored(
    period, client, auth, scope, applies
):
    set_scope(period, "DPUPR", **scope)
    auth.login("dpupr")
    url = dimension_url(period, "DPUPR", "ENV")
    page = client.get(url).get_data(as_text=True)
    assert ('name="checked-ENV-01"' in page) is applies
    assert missing_codes(period, "DPUPR") == (["ENV-01", "ENV-02"] if applies else ["ENV-02"])
    response = client.post(
        url, data={"action": "save", "number-ENV-02": "20", "checked-ENV-01": "air"}
    )
    assert response.status_code == (303 if applies else 400)
    if not applies:  # refused as a whole: then save what applies
        assert client.post(url, data={"action": "save", "number-ENV-02": "20"}).status_code == 303
        assert stored(period, assessment_id(period, "DPUPR"), "ENV-01") is None
    # ENV-02: 20 days -> level 2; ENV-01: 2 of 4 points -> 2.5
    index = "2.20" if applies else "2.00"  # (2.5 x 1 + 2 x 1.5) / 2.5
    assert self_index(period, assessment_id(period, "DPUPR")) == index
    assert missing_codes(period, "DPUPR") == []
    # the answers export lists what applies, too
    auth.logout()
    auth.login("admin")
    export = client.get(f"/periods/{YEAR}/export?what=answers&format=csv").get_data(as_text=True)
    listed = [row[5] for row in csv.reader(io.StringIO(export)) if row[1] == "DPUPR"]
    assert listed == (["ENV-01", "ENV-02"] if applies else ["ENV-02"])


def test_progress_counts_only_applicable_indicators(period, client, auth):
    auth.login("dpupr")
    with period.app_context():
        assessment = db.session.get(Assessment, assessment_id(period, "DPUPR"))
        assert [(s.code, s.answered, s.total) for s in service.progress(assessment)] == [
            ("ENV", 0, 1)
        ]


# --- review and report ---------------------------------------------------------------------------


def submitted(app, client, auth) -> int:
    """DISKOMINFO answers GOV below the evidence thresholds and submits; the evaluator is
    assigned for 2027."""
    auth.login("diskominfo")
    fields = {"level-GOV-SVC-01": "2", "number-GOV-SVC-02": "30", "choice-GOV-POL-01": "2"}
    url = dimension_url(app, "DISKOMINFO", "GOV")
    assert client.post(url, data={"action": "save", **fields}).status_code == 303
    assessment = assessment_id(app, "DISKOMINFO")
    from smartcity.models import User

    with app.test_request_context():
        row = db.session.get(Assessment, assessment)
        submit_and_approve(row)  # the operator sends it, the head approves
        evaluator = db.session.scalar(select(User).filter_by(username="evaluator"))
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        review_service.assign(row.period, row.agency, evaluator, admin)
        # the 2027 team's chair finalizes: the head of Bapperida, as in the demo
        chair = db.session.scalar(select(User).filter_by(username="kepala-bapperida"))
        team.add_member(row.period, team.MemberInput(team.CHAIR, chair.id), admin)
        db.session.commit()
    auth.logout()
    return assessment


def scores_of(app, assessment: int) -> tuple[str, str]:
    with app.app_context():
        pair = review_service.scores(db.session.get(Assessment, assessment))
        verified = pair.verified.index if pair.verified else None
        return display_index(pair.self_assessed.index), display_index(verified)


REVIEW_FIELDS = {"verified-GOV-SVC-01": "2", "verified-number-GOV-SVC-02": "30"}


def test_review_of_choice_and_number_answers_changes_the_verified_index(period, client, auth):
    assessment = submitted(period, client, auth)
    auth.login("evaluator")
    url = f"/assessments/{assessment}/review"
    page = client.get(url).get_data(as_text=True)
    # the evaluator's widgets start at the self-assessed values
    assert 'name="verified-choice-GOV-POL-01"' in page and 'value="2" selected' in page
    assert 'name="verified-number-GOV-SVC-02"' in page and 'value="30"' in page
    # SVC (2x2 + 1x2)/3 = 2, POL 10/3: GOV (3x2 + 10/3)/4 = 7/3
    assert scores_of(period, assessment) == ("2.33", "-")

    changed = {**REVIEW_FIELDS, "verified-choice-GOV-POL-01": "3"}
    refused = client.post(url, data={"action": "save", **changed})
    assert refused.status_code == 400  # differs without a note
    assert scores_of(period, assessment) == ("2.33", "-")

    noted = {**changed, "verified-number-GOV-SVC-02": "85", "note-GOV-SVC-02": "Data BPS 2026"}
    noted["note-GOV-POL-01"] = "SK ditemukan"
    assert client.post(url, data={"action": "save", **noted}).status_code == 303
    with period.app_context():
        rows = {
            r.indicator_code: r
            for r in db.session.scalars(select(Review).filter_by(assessment_id=assessment))
        }
    assert rows["GOV-POL-01"].verified_choice == "3"
    assert rows["GOV-SVC-02"].verified_number == "85"
    # SVC (2x2 + 1x5)/3 = 3, POL 5: GOV (3x3 + 5)/4 = 3.5
    assert scores_of(period, assessment) == ("2.33", "3.50")


def test_the_review_page_groups_indicators_under_their_sub_elements(period, client, auth):
    """Like the answer page: GOV's indicators under "Pelayanan Publik" and its policy block."""
    import re

    assessment = submitted(period, client, auth)
    auth.login("evaluator")
    page = client.get(f"/assessments/{assessment}/review").get_data(as_text=True)
    sections = re.findall(
        r'<section class="sub-element" aria-labelledby="review-sub-([A-Z-]+)">(.*?)</section>',
        page,
        flags=re.S,
    )
    grouped = {code: re.findall(r'id="review-(GOV-[A-Z]+-\d+)"', body) for code, body in sections}
    assert grouped["GOV-SVC"] == ["GOV-SVC-01", "GOV-SVC-02"]
    assert grouped["GOV-POL"] == ["GOV-POL-01"]
    assert "GOV-SVC</span> Pelayanan Publik</h3>" in page


def test_a_bad_verified_number_is_refused(period, client, auth):
    assessment = submitted(period, client, auth)
    auth.login("evaluator")
    url = f"/assessments/{assessment}/review"
    data = {**REVIEW_FIELDS, "verified-number-GOV-SVC-02": "abc", "note-GOV-SVC-02": "x"}
    assert client.post(url, data={"action": "save", **data}).status_code == 400
    assert scores_of(period, assessment) == ("2.33", "-")


def test_the_report_and_the_export_show_the_answer_per_type(period, client, auth):
    import pypdf

    assessment = submitted(period, client, auth)
    auth.login("evaluator")
    data = {
        **REVIEW_FIELDS,
        "verified-choice-GOV-POL-01": "3",
        "note-GOV-POL-01": "SK ditemukan",
    }
    assert client.post(f"/assessments/{assessment}/review", data=data).status_code == 303
    auth.logout()
    auth.login("admin")  # documents are issued by administrators
    response = client.post(f"/assessments/{assessment}/report")
    assert response.status_code == 303, response.get_data(as_text=True)
    pdf = client.get(response.headers["Location"]).data
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Diterapkan sebagian (2/3)" in text
    assert "Diterapkan secara menyeluruh (3/3)" in text
    assert "30 persen" in text

    csv_text = client.get(f"/periods/{YEAR}/export?what=answers&format=csv").get_data(as_text=True)
    rows = [row for row in csv.reader(io.StringIO(csv_text)) if row[1] == "DISKOMINFO"]
    cells = {row[5]: row for row in rows}
    assert set(cells) == {"GOV-SVC-01", "GOV-SVC-02", "GOV-POL-01"}
    # ..., self_level, self_na, verified_level, verified_na, ..., answer_type, self, verified
    # (an indicator the evaluator left as it was has no verdict of its own yet)
    assert cells["GOV-SVC-02"][6] == "2" and cells["GOV-SVC-02"][-3:] == ["number", "30", ""]
    assert cells["GOV-POL-01"][6] == "" and cells["GOV-POL-01"][-3:] == ["choice", "2", "3"]


def test_the_api_gives_the_value_per_type(period, client, auth):
    from smartcity.models import User
    from smartcity.services import tokens

    submitted(period, client, auth)
    with period.app_context():
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        secret = tokens.create_token(admin, "test").secret
        db.session.commit()
    url = f"/api/v1/periods/{YEAR}/agencies/DISKOMINFO/assessment"
    body = client.get(url, headers={"Authorization": f"Bearer {secret}"}).get_json()
    answers = {a["indicator_code"]: a for a in body["answers"]}
    assert [
        (c, a["answer_type"], a["self_value"], a["self_level"]) for c, a in answers.items()
    ] == [
        ("GOV-SVC-01", "level", "2", 2),
        ("GOV-SVC-02", "number", "30", 2),
        ("GOV-POL-01", "choice", "2", None),
    ]


def test_a_colleagues_newer_number_is_a_conflict_on_the_form(period, client, auth, english):
    auth.login("diskominfo")
    url = dimension_url(period, "DISKOMINFO", "GOV")
    first = {"action": "save", "number-GOV-SVC-02": "12,5", "version-GOV-SVC-02": "0"}
    assert client.post(url, data=first).status_code == 303
    # the same number again from a page based on version 0: a retry, no conflict
    assert client.post(url, data={**first, "number-GOV-SVC-02": "12.50"}).status_code == 303
    stale = {**first, "number-GOV-SVC-02": "30"}
    response = client.post(url, data=stale)
    assert response.status_code == 409
    assert "now: 12.5 percent" in response.get_data(as_text=True)
    assert stored(period, assessment_id(period, "DISKOMINFO"), "GOV-SVC-02").number == "12.5"


def test_region_results_score_every_answer_type_like_the_engine(period, client, auth):
    """The region page sums levels in SQL for level-only questionnaires; this one has choice
    and number answers and sub-elements, so it must agree with the scoring engine."""
    from smartcity.domain.workflow import Action
    from smartcity.models import User
    from smartcity.services.region import find_period, region_for

    assessment = submitted(period, client, auth)
    auth.login("evaluator")
    noted = {
        **REVIEW_FIELDS,
        "verified-choice-GOV-POL-01": "3",
        "verified-number-GOV-SVC-02": "85",
        "note-GOV-SVC-02": "Data BPS 2026",
        "note-GOV-POL-01": "SK ditemukan",
    }
    url = f"/assessments/{assessment}/review"
    assert client.post(url, data={"action": "save", **noted}).status_code == 303
    with period.test_request_context():
        row = db.session.get(Assessment, assessment)
        evaluator = db.session.scalar(select(User).filter_by(username="evaluator"))
        if row.status == "submitted":  # saving a review may already have started it
            workflow.transition(row, evaluator, Action.START_REVIEW)
        workflow.transition(row, evaluator, Action.VERIFY)
        workflow.transition(row, chair_for(row), Action.FINALIZE)
        db.session.commit()
        engine = review_service.scores(row).verified
        region = region_for(find_period(YEAR))
    [diskominfo] = [a for a in region.agencies if a.code == "DISKOMINFO"]
    assert display_index(diskominfo.index) == "3.50" == display_index(engine.index)
    assert diskominfo.dimensions == {
        d.dimension.code: d.index for d in engine.dimensions if d.index is not None
    }
    means = {m.indicator.code: m.mean for m in region.indicators}
    assert means["GOV-POL-01"] == 5  # the verified choice 3 of 3
