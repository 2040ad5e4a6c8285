"""API tokens: created for a user, shown once, stored as a SHA-256 hash, revoked by admins."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ApiToken, User, utcnow
from ..parsing import whole_number
from . import audit

# "sc_" marks the secret as this app's, so secret scanners and people recognise a leaked one
TOKEN_MARK = "sc_"
# characters of the secret kept in clear to tell tokens apart ("sc_" + 8)
PREFIX_LENGTH = len(TOKEN_MARK) + 8
NAME_MAX = 100
# last use is written at most this often: reading the API must not mean a write per request
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(Exception):
    """A token operation that cannot be done; the message is for the user."""


@dataclass(frozen=True)
class NewToken:
    """A token just created: `secret` exists only here and is shown once."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    # a 256-bit random secret needs no slow hash or salt: guessing it is hopeless anyway
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, name: str = "", by: User | None = None) -> NewToken:
    """A new token for `user`; the caller commits. The secret is not stored anywhere."""
    name = name.replace("\x00", "").strip()
    if len(name) > NAME_MAX:
        raise TokenError(_("The label is too long (at most %(n)d characters).", n=NAME_MAX))
    if not user.active:
        raise TokenError(_("%(name)s is not an active user.", name=user.username))
    secret = TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_secret(secret),
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created",
        "api_token",
        token.id,
        user=by,
        agency_id=user.agency_id,
        new={"user": user.username, "name": name, "prefix": token.prefix},
    )
    return NewToken(token, secret)


def find_token(reference: str) -> ApiToken | None:
    """A token by its id, its prefix ("sc_AbC12xYz") or the whole secret; None when nothing or
    several match."""
    reference = reference.strip()
    if not reference:
        return None
    query = select(ApiToken)
    token_id = whole_number(reference)
    if token_id is not None:
        query = query.filter(ApiToken.id == token_id)
    elif len(reference) > PREFIX_LENGTH:
        query = query.filter(ApiToken.token_hash == hash_secret(reference))
    else:
        query = query.filter(ApiToken.prefix == reference)
    rows = list(db.session.scalars(query.limit(2)))
    return rows[0] if len(rows) == 1 else None


def revoke_token(token: ApiToken, by: User | None = None) -> bool:
    """End a token for good; False when it was already revoked. The caller commits."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    token.revoked_by_id = by.id if by is not None else None
    audit.record(
        "api_token.revoked",
        "api_token",
        token.id,
        user=by,
        agency_id=token.user.agency_id,
        old={"user": token.user.username, "name": token.name, "prefix": token.prefix},
    )
    db.session.flush()
    return True


def user_for_secret(secret: str) -> User | None:
    """The active user a presented secret belongs to, or None (unknown, revoked, inactive)."""
    if not secret.startswith(TOKEN_MARK) or len(secret) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken)
        .filter(ApiToken.token_hash == hash_secret(secret), ApiToken.revoked_at.is_(None))
        .options(joinedload(ApiToken.user).joinedload(User.agency))
    )
    if token is None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        db.session.execute(update(ApiToken).filter_by(id=token.id).values(last_used_at=now))
        db.session.commit()
    return token.user


def tokens_list() -> list[ApiToken]:
    """Every token, newest first, with its user."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .options(joinedload(ApiToken.user), joinedload(ApiToken.created_by))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
