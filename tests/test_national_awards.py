"""The ministry's award (Piagam Penghargaan) to a region for a final national year: who gets one,
the ministry's own number series, the signed PDF and what /verify says about it; and the
national year `seed-demo --national` finishes (2025: six regions ranked, awards issued)."""

from __future__ import annotations

import io
import json
import threading
from datetime import date, datetime

import pypdf
import pytest
from sqlalchemy import func, select

from smartcity.domain import formats
from smartcity.extensions import db
from smartcity.models import (
    DocumentSequence,
    IssuedDocument,
    NationalPeriodStatus,
    ProgrammeKind,
    RegionSubmission,
    SubmissionStatus,
)
from smartcity.region_context import working_in
from smartcity.services import documents, letterhead
from smartcity.services import national_evaluation as ne
from smartcity.services.documents import award

from .helpers import PASSWORD, pdf_text
from .national_setup import ministry_and_instrument, user, verified_submission


@pytest.fixture
def final_year(app, demo_history):
    """National year 2026, final, with the demo region's verified submission (level 1)."""
    with app.test_request_context():
        version = ministry_and_instrument()
        ne.open_national_period(2026, version, user("kementerian-admin"))
        verified_submission(2026)
        ne.finalize(ne.national_period(2026), None)  # the command line
    return app


def _submission() -> RegionSubmission:
    return ne.get_submission(ne.national_period(2026), "62.02")


@pytest.mark.parametrize(
    ("minimum", "awarded"),
    [
        (3, False),  # the default: predicate Baik; the region reached level 1 (Kurang)
        (2, False),
        (1, True),
        (0, True),  # every final region
    ],
)
def test_an_award_needs_the_certificates_minimum_level(final_year, minimum, awarded):
    final_year.config["CERTIFICATE_MIN_LEVEL"] = minimum
    with final_year.test_request_context():
        submission = _submission()
        refusal = award.award_refusal(submission)
        assert (refusal is None) == awarded
        if not awarded:
            assert "Kabupaten Kotawaringin Timur" in refusal and "1" in refusal
            with pytest.raises(documents.DocumentRefused):
                award.issue_award(submission, None, "id")
        assert len(award.issue_awards(submission.national_period, None, "id")) == int(awarded)


def test_no_award_before_the_year_is_final_nor_by_anyone_but_the_ministrys_administrators(
    final_year,
):
    final_year.config["CERTIFICATE_MIN_LEVEL"] = 0
    with final_year.test_request_context():
        submission = _submission()
        for username in ("admin", "pimpinan", "kementerian-evaluator"):
            with pytest.raises(documents.DocumentRefused):
                award.issue_award(submission, user(username), "id")
        assert award.issue_award(submission, user("kementerian-admin"), "id").kind == "award"
        submission.national_period.status = NationalPeriodStatus.OPEN
        with pytest.raises(documents.DocumentRefused):
            award.issue_awards(submission.national_period, None, "id")
        submission.status = SubmissionStatus.VERIFIED
        assert award.award_refusal(submission) is not None
        db.session.rollback()


def test_the_award_is_the_ministrys_numbered_in_its_own_series_and_verifies(final_year):
    final_year.config["CERTIFICATE_MIN_LEVEL"] = 0
    with final_year.test_request_context():
        submission = _submission()
        first = award.issue_award(submission, None, "id")
        year = first.issued_at.year
        # no region's document, no region's count: the ministry's series
        assert first.region_id is None and first.period_id is None
        assert first.number == f"000.8.3/001/KEMENTERIAN/{year}"
        assert award.issue_award(submission, None, "id").id == first.id  # unchanged: kept
        english = award.issue_award(submission, None, "en")
        assert english.number == f"000.8.3/002/KEMENTERIAN/{year}"
        with working_in(None):
            [sequence] = db.session.scalars(
                select(DocumentSequence).filter(DocumentSequence.region_id.is_(None))
            ).all()
        assert sequence.last == 2
        # a region's own series is untouched by it
        assert letterhead.take_number("report", date(year, 1, 2)).startswith("000.8.3/")
        assert award.awards_of(submission.national_period) == {submission.id: first}
        assert documents.download_name(first) == "Piagam-62.02-2026.pdf"

        verdict = documents.verify_bytes(first.content)
        assert verdict.outcome == documents.VALID and verdict.signature.ok
        info = documents.verify_code(first.code).document
        assert info.region == "Kabupaten Kotawaringin Timur (62.02)" and info.year == 2026
        index = formats.index(ne.ranking(submission.national_period)[0].index, "id")
        assert info.standing == f"{index} · Kurang · Tingkat 1 (Rintisan)"  # "0,77 · ..."
        assert len(info.evaluation_dimensions) == 5 and len(info.pillars) == 6
        assert all("," in text for _name, text in info.pillars)
        summary = json.loads(first.summary)
        assert summary["region_code"] == "62.02" and summary["predicate"] == "Kurang"


