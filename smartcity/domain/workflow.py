"""The life of an assessment: which action moves it from which state to which, and who may act."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"  # "Menunggu persetujuan kepala"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    VERIFIED = "verified"
    FINAL = "final"


class Action(enum.StrEnum):
    SUBMIT = "submit"  # an operator sends the answers to the agency head ("Kirim")
    APPROVE = "approve"  # the head approves and submits to the evaluators ("Setujui dan kirim")
    RETURN_TO_OPERATORS = "return_to_operators"  # the head sends it back to the operators
    START_REVIEW = "start_review"  # an evaluator takes the submission up
    RETURN = "return"  # back to the agency with comments
    VERIFY = "verify"  # every verified level set
    FINALIZE = "finalize"  # the team's chair makes the verified result official
    REOPEN = "reopen"  # an administrator takes back a verified or final result


class Actor(enum.StrEnum):
    """How a user stands towards one assessment (not their role in general)."""

    OPERATOR = "operator"  # an operator of the assessed agency: fills in answers and evidence
    HEAD = "head"  # the assessed agency's head, or the official designated as its approver
    EVALUATOR = "evaluator"  # an evaluator or Tim Pelaksana member assigned to the agency
    CHAIR = "chair"  # the team's chair, or the vice-chair acting for an absent chair
    ADMIN = "admin"
    OTHER = "other"  # anyone else: an unassigned evaluator, another agency
    # an older name of OPERATOR, for callers that mean "a member of the agency filling it in"
    AGENCY = "operator"


# the agency's own people: both may answer and attach evidence while it is editable
AGENCY_MEMBERS = frozenset({Actor.OPERATOR, Actor.HEAD})
# the Smart City team's reviewers (the chair leads the team and may review any agency)
REVIEWERS = frozenset({Actor.EVALUATOR, Actor.CHAIR, Actor.ADMIN})


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status
    actors: frozenset[Actor]
    # a return (by the head or the team) and a reopening must say why
    needs_comment: bool = False
    # the head's approval: only after confirming the statement of responsibility
    needs_statement: bool = False


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(
            Action.SUBMIT,
            frozenset({Status.DRAFT, Status.RETURNED}),
            Status.AWAITING_APPROVAL,
            frozenset({Actor.OPERATOR}),
        ),
        Transition(
            Action.APPROVE,
            # from a draft or a return too: a head may answer and approve in one go
            frozenset({Status.AWAITING_APPROVAL, Status.DRAFT, Status.RETURNED}),
            Status.SUBMITTED,
            frozenset({Actor.HEAD}),
            needs_statement=True,
        ),
        Transition(
            Action.RETURN_TO_OPERATORS,
            frozenset({Status.AWAITING_APPROVAL}),
            Status.DRAFT,
            frozenset({Actor.HEAD}),
            needs_comment=True,
        ),
        Transition(
            Action.START_REVIEW,
            frozenset({Status.SUBMITTED}),
            Status.IN_REVIEW,
            REVIEWERS,
        ),
        Transition(
            Action.RETURN,
            frozenset({Status.SUBMITTED, Status.IN_REVIEW}),
            Status.RETURNED,
            REVIEWERS,
            needs_comment=True,
        ),
        Transition(
            Action.VERIFY,
            frozenset({Status.IN_REVIEW}),
            Status.VERIFIED,
            REVIEWERS,
        ),
        Transition(
            Action.FINALIZE,
            frozenset({Status.VERIFIED}),
            Status.FINAL,
            frozenset({Actor.CHAIR}),
        ),
        Transition(
            Action.REOPEN,
            frozenset({Status.VERIFIED, Status.FINAL}),
            Status.IN_REVIEW,
            frozenset({Actor.ADMIN}),
            needs_comment=True,
        ),
    )
}

# states in which the agency may change answers and evidence
EDITABLE_BY_AGENCY = frozenset({Status.DRAFT, Status.RETURNED})
# states in which an evaluator's review inputs may change
REVIEWABLE = frozenset({Status.SUBMITTED, Status.IN_REVIEW})
# states whose scores are official
SETTLED = frozenset({Status.VERIFIED, Status.FINAL})
# states the evaluators have not received yet: the agency's own until the head approves
WITH_THE_AGENCY = frozenset({Status.DRAFT, Status.AWAITING_APPROVAL})


class TransitionRefused(Exception):
    """An action that is not allowed; `reason` says why in one word."""

    def __init__(self, action: Action, status: Status, actor: Actor, reason: str):
        super().__init__(f"{action} refused from {status} for {actor}: {reason}")
        self.action = action
        self.status = status
        self.actor = actor
        self.reason = reason  # "actor" | "state" | "comment" | "statement"


def next_status(
    status: Status,
    action: Action,
    actor: Actor,
    comment: str = "",
    statement_confirmed: bool = False,
) -> Status:
    """The state after `action`, or TransitionRefused.

    The actor is checked first: an agency must not learn about review states by probing.
    """
    transition = TRANSITIONS[action]
    if actor not in transition.actors:
        raise TransitionRefused(action, status, actor, "actor")
    if status not in transition.sources:
        raise TransitionRefused(action, status, actor, "state")
    if transition.needs_comment and not comment.strip():
        raise TransitionRefused(action, status, actor, "comment")
    if transition.needs_statement and not statement_confirmed:
        raise TransitionRefused(action, status, actor, "statement")
    return transition.target


def available_actions(status: Status, actor: Actor) -> list[Action]:
    """Actions this actor may take now, in workflow order."""
    return [t.action for t in TRANSITIONS.values() if actor in t.actors and status in t.sources]


@dataclass(frozen=True)
class Stage:
    """Where an assessment stands, as pages ask it: one flag per question, from the sets above."""

    draft: bool
    awaiting_approval: bool
    returned: bool
    reviewable: bool  # submitted or in review: the evaluators' inputs may change
    left_the_agency: bool  # the evaluators have received it (not a draft, not awaiting the head)
    settled: bool  # verified or final: its scores are official
    final: bool


def stage(status: str) -> Stage:
    """The flags of a status (an unknown status has none set but `left_the_agency`)."""
    return Stage(
        draft=status == Status.DRAFT,
        awaiting_approval=status == Status.AWAITING_APPROVAL,
        returned=status == Status.RETURNED,
        reviewable=status in REVIEWABLE,
        left_the_agency=status not in WITH_THE_AGENCY,
        settled=status in SETTLED,
        final=status == Status.FINAL,
    )
