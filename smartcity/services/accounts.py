"""User accounts: creation, password rules and authentication."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import Agency, Role, User
from . import audit

MIN_PASSWORD_LENGTH = 10


class AccountError(Exception):
    """A user account that cannot be created as asked; the message is for the operator."""


def password_problem(username: str, password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if password.strip().lower() == username.strip().lower():
        return _("The password must not be the username.")
    return None


def find_user(username: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower())
    )


def authenticate(username: str, password: str) -> User | None:
    user = find_user(username)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def create_user(
    username: str,
    role: str,
    password: str,
    *,
    agency_code: str | None = None,
    full_name: str = "",
    by: User | None = None,
) -> User:
    """Create an account and record it in the audit trail (`by` None: the command line)."""
    username = username.strip()
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise AccountError(_("A username uses letters, digits, '.', '-' or '_' only."))
    if role not in {r.value for r in Role}:
        raise AccountError(_("Unknown role %(role)s.", role=role))
    if find_user(username) is not None:
        raise AccountError(_("User %(username)s already exists.", username=username))
    agency = None
    if role == Role.AGENCY and not agency_code:
        raise AccountError(_("An agency user needs an agency (--agency CODE)."))
    if agency_code:
        # staff may belong to an agency too (which they then may not review)
        agency = db.session.scalar(select(Agency).filter_by(code=agency_code.upper()))
        if agency is None:
            raise AccountError(_("Unknown agency %(code)s.", code=agency_code))
    problem = password_problem(username, password)
    if problem:
        raise AccountError(problem)
    user = User(username=username, role=role, agency=agency, full_name=full_name)
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


def user_record(user: User) -> dict[str, object]:
    """What the audit trail keeps of an account: never the password or its hash."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": str(user.role),
        "agency": user.agency.code if user.agency is not None else None,
        "active": user.active,
    }
