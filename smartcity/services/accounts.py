"""User accounts: creation, administration, password rules and authentication."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import contains_eager
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import NATIONAL_ROLES, Agency, Role, User, UserSession, utcnow
from ..tenancy import ALL_REGIONS, any_region, working_region_id
from . import audit
from .i18n import gettext_or_english as _

MIN_PASSWORD_LENGTH = 10


# a username this short inside a password is a coincidence, not a weakness
MIN_CONTAINED_USERNAME = 3
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
USER_PAGE_SIZE = 25
# letters and digits only, without look-alikes (0/O, 1/l/I): read aloud or copied by hand
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AccountError(Exception):
    """An account change that cannot be made as asked; the message is for the person asking."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of passwords too common to allow, lower-cased."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problem(username: str, password: str) -> str | None:
    """Why this password may not be used by this user, or None when it may."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    name = username.strip().lower()
    lowered = password.strip().lower()
    if name and lowered == name:
        return _("The password must not be the username.")
    if len(name) >= MIN_CONTAINED_USERNAME and name in lowered:
        return _("The password must not contain the username.")
    if lowered in common_passwords():
        return _("This password is on the list of commonly used passwords: choose another.")
    return None


def temporary_password() -> str:
    """A random password for an administrator's reset, shown once."""
    while True:
        candidate = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(14))
        if password_problem("", candidate) is None:
            return candidate


def active_users() -> list[User]:
    """Every active account, by role and user name."""
    return list(
        db.session.scalars(select(User).filter_by(active=True).order_by(User.role, User.username))
    )


def active_evaluators() -> list[User]:
    """The active evaluators by user name."""
    return list(
        db.session.scalars(
            select(User).filter_by(role=Role.EVALUATOR, active=True).order_by(User.username)
        )
    )


def find_user(username: str) -> User | None:
    """The account with this log-in name, in whichever region: names are the deployment's
    (one log-in page), so a region cannot take a name another region uses."""
    return db.session.scalar(
        select(User)
        .where(func.lower(User.username) == username.strip().lower())
        .execution_options(**{ALL_REGIONS: True})
    )


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, else None.

    An unknown username costs the same as a wrong password: the password is checked against a
    dummy hash made the same way, so the answer's timing does not tell who has an account.
    """
    user = find_user(username)
    if user is None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        check_password_hash(_dummy_hash(method), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


# --- sessions ------------------------------------------------------------------------------

# a log-in lasts at most this long, however active (the idle time-out ends most much sooner)
SESSION_MAX_AGE = timedelta(days=30)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(user: User) -> str:
    """Record a new log-in; the returned secret goes into the session cookie. Commits.

    The user's sessions that ended, or outlived SESSION_MAX_AGE, are deleted on the way.
    """
    now = utcnow()
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.ended_at.is_not(None), UserSession.created_at < now - SESSION_MAX_AGE),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_token_hash(token), created_at=now))
    db.session.commit()
    return token


def session_user(user_id: str, token: str | None) -> User | None:
    """The user of a session that was not ended (one query); None for an ended or unknown one."""
    if not token or not user_id.isascii() or not user_id.isdecimal():
        return None
    return db.session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            UserSession.token_hash == _token_hash(token),
            UserSession.ended_at.is_(None),
            UserSession.created_at > utcnow() - SESSION_MAX_AGE,
        )
    )


def end_session(token: str | None, reason: str) -> None:
    """End one session for good (its cookie, and every copy of it, is logged out). Commits."""
    if not token:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _token_hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )
    db.session.commit()


def _end_all_sessions(user: User, reason: str) -> int:
    """End every session of a user in the current transaction; how many were open."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )
    return result.rowcount or 0


def open_sessions(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )


def end_all_sessions(user: User, *, by: User | None) -> int:
    """An administrator's "end all sessions": every browser of the user is logged out for good
    (audited); how many sessions were open. The caller commits."""
    ended = _end_all_sessions(user, "ended_by_admin")
    audit.record(
        "user.sessions_ended",
        "user",
        user.id,
        user=by,
        agency_id=user.agency_id,
        new={"username": user.username, "sessions": ended},
    )
    return ended


