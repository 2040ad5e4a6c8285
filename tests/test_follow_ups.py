"""Capaian, kendala, tindak lanjut (issue 16): the agency's achievements and obstacles per
dimension, the team's follow-up actions, next year's answer whether each was done, and where
they show (the report, the Berita Acara, the region page)."""

from __future__ import annotations

from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Assessment, AuditEvent, DimensionObstacle, FollowUp
from smartcity.services import documents
from smartcity.services import follow_ups as service
from smartcity.services.documents.report import report_data

from .helpers import assessment_of, pdf_text, submitted


def login(client, auth, username: str) -> None:
    auth.logout()
    assert auth.login(username).status_code == 302
    client.get("/language/en")


def test_the_agency_states_achievements_and_obstacles_while_it_may_edit(demo, client, auth):
    own = assessment_of(demo, "DISKOMINFO").id
    login(client, auth, "diskominfo")
    saved = client.post(
        f"/assessments/{own}/follow-up",
        data={
            "what": "obstacles",
            "achievements-GOV": "Portal layanan daring berjalan.",
            "obstacles-GOV": "Jaringan di kecamatan jauh belum stabil.",
        },
    )
    assert saved.status_code == 303
    page = client.get(f"/assessments/{own}/follow-up").get_data(as_text=True)
    assert "Jaringan di kecamatan jauh belum stabil." in page
    # the team cannot set follow-up actions before the agency has submitted
    login(client, auth, "evaluator")
    refused = client.post(
        f"/assessments/{own}/follow-up",
        data={"what": "action", "dimension": "GOV", "action": "x", "owner": "y"},
    )
    assert refused.status_code == 403
    with demo.app_context():
        row = db.session.scalar(select(DimensionObstacle).filter_by(assessment_id=own))
        assert (row.dimension_code, row.obstacles) == (
            "GOV",
            "Jaringan di kecamatan jauh belum stabil.",
        )
        assert db.session.scalar(select(AuditEvent).filter_by(action="obstacle.changed"))


def test_the_team_sets_follow_up_actions_once_submitted(demo, client, auth):
    own = submitted(demo)
    login(client, auth, "diskominfo")
    # sent and approved: the agency's part is closed
    assert (
        client.post(
            f"/assessments/{own}/follow-up", data={"what": "obstacles", "obstacles-GOV": "x"}
        ).status_code
        == 403
    )
    login(client, auth, "evaluator")
    missing_owner = client.post(
        f"/assessments/{own}/follow-up",
        data={"what": "action", "dimension": "GOV", "action": "Tetapkan SOP", "owner": ""},
    )
    assert missing_owner.status_code == 400
    assert "Tetapkan SOP" in missing_owner.get_data(as_text=True)  # what was typed is kept
    added = client.post(
        f"/assessments/{own}/follow-up",
        data={
            "what": "action",
            "dimension": "GOV",
            "action": "Tetapkan SOP layanan daring",
            "owner": "Sekretaris Diskominfo",
            "target_date": "2027-03-31",
        },
    )
    assert added.status_code == 303
    with demo.test_request_context():
        assessment = db.session.get(Assessment, own)
        [row] = service.follow_ups_of(assessment)
        assert (row.owner, row.target_date.isoformat()) == ("Sekretaris Diskominfo", "2027-03-31")
        report = report_data(assessment, "id")
        [section] = [s for s in report.follow_up if s.actions]
        assert section.code == "GOV" and section.actions[0].action == "Tetapkan SOP layanan daring"
    login(client, auth, "diskominfo")
    page = client.get(f"/assessments/{own}/follow-up").get_data(as_text=True)
    assert "Tetapkan SOP layanan daring" in page and "Sekretaris Diskominfo" in page


