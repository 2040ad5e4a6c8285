"""The demo's people: log-ins, the agencies' heads, the evaluator's assignments, the team."""

from __future__ import annotations

import secrets

from ..extensions import db
from ..models import Agency, Period, Role, User
from ..services.accounts import create_user, find_user
from .data import (
    ACADEMIC_AGENCIES,
    CHAIR_CODE,
    DEMO_AGENCIES,
    DEMO_DECREES,
    HEAD_RANKS,
    HISTORY_YEAR,
    STAFF_USERS,
    TEAM_ACADEMIC,
    TEAM_SECRETARY,
    VICE_CHAIR_CODE,
)


def ensure_logins(agencies: dict[str, Agency], password: str | None, report: list[str]) -> None:
    """The staff, an operator for every demo agency and its head; `report` gets their lines."""
    report.append("Demo logins (username, password, role):")
    for username, role, full_name in STAFF_USERS:
        ensure_user(username, role, full_name, _password(password), None, report)
    for demo in DEMO_AGENCIES:
        ensure_user(
            demo.code.lower(),
            Role.AGENCY,
            f"Operator {demo.code}",
            _password(password),
            agencies[demo.code],
            report,
        )
    _ensure_heads(agencies, password, report)


def _password(fixed: str | None) -> str:
    return fixed if fixed is not None else secrets.token_urlsafe(9)


def ensure_user(
    username: str,
    role: str,
    full_name: str,
    password: str,
    agency: Agency | None,
    report: list[str],
) -> None:
    existing: User | None = find_user(username)
    if existing is not None:
        report.append(f"  {username:<14} (already exists, password unchanged)")
        return
    create_user(
        username, role, password, agency_code=agency.code if agency else None, full_name=full_name
    )
    report.append(f"  {username:<14} {password:<16} {role}")


def assign_demo_evaluator(period: Period, agencies) -> None:
    """The demo evaluator reviews every agency; the admin is the one who assigned them."""
    from ..services.review import assign

    evaluator = find_user("evaluator")
    admin = find_user("admin")
    if evaluator is None or admin is None or evaluator.role != Role.EVALUATOR:
        return
    for agency in agencies:
        assign(period, agency, evaluator, admin)


def head_username(agency_code: str) -> str:
    return f"kepala-{agency_code.lower()}"


def _ensure_heads(agencies: dict[str, Agency], password: str | None, report: list[str]) -> None:
    """A head login `kepala-<code>` for every demo agency, designated as its approver."""
    from ..services.approvals import OfficialInput, designate

    for demo in DEMO_AGENCIES:
        username = head_username(demo.code)
        existing = find_user(username)
        ensure_user(
            username, Role.AGENCY, demo.head_name, _password(password), agencies[demo.code], report
        )
        if existing is None:
            user = find_user(username)
            assert user is not None
            designate(
                user,
                OfficialInput(
                    head=True,
                    full_name=demo.head_name,
                    nip=demo.head_nip,
                    rank=HEAD_RANKS.get(demo.code, ""),
                    position=demo.head_position,
                ),
                by=None,
            )


def ensure_demo_team(period: Period, agencies: dict[str, Agency], admin: User | None) -> None:
    """The period's Tim Pelaksana: the head of Bapperida chairs it, the head of Diskominfo is
    vice-chair (as in Kotim), a secretary, the demo evaluator and an academic assessor."""
    from ..services import team

    if team.members_of(period):
        return
    number, decreed = DEMO_DECREES.get(period.year, (f"188.45/050/HUK/{period.year}", None))
    team.save_settings(
        period,
        team.TeamSettings(
            decree_number=number,
            decree_date=decreed,
            # the past year had interviews and site visits; the open year asks for none
            interview_required=period.year == HISTORY_YEAR,
            chair_absent=False,
            chair_absent_note="",
        ),
        admin,
    )
    chair = find_user(head_username(CHAIR_CODE))
    vice = find_user(head_username(VICE_CHAIR_CODE))
    evaluator = find_user("evaluator")
    if chair is not None:
        team.add_member(period, team.MemberInput(team.CHAIR, chair.id), admin)
    if vice is not None:
        team.add_member(period, team.MemberInput(team.VICE_CHAIR, vice.id), admin)
    team.add_member(period, team.MemberInput(team.SECRETARY, None, **TEAM_SECRETARY), admin)
    if evaluator is not None and evaluator.role == Role.EVALUATOR:
        # reviews the agencies of its evaluator assignments (assign_demo_evaluator)
        team.add_member(
            period,
            team.MemberInput(
                team.MEMBER,
                evaluator.id,
                position="Evaluator Smart City",
                institution="Diskominfo Kabupaten Kotawaringin Timur",
            ),
            admin,
        )
    academic = team.add_member(period, team.MemberInput(team.MEMBER, None, **TEAM_ACADEMIC), admin)
    team.set_member_agencies(
        academic, [agencies[c].id for c in ACADEMIC_AGENCIES if c in agencies], admin
    )
    db.session.flush()
