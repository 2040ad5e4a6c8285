"""The review workflow: the pure state machine as a full table, then the services built on it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from smartcity.domain.workflow import (
    Action,
    Actor,
    Status,
    TransitionRefused,
    available_actions,
    next_status,
)
from smartcity.extensions import db
from smartcity.models import (
    Agency,
    Assessment,
    AuditEvent,
    Period,
    Review,
    Transition,
    utcnow,
)
from smartcity.services import assessments as assessment_service
from smartcity.services import review, workflow
from smartcity.services.assessments import AnswerInput, AnswersInvalid, AssessmentRefused

from .helpers import add_evidence, assessment_of, head_of, submit_and_approve, submitted, user_named

# Every status x every action x every actor: the status after the action, or why it is refused.
# Written out from the issues (16: operator -> head -> evaluators, finalizing is the chair's),
# not derived from the implementation.
TABLE = """
status             action               operator           head        evaluator  chair      admin      other
draft              submit               awaiting_approval  actor       actor      actor      actor      actor
awaiting_approval  submit               state              actor       actor      actor      actor      actor
submitted          submit               state              actor       actor      actor      actor      actor
in_review          submit               state              actor       actor      actor      actor      actor
returned           submit               awaiting_approval  actor       actor      actor      actor      actor
verified           submit               state              actor       actor      actor      actor      actor
final              submit               state              actor       actor      actor      actor      actor
draft              approve              actor              submitted   actor      actor      actor      actor
awaiting_approval  approve              actor              submitted   actor      actor      actor      actor
submitted          approve              actor              state       actor      actor      actor      actor
in_review          approve              actor              state       actor      actor      actor      actor
returned           approve              actor              submitted   actor      actor      actor      actor
verified           approve              actor              state       actor      actor      actor      actor
final              approve              actor              state       actor      actor      actor      actor
draft              return_to_operators  actor              state       actor      actor      actor      actor
awaiting_approval  return_to_operators  actor              draft       actor      actor      actor      actor
submitted          return_to_operators  actor              state       actor      actor      actor      actor
in_review          return_to_operators  actor              state       actor      actor      actor      actor
returned           return_to_operators  actor              state       actor      actor      actor      actor
verified           return_to_operators  actor              state       actor      actor      actor      actor
final              return_to_operators  actor              state       actor      actor      actor      actor
draft              start_review         actor              actor       state      state      state      actor
awaiting_approval  start_review         actor              actor       state      state      state      actor
submitted          start_review         actor              actor       in_review  in_review  in_review  actor
in_review          start_review         actor              actor       state      state      state      actor
returned           start_review         actor              actor       state      state      state      actor
verified           start_review         actor              actor       state      state      state      actor
final              start_review         actor              actor       state      state      state      actor
draft              return               actor              actor       state      state      state      actor
awaiting_approval  return               actor              actor       state      state      state      actor
submitted          return               actor              actor       returned   returned   returned   actor
in_review          return               actor              actor       returned   returned   returned   actor
returned           return               actor              actor       state      state      state      actor
verified           return               actor              actor       state      state      state      actor
final              return               actor              actor       state      state      state      actor
draft              verify               actor              actor       state      state      state      actor
awaiting_approval  verify               actor              actor       state      state      state      actor
submitted          verify               actor              actor       state      state      state      actor
in_review          verify               actor              actor       verified   verified   verified   actor
returned           verify               actor              actor       state      state      state      actor
verified           verify               actor              actor       state      state      state      actor
final              verify               actor              actor       state      state      state      actor
draft              finalize             actor              actor       actor      state      actor      actor
awaiting_approval  finalize             actor              actor       actor      state      actor      actor
submitted          finalize             actor              actor       actor      state      actor      actor
in_review          finalize             actor              actor       actor      state      actor      actor
returned           finalize             actor              actor       actor      state      actor      actor
verified           finalize             actor              actor       actor      final      actor      actor
final              finalize             actor              actor       actor      state      actor      actor
draft              reopen               actor              actor       actor      actor      state      actor
awaiting_approval  reopen               actor              actor       actor      actor      state      actor
submitted          reopen               actor              actor       actor      actor      state      actor
in_review          reopen               actor              actor       actor      actor      state      actor
returned           reopen               actor              actor       actor      actor      state      actor
verified           reopen               actor              actor       actor      actor      in_review  actor
final              reopen               actor              actor       actor      actor      in_review  actor
"""

REASONS = {"actor", "state", "comment", "statement"}


def _table() -> list[tuple[Status, Action, Actor, str]]:
    lines = [line.split() for line in TABLE.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    actors = [Actor(name) for name in header[2:]]
    result = []
    for status, action, *outcomes in rows:
        for actor, outcome in zip(actors, outcomes, strict=True):
            result.append((Status(status), Action(action), actor, outcome))
    return result


CELLS = _table()


def test_the_table_covers_every_status_action_and_actor():
    assert {(s, a, r) for s, a, r, _ in CELLS} == {
        (s, a, r) for s in Status for a in Action for r in Actor
    }
    assert len(CELLS) == len(Status) * len(Action) * len(Actor)


@pytest.mark.parametrize(
    ("status", "action", "actor", "outcome"),
    CELLS,
    ids=[f"{s}-{a}-{r}" for s, a, r, _ in CELLS],
)
def test_state_machine_cell(status, action, actor, outcome):
    # with a comment and the statement confirmed: what the table says is all that decides
    if outcome in REASONS:
        with pytest.raises(TransitionRefused) as refused:
            next_status(status, action, actor, comment="because", statement_confirmed=True)
        assert refused.value.reason == outcome
        assert (refused.value.status, refused.value.action, refused.value.actor) == (
            status,
            action,
            actor,
        )
    else:
        assert next_status(
            status, action, actor, comment="because", statement_confirmed=True
        ) == Status(outcome)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("actor", list(Actor))
def test_available_actions_are_the_allowed_cells_in_workflow_order(status, actor):
    allowed = [a for s, a, r, o in CELLS if s == status and r == actor and o not in REASONS]
    assert available_actions(status, actor) == allowed


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    [
        (Status.SUBMITTED, Action.RETURN, Actor.ADMIN),
        (Status.IN_REVIEW, Action.RETURN, Actor.ADMIN),
        (Status.VERIFIED, Action.REOPEN, Actor.ADMIN),
        (Status.FINAL, Action.REOPEN, Actor.ADMIN),
        (Status.AWAITING_APPROVAL, Action.RETURN_TO_OPERATORS, Actor.HEAD),
    ],
)
@pytest.mark.parametrize("comment", ["", "   \n "])
def test_returns_and_reopen_need_a_comment(status, action, actor, comment):
    with pytest.raises(TransitionRefused) as refused:
        next_status(status, action, actor, comment)
    assert refused.value.reason == "comment"


@pytest.mark.parametrize("status", [Status.AWAITING_APPROVAL, Status.DRAFT, Status.RETURNED])
def test_the_head_approves_only_with_the_statement_confirmed(status):
    with pytest.raises(TransitionRefused) as refused:
        next_status(status, Action.APPROVE, Actor.HEAD, "a comment is not the statement")
    assert refused.value.reason == "statement"
    assert next_status(status, Action.APPROVE, Actor.HEAD, statement_confirmed=True) == (
        Status.SUBMITTED
    )


def test_the_actor_is_checked_before_the_state_and_the_comment():
    """An agency probing review actions learns nothing about the review state."""
    for status in Status:
        with pytest.raises(TransitionRefused) as refused:
            next_status(status, Action.RETURN, Actor.OPERATOR, "")
        assert refused.value.reason == "actor"


# --- services ---------------------------------------------------------------------------------


def status_of(assessment_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id).status


def test_a_full_cycle_is_recorded_step_by_step(demo):
    assessment_id = submitted(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        evaluator, admin, chair = (
            user_named("evaluator"),
            user_named("admin"),
            user_named("kepala-bapperida"),
        )
        # the first save starts the review
        workflow.save_review(
            assessment, evaluator, {"GOV-01": review.ReviewInput(1, False, "Belum ada SK")}
        )
        assert status_of(assessment_id) == Status.IN_REVIEW
        workflow.transition(assessment, evaluator, Action.RETURN, "Lengkapi SK GOV-01")
        assert (
            assessment.status == Status.RETURNED
            and assessment.review_comment == "Lengkapi SK GOV-01"
        )
        agency_user = user_named("diskominfo")
        assessment_service.save_answers(
            assessment, agency_user, {"GOV-01": AnswerInput(1, False, "Diperbaiki")}
        )
        assert workflow.submit(assessment, agency_user) is True
        assert assessment.round == 1  # a round is one submission to the evaluators
        assert workflow.approve(assessment, head_of(assessment), confirmed=True) is True
        assert assessment.round == 2
        workflow.transition(assessment, evaluator, Action.START_REVIEW)
        workflow.transition(assessment, evaluator, Action.VERIFY)
        workflow.transition(assessment, chair, Action.FINALIZE)
        workflow.transition(assessment, admin, Action.REOPEN, "Salah hitung")
        assert status_of(assessment_id) == Status.IN_REVIEW

        steps = [
            (t.action, t.from_status, t.to_status, t.round) for t in review.history(assessment)
        ]
        assert steps == [
            ("submit", "draft", "awaiting_approval", 1),
            ("approve", "awaiting_approval", "submitted", 1),
            ("start_review", "submitted", "in_review", 1),
            ("return", "in_review", "returned", 1),
            ("submit", "returned", "awaiting_approval", 1),
            ("approve", "awaiting_approval", "submitted", 2),
            ("start_review", "submitted", "in_review", 2),
            ("verify", "in_review", "verified", 2),
            ("finalize", "verified", "final", 2),
            ("reopen", "final", "in_review", 2),
        ]
        assert review.history(assessment)[3].comment == "Lengkapi SK GOV-01"
        assert review.last_return(assessment).round == 1
        audited = [
            e.action
            for e in db.session.scalars(
                select(AuditEvent)
                .filter(
                    AuditEvent.assessment_id == assessment_id,
                    AuditEvent.action.like("assessment.%"),
                )
                .order_by(AuditEvent.id)
            )
        ]
        assert audited == [
            "assessment.submitted",
            "assessment.approved",
            "assessment.review_started",
            "assessment.returned",
            "assessment.submitted",
            "assessment.approved",
            "assessment.review_started",
            "assessment.verified",
            "assessment.finalized",
            "assessment.reopened",
        ]


@pytest.mark.parametrize(
    ("who", "action", "comment"),
    [
        ("diskominfo", Action.START_REVIEW, ""),  # the agency cannot review itself
        ("evaluator", Action.FINALIZE, ""),  # only the team's chair finalizes
        ("admin", Action.FINALIZE, ""),  # an administrator no longer does
        ("diskominfo", Action.APPROVE, ""),  # an operator cannot approve
        ("kepala-diskominfo", Action.APPROVE, ""),  # approved already: out of order
        ("kepala-dinkes", Action.APPROVE, ""),  # another agency's head
        ("evaluator", Action.VERIFY, ""),  # still submitted: out of order
        ("admin", Action.RETURN, " "),  # a return needs a comment
        ("dinkes", Action.START_REVIEW, ""),  # another agency
    ],
)
def test_a_refused_transition_changes_nothing(demo, who, action, comment):
    assessment_id = submitted(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        before = db.session.scalar(select(db.func.count(Transition.id)))
        events = db.session.scalar(select(db.func.count(AuditEvent.id)))
        with pytest.raises(AssessmentRefused):
            workflow.transition(assessment, user_named(who), action, comment)
        assert status_of(assessment_id) == Status.SUBMITTED
        assert db.session.scalar(select(db.func.count(Transition.id))) == before
        assert db.session.scalar(select(db.func.count(AuditEvent.id))) == events


def test_of_two_simultaneous_clicks_one_wins(demo):
    assessment_id = submitted(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        # another request moved it on behind this one's back
        db.session.execute(
            text("UPDATE assessments SET status = 'in_review' WHERE id = :id"),
            {"id": assessment_id},
        )
        db.session.commit()
        from sqlalchemy.orm.attributes import set_committed_value

        set_committed_value(assessment, "status", Status.SUBMITTED)  # what this request believes
        with pytest.raises(AssessmentRefused, match="lebih dahulu"):
            workflow.transition(assessment, user_named("evaluator"), Action.START_REVIEW)
        recorded = select(db.func.count(Transition.id)).filter_by(assessment_id=assessment_id)
        assert db.session.scalar(recorded) == 2  # the sending and the approval only


def test_a_different_verified_level_needs_a_note_and_nothing_is_stored(demo):
    assessment_id = submitted(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        with pytest.raises(AnswersInvalid) as invalid:
            workflow.save_review(
                assessment,
                user_named("evaluator"),
                {
                    "GOV-01": review.ReviewInput(1, False, "cukup"),
                    "GOV-02": review.ReviewInput(3, False, "  "),
                },
            )
        assert any("GOV-02" in p for p in invalid.value.problems)
        assert review.reviews_by_code(assessment) == {}
        assert status_of(assessment_id) == Status.SUBMITTED
        # the same level as self-assessed needs no note
        workflow.save_review(
            assessment, user_named("evaluator"), {"GOV-02": review.ReviewInput(2, False, "")}
        )
        assert set(review.reviews_by_code(assessment)) == {"GOV-02"}


def test_final_scores_use_verified_levels_and_untouched_ones_follow_the_agency(demo):
    assessment_id = submitted(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        before = review.scores(assessment)
        assert before.verified is None
        evaluator = user_named("evaluator")
        workflow.save_review(
            assessment, evaluator, {"GOV-01": review.ReviewInput(1, False, "Tanpa SK")}
        )
        workflow.transition(assessment, evaluator, Action.VERIFY)
        after = review.scores(assessment)
        assert after.self_assessed.index == before.self_assessed.index
        assert after.verified.index < after.self_assessed.index
        # verification filled in the untouched indicators with the self-assessed level
        reviews = review.reviews_by_code(assessment)
        assert reviews["GOV-02"].verified_level == 2 and reviews["GOV-01"].verified_level == 1


def test_review_changes_only_while_submitted_or_in_review(demo):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        with pytest.raises(AssessmentRefused):
            workflow.save_review(
                assessment, user_named("evaluator"), {"GOV-01": review.ReviewInput(2, False, "")}
            )


def test_an_evaluator_cannot_be_assigned_to_their_own_agency(demo):
    with demo.test_request_context():
        from smartcity.services.accounts import create_user

        member = create_user(
            "kominfo-eval", "evaluator", "demo-password-2026", agency_code="DISKOMINFO"
        )
        period = db.session.scalar(select(Period).filter_by(year=2026))
        agencies = {a.code: a for a in db.session.scalars(select(Agency))}
        with pytest.raises(review.AssignmentRefused, match="DISKOMINFO|Komunikasi"):
            review.assign(period, agencies["DISKOMINFO"], member, user_named("admin"))
        review.assign(period, agencies["DINKES"], member, user_named("admin"))
        db.session.commit()
        assert review.assigned_agency_ids(member, period) == {agencies["DINKES"].id}
        assert review.unassign(period, agencies["DINKES"], member, user_named("admin")) is True
        assert review.unassign(period, agencies["DINKES"], member, user_named("admin")) is False


def test_changes_since_the_last_return(demo):
    assessment_id = submitted(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        evaluator, agency_user = user_named("evaluator"), user_named("diskominfo")
        assert review.changes_since_last_return(assessment) == {}
        workflow.transition(assessment, evaluator, Action.RETURN, "Perbaiki")
        assessment_service.save_answers(
            assessment, agency_user, {"GOV-03": AnswerInput(1, False, "Turun")}
        )
        assessment_service.save_answers(
            assessment, agency_user, {"GOV-03": AnswerInput(2, False, "Naik lagi")}
        )
        assessment_service.save_answers(
            assessment, agency_user, {"INF-02": AnswerInput(1, False, "Baru")}
        )
        evidence = add_evidence(assessment, "GOV-04", agency_user)
        from smartcity.services import audit

        audit.record(
            "evidence.added",
            "evidence",
            evidence.id,
            user=agency_user,
            assessment=assessment,
            new={"name": "sk.pdf"},
        )
        db.session.commit()
        submit_and_approve(assessment)
        changes = review.changes_since_last_return(assessment)
        assert list(changes) == ["GOV-03", "GOV-04", "INF-02"]
        assert changes["GOV-03"].old_level == 2 and changes["GOV-03"].answer_changed
        assert changes["INF-02"].old_level == 2
        assert changes["GOV-04"].evidence_changed and not changes["GOV-04"].answer_changed


def test_period_scores_match_the_single_assessment_scores(demo):
    assessment_id = submitted(demo)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        workflow.save_review(
            assessment, user_named("evaluator"), {"INF-01": review.ReviewInput(1, False, "x")}
        )
        period = assessment.period
        pairs = review.period_scores(
            period, list(db.session.scalars(select(Assessment).filter_by(period_id=period.id)))
        )
        assert set(pairs) == {assessment_id}  # drafts have no score
        assert pairs[assessment_id] == review.scores(assessment)
        stored = select(db.func.count(Review.id)).filter_by(assessment_id=assessment_id)
        assert db.session.scalar(stored) == 1
        assert utcnow() >= review.history(assessment)[0].at
