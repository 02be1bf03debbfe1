"""API tokens: bearer tokens for the API, of which only a digest is stored; issued, looked up, revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, exists, select, update

from lms.accounts.models import ApiToken, Membership, User
from lms.core.database import read_one, write_one
from lms.core.errors import NotFound
from lms.core.models import utcnow
from lms.core.session_objects import loaded_object, mapped_columns
from lms.extensions import db

TOKEN_PREFIX = "lnt_"


def _token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a bearer token; the plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip()[:80] or "API",
        digest=_token_digest(plaintext),
        prefix=plaintext[: len(TOKEN_PREFIX) + 4],
    )
    db.session.add(token)
    db.session.flush()
    return token, plaintext


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def revoke_all_api_tokens(user: User) -> int:
    """Revoke every live token of the user; returns how many were live."""
    now = utcnow()
    live = [token for token in user_tokens(user) if token.revoked_at is None]
    for token in live:
        token.revoked_at = now
    return len(live)


def revoke_token_by_value(plaintext: str) -> None:
    token = db.session.execute(select(ApiToken).where(ApiToken.digest == _token_digest(plaintext))).scalar_one_or_none()
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()


def user_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        ).scalars()
    )


_tokens, _users, _memberships = ApiToken.__table__.c, User.__table__.c, Membership.__table__.c
_USER_ATTRIBUTES = tuple(name for _column, name in mapped_columns(User))
_USER_ACTIVE = _USER_ATTRIBUTES.index("is_active_account")
_TOKEN_ROW = (
    select(
        _tokens.id,
        _tokens.revoked_at,
        _tokens.last_used_at,
        exists().where(_memberships.user_id == _users.id).label("has_roles"),
        *(column for column, _name in mapped_columns(User)),
    )
    .join_from(ApiToken.__table__, User.__table__, _users.id == _tokens.user_id)
    .where(_tokens.digest == bindparam("digest"))
)
"""The token and its user in one row, built once: every API call reads it (with whether the user holds any role:
learners hold none, and then nothing more is read for a permission or two-factor check)."""


def user_for_api_token(plaintext: str) -> User | None:
    """The active user holding this live token; touches `last_used_at` at most every five minutes.

    One read outside the request's transaction (lms.core.database.read_one: the raw driver, no pool ping), so a
    revoked token is refused from the next request on. The user becomes the session's object without another
    statement; their memberships (and organizations) are read only when a permission check asks for them.
    """
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    row = read_one(_TOKEN_ROW, {"digest": _token_digest(plaintext)})
    if row is None:
        return None
    token_id, revoked_at, last_used_at, has_roles, *user_values = row
    if revoked_at is not None or not user_values[_USER_ACTIVE]:
        return None
    # The user becomes the session's object as if loaded (the one the session holds already, in tests); without
    # roles, nothing more is read when a permission or two-factor check asks for them.
    known = None if has_roles else {"memberships": []}
    user = loaded_object(User, zip(_USER_ATTRIBUTES, user_values, strict=True), known=known)
    if not user.is_active:  # the session's own object, changed in this transaction
        return None
    now = utcnow()
    if last_used_at is None or now - last_used_at > timedelta(minutes=5):
        _touch_token(token_id, now)
    return user


_TOUCH = update(ApiToken.__table__).where(_tokens.id == bindparam("token_id")).values(last_used_at=bindparam("now"))


def _touch_token(token_id: int, now) -> None:
    """Record when a token was used, outside the request's transaction (lms.core.database.write_one: committed at
    once, one round trip): the request's session keeps its loaded user (committing it would expire the user and
    memberships) and a GET that commits nothing still keeps the time."""
    write_one(_TOUCH, {"token_id": token_id, "now": now})
