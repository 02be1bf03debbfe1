"""Domain events: how a lower floor announces what happened so that higher floors act on it without being imported.

A feature declares its events in its own `events.py` (`certificate_issued = DomainEvent("certificate.issued", ...)`)
and sends them from its services with plain values (ids, codes, reasons): never ORM objects, so that a payload means
the same in a listener, an after-commit hook, a background job or a webhook. A higher floor connects its listeners
once, in its package's `init_app`:

- `connect(listener)`: called at once, inside the sender's transaction; the listener only flushes (the view that
  caused the event commits), and a rollback undoes its work together with the sender's. For work that must be true
  exactly when the event is (an SKP credit for an issued certificate, a copy of a course version's quizzes). It reads
  the objects by id: `db.session.get` finds them in the session without a query.
- `connect(listener, after_commit=True)`: called after the transaction commits, never after a rollback; the
  listener must not use the database session that committed (queue a job, send mail, clear a cache). An exception
  there is logged and never reaches the request that already succeeded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

Listener = Callable[..., Any]

_PENDING_KEY = "lms_events_after_commit"


@dataclass(eq=False)
class DomainEvent:
    """Something that happened in a feature, announced to whoever listens."""

    name: str
    """Stable dotted name, e.g. "certificate.issued": used in logs, job names and (later) webhooks."""
    doc: str = ""
    """What happened and what the payload holds."""
    _now: list[Listener] = field(default_factory=list, repr=False)
    _after_commit: list[Listener] = field(default_factory=list, repr=False)

    def connect(self, listener: Listener, *, after_commit: bool = False) -> Listener:
        """Listen to this event (idempotent: connecting the same listener twice calls it once)."""
        listeners = self._after_commit if after_commit else self._now
        if listener not in listeners:
            listeners.append(listener)
        return listener

    def disconnect(self, listener: Listener) -> None:
        for listeners in (self._now, self._after_commit):
            if listener in listeners:
                listeners.remove(listener)

    @property
    def listeners(self) -> list[Listener]:
        """Every connected listener, in-transaction ones first (for tests and the architecture page)."""
        return [*self._now, *self._after_commit]

    def send(self, session: Session | None = None, **payload: Any) -> None:
        """Announce the event: in-transaction listeners run now, after-commit ones are queued on `session`
        (the app's database session by default) and run once it commits."""
        for listener in list(self._now):
            listener(**payload)
        if self._after_commit:
            if session is None:
                from lms.extensions import db

                session = db.session()
            pending = session.info.setdefault(_PENDING_KEY, [])
            pending.extend((self, listener, payload) for listener in self._after_commit)


def _deliver_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    for event, listener, payload in pending or ():
        try:
            listener(**payload)
        except Exception:  # the transaction is committed: a listener's failure must not undo or fail the request
            log.exception("listener %s of %s failed", getattr(listener, "__qualname__", listener), event.name)


def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint inside it
        session.info.pop(_PENDING_KEY, None)


sqlalchemy_event.listen(Session, "after_commit", _deliver_after_commit)
sqlalchemy_event.listen(Session, "after_soft_rollback", _forget_after_rollback)
