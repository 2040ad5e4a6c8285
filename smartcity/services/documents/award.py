"""The ministry's certificate of award (Piagam Penghargaan) to a region for a final national year.

Who gets one: every region whose stored overall result of the final national year reached the
same minimum maturity level as an agency's certificate (CERTIFICATE_MIN_LEVEL, by default 3:
predicate Baik); a region below it gets none, and `award_refusal` says why. The award is the
ministry's document: it belongs to no region and takes its number from the ministry's own
series (letterhead.take_number(national=True)); it is signed, numbered and verifiable at
/verify like every document. It prints the stored results (RegionResult) the ranking shows.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select

from ...domain.scoring import display_index
from ...domain.signatory import Signatory
from ...extensions import db
from ...formatting import Standing, standing
from ...models import (
    IssuedDocument,
    NationalPeriod,
    NationalPeriodStatus,
    RegionResult,
    RegionSubmission,
    SubmissionStatus,
    User,
    utcnow,
)
from ...policy import administers_nation
from ...tenancy import ALL_REGIONS
from .. import national_evaluation
from .issuing import issue, summary_of
from .kinds import AWARD, DocumentRefused, WithStanding, official_language
from .rendering import render
from .signatures import SignatureBlock, blocks, local_day

SUBJECT = "region-submission:{id}"


@dataclass(frozen=True)
class AwardLine:
    """One evaluation dimension or pillar as the award prints it."""

    code: str
    name: str
    index: str  # as stored ("3.12"): /verify names it again in the page's language
    standing: Standing


@dataclass(frozen=True)
class AwardData(WithStanding):
    language: str
    letterhead: None  # the ministry's heading is `issuer`: no region's kop surat
    issuer: str  # "KEMENTERIAN ..."
    region: str
    region_code: str
    seat: str  # the place of the act (Jakarta), before the date
    year: int
    instrument: str
    index: str
    standing: Standing
    evaluation_dimensions: tuple[AwardLine, ...]
    pillars: tuple[AwardLine, ...]
    act_date: date  # the national year's finalization
    signatures: tuple[SignatureBlock, ...]


def award_minimum() -> int:
    """The lowest maturity level that earns an award: the certificates' (0: every region)."""
    return int(current_app.config.get("CERTIFICATE_MIN_LEVEL") or 0)


def _results(submission: RegionSubmission) -> list[RegionResult]:
    return list(db.session.scalars(select(RegionResult).filter_by(submission_id=submission.id)))


def award_refusal(submission: RegionSubmission) -> str | None:
    """Why this region earns no award for the year (None: it earns one)."""
    period = submission.national_period
    if period.status != NationalPeriodStatus.FINAL or submission.status != SubmissionStatus.FINAL:
        return _("An award is issued only for a region's final result of a final national year.")
    overall = next((r for r in _results(submission) if r.kind == national_evaluation.OVERALL), None)
    if overall is None or overall.index is None or overall.level is None:
        return _("%(region)s has no index, so it earns no award.", region=submission.region.name)
    minimum = award_minimum()
    if overall.level < minimum:
        instrument = national_evaluation.instrument_for(period)
        return _(
            "An award needs maturity level %(minimum)s or higher; %(region)s reached level "
            "%(level)s (%(result)s).",
            minimum=minimum,
            region=submission.region.name,
            level=overall.level,
            result=standing(overall.index, instrument).text,
        )
    return None


def _signatory() -> Signatory:
    config = current_app.config
    return Signatory(
        # a position is the signer's data (like a region's name), not the page's language
        position=config.get("AWARD_SIGNER_POSITION") or "Direktur Jenderal",
        name=config.get("AWARD_SIGNER_NAME") or "",
        nip=config.get("AWARD_SIGNER_NIP") or "",
    )


