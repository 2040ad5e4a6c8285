"""The agency result report (Laporan): its contents, radar chart and issuing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ...domain import formats
from ...domain.charts import dimension_chart
from ...domain.instrument import Indicator, Instrument, Text
from ...domain.scoring import AnswerValue, AssessmentScore, display_index
from ...domain.workflow import Status
from ...formatting import Standing, standing
from ...models import Assessment, IssuedDocument, User, utcnow
from .. import letterhead
from ..assessments import answer_text, answer_value, answers_by_code, instrument_for
from ..follow_ups import follow_up_sections
from ..letterhead import Letterhead
from ..review import reviews_by_code, scores, verified_value
from .issuing import issue_about
from .kinds import REPORT, DocumentRefused, WithStanding
from .rendering import number, svg_data_uri
from .signatures import (
    SignatureBlock,
    agency_signatory,
    approved_on,
    blocks,
    finalized_on,
    local_day,
    team_signatory,
)


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    question: str
    self_level: str  # "3", "Tidak berlaku" or "-"
    verified_level: str
    justification: str
    note: str


@dataclass(frozen=True)
class DimensionSection:
    code: str
    name: str
    self_index: str
    verified_index: str
    standing: Standing
    lines: tuple[IndicatorLine, ...]


@dataclass(frozen=True)
class ImprovementStep:
    code: str
    question: str
    current_level: int | None
    target_level: int
    target_name: str
    requirement: str


@dataclass(frozen=True)
class ReportData(WithStanding):
    """Everything an agency result report shows; its fingerprint decides "changed or not"."""

    language: str
    letterhead: Letterhead | None
    region: str
    seat: str
    agency: str
    agency_code: str
    year: int
    instrument: str
    instrument_version: str
    status: str
    final: bool
    self_index: str
    verified_index: str
    index: str  # the official one: verified when there is one, else self-assessed ("2.59")
    standing: Standing  # the official index with its predicate and level, as printed
    dimensions: tuple[DimensionSection, ...]
    improvements: tuple[ImprovementStep, ...]
    act_date: date  # finalization, else the approval (or submission)
    signatures: tuple[SignatureBlock, ...]
    # capaian, kendala, tindak lanjut per dimension (services.follow_ups, issue 16)
    follow_up: tuple = ()


def _answer_line(indicator: Indicator, value: AnswerValue, language: str) -> str:
    """An answer as its type describes it ("3", "Diterapkan sebagian (2/3)"); N/A in words."""
    with force_locale(language):
        if value.not_applicable:
            return _("not applicable")
        return answer_text(indicator, value, language)


def official_score(pair) -> AssessmentScore:
    """The score that counts: verified when there is one, else self-assessed."""
    return pair.verified or pair.self_assessed


def report_data(assessment: Assessment, language: str) -> ReportData:
    instrument = instrument_for(assessment)
    pair = scores(assessment)
    official = official_score(pair)
    answers = answers_by_code(assessment)
    reviews = reviews_by_code(assessment)
    verified_dims = {d.dimension.code: d for d in pair.verified.dimensions} if pair.verified else {}
    sections = []
    steps = []
    for dim in pair.self_assessed.dimensions:
        verified_dim = verified_dims.get(dim.dimension.code)
        counted = verified_dim or dim
        lines = []
        for own, official_line in zip(dim.indicators, counted.indicators, strict=True):
            code = own.indicator.code
            answer = answers.get(code)
            review = reviews.get(code)
            lines.append(
                IndicatorLine(
                    code=code,
                    question=own.indicator.question.get(language),
                    self_level=_answer_line(own.indicator, answer_value(answer), language)
                    if answer is not None
                    else "-",
                    verified_level=_answer_line(own.indicator, verified_value(review), language)
                    if review is not None
                    else "-",
                    justification=answer.justification if answer is not None else "",
                    note=review.note if review is not None else "",
                )
            )
            step = _next_step(instrument, official_line.indicator, official_line, language)
            if step is not None:
                steps.append(step)
        sections.append(
            DimensionSection(
                code=dim.dimension.code,
                name=dim.dimension.name.get(language),
                self_index=formats.index(dim.index, language),
                verified_index=formats.index(
                    verified_dim.index if verified_dim is not None else None, language
                ),
                standing=standing(counted.index, instrument, language),
                lines=tuple(lines),
            )
        )
    agency = assessment.agency
    region = agency.region
    final = assessment.status == Status.FINAL
    sent = approved_on(assessment) or local_day(utcnow())
    done = finalized_on(assessment) if final else None
    act = done or sent
    return ReportData(
        language=language,
        letterhead=letterhead.letterhead(language),
        region=region.name,
        seat=region.seat,
        agency=agency.name,
        agency_code=agency.code,
        year=assessment.period.year,
        instrument=instrument.title.get(language),
        instrument_version=instrument.version,
        status=str(assessment.status),
        final=final,
        self_index=formats.index(pair.self_assessed.index, language),
        verified_index=formats.index(pair.verified.index if pair.verified else None, language),
        index=display_index(official.index),
        standing=standing(official.index, instrument, language),
        dimensions=tuple(sections),
        improvements=tuple(steps),
        act_date=act,
        # the agency's head on the day they sent it; the team's chair on the day it became final
        signatures=blocks(
            region.seat,
            language,
            (agency_signatory(assessment), sent),
            (team_signatory(assessment.period) if final else None, act),
        ),
        follow_up=follow_up_sections(assessment, language),
    )


def _text(text: Text | None, language: str) -> str:
    return text.get(language) if text is not None else ""


def _next_step(instrument: Instrument, indicator, line, language: str) -> ImprovementStep | None:
    """The next level above the counted one (verified, else self-assessed); None at the top."""
    if line.not_applicable:
        return None
    above = [n for n in indicator.level_numbers if line.level is None or n > line.level]
    if not above:
        return None
    target = min(above)
    return ImprovementStep(
        code=indicator.code,
        question=indicator.question.get(language),
        current_level=line.level,
        target_level=target,
        target_name=_text(instrument.level_name(target), language),
        requirement=_text(indicator.descriptor(target), language),
    )


def issue_report(assessment: Assessment, user: User | None, language: str) -> IssuedDocument:
    """The agency result report; any submitted assessment, marked DRAF until final."""
    if assessment.status in (Status.DRAFT, *_awaiting_approval()):
        raise DocumentRefused(_("A report is printed only once the assessment is submitted."))
    data = report_data(assessment, language)
    return issue_about(REPORT, assessment, data, "pdf/report.html", user, chart=radar(data))


def _awaiting_approval() -> tuple[str, ...]:
    # the workflow's state before the head's approval (issue 16), when there is one
    awaiting = getattr(Status, "AWAITING_APPROVAL", None)
    return (awaiting,) if awaiting is not None else ()


def radar(data: ReportData) -> Markup:
    labels = [d.code for d in data.dimensions]
    series = [[number(d.self_index) for d in data.dimensions]]
    with force_locale(data.language):
        names = [_("Self-assessed")]
        if data.verified_index != formats.MISSING:
            series.append([number(d.verified_index) for d in data.dimensions])
            names.append(_("Verified"))
        title = _("Dimension indices")
    return svg_data_uri(dimension_chart(labels, series, series_names=names, title=title))
