"""What changes when an assessment moves on: the summary a person confirms before a step that
others depend on (returning, verifying, finalizing; any step listed in `CONFIRMED`)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from ..domain.scoring import display_index
from ..domain.workflow import TRANSITIONS, Action
from ..models import Assessment
from . import notifications, review
from .assessments import answers_by_code

# the steps that ask first; the others happen at the click
CONFIRMED = frozenset({Action.RETURN, Action.VERIFY, Action.FINALIZE})


@dataclass(frozen=True)
class Confirmation:
    action: Action
    status_before: str
    status_after: str
    changes: tuple[str, ...]  # what changes, one sentence each
    told: tuple[str, ...]  # who is notified (names)
    needs_comment: bool


def summary(assessment: Assessment, action: Action) -> Confirmation:
    """The step's consequences for this assessment, in the current language."""
    target = TRANSITIONS[action].target
    changes: list[str] = []
    agency = assessment.agency.name
    if action == Action.RETURN:
        notes = len(review.notes_by_code(assessment))
        changes.append(
            _(
                "%(agency)s can change its answers and evidence again, then resubmit "
                "(round %(round)d).",
                agency=agency,
                round=assessment.round + 1,
            )
        )
        changes.append(
            ngettext(
                "%(num)d indicator has a note for the agency.",
                "%(num)d indicators have a note for the agency.",
                notes,
            )
        )
    if action in (Action.VERIFY, Action.FINALIZE):
        pair = review.scores(assessment)
        verified = pair.verified or pair.self_assessed
        if verified.index is not None:
            changes.append(
                _(
                    "Verified index %(index)s (self-assessed %(own)s), maturity: %(level)s.",
                    index=display_index(verified.index),
                    own=display_index(pair.self_assessed.index)
                    if pair.self_assessed.index is not None
                    else "-",
                    level=verified.maturity.name.get(_language()) if verified.maturity else "-",
                )
            )
    if action == Action.VERIFY:
        answers = answers_by_code(assessment)
        differing = sum(
            1
            for code, row in review.reviews_by_code(assessment).items()
            if review.differs(answers.get(code), review.verified_value(row))
        )
        changes.append(
            ngettext(
                "%(num)d indicator is verified at another level than self-assessed; the others "
                "keep the self-assessed level.",
                "%(num)d indicators are verified at another level than self-assessed; the "
                "others keep the self-assessed level.",
                differing,
            )
        )
        changes.append(
            _("The review can no longer be changed; the agency sees the verified levels.")
        )
    if action == Action.FINALIZE:
        changes.append(
            _("The result becomes official: it counts in the region's results and documents.")
        )
        changes.append(_("Only an administrator can reopen it afterwards."))
    recipients = notifications.RECIPIENTS.get(target)
    told = tuple(
        user.full_name or user.username
        for user in (recipients(assessment) if recipients is not None else [])
        if user.active
    )
    return Confirmation(
        action=action,
        status_before=str(assessment.status),
        status_after=str(target),
        changes=tuple(changes),
        told=told,
        needs_comment=TRANSITIONS[action].needs_comment,
    )


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "id"