def award_data(submission: RegionSubmission, language: str) -> AwardData:
    refusal = award_refusal(submission)
    if refusal is not None:
        raise DocumentRefused(refusal)
    period = submission.national_period
    instrument = national_evaluation.instrument_for(period)
    rows = _results(submission)
    stored = {(r.kind, r.code): r.index for r in rows}
    overall = stored[(national_evaluation.OVERALL, "")]

    def line(code: str, name, kind: str) -> AwardLine:
        value = stored.get((kind, code))
        return AwardLine(
            code=code,
            name=name.get(language),
            index=display_index(value) if value is not None else "",
            standing=standing(value, instrument, language),
        )

    day = local_day(period.finalized_at or utcnow())
    place = current_app.config.get("AWARD_PLACE") or "Jakarta"
    return AwardData(
        language=language,
        letterhead=None,
        issuer=current_app.config.get("AWARD_ISSUER")
        or "KEMENTERIAN KOMUNIKASI DAN DIGITAL REPUBLIK INDONESIA",
        region=submission.region.name,
        region_code=submission.region.code,
        seat=place,
        year=period.year,
        instrument=instrument.title.get(language),
        index=display_index(overall),
        standing=standing(overall, instrument, language),
        evaluation_dimensions=tuple(
            line(e.code, e.name, national_evaluation.EVALUATION_DIMENSION)
            for e in instrument.evaluation_dimensions
        ),
        pillars=tuple(
            line(d.code, d.name, national_evaluation.PILLAR) for d in instrument.dimensions
        ),
        act_date=day,
        signatures=blocks(place, language, (_signatory(), day)),
    )


def award_summary(data: AwardData) -> dict:
    """What /verify shows: the region and its code, the year, the index with its predicate,
    and the index of every evaluation dimension and pillar."""

    def lines(found: tuple[AwardLine, ...]) -> list[dict]:
        return [{"code": x.code, "name": x.name, "index": x.index} for x in found]

    return {
        **summary_of(AWARD, data),
        "region_code": data.region_code,
        "evaluation_dimensions": lines(data.evaluation_dimensions),
        "pillars": lines(data.pillars),
    }


def issue_award(submission: RegionSubmission, user: User | None, language: str) -> IssuedDocument:
    """The award of one region's final result (user None: the command line or the app)."""
    if user is not None and not administers_nation(user):
        raise DocumentRefused(_("Only the ministry's administrators issue awards."))
    with _a_request():
        data = award_data(submission, language)
        return issue(
            kind=AWARD,
            subject=SUBJECT.format(id=submission.id),
            data=data,
            build=lambda stamp: render("pdf/award.html", data, stamp),
            summary=award_summary(data),
            assessment=None,
            user=user,
            period=None,
            national=True,
        )


def issue_awards(
    period: NationalPeriod, user: User | None, language: str | None = None
) -> list[IssuedDocument]:
    """The award of every region of a final national year that earns one (an unchanged
    award is kept, not issued again), in ranking order."""
    with _a_request():
        if period.status != NationalPeriodStatus.FINAL:
            raise DocumentRefused(_("Awards are issued only for a final national year."))
        language = language or official_language()
        by_id = {s.id: s for s in national_evaluation.submissions(period)}
        issued = []
        for ranked in national_evaluation.ranking(period):
            submission = by_id.get(ranked.submission_id)
            if submission is None or award_refusal(submission) is not None:
                continue
            issued.append(issue_award(submission, user, language))
        return issued


def _a_request() -> AbstractContextManager:
    """The messages and templates read the request (its language); a command has none."""
    return nullcontext() if has_request_context() else current_app.test_request_context()


def awards_of(period: NationalPeriod) -> dict[int, IssuedDocument]:
    """Submission id -> its current award (the official language's first), for the pages.

    The awards are the ministry's (no region), so they are read in every region; only those of
    the submissions the user sees are asked for (a region's user: their own)."""
    subjects = {SUBJECT.format(id=s.id): s.id for s in national_evaluation.submissions(period)}
    if not subjects:
        return {}
    rows = db.session.scalars(
        select(IssuedDocument)
        .filter(
            IssuedDocument.kind == AWARD,
            IssuedDocument.subject.in_(subjects),
            IssuedDocument.superseded_at.is_(None),
            IssuedDocument.revoked_at.is_(None),
        )
        .order_by(IssuedDocument.version.desc(), IssuedDocument.id.desc())
        .execution_options(**{ALL_REGIONS: True})
    )
    found: dict[int, IssuedDocument] = {}
    for document in rows:
        submission_id = subjects[document.subject]
        chosen = found.get(submission_id)
        if chosen is None or (
            chosen.language != official_language() and document.language == official_language()
        ):
            found[submission_id] = document
    return found