def _agency_by_code(code: str) -> Agency:
    agency = db.session.scalar(select(Agency).filter_by(code=code.strip().upper()))
    if agency is None:
        raise AccountError(_("Unknown agency %(code)s.", code=code))
    return agency


def create_user(
    username: str,
    role: str,
    password: str,
    *,
    agency_code: str | None = None,
    full_name: str = "",
    by: User | None = None,
    must_change_password: bool = False,
) -> User:
    """Create an account and record it in the audit trail (`by` None: the command line).

    An administrator creating an account sets `must_change_password`: the password they typed
    is then only good for the first log-in.
    """
    username = username.strip()
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise AccountError(_("A username uses letters, digits, '.', '-' or '_' only."))
    if len(username) > 80:
        raise AccountError(_("A username has at most 80 characters."))
    if role not in {r.value for r in Role}:
        raise AccountError(_("Unknown role %(role)s.", role=role))
    if find_user(username) is not None:
        raise AccountError(_("User %(username)s already exists.", username=username))
    region_id = _region_for(role, by)
    agency = None
    if role == Role.AGENCY and not agency_code:
        raise AccountError(_("An agency user needs an agency (--agency CODE)."))
    if agency_code:
        # staff may belong to an agency too (which they then may not review)
        agency = _agency_by_code(agency_code)
    problem = password_problem(username, password)
    if problem:
        raise AccountError(problem)
    user = User(
        username=username,
        role=role,
        region_id=region_id,
        agency=agency,
        full_name=full_name.strip(),
        must_change_password=must_change_password,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        "user",
        user.id,
        user=by,
        agency_id=agency.id if agency is not None else None,
        new=user_record(user),
    )
    return user


def _region_for(role: str, by: User | None) -> int | None:
    """The region of a new account: the creator's (a region's administrator), the command's
    `--region` or the only region; None for a national role, which only the command line or
    a ministry administrator creates, and before any region exists (the first region made
    takes such accounts in: `regions.create_region`)."""
    if role in NATIONAL_ROLES:
        if by is not None and by.role != Role.MINISTRY_ADMIN:
            raise AccountError(_("Only the ministry creates national accounts."))
        return None
    region_id = by.region_id if by is not None and by.region_id else working_region_id()
    if region_id is None and any_region():
        raise AccountError(
            _(
                "A region account needs its region: create it first (flask --app app region "
                "create CODE --name NAME --kind KIND) or name it with --region CODE."
            )
        )
    return region_id


def national_users() -> list[User]:
    """The ministry's accounts (no region), by username."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([r.value for r in NATIONAL_ROLES]))
            .order_by(User.username)
            .execution_options(**{ALL_REGIONS: True})
        )
    )


def user_record(user: User) -> dict[str, object]:
    """What the audit trail keeps of an account: never the password or its hash."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": str(user.role),
        "agency": user.agency.code if user.agency is not None else None,
        "active": user.active,
    }


# --- administration ------------------------------------------------------------------------


def _active_admins_other_than(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    )


def _guard_last_admin(user: User) -> None:
    if user.role == Role.ADMIN and user.active and _active_admins_other_than(user) == 0:
        raise AccountError(
            _(
                "%(username)s is the last active administrator: make another user an "
                "administrator first.",
                username=user.username,
            )
        )


def update_user(
    user: User, *, full_name: str, role: str, agency_code: str | None, by: User | None
) -> bool:
    """Change a user's name, role and agency; False when nothing changed."""
    if role not in {r.value for r in Role}:
        raise AccountError(_("Unknown role %(role)s.", role=role))
    if (role in NATIONAL_ROLES) != (user.role in NATIONAL_ROLES):
        # a region account stays in its region; a national one has none
        raise AccountError(_("A region account cannot become a national one, nor the reverse."))
    agency = _agency_by_code(agency_code) if agency_code else None
    if role == Role.AGENCY and agency is None:
        raise AccountError(_("An agency user needs an agency."))
    if user.role == Role.ADMIN and role != Role.ADMIN:
        _guard_last_admin(user)
    before = user_record(user)
    user.full_name = full_name.strip()
    user.role = role
    user.agency = agency
    after = user_record(user)
    if before == after:
        return False
    db.session.flush()
    audit.record(
        "user.changed",
        "user",
        user.id,
        user=by,
        agency_id=user.agency_id,
        old=before,
        new=after,
    )
    return True


