"""The ministry's evaluation of regions (services.national_evaluation): a national period, a
region's submission assembled by its administrator and approved by its head, reviewed by the
assigned ministry evaluator, finalized by a ministry administrator, scored exactly by the
engine on both axes and ranked from the stored results."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import event, select

from smartcity.domain.scoring import score_assessment
from smartcity.extensions import db
from smartcity.models import (
    NationalPeriodStatus,
    ProgrammeKind,
    Region,
    RegionResult,
    SubmissionStatus,
    User,
)
from smartcity.region_context import working_in
from smartcity.services import accounts
from smartcity.services import national_evaluation as ne
from smartcity.services.assessments import AnswerConflict, AnswerInput, AnswersInvalid
from smartcity.services.evidence import EvidenceRefused
from smartcity.services.instruments import register_instrument
from smartcity.services.review import ReviewInput

from .helpers import PASSWORD
from .national_setup import lowest_answers

NATIONAL = "smartcity/instruments/contoh-evaluasi-nasional.yaml"
REGIONAL = "smartcity/instruments/kotim-smart-city.yaml"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


@pytest.fixture
def evaluation(app, demo_history):
    """The demo region, the ministry's users and an open national period 2026."""
    with app.test_request_context():
        for username, role in (
            ("kementerian-admin", "ministry-admin"),
            ("kementerian-evaluator", "ministry-evaluator"),
            ("kementerian-evaluator-2", "ministry-evaluator"),
        ):
            accounts.create_user(username, role, PASSWORD)
        source = Path(NATIONAL).read_text(encoding="utf-8")
        version = register_instrument(source, "contoh-evaluasi-nasional.yaml")
        ne.open_national_period(2026, version, _user("kementerian-admin"))
        db.session.commit()
    return app


def _assembled(app):
    """The demo region's complete submission, handed to its head."""
    period = ne.national_period(2026)
    region = db.session.scalar(select(Region).filter_by(code="62.02"))
    admin = _user("admin")
    with working_in(region.id):
        submission = ne.ensure_submission(period, region)
        instrument = ne.instrument_for(period)
        ne.save_answers(submission, admin, lowest_answers(instrument))
        for kind in ProgrammeKind:
            ne.add_programme(
                submission,
                admin,
                ne.ProgrammeInput(kind, instrument.dimensions[0].code, f"Program {kind}"),
            )
        ne.attach_agencies(submission, admin, 2025)
        ne.ask_approval(submission, admin)
    return submission


def test_a_submission_goes_from_the_region_to_the_ministry_and_is_ranked(evaluation):
    with evaluation.test_request_context():
        submission = _assembled(evaluation)
        assert submission.status == SubmissionStatus.AWAITING_APPROVAL
        head = _user("pimpinan")
        ne.approve(submission, head)
        assert submission.status == SubmissionStatus.SUBMITTED
        assert submission.approved_by_id == head.id and submission.round == 1
        period = submission.national_period
        ministry = _user("kementerian-admin")
        evaluator = _user("kementerian-evaluator")
        ne.assign(period, submission.region, evaluator, ministry)
        instrument = ne.instrument_for(period)
        first = instrument.indicators[0]
        raised = ReviewInput(2, False, "Perbup ada, tetapi belum diundangkan.")
        ne.save_review(submission, evaluator, {first.code: raised})
        ne.verify(submission, evaluator)
        assert submission.status == SubmissionStatus.VERIFIED
        ne.finalize(period, ministry)
        assert period.status == NationalPeriodStatus.FINAL
        assert submission.status == SubmissionStatus.FINAL
        # exactly the engine's result on the verified values, both axes stored
        values = {c: e.value() for c, e in lowest_answers(instrument).items()}
        values[first.code] = raised.answer().value()
        expected = score_assessment(instrument, values)
        [ranked] = ne.ranking(period)
        assert ranked.code == "62.02" and ranked.rank == 1
        assert ranked.index == expected.index
        assert ranked.pillars == {d.dimension.code: d.index for d in expected.dimensions}
        assert ranked.evaluation_dimensions == {
            e.evaluation_dimension.code: e.index for e in expected.evaluation_dimensions
        }
        assert len(expected.evaluation_dimensions) == 5
        kinds = db.session.scalars(select(RegionResult.kind)).all()
        assert kinds.count("overall") == 1 and kinds.count("evaluation_dimension") == 5


def test_the_attachment_holds_the_regions_own_final_results(evaluation):
    with evaluation.test_request_context():
        submission = _assembled(evaluation)
        attached = ne.attachment(submission)
        assert attached.year == 2025 and attached.agencies
        finals = [a for a in attached.agencies if a.index is not None]
        assert finals and all(isinstance(a.index, Fraction) for a in finals)


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("pimpinan", "save"),  # the head approves; the administrator assembles
        ("evaluator", "save"),  # a region evaluator reads it only
        ("kementerian-admin", "save"),
        ("admin", "approve"),
        ("kementerian-evaluator", "approve"),
    ],
)
def test_only_the_regions_administrator_assembles_and_only_its_head_approves(
    evaluation, who, action
):
    with evaluation.test_request_context():
        period = ne.national_period(2026)
        region = db.session.scalar(select(Region).filter_by(code="62.02"))
        submission = ne.ensure_submission(period, region)
        code = ne.instrument_for(period).indicators[0].code
        if action == "approve":
            submission.status = SubmissionStatus.AWAITING_APPROVAL
        with pytest.raises(ne.EvaluationRefused):
            if action == "save":
                ne.save_answers(submission, _user(who), {code: AnswerInput(1, False, "x")})
            else:
                ne.approve(submission, _user(who))