def test_the_award_is_one_page_in_indonesian_and_verify_names_both_axes(final_year, client):
    final_year.config["CERTIFICATE_MIN_LEVEL"] = 0
    with final_year.test_request_context():
        submission = _submission()
        submission.national_period.finalized_at = datetime(2026, 12, 6, 3, 0)
        document = award.issue_award(submission, None, "id")
        code, content, number = document.code, document.content, document.number
        index = ne.ranking(submission.national_period)[0].index
    assert len(pypdf.PdfReader(io.BytesIO(content)).pages) == 1
    text = pdf_text(content)
    for expected in (
        "PIAGAM PENGHARGAAN",
        number,
        "Kabupaten Kotawaringin Timur (62.02)",
        formats.index(index, "id"),  # "1,33": a decimal comma
        "Kurang",
        "Jakarta, 6 Desember 2026",
        "Baseline (Kondisi Dasar)",  # an evaluation dimension
        "Tata Kelola Cerdas",  # a pillar
        code,
        "SIMULASI",  # the development key says so
    ):
        assert expected in text, expected
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Kabupaten Kotawaringin Timur (62.02)" in page
    assert page.count('data-testid="document-pillar"') == 6
    assert page.count('data-testid="document-evaluation-dimension"') == 5
    assert "6 Desember 2026" in page and formats.index(index, "id") in page


@pytest.mark.commits
def test_the_ministrys_numbers_taken_at_the_same_moment_are_all_different(app):
    """NULL never collides in the sequences' unique key: the ministry's series is counted
    under a lock (an advisory lock on PostgreSQL, the write lock on SQLite)."""
    count = 6
    barrier = threading.Barrier(count)
    taken: list = [None] * count

    def take(i: int) -> None:
        # each thread: its own app context, session and database connection
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                taken[i] = letterhead.take_number("award", date(2026, 12, 6), national=True)
            except Exception as error:  # noqa: BLE001 - reported below
                taken[i] = error

    threads = [threading.Thread(target=take, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(taken) == [f"000.8.3/{n:03d}/KEMENTERIAN/2026" for n in range(1, count + 1)]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DocumentSequence)) == 1


# --- the demo's finished national year ------------------------------------------------------


