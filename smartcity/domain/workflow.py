"""The life of an assessment: which action moves it from which state to which, and who may act."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    VERIFIED = "verified"
    FINAL = "final"


class Action(enum.StrEnum):
    SUBMIT = "submit"  # the agency hands in its answers (again, after a return)
    START_REVIEW = "start_review"  # an evaluator takes the submission up
    RETURN = "return"  # back to the agency with comments
    VERIFY = "verify"  # every verified level set
    FINALIZE = "finalize"  # the team makes the verified result official
    REOPEN = "reopen"  # an administrator takes back a verified or final result


class Actor(enum.StrEnum):
    """How a user stands towards one assessment (not their role in general)."""

    AGENCY = "agency"  # a member of the assessed agency
    EVALUATOR = "evaluator"  # an evaluator assigned to the agency for the period
    ADMIN = "admin"
    OTHER = "other"  # anyone else: an unassigned evaluator, another agency


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status
    actors: frozenset[Actor]
    # a return and a reopening must say why
    needs_comment: bool = False


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(
            Action.SUBMIT,
            frozenset({Status.DRAFT, Status.RETURNED}),
            Status.SUBMITTED,
            frozenset({Actor.AGENCY}),
        ),
        Transition(
            Action.START_REVIEW,
            frozenset({Status.SUBMITTED}),
            Status.IN_REVIEW,
            frozenset({Actor.EVALUATOR, Actor.ADMIN}),
        ),
        Transition(
            Action.RETURN,
            frozenset({Status.SUBMITTED, Status.IN_REVIEW}),
            Status.RETURNED,
            frozenset({Actor.EVALUATOR, Actor.ADMIN}),
            needs_comment=True,
        ),
        Transition(
            Action.VERIFY,
            frozenset({Status.IN_REVIEW}),
            Status.VERIFIED,
            frozenset({Actor.EVALUATOR, Actor.ADMIN}),
        ),
        Transition(
            Action.FINALIZE,
            frozenset({Status.VERIFIED}),
            Status.FINAL,
            frozenset({Actor.ADMIN}),
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


class TransitionRefused(Exception):
    """An action that is not allowed; `reason` says why in one word."""

    def __init__(self, action: Action, status: Status, actor: Actor, reason: str):
        super().__init__(f"{action} refused from {status} for {actor}: {reason}")
        self.action = action
        self.status = status
        self.actor = actor
        self.reason = reason  # "actor" | "state" | "comment"


def next_status(status: Status, action: Action, actor: Actor, comment: str = "") -> Status:
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
    return transition.target


def available_actions(status: Status, actor: Actor) -> list[Action]:
    """Actions this actor may take now, in workflow order."""
    return [t.action for t in TRANSITIONS.values() if actor in t.actors and status in t.sources]
