"""Regions as tenants: every ORM query stays inside the region being worked in.

The one place that does it: `SCOPES` names, for every table a region owns, how its rows are
tied to a region; a session listener adds that condition to every ORM SELECT, UPDATE and
DELETE (and to the relationship loads that follow) while a region is being worked in
(`region_context`). A view, service or export therefore never remembers a filter: a region
administrator's `select(Assessment).filter_by(id=...)` of another region's assessment finds
nothing, exactly as if it did not exist, and answers 404.

Which region is worked in:
- a request of a region user (`User.region_id`): their region, set before any view runs and
  for the API from its token (`enter_for`);
- a command: its `--region CODE`, or the only region (`region_for_command`, cli.py);
- a print job or a batch worker: its period's region (services/print_jobs.py, batch.py);
  issuing a document: its assessment's or period's region (documents/issuing.py);
- a national user (ministry roles), an anonymous visitor or a migration: no region; their
  queries are not narrowed (the national pages read every region, the public verification
  page finds any region's document). `policy.py` keeps national users away from the
  region's pages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from .extensions import db
from .models import (
    Agency,
    AgencyDimension,
    AgencyIndicatorScope,
    ApiToken,
    Approval,
    Assessment,
    AssessmentResult,
    AuditEvent,
    DimensionObstacle,
    DocumentSequence,
    DocumentSettings,
    EvaluationMinutes,
    EvaluatorAssignment,
    Evidence,
    FollowUp,
    IndicatorMessage,
    IndicatorResult,
    Interview,
    IssuedDocument,
    Period,
    PeriodExtension,
    PeriodTeam,
    PrintJob,
    Region,
    RegionAnswer,
    RegionEvaluatorAssignment,
    RegionEvidence,
    RegionProgramme,
    RegionResult,
    RegionReview,
    RegionSubmission,
    Review,
    TeamAssignment,
    TeamMember,
    Transition,
    User,
)
from .models import Answer as AnswerRow
from .region_context import current_region_id, enter, leave, working_in

# execution option: this one query reads every region (the public verification of a
# document by its code, which a logged-in user of another region may open too)
ALL_REGIONS = "all_regions"


def _agencies(region_id: int):
    return select(Agency.id).where(Agency.region_id == region_id)


def _periods(region_id: int):
    return select(Period.id).where(Period.region_id == region_id)


def _assessments(region_id: int):
    return select(Assessment.id).where(Assessment.agency_id.in_(_agencies(region_id)))


def _users(region_id: int):
    return select(User.id).where(User.region_id == region_id)


def _submissions(region_id: int):
    return select(RegionSubmission.id).where(RegionSubmission.region_id == region_id)


# how each table a region owns is tied to a region: (model, condition for region `rid`).
# Tables not named here either belong to a row named here and are only reached through it
# (interview notes, notifications, sessions), or are the deployment's (instrument versions,
# log-in limits). tests/test_tenancy.py fails on a new model with a region, agency, period or
# assessment column that is not named here.
SCOPES: tuple[tuple[type, Callable[[Any, int], Any]], ...] = (
    (Region, lambda cls, rid: cls.id == rid),
    (Agency, lambda cls, rid: cls.region_id == rid),
    (Period, lambda cls, rid: cls.region_id == rid),
    (User, lambda cls, rid: cls.region_id == rid),
    (AuditEvent, lambda cls, rid: cls.region_id == rid),
    (IssuedDocument, lambda cls, rid: cls.region_id == rid),
    (DocumentSettings, lambda cls, rid: cls.region_id == rid),
    (DocumentSequence, lambda cls, rid: cls.region_id == rid),
    (Assessment, lambda cls, rid: cls.agency_id.in_(_agencies(rid))),
    (AgencyDimension, lambda cls, rid: cls.agency_id.in_(_agencies(rid))),
    (AgencyIndicatorScope, lambda cls, rid: cls.agency_id.in_(_agencies(rid))),
    (TeamAssignment, lambda cls, rid: cls.agency_id.in_(_agencies(rid))),
    (PeriodExtension, lambda cls, rid: cls.period_id.in_(_periods(rid))),
    (EvaluatorAssignment, lambda cls, rid: cls.period_id.in_(_periods(rid))),
    (PeriodTeam, lambda cls, rid: cls.period_id.in_(_periods(rid))),
    (TeamMember, lambda cls, rid: cls.period_id.in_(_periods(rid))),
    (PrintJob, lambda cls, rid: cls.period_id.in_(_periods(rid))),
    (AnswerRow, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (Review, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (Evidence, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (AssessmentResult, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (IndicatorResult, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (Transition, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (Approval, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (Interview, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (EvaluationMinutes, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (DimensionObstacle, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (FollowUp, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (IndicatorMessage, lambda cls, rid: cls.assessment_id.in_(_assessments(rid))),
    (ApiToken, lambda cls, rid: cls.user_id.in_(_users(rid))),
    # the ministry's evaluation: a region sees its own submission (national periods are the
    # deployment's, like instrument versions)
    (RegionSubmission, lambda cls, rid: cls.region_id == rid),
    (RegionEvaluatorAssignment, lambda cls, rid: cls.region_id == rid),
    (RegionAnswer, lambda cls, rid: cls.submission_id.in_(_submissions(rid))),
    (RegionReview, lambda cls, rid: cls.submission_id.in_(_submissions(rid))),
    (RegionEvidence, lambda cls, rid: cls.submission_id.in_(_submissions(rid))),
    (RegionProgramme, lambda cls, rid: cls.submission_id.in_(_submissions(rid))),
    (RegionResult, lambda cls, rid: cls.submission_id.in_(_submissions(rid))),
)


_CONDITIONS = dict(SCOPES)


@functools.lru_cache(maxsize=4096)
def _criteria(region_id: int, models: frozenset[type]) -> tuple:
    # plain expressions: the compiled statement is cached once and the region id travels as a
    # bound parameter; the options are made once per region and set of tables
    return tuple(
        with_loader_criteria(model, _CONDITIONS[model](model, region_id), include_aliases=True)
        for model in sorted(models, key=lambda m: m.__name__)
    )


_EVERY_MODEL = frozenset(_CONDITIONS)


def _scoped_models(state: ORMExecuteState) -> frozenset[type]:
    """The scoped models whose rows the statement returns or changes (its entities); every
    scoped model when it names none (`select(func.count()).select_from(Agency)`). Tables
    used only to join or filter return nothing a reader sees, so they are left alone: each
    condition costs time on every execution."""
    models = frozenset(mapper.class_ for mapper in state.all_mappers) & _EVERY_MODEL
    return models if state.all_mappers else _EVERY_MODEL


@event.listens_for(Session, "do_orm_execute")
def _keep_inside_region(state: ORMExecuteState) -> None:
    region_id = current_region_id()
    if region_id is None or state.is_column_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get(ALL_REGIONS):
        return
    models = _scoped_models(state)
    if models:
        state.statement = state.statement.options(*_criteria(region_id, models))


# --- which region is worked in -------------------------------------------------------------


def region_of(user: Any) -> int | None:
    """The region a signed-in user works in (None: national roles and anonymous visitors)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.region_id