def test_incomplete_submissions_do_not_reach_the_head(evaluation):
    with evaluation.test_request_context():
        period = ne.national_period(2026)
        region = db.session.scalar(select(Region).filter_by(code="62.02"))
        submission = ne.ensure_submission(period, region)
        with pytest.raises(AnswersInvalid) as refused:
            ne.ask_approval(submission, _user("admin"))
        text = " ".join(refused.value.problems)
        assert "quick win" in text and "masterplan" in text and "belum dijawab" in text


def test_a_colleagues_save_in_between_is_a_conflict_and_nothing_is_stored(evaluation):
    with evaluation.test_request_context():
        period = ne.national_period(2026)
        region = db.session.scalar(select(Region).filter_by(code="62.02"))
        submission = ne.ensure_submission(period, region)
        admin = _user("admin")
        code = ne.instrument_for(period).indicators[0].code
        ne.save_answers(submission, admin, {code: AnswerInput(1, False, "pertama")}, {code: 0})
        with pytest.raises(AnswerConflict):
            ne.save_answers(submission, admin, {code: AnswerInput(2, False, "kedua")}, {code: 0})
        assert ne.answers_by_code(submission)[code].justification == "pertama"


def test_only_the_assigned_evaluator_reviews_and_a_changed_score_needs_a_note(evaluation):
    with evaluation.test_request_context():
        submission = _assembled(evaluation)
        ne.approve(submission, _user("pimpinan"))
        period = submission.national_period
        ne.assign(
            period, submission.region, _user("kementerian-evaluator"), _user("kementerian-admin")
        )
        code = ne.instrument_for(period).indicators[0].code
        with pytest.raises(ne.EvaluationRefused):
            ne.verify(submission, _user("kementerian-evaluator-2"))
        with pytest.raises(AnswersInvalid):
            ne.save_review(
                submission, _user("kementerian-evaluator"), {code: ReviewInput(3, False, "")}
            )
        with pytest.raises(ne.EvaluationRefused):
            ne.finalize(period, _user("kementerian-admin"))  # still with the evaluator


def test_a_returned_submission_comes_back_in_a_new_round(evaluation):
    with evaluation.test_request_context():
        submission = _assembled(evaluation)
        ne.approve(submission, _user("pimpinan"))
        evaluator = _user("kementerian-evaluator")
        ne.assign(
            submission.national_period, submission.region, evaluator, _user("kementerian-admin")
        )
        ne.return_to_region(submission, evaluator, "Lengkapi data dukung pilar tata kelola.")
        assert submission.status == SubmissionStatus.RETURNED
        ne.ask_approval(submission, _user("admin"))
        ne.approve(submission, _user("pimpinan"))
        assert submission.status == SubmissionStatus.SUBMITTED and submission.round == 2
        assert submission.review_comment == ""


def test_evidence_is_checked_like_an_agencys(evaluation):
    with evaluation.test_request_context():
        period = ne.national_period(2026)
        region = db.session.scalar(select(Region).filter_by(code="62.02"))
        submission = ne.ensure_submission(period, region)
        admin = _user("admin")
        code = ne.instrument_for(period).indicators[0].code
        row = ne.attach_evidence(submission, admin, code, "perbup.pdf", io.BytesIO(PDF))
        assert ne.evidence_by_code(submission)[code] == [row]
        with pytest.raises(EvidenceRefused):
            ne.attach_evidence(submission, admin, code, "perbup.pdf", io.BytesIO(b"MZ not a pdf"))
        ne.remove_evidence(submission, row, admin)
        assert ne.evidence_by_code(submission) == {}


def test_a_national_period_needs_the_evaluation_dimensions(evaluation):
    with evaluation.test_request_context():
        version = register_instrument(Path(REGIONAL).read_text(encoding="utf-8"), "kotim.yaml")
        with pytest.raises(ne.EvaluationRefused):
            ne.open_national_period(2027, version, _user("kementerian-admin"))
        with pytest.raises(ne.EvaluationRefused):
            ne.open_national_period(2026, ne.national_period(2026).instrument_version, None)


def test_the_list_of_submissions_scores_them_as_each_own_page_in_two_queries(evaluation):
    with evaluation.test_request_context():
        submission = _assembled(evaluation)
        ne.approve(submission, _user("pimpinan"))
        evaluator = _user("kementerian-evaluator")
        ne.assign(
            submission.national_period, submission.region, evaluator, _user("kementerian-admin")
        )
        code = ne.instrument_for(submission.national_period).indicators[0].code
        ne.save_review(submission, evaluator, {code: ReviewInput(4, False, "Dinaikkan.")})
        found = ne.submissions(submission.national_period)
        scored = ne.scores(submission)
        statements = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        # the session's own connection: the tests' sessions keep to one (tests/databases.py)
        connection = db.session.connection()
        event.listen(connection, "before_cursor_execute", listen)
        try:
            indices = ne.indices_of(found)
        finally:
            event.remove(connection, "before_cursor_execute", listen)
        assert indices == {submission.id: (scored.self_assessed.index, scored.verified.index)}
        assert len(statements) == 2
