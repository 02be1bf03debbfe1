"""A thread per process that listens on one PostgreSQL NOTIFY channel, for caches that must forget at once what
another process changed (a trigger in the database sends the notice, so every way of changing the rows is covered).

The cache asks `listening` before keeping anything: while the listener is down (not started yet, the database
restarted, the trigger missing) nothing may be trusted beyond what the cache would keep without notices. Every change
of `listening` and every notice calls `on_change`, which must drop whatever the cache holds.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0
NO_TRIGGER_SECONDS = 60.0


class ChangeNotices:
    """Listens on `channel` from a daemon thread of this process (started by `start()`, again after a fork)."""

    def __init__(
        self,
        conninfo: str,
        channel: str,
        trigger: str,
        on_change: Callable[[], None],
        name: str,
        no_trigger_seconds: float = NO_TRIGGER_SECONDS,
    ):
        self._conninfo, self._channel, self._trigger, self._name = conninfo, channel, trigger, name
        self._on_change = on_change
        self._no_trigger_seconds = no_trigger_seconds
        self._listening = False
        self._pid: int | None = None
        self._lock = threading.Lock()

    @property
    def listening(self) -> bool:
        """True while notices are arriving in this process (in a forked child: only once its own thread listens)."""
        return self._listening and self._pid == os.getpid()

    def start(self) -> None:
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            # A forked worker inherits the parent's flags, but not its listening thread.
            self._pid = pid
            self._set_listening(False)
        threading.Thread(target=self._listen_forever, name=self._name, daemon=True).start()

    def _set_listening(self, listening: bool) -> None:
        self._listening = listening
        self._on_change()

    def _listen_forever(self) -> None:
        import psycopg

        while True:
            wait = RECONNECT_SECONDS
            try:
                with psycopg.connect(self._conninfo, autocommit=True, application_name=self._name) as connection:
                    connection.execute(f"LISTEN {self._channel}")
                    exists = connection.execute(
                        "SELECT 1 FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal", (self._trigger,)
                    ).fetchone()
                    if exists is None:
                        logger.warning("No %s trigger (run `lms db upgrade`): %s is deaf", self._trigger, self._name)
                        wait = self._no_trigger_seconds  # a migration is needed: asking every second rarely helps
                    else:
                        self._set_listening(True)
                        for _notice in connection.notifies():
                            self._on_change()
            except Exception:  # the server went away: the cache keeps nothing beyond its fallback meanwhile
                logger.warning("%s: change notices lost; listening again", self._name, exc_info=True)
            self._set_listening(False)
            time.sleep(wait)
