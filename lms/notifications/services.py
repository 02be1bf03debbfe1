"""Notifying people: rows written in the transaction of what happened, e-mail queued after it commits; the in-app
list, read marks, each person's choices per kind, and the signed unsubscribe links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from lms.accounts.models import User
from lms.core.errors import InvalidInput, NotFound
from lms.core.models import utcnow
from lms.extensions import db
from lms.notifications.kinds import KINDS, NotificationKind, Reader
from lms.notifications.models import Notification, NotificationPreference

PENDING_MAIL_KEY = "notifications.to_mail"
MAIL_BATCH = 100
"""Notifications per mail job."""


@dataclass(frozen=True)
class Message:
    """One notification to write: for whom, what kind, its plain-value params and the path it links to."""

    user_id: int
    kind: str
    params: dict[str, Any]
    link: str = ""


# --- writing --------------------------------------------------------------------------------------------------------


def email_choices_of(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], bool]:
    """{(user id, kind): wants e-mail} for the given pairs, in one query (no row: the kind's default)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    chosen = dict(
        ((user_id, kind), email)
        for user_id, kind, email in db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.email).where(
                NotificationPreference.user_id.in_({user_id for user_id, _ in pairs})
            )
        )
    )
    return {pair: chosen.get(pair, KINDS[pair[1]].email_by_default) for pair in pairs}


def notify(messages: Sequence[Message]) -> list[int]:
    """Write the notifications in the caller's transaction (one INSERT however many people) and queue their e-mail
    for after the commit; the mail job reads each person's choice when it runs. Returns the new ids."""
    if not messages:
        return []
    now = utcnow()
    rows = [
        {"user_id": m.user_id, "kind": m.kind, "params": m.params, "link": m.link, "created_at": now} for m in messages
    ]
    # Core INSERT on the table (not the ORM's bulk path): a request adds one plain round trip.
    table = Notification.__table__
    ids = list(db.session.scalars(insert(table).returning(table.c.id), rows))
    db.session.info.setdefault(PENDING_MAIL_KEY, []).extend(ids)
    return ids


@event.listens_for(Session, "after_commit")
def _queue_mail_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_MAIL_KEY, None)
    if pending:
        try:
            queue_mail(pending)
        except Exception:  # the queue is down: the notifications stand, the admin sees the error in the log
            current_app.logger.exception("could not queue the e-mail of %d notifications", len(pending))


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_MAIL_KEY, None)


def queue_mail(notification_ids: Sequence[int]) -> None:
    """One mail job per batch of notifications; a job that fails is retried MAIL_RETRIES times, MAIL_RETRY_DELAY
    seconds apart."""
    from lms.jobs import huey
    from lms.notifications.jobs import send_notification_mails

    config = current_app.config
    for start in range(0, len(notification_ids), MAIL_BATCH):
        task = send_notification_mails.s(list(notification_ids[start : start + MAIL_BATCH]))
        task.retries, task.retry_delay = config["MAIL_RETRIES"], config["MAIL_RETRY_DELAY"]
        huey.enqueue(task)


# --- reading --------------------------------------------------------------------------------------------------------


def reader_of(user: User) -> Reader:
    config = current_app.config
    locale = user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
    return Reader(locale=locale, timezone=str(user.timezone or config["BABEL_DEFAULT_TIMEZONE"]))


def kind_of(notification: Notification) -> NotificationKind:
    return KINDS[notification.kind]


def notifications_of(user: User, *, limit: int = 50, before_id: int | None = None) -> list[Notification]:
    """Newest first; `before_id` pages back."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    return list(db.session.execute(stmt.order_by(Notification.id.desc()).limit(limit)).scalars())


def unread_of(user_id) -> ScalarSelect[int]:
    """The count of a user's unread notifications as a SQL expression (`user_id` a value or a column): one indexed
    count, read with the signed-in user on every page (lms.accounts.login.register_page_value)."""
    return (
        select(func.count())
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .correlate_except(Notification)
        .scalar_subquery()
    )


def unread_count(user_id: int) -> int:
    return db.session.execute(select(unread_of(user_id))).scalar_one()


def mark_read(user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the given notifications of `user` (all of them when `ids` is None) read; returns how many changed."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount


def open_notification(user: User, notification_id: int) -> Notification:
    """Her own notification, marked read (the list's link goes through here)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


# --- choices per kind -------------------------------------------------------------------------------------------------


def preferences_of(user: User) -> dict[str, bool]:
    """{kind: e-mail too} for every kind."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.email).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {key: chosen.get(key, kind.email_by_default) for key, kind in KINDS.items()}


def set_email_choice(user_id: int, kind: str, email: bool) -> None:
    if kind not in KINDS:
        raise InvalidInput()
    preference = db.session.get(NotificationPreference, (user_id, kind))
    if preference is None:
        db.session.add(NotificationPreference(user_id=user_id, kind=kind, email=email))
    else:
        preference.email = email
    db.session.flush()


def set_preferences(user: User, email_kinds: Iterable[str]) -> None:
    """E-mail for exactly the kinds in `email_kinds`, in-app only for the others."""
    wanted = set(email_kinds)
    unknown = wanted - KINDS.keys()
    if unknown:
        raise InvalidInput()
    for kind in KINDS:
        set_email_choice(user.id, kind, kind in wanted)


# --- unsubscribe links ------------------------------------------------------------------------------------------------


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms-unsubscribe")


def unsubscribe_token(user_id: int, kind: str) -> str:
    """Signed (person, kind): works without logging in, for as long as the secret key stays."""
    return _unsubscribe_serializer().dumps({"u": user_id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[User, NotificationKind]:
    try:
        data = _unsubscribe_serializer().loads(token)
    except BadSignature as error:
        raise NotFound() from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    kind = KINDS.get(data.get("k")) if isinstance(data, dict) else None
    if user is None or kind is None:
        raise NotFound()
    return user, kind


def unsubscribe(token: str) -> tuple[User, NotificationKind]:
    """No more e-mail of this kind for this person (the in-app list keeps them)."""
    user, kind = read_unsubscribe_token(token)
    set_email_choice(user.id, kind.key, False)
    return user, kind
