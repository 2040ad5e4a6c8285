"""The region summary report (Rekap Wilayah) of a period: contents, chart and issuing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from ...domain import formats
from ...domain.charts import dimension_chart
from ...domain.scoring import display_index
from ...extensions import db
from ...formatting import Standing, level_text, standing
from ...models import IssuedDocument, Period, Region, User, utcnow
from .. import letterhead
from ..letterhead import Letterhead
from ..region import region_for
from .issuing import issue_about
from .kinds import REGION_REPORT, WithStanding
from .rendering import number, svg_data_uri
from .signatures import SignatureBlock, blocks, closed_on, local_day, team_signatory


@dataclass(frozen=True)
class RegionDimensionLine:
    code: str
    name: str
    weight: str
    agencies: int
    index: str
    standing: Standing


@dataclass(frozen=True)
class RankingLine:
    rank: int
    code: str
    name: str
    standing: Standing


@dataclass(frozen=True)
class LevelCount:
    level: int
    name: str  # the predicate of the band
    minimum: str
    count: int
    label: str = ""  # "Tingkat 3 (Terdefinisi)"


@dataclass(frozen=True)
class RegionReportData(WithStanding):
    """The region summary of one period: region index, dimensions, ranking, levels, states."""

    language: str
    letterhead: Letterhead | None
    region: str
    seat: str
    year: int
    instrument: str
    instrument_version: str
    final: bool  # the period is closed: the results no longer change
    index: str
    standing: Standing
    dimensions: tuple[RegionDimensionLine, ...]
    ranking: tuple[RankingLine, ...]
    levels: tuple[LevelCount, ...]
    statuses: tuple[tuple[str, int], ...]
    final_agencies: int
    total_agencies: int
    act_date: date  # the period's close, else today (a draft)
    signatures: tuple[SignatureBlock, ...]
    agency: str = ""
    agency_code: str = ""


def region_report_data(period: Period, language: str) -> RegionReportData:
    region_view = region_for(period)
    result = region_view.result
    instrument = region_view.instrument
    region = db.session.scalar(select(Region).order_by(Region.id).limit(1))
    seat = region.seat if region is not None else ""
    day = closed_on(period) or local_day(utcnow())
    return RegionReportData(
        language=language,
        letterhead=letterhead.letterhead(language),
        region=region.name if region is not None else "",
        seat=seat,
        year=period.year,
        instrument=instrument.title.get(language),
        instrument_version=instrument.version,
        final=not period.is_open,
        index=display_index(result.index),
        standing=standing(result.index, instrument, language),
        dimensions=tuple(
            RegionDimensionLine(
                code=d.dimension.code,
                name=d.dimension.name.get(language),
                weight=formats.number(d.dimension.weight, language),
                agencies=d.agencies,
                index=formats.index(d.mean, language),
                standing=standing(d.mean, instrument, language),
            )
            for d in result.dimensions
        ),
        ranking=tuple(
            RankingLine(
                rank=r.rank,
                code=r.code,
                name=r.name,
                standing=standing(r.index, instrument, language),
            )
            for r in result.ranking
        ),
        levels=tuple(
            LevelCount(
                band.level,
                band.name.get(language),
                formats.index(band.minimum, language),
                count,
                level_text(band.level, instrument, language),
            )
            for band, count in result.level_counts
        ),
        statuses=tuple((str(status), count) for status, count in result.status_counts),
        final_agencies=result.final,
        total_agencies=result.total,
        act_date=day,
        signatures=blocks(seat, language, (team_signatory(period), day)),
    )


def issue_region_report(period: Period, user: User | None, language: str) -> IssuedDocument:
    """The region summary of a period; marked DRAF while the period is open."""
    data = region_report_data(period, language)
    return issue_about(
        REGION_REPORT, period, data, "pdf/region_report.html", user, chart=region_chart(data)
    )


def region_chart(data: RegionReportData) -> Markup:
    labels = [d.code for d in data.dimensions]
    series = [[number(d.index) for d in data.dimensions]]
    svg = dimension_chart(
        labels,
        series,
        series_names=[_("Region index")],
        title=_("Dimension indices"),
    )
    return svg_data_uri(svg)