def region_code(user: Any) -> str | None:
    """The code of the user's region (None for the national roles)."""
    if user.region_id is None:
        return None
    with working_in(None):
        return db.session.scalar(select(Region.code).where(Region.id == user.region_id))


def enter_for(user: Any) -> None:
    """Work in `user`'s region for the rest of the request (the API's token check)."""
    if "region_token" in g:
        leave(g.pop("region_token"))
    g.region_token = enter(region_of(user))


def _enter_request_region() -> None:
    if request.endpoint == "static":
        return
    # a logged-in user is loaded (unscoped) before the request works in their region
    g.region_token = enter(region_of(current_user))


def _leave_request_region(_error: BaseException | None = None) -> None:
    token = g.pop("region_token", None)
    if token is not None:
        leave(token)


def register(app: Flask) -> None:
    app.before_request(_enter_request_region)
    app.teardown_request(_leave_request_region)


def only_region_id() -> int | None:
    """The installation's region when it has exactly one (None: none or several)."""
    with working_in(None):
        rows = db.session.scalars(select(Region.id).order_by(Region.id).limit(2)).all()
    return rows[0] if len(rows) == 1 else None


def any_region() -> bool:
    with working_in(None):
        return db.session.scalar(select(Region.id).limit(1)) is not None


def working_region_id() -> int | None:
    """The region being worked in, else the only region (a single-region installation)."""
    return current_region_id() or only_region_id()


class RegionChoiceError(Exception):
    """A command named an unknown region, or none while several exist."""


def find_region(code: str) -> Region | None:
    with working_in(None):
        return db.session.scalar(select(Region).filter_by(code=code.strip()))


def region_for_command(code: str | None) -> Region | None:
    """The region a command works in: `--region CODE`, else the only one (None: no region yet).

    Several regions and no `--region`: RegionChoiceError (a command never guesses)."""
    if code:
        region = find_region(code)
        if region is None:
            raise RegionChoiceError(f"unknown region {code!r} (see `flask region list`)")
        return region
    with working_in(None):
        regions = db.session.scalars(select(Region).order_by(Region.id).limit(2)).all()
    if len(regions) > 1:
        raise RegionChoiceError("several regions exist: name one with --region CODE")
    return regions[0] if regions else None