def test_next_year_asks_whether_last_year_s_follow_ups_were_done(demo_history, client, auth):
    app = demo_history
    this_year = assessment_of(app, "DINKES").id
    with app.app_context():
        last_year = assessment_of(app, "DINKES", 2025).id
        asked = list(db.session.scalars(select(FollowUp).filter_by(assessment_id=last_year)))
        assert asked  # the 2025 team set them
    login(client, auth, "dinkes")
    page = client.get(f"/assessments/{this_year}/follow-up").get_data(as_text=True)
    assert 'data-testid="previous-follow-ups"' in page and asked[0].action[:30] in page
    submit_page = client.get(f"/assessments/{this_year}/submit").get_data(as_text=True)
    assert "of last year" in submit_page  # the summary reminds of the unanswered ones
    answered = client.post(
        f"/assessments/{this_year}/follow-up",
        data={
            "what": "obstacles",
            f"outcome-{asked[0].id}": "partly",
            f"outcome-note-{asked[0].id}": "SOP disusun, belum ditetapkan",
            "obstacles-LIV": "SIMRS puskesmas belum terhubung SATUSEHAT.",
        },
    )
    assert answered.status_code == 303
    with app.test_request_context():
        row = db.session.get(FollowUp, asked[0].id)
        assert (row.outcome, row.outcome_note) == ("partly", "SOP disusun, belum ditetapkan")
        report = report_data(db.session.get(Assessment, this_year), "id")
        previous = [line for s in report.follow_up for line in s.previous]
        assert ("partly", "SOP disusun, belum ditetapkan") in {
            (line.outcome, line.outcome_note) for line in previous
        }
    # a follow-up of another agency cannot be answered from here
    with app.app_context():
        other = db.session.scalar(
            select(FollowUp)
            .join(Assessment)
            .filter(Assessment.id == assessment_of(app, "DLH", 2025).id)
        )
    foreign = client.post(
        f"/assessments/{this_year}/follow-up",
        data={"what": "obstacles", f"outcome-{other.id}": "done"},
    )
    assert foreign.status_code == 400
    # the region page lists what the agencies said
    login(client, auth, "pimpinan")
    region = client.get("/periods/2026/region").get_data(as_text=True)
    block = region.split('data-testid="region-follow-ups"')[1]
    assert "SIMRS puskesmas belum terhubung SATUSEHAT." in block and "Partly done" in block
    history = client.get("/periods/2025/region").get_data(as_text=True)
    assert "Dinas Kesehatan" in history.split('data-testid="region-follow-ups"')[1]


def test_the_report_prints_achievements_obstacles_and_follow_up(demo_history):
    with demo_history.test_request_context():
        assessment = db.session.get(Assessment, assessment_of(demo_history, "DINKES", 2025).id)
        document = documents.issue_report(assessment, None, "id")
        text = pdf_text(document.content)
        assert "Capaian, kendala dan tindak lanjut" in text
        obstacle = db.session.scalar(
            select(DimensionObstacle).filter_by(assessment_id=assessment.id)
        )
        assert " ".join(obstacle.obstacles.split())[:40] in text


def _one_by_one(period, language: str = "id") -> list[service.AgencyFollowUp]:
    """The region page's list as each agency's own follow-up page reads it."""
    found = []
    for assessment in db.session.scalars(select(Assessment).filter_by(period_id=period.id)):
        if not (service.obstacles_of(assessment) or service.follow_ups_of(assessment)):
            continue  # an agency with nothing said this year is left out
        sections = tuple(s for s in service.follow_up_sections(assessment, language) if not s.empty)
        if sections:
            found.append(
                service.AgencyFollowUp(
                    assessment.agency.code, assessment.agency.name, assessment.id, sections
                )
            )
    return sorted(found, key=lambda f: f.agency_name)


def _statements(app, read) -> int:
    from sqlalchemy import event

    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert seen  # it counted (docs/TESTING.md: listeners on a rolled-back test's connection)
    return len(seen)


def test_the_region_page_reads_the_agencies_follow_ups_in_a_fixed_number_of_queries(
    demo_history,
):
    """It asked about a dozen queries per agency with any; the list is the same as each
    agency's own reading, with last year's actions."""
    from smartcity.models import Period

    with demo_history.test_request_context():
        periods = {p.year: p for p in db.session.scalars(select(Period))}
        assessments = list(
            db.session.scalars(select(Assessment).filter_by(period_id=periods[2026].id))
        )
        counts = []
        for chosen in (assessments[:1], assessments[1:4]):
            for assessment in chosen:
                code = (
                    assessment.agency.dimension_codes[0]
                    if assessment.agency.dimension_codes
                    else "GOV"
                )
                db.session.add(
                    DimensionObstacle(
                        assessment_id=assessment.id,
                        dimension_code=code,
                        obstacles=f"Kendala {assessment.agency.code}",
                    )
                )
            db.session.flush()
            db.session.expire_all()
            counts.append(
                _statements(demo_history, lambda: service.region_follow_ups(periods[2026], "id"))
            )
        assert counts[0] == counts[1]
        for year in (2025, 2026):
            batched = service.region_follow_ups(periods[year], "id")
            assert batched == _one_by_one(periods[year])
            assert len(batched) >= 4 if year == 2026 else batched
        # this year's list carries last year's actions where the agency had any
        assert any(s.previous for f in batched for s in f.sections)
