"""The verify page's status rows, kept in each process for as long as PostgreSQL tells it of every change.

Reading a certificate's status was the verify page's biggest cost (a round trip to the database on every scan, in a
page otherwise served from memory). A trigger (migration 0011) sends NOTIFY lentera_certificates after any change
of a certificate row; each process keeps the rows it read while a thread of its own is listening, and forgets them
all on a notice. So:

- a change made in this process is forgotten at its commit (a session hook), before the next request runs;
- a change made elsewhere is forgotten when its notice arrives, a few milliseconds after the commit;
- a read that raced with a change is not kept (a generation number moves on every notice);
- with the listener down (database restart), nothing is kept and every scan reads the database, as without cache.

Only on PostgreSQL; on SQLite every scan reads the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from lms.certificates.models import Certificate
from lms.core.change_notices import ChangeNotices
from lms.extensions import db

CHANNEL = "lentera_certificates"
TRIGGER = "certificates_changed"
LISTENER_NAME = "lentera-certificate-notices"
MAX_ROWS = 20_000
RECONNECT_SECONDS = 1.0
_EXTENSION = "lentera_status_cache"


class StatusCache:
    """Rows by key, kept only while listening; `read(key, query)` runs `query` on a miss."""

    def __init__(self, conninfo: str):
        self._rows: dict[str, Any] = {}
        self._generation = 0
        self._lock = threading.Lock()
        # A database not migrated to 0011 sends no notices: nothing is kept, and the trigger is looked for every
        # second (the verify page reads the database meanwhile).
        self.notices = ChangeNotices(
            conninfo, CHANNEL, TRIGGER, self.forget_all, LISTENER_NAME, no_trigger_seconds=RECONNECT_SECONDS
        )

    @property
    def listening(self) -> bool:
        return self.notices.listening

    def read(self, key: str, query: Callable[[], Any]) -> Any:
        self.notices.start()
        with self._lock:
            row = self._rows.get(key)
            generation = self._generation
        if row is not None:
            return row
        listening = self.listening  # read after the generation: a change of either starts over (forget_all)
        row = query()
        if row is not None and listening:  # an unknown certificate is not kept: it may be issued any moment
            with self._lock:
                if self.listening and self._generation == generation:
                    if len(self._rows) >= MAX_ROWS:
                        self._rows.clear()
                    self._rows[key] = row
        return row

    def forget_all(self) -> None:
        """No row kept, and reads in flight will not keep theirs (also called when listening starts or stops)."""
        with self._lock:
            self._generation += 1
            self._rows.clear()


def status_cache() -> StatusCache | None:
    """The app's cache on PostgreSQL; None on SQLite."""
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None and db.engine.dialect.name == "postgresql":
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        cache = current_app.extensions.setdefault(_EXTENSION, StatusCache(url))
    return cache


def read_status(key: str, query: Callable[[], Any]) -> Any:
    """`query()`'s row for the certificate `key`, from memory while that is safe."""
    cache = status_cache()
    return query() if cache is None else cache.read(key, query)


# --- changes made in this process: forgotten at their commit ------------------------------------------------------

_CHANGED = "lentera_certificates_changed"


@event.listens_for(Certificate, "after_update")
@event.listens_for(Certificate, "after_delete")
def _note_certificate_change(_mapper, _connection, certificate) -> None:
    """A certificate row was updated or deleted in a flush: its session forgets the kept rows at commit. (A mapper
    event: flushes of other rows, the many answer saves of a quiz above all, pay nothing.)"""
    session = object_session(certificate)
    if session is not None:
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        cache = current_app.extensions.get(_EXTENSION)
        if cache is not None:
            cache.forget_all()


@event.listens_for(Session, "after_soft_rollback")
def _nothing_changed_after_rollback(session: Session, _previous) -> None:
    session.info.pop(_CHANGED, None)
