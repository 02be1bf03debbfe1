"""API tokens: bearer tokens for the API, of which only a digest is stored; issued, looked up, revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from lms.accounts.models import ApiToken, User
from lms.core.errors import NotFound
from lms.core.models import utcnow
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
    token = db.session.execute(_TOKEN_LOOKUP, {"digest": _token_digest(plaintext)}).unique().scalar_one_or_none()
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()


def user_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        ).scalars()
    )


_TOKEN_LOOKUP = (
    select(ApiToken)
    .where(ApiToken.digest == bindparam("digest"))
    .options(joinedload(ApiToken.user).joinedload(User.memberships))
)
"""One query for the token, its user and the user's memberships, built once: every API call goes through it."""


def user_for_api_token(plaintext: str) -> User | None:
    """The active user holding this live token; touches `last_used_at` at most every five minutes."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = db.session.execute(_TOKEN_LOOKUP, {"digest": _token_digest(plaintext)}).unique().scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        _touch_token(token.id, now)
        set_committed_value(token, "last_used_at", now)
    return token.user


def _touch_token(token_id: int, now) -> None:
    """Record when a token was used, on a connection of its own: the request's session keeps its loaded user
    (committing it would expire the user and memberships) and a GET that commits nothing still keeps the time."""
    with db.engine.begin() as connection:
        connection.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
