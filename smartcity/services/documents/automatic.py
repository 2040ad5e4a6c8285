"""Documents the app issues itself when an assessment becomes final or a period closes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from ...extensions import db
from ...models import Assessment, IssuedDocument, NationalPeriod, Period, User
from .award import issue_awards
from .certificate import issue_certificate
from .kinds import (
    CERTIFICATE,
    REGION_MINUTES,
    REGION_REPORT,
    REPORT,
    DocumentRefused,
    kind_title,
    official_language,
)
from .minutes import issue_region_minutes
from .region_report import issue_region_report
from .report import issue_report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issued:
    """One automatic issue: the document, or why there is none (refused or failed)."""

    kind: str
    document: IssuedDocument | None = None
    problem: str = ""
    failed: bool = False  # an error, not a refusal by the rules (no certificate below minimum)


def _attempt(kind: str, make: Callable[[], IssuedDocument]) -> Issued:
    try:
        return Issued(kind, make())
    except DocumentRefused as refused:
        db.session.rollback()
        return Issued(kind, problem=str(refused))
    except Exception as error:  # noqa: BLE001 - the final state stands whatever the PDF does
        db.session.rollback()
        log.exception("document %s not issued", kind)
        return Issued(kind, problem=type(error).__name__, failed=True)


def not_issued_message(issued: Issued) -> str:
    return _(
        "%(kind)s could not be issued now (%(error)s); an administrator can issue it again "
        "from the result page.",
        kind=kind_title(issued.kind),
        error=issued.problem,
    )


def issue_final_documents(assessment: Assessment, user: User | None) -> list[Issued]:
    """When an assessment becomes final: its result report and, at or above the period's
    minimum, its certificate, in the official language. (The Berita Acara is issued by the
    finalization itself, services.workflow.finalize.) Nothing here undoes the finalization."""
    language = official_language()
    return [
        _attempt(REPORT, lambda: issue_report(assessment, user, language)),
        _attempt(CERTIFICATE, lambda: issue_certificate(assessment, user, language)),
    ]


def issue_period_documents(period: Period, user: User | None) -> list[Issued]:
    """When a period closes: its region recap and its region Berita Acara, in the official
    language."""
    language = official_language()
    return [
        _attempt(REGION_REPORT, lambda: issue_region_report(period, user, language)),
        _attempt(REGION_MINUTES, lambda: issue_region_minutes(period, user, language)),
    ]


def issue_national_awards(period: NationalPeriod, user: User | None) -> tuple[list, str]:
    """When a national period becomes final: the award of every region that earns one, and
    why none could be issued ("" when they were). Nothing here undoes the finalization;
    `flask --app app national-period awards YEAR` issues them again."""
    try:
        return issue_awards(period, user), ""
    except DocumentRefused as refused:
        db.session.rollback()
        return [], str(refused)
    except Exception as error:  # noqa: BLE001 - the final state stands whatever the PDF does
        db.session.rollback()
        log.exception("national awards %s not issued", period.year)
        return [], type(error).__name__
