"""The demo region itself: its agencies and their remits, users, team, letterhead and the open
period; then, if asked, its completed 2025 period (history.py)."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Agency, AgencyDimension, Period, Region, RegionKind
from ..region_context import working_in
from ..services import periods
from ..services.accounts import find_user
from ..services.instruments import DEMO_INSTRUMENT, register_instrument
from .data import (
    DEMO_AGENCIES,
    DEMO_CLASSIFICATION,
    DEMO_EMBLEM,
    DEMO_LETTERHEAD,
    DEMO_TAGS,
    DEMO_YEAR,
    PROVINCE_CODE,
    REGION_CODE,
    REGION_NAME,
    REGION_SEAT,
)
from .history import seed_history
from .people import assign_demo_evaluator, ensure_demo_team, ensure_logins


def seed_demo_region(password: str | None = None, history: bool = True) -> list[str]:
    """Create whatever of the demo region is missing; returns lines to print.

    `history` adds the completed 2025 period (about 0.4 s of the seeding on SQLite).
    """
    with working_in(None):
        region = db.session.scalar(select(Region).filter_by(code=REGION_CODE))
    if region is None:
        region = Region(
            code=REGION_CODE,
            name=REGION_NAME,
            kind=RegionKind.KABUPATEN,
            province_code=PROVINCE_CODE,
            seat=REGION_SEAT,
        )
        db.session.add(region)
        db.session.flush()
    with working_in(region.id):
        return _seed_in(region, password, history)


def _seed_in(region: Region, password: str | None, history: bool) -> list[str]:
    report: list[str] = []
    agencies = {}
    for demo in DEMO_AGENCIES:
        agency = db.session.scalar(select(Agency).filter_by(code=demo.code))
        if agency is None:
            agency = Agency(
                region=region,
                code=demo.code,
                name=demo.name,
                head_name=demo.head_name,
                head_nip=demo.head_nip,
                head_position=demo.head_position,
                dimension_links=[
                    AgencyDimension(dimension_code=code, position=i)
                    for i, code in enumerate(demo.dimensions)
                ],
            )
            db.session.add(agency)
            db.session.flush()
        agencies[demo.code] = agency
    _tag_demo_agencies(agencies)

    version = register_instrument(DEMO_INSTRUMENT.read_text(encoding="utf-8"), str(DEMO_INSTRUMENT))
    period = db.session.scalar(select(Period).filter_by(year=DEMO_YEAR))
    if period is None:
        period, _ = periods.open_period(DEMO_YEAR, version)
    periods.open_assessments_for_all(period)

    report.append(f"Demo region: {REGION_NAME}, period {DEMO_YEAR} ({period.status})")
    ensure_logins(agencies, password, report)
    assign_demo_evaluator(period, agencies.values())
    ensure_demo_team(period, agencies, find_user("admin"))
    _ensure_letterhead(region)
    db.session.commit()
    if history:
        report.append(seed_history(version, agencies.values()))
    return report


def _tag_demo_agencies(agencies: dict[str, Agency]) -> None:
    """The demo agencies' remits as tags (only where the administrator set none)."""
    for code, agency in agencies.items():
        if not agency.tags and code in DEMO_TAGS:
            agency.tags = DEMO_TAGS[code]
    db.session.flush()


def _ensure_letterhead(region: Region) -> None:
    """The demo's letterhead, coat of arms and number patterns, unless some are set already."""
    import json

    from ..domain import emblem
    from ..domain.numbering import DEFAULT_PATTERN
    from ..models import DocumentSettings
    from ..services.documents import KINDS

    if db.session.scalar(select(DocumentSettings).filter_by(region_id=region.id)) is not None:
        return
    drawn = emblem.checked(DEMO_EMBLEM.read_bytes())
    db.session.add(
        DocumentSettings(
            region_id=region.id,
            **DEMO_LETTERHEAD,
            emblem=drawn.content,
            emblem_type=drawn.media_type,
            numbering=json.dumps(
                {
                    kind: {"pattern": DEFAULT_PATTERN, "classification": DEMO_CLASSIFICATION}
                    for kind in KINDS
                },
                sort_keys=True,
            ),
        )
    )