def set_user_active(user: User, active: bool, *, by: User | None) -> bool:
    """Deactivate (they can no longer log in; their history stays) or reactivate an account."""
    if user.active == active:
        return False
    if not active:
        _guard_last_admin(user)
    before = user_record(user)
    user.active = active
    if not active:
        _end_all_sessions(user, "deactivated")
    db.session.flush()
    audit.record(
        "user.reactivated" if active else "user.deactivated",
        "user",
        user.id,
        user=by,
        agency_id=user.agency_id,
        old=before,
        new=user_record(user),
    )
    return True


def reset_password(user: User, password: str | None, *, by: User | None) -> str:
    """Set a temporary password (generated when None) the user must change at next log-in.

    Returns the password so it can be shown once; it is never stored or recorded as text.
    """
    temporary = password if password else temporary_password()
    _store_password(
        user,
        temporary,
        must_change=True,
        ended_reason="reset",
        action="user.password_reset",
        by=by,
        recorded={"username": user.username, "must_change_password": True},
    )
    return temporary


def _store_password(
    user: User,
    password: str,
    *,
    must_change: bool,
    ended_reason: str,
    action: str,
    by: User | None,
    recorded: dict[str, object],
) -> None:
    """Set the password if the rules accept it (hashed; never stored or recorded as text),
    end every session of the user, and audit the change; AccountError says what is wrong."""
    problem = password_problem(user.username, password)
    if problem:
        raise AccountError(problem)
    user.set_password(password)
    user.must_change_password = must_change
    user.password_changed_at = utcnow()
    _end_all_sessions(user, ended_reason)
    db.session.flush()
    audit.record(action, "user", user.id, user=by, agency_id=user.agency_id, new=recorded)


def change_own_password(user: User, current: str, new: str) -> None:
    """The user's own change: the current password proves it is them; the new one differs."""
    if not user.check_password(current):
        raise AccountError(_("The current password is wrong."))
    if new == current or user.check_password(new):
        raise AccountError(_("The new password must differ from the current one."))
    # every session ends, this one too: the browser that changed it gets a new one
    _store_password(
        user,
        new,
        must_change=False,
        ended_reason="password",
        action="user.password_changed",
        by=user,
        recorded={"username": user.username},
    )


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int
    page: int
    pages: int


def search_users(query: str = "", role: str = "", page: int = 1) -> UserPage:
    """Users whose username, name or agency (code or name) contains `query`, a page at a time.

    Two queries whatever the page holds: the count, and the page with each user's agency.
    """
    criteria = []
    text = query.strip().lower()
    if text:
        # the user's % and _ are letters, not wildcards
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        criteria.append(
            or_(
                func.lower(User.username).like(pattern, escape="\\"),
                func.lower(User.full_name).like(pattern, escape="\\"),
                func.lower(Agency.code).like(pattern, escape="\\"),
                func.lower(Agency.name).like(pattern, escape="\\"),
            )
        )
    if role:
        criteria.append(User.role == role)
    base = select(User).outerjoin(Agency, User.agency_id == Agency.id).where(*criteria)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // USER_PAGE_SIZE))
    page = min(max(page, 1), pages)
    users = list(
        db.session.scalars(
            base.options(contains_eager(User.agency))
            .order_by(func.lower(User.username))
            .limit(USER_PAGE_SIZE)
            .offset((page - 1) * USER_PAGE_SIZE)
        )
    )
    return UserPage(users=users, total=total, page=page, pages=pages)
