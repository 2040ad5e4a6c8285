"""Shared by the national award and command tests: the example national instrument, the
ministry's users and the demo region's submission taken to verified."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import ProgrammeKind, Region, RegionSubmission, User
from smartcity.region_context import working_in
from smartcity.services import accounts
from smartcity.services import national_evaluation as ne
from smartcity.services.assessments import AnswerInput
from smartcity.services.instruments import register_instrument

from .helpers import PASSWORD

NATIONAL = "smartcity/instruments/contoh-evaluasi-nasional.yaml"


def user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def ministry_and_instrument():
    """The ministry's administrator and evaluator, and the example national instrument."""
    for username, role in (
        ("kementerian-admin", "ministry-admin"),
        ("kementerian-evaluator", "ministry-evaluator"),
    ):
        accounts.create_user(username, role, PASSWORD)
    source = Path(NATIONAL).read_text(encoding="utf-8")
    return register_instrument(source, "contoh-evaluasi-nasional.yaml")


def lowest_answers(instrument) -> dict[str, AnswerInput]:
    """An answer to every indicator with its lowest score for each answer type (no evidence
    needed): level 1, the first option, nothing ticked, the worst number."""
    entries = {}
    for indicator in instrument.indicators:
        kind = indicator.answer_type
        if kind == "level":
            entry = AnswerInput(1, False, "Dasar hukum belum ada.")
        elif kind == "choice":
            entry = AnswerInput(None, False, "Pilihan.", choice=indicator.options[0].code)
        elif kind == "checklist":
            entry = AnswerInput(None, False, "Daftar.", checked=frozenset())
        else:
            worst = indicator.maximum if indicator.direction == "lower_is_better" else 0
            entry = AnswerInput(None, False, "Angka.", number=str(worst))
        entries[indicator.code] = entry
    return entries


def verified_submission(year: int) -> RegionSubmission:
    """The demo region's submission to the national period `year`, assembled by its
    administrator, approved by its head and verified by the assigned ministry evaluator."""
    period = ne.national_period(year)
    region = db.session.scalar(select(Region).filter_by(code="62.02"))
    admin = user("admin")
    with working_in(region.id):
        submission = ne.ensure_submission(period, region)
        instrument = ne.instrument_for(period)
        ne.save_answers(submission, admin, lowest_answers(instrument))
        for kind in ProgrammeKind:
            ne.add_programme(
                submission,
                admin,
                ne.ProgrammeInput(kind, instrument.dimensions[0].code, f"Program {kind}"),
            )
        ne.attach_agencies(submission, admin, 2025)
        ne.ask_approval(submission, admin)
        ne.approve(submission, user("pimpinan"))
    evaluator = user("kementerian-evaluator")
    ne.assign(period, region, evaluator, user("kementerian-admin"))
    ne.verify(submission, evaluator)
    return submission


# --- the two-region state's draft submissions (national period 2026) --------------------------


def draft_submission_id(app, region: str = "62.02") -> int:
    """The id of the region's submission in the `two_regions` state."""
    with app.app_context(), working_in(None):
        return db.session.scalar(
            select(RegionSubmission.id).join(Region).where(Region.code == region)
        )


def set_draft_status(app, status: str, region: str = "62.02") -> None:
    """Put the region's submission in `status` (committed: the test's own savepoint)."""
    with app.app_context(), working_in(None):
        db.session.get(RegionSubmission, draft_submission_id(app, region)).status = status
        db.session.commit()
