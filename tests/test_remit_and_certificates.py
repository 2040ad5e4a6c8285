"""Indicators by remit and certificates only where deserved (issue 16): the shipped Kotim
instruments give each indicator to the agencies whose remit it is; a certificate needs at
least predicate Baik (maturity level 3) unless the period says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from smartcity.domain.instrument import indicator_applies
from smartcity.domain.loader import load_instrument_file
from smartcity.extensions import db
from smartcity.factory import create_app
from smartcity.models import Agency, Assessment, IssuedDocument
from smartcity.seed.data import DEMO_TAGS
from smartcity.services import review
from smartcity.services.assessments import questionnaire

from .helpers import assessment_of

INSTRUMENTS = Path(__file__).resolve().parent.parent / "smartcity" / "instruments"
KOTIM = sorted(INSTRUMENTS.glob("kotim-*.yaml"))

# (indicator, agency code, answers it?) in every shipped Kotim questionnaire
REMIT = [
    ("LIV-01", "DINKES", True),  # SATUSEHAT medical records: health
    ("LIV-01", "BPBD", False),
    ("LIV-01", "DISHUB", False),
    ("LIV-02", "BPBD", True),  # 112 emergency calls
    ("LIV-03", "DISHUB", True),  # transport information
    ("LIV-03", "DINKES", False),
    ("LIV-04", "BPBD", True),  # early warning of floods and forest fires
    ("LIV-05", "DINKES", True),  # untagged: every agency answering Smart Living
    ("ENV-01", "DLH", True),  # waste
    ("ENV-01", "DPUPR", False),
    ("ENV-03", "DPUPR", True),  # drinking water
    ("ECO-05", "DPMPTSP", True),  # OSS licensing
    ("ECO-05", "BAPENDA", False),
    ("PPL-02", "DISDIK", True),  # schools
    ("PPL-02", "BAPPERIDA", False),
    ("GOV-01", "BPBD", True),  # governance indicators: everyone
]


@pytest.mark.parametrize("path", KOTIM, ids=[path.name for path in KOTIM])
@pytest.mark.parametrize(("code", "agency", "answers"), REMIT)
def test_kotim_indicators_go_to_the_agencies_whose_remit_they_are(path, code, agency, answers):
    instrument = load_instrument_file(path)
    tags = DEMO_TAGS[agency].split(",")
    assert indicator_applies(instrument.indicator(code), agency, tags) is answers


def test_every_demo_agency_answers_something_in_each_of_its_dimensions(demo):
    with demo.app_context():
        for assessment in db.session.scalars(select(Assessment)):
            scoped = questionnaire(assessment)
            for code in assessment.agency.dimension_codes:
                assert scoped.dimension(code).indicators, (assessment.agency.code, code)


def test_the_demo_agencies_carry_their_remit_as_tags(demo, client, auth):
    with demo.app_context():
        tags = {a.code: a.tag_list for a in db.session.scalars(select(Agency))}
        assert tags["DINKES"] == ["kesehatan"] and "kebencanaan" in tags["BPBD"]
        bpbd = {
            i.code for i in questionnaire(db.session.get(Assessment, _id(demo, "BPBD"))).indicators
        }
        dinkes = {
            i.code
            for i in questionnaire(db.session.get(Assessment, _id(demo, "DINKES"))).indicators
        }
    assert "LIV-01" in dinkes and "LIV-01" not in bpbd
    auth.login("bpbd")
    page = client.get(f"/assessments/{_id(demo, 'BPBD')}/dimensions/LIV").get_data(as_text=True)
    assert "LIV-04" in page and "SATUSEHAT" not in page


def _id(app, code: str) -> int:
    return assessment_of(app, code).id


def test_the_default_minimum_for_a_certificate_is_predicate_baik(monkeypatch, tmp_path):
    monkeypatch.delenv("CERTIFICATE_MIN_LEVEL", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["CERTIFICATE_MIN_LEVEL"] == 3
    kotim = load_instrument_file(INSTRUMENTS / "kotim-smart-city.yaml")
    assert [b.name.id for b in kotim.maturity_bands if b.level == 3] == ["Baik"]


def test_below_the_minimum_there_is_no_certificate_and_the_page_says_what_it_takes(
    demo_history, client, auth
):
    """In the demo's 2025 year some agencies stay below predicate Baik: no certificate."""
    app = demo_history
    app.config["CERTIFICATE_MIN_LEVEL"] = 3  # the instance default
    with app.test_request_context():
        levels = {}
        for assessment in db.session.scalars(
            select(Assessment).join(Assessment.period).filter_by(year=2025)
        ):
            official = review.scores(assessment).verified
            levels[assessment.agency.code] = (assessment.id, official.maturity.level)
    below = [code for code, (_id, level) in levels.items() if level < 3]
    above = [code for code, (_id, level) in levels.items() if level >= 3]
    assert below and above
    low_id, high_id = levels[below[0]][0], levels[above[0]][0]
    auth.login("admin")
    refused = client.post(f"/assessments/{low_id}/certificate")
    assert refused.status_code == 409
    issued = client.post(f"/assessments/{high_id}/certificate")
    assert issued.status_code == 303
    with app.app_context():
        kinds = {
            (row.assessment_id, row.kind)
            for row in db.session.scalars(select(IssuedDocument).filter_by(kind="certificate"))
        }
    assert (high_id, "certificate") in kinds and (low_id, "certificate") not in kinds
    client.get("/language/en")
    low = client.get(f"/assessments/{low_id}/result").get_data(as_text=True)
    outlook = low.split('data-testid="certificate-outlook"')[1].split("</section>")[0]
    assert "No certificate" in outlook and "maturity level 3 (Good)" in outlook
    assert "short" in outlook
    high = client.get(f"/assessments/{high_id}/result").get_data(as_text=True)
    assert "earns the certificate" in high.split('data-testid="certificate-outlook"')[1]