@pytest.mark.commits
def test_seed_demo_national_finishes_the_national_year_2025(app, runner):
    from smartcity.domain.scoring import score_assessment

    result = runner.invoke(args=["seed-demo", "--national", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        period = ne.national_period(2025)
        assert period.status == NationalPeriodStatus.FINAL
        ranked = ne.ranking(period)
        assert [r.code for r in sorted(ranked, key=lambda r: r.code)] == [
            "62.01",
            "62.02",
            "62.03",
            "62.04",
            "62.09",
            "62.71",
        ]
        instrument = ne.instrument_for(period)
        awards = award.awards_of(period)
        for line in ranked:
            submission = db.session.get(RegionSubmission, line.submission_id)
            # exactly the engine's result of the verified values
            reviews = ne.reviews_by_code(submission)
            verified = score_assessment(
                instrument, {code: row.verified.answer() for code, row in reviews.items()}
            )
            assert line.index == verified.index
            assert line.pillars == {d.dimension.code: d.index for d in verified.dimensions}
            answers = ne.answers_by_code(submission)
            assert all(a.justification.startswith("Data sintetis") for a in answers.values())
            assert {p.kind for p in ne.programmes(submission)} == set(ProgrammeKind)
            assert ne.attachment(submission).year == 2025
            assert submission.approved_by_id is not None
            # an award exactly for those at predicate Baik or better
            assert (submission.id in awards) == (line.level >= 3)
        adjusted = [
            row
            for line in ranked
            for row in ne.reviews_by_code(
                db.session.get(RegionSubmission, line.submission_id)
            ).values()
            if row.note
        ]
        assert adjusted  # the evaluator changed a few scores, with a note
        assert awards, "at least one region earns an award"
        for document in awards.values():
            verdict = documents.verify_bytes(document.content)
            assert verdict.outcome == documents.VALID and verdict.signature.ok
            info = verdict.document
            assert info.region.endswith(")") and info.year == 2025
            assert any(p in info.standing for p in ("Baik", "Sangat Baik", "Memuaskan"))
            assert "," in info.standing.split(" ")[0]  # "3,12"
            stored = json.loads(document.summary)  # as the API and the lists read it
            assert "Tingkat" in stored["standing"] and stored["act_date"] == "2025-12-19"
            assert len(stored["pillars"]) == 6 and len(stored["evaluation_dimensions"]) == 5
        assert db.session.scalar(
            select(func.count()).select_from(IssuedDocument).filter_by(kind="award")
        ) == len(awards)
    # again: nothing is added
    again = runner.invoke(args=["seed-demo", "--national", "--password", PASSWORD])
    assert again.exit_code == 0, again.output
    with app.test_request_context():
        assert db.session.scalar(
            select(func.count()).select_from(IssuedDocument).filter_by(kind="award")
        ) == len(awards)


@pytest.mark.parametrize(
    ("username", "own", "awarded"),
    [("admin", "62.02", True), ("pimpinan", "62.02", True), ("admin-62.01", "62.01", False)],
)
def test_a_region_reads_its_final_result_and_downloads_its_own_award(
    national_demo, client, auth, username, own, awarded
):
    """On the region's own submission page: the stored final result and, when it earned one,
    its award as signed; a region without one gets 404, and never another region's."""
    auth.login(username)
    page = client.get("/national-evaluation/2025").get_data(as_text=True)
    with national_demo.app_context():
        ranked = ne.result_of(ne.national_period(2025), own)
    assert f'data-testid="final-index">{formats.index(ranked.index, "id")}<' in page
    download = client.get("/national-evaluation/2025/award.pdf")
    if awarded:
        assert 'data-testid="award-link"' in page
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
    else:
        assert 'data-testid="award-link"' not in page
        assert download.status_code == 404


def test_the_api_gives_the_ministrys_ranking_of_a_final_year(national_demo, client):
    """National tokens read the stored results and each award's code; region tokens get 403;
    a year that is not final is 404."""
    from smartcity.services.exports import rounded
    from smartcity.services.tokens import create_token

    with national_demo.test_request_context():
        national = create_token(user("kementerian-evaluator")).secret
        region = create_token(user("admin")).secret
        db.session.commit()
        period = ne.national_period(2025)
        ranked = ne.ranking(period)
        awards = documents.awards_of(period)
    url = "/api/v1/national/evaluations/2025/results"
    body = client.get(url, headers={"Authorization": f"Bearer {national}"}).get_json()
    assert [r["code"] for r in body["regions"]] == [r.code for r in ranked]
    first, row = body["regions"][0], ranked[0]
    assert first["rank"] == 1 and first["index"] == float(rounded(row.index))
    assert {p["code"]: p["index"] for p in first["evaluation_dimensions"]} == {
        code: float(rounded(index)) for code, index in row.evaluation_dimensions.items()
    }
    assert [r["award"] for r in body["regions"]] == [
        awards[r.submission_id].code if r.submission_id in awards else None for r in ranked
    ]
    assert sum(1 for r in body["regions"] if r["award"]) == 5
    refused = client.get(url, headers={"Authorization": f"Bearer {region}"})
    assert refused.status_code == 403
    missing = "/api/v1/national/evaluations/2031/results"
    assert client.get(missing, headers={"Authorization": f"Bearer {national}"}).status_code == 404
