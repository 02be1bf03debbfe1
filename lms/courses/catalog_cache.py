"""The catalog page's list kept in each process: the same for every visitor asking with the same filters and language.

The catalog was the site's dearest anonymous page (every course version with its subjects and organization loaded
and rendered on every view). Its body changes only when a course version is published or archived, a cohort opens,
changes or is cancelled, or an organization or course is renamed. So each process keeps the rendered body per
(language, zone, local day, filters), and forgets them all

- at once when `version_published` is sent in this process (in the transaction and again after the commit);
- on PostgreSQL, when a notice on `lentera_catalog` arrives: triggers on the tables the body is made of
  (migration 0026) send it at the commit of any change, from any process or host, a few milliseconds after it;
- without notices (SQLite, or the listener down) a body is kept at most `TTL_SECONDS`, so a change made in another
  process shows everywhere within that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import current_app, has_app_context

from lms.core.change_notices import ChangeNotices
from lms.core.lru import LruCache
from lms.extensions import db

TTL_SECONDS = 30.0
SIZE = 256
CHANNEL = "lentera_catalog"
TRIGGER = "catalog_changed_course_versions"
"""One of the triggers of migration 0026: the listener checks that it exists before trusting the notices."""
LISTENER_NAME = "lentera-catalog-notices"
_EXTENSION = "lentera_catalog_cache"


class CatalogCache:
    """Rendered bodies by key; `forget_all` drops them and the renders in flight. Bodies are kept for as long as
    change notices arrive (`notices`), otherwise for at most `ttl` seconds each."""

    def __init__(self, ttl: float = TTL_SECONDS, size: int = SIZE, conninfo: str | None = None):
        self.ttl, self.size = ttl, size
        self._bodies: LruCache[tuple, tuple[float, str]] = LruCache(size)
        self._generation = 0
        self._lock = threading.Lock()
        self.notices = ChangeNotices(conninfo, CHANNEL, TRIGGER, self.forget_all, LISTENER_NAME) if conninfo else None

    @property
    def listening(self) -> bool:
        return self.notices is not None and self.notices.listening

    def body(self, key: tuple, render: Callable[[], str]) -> str:
        if self.notices is not None:
            self.notices.start()
        with self._lock:
            bodies, generation = self._bodies, self._generation
        kept = bodies.get(key)
        now = time.monotonic()
        if kept is not None and (self.listening or now - kept[0] < self.ttl):
            return kept[1]
        body = render()
        with self._lock:
            if self._generation == generation:  # a change during the render: its body may be the old catalog
                self._bodies.put(key, (now, body))
        return body

    def forget_all(self) -> None:
        with self._lock:
            self._generation += 1
            self._bodies = LruCache(self.size)


def catalog_cache() -> CatalogCache:
    """This app's cache (one per app, so tests with apps of their own never share one); on PostgreSQL it listens
    for change notices."""
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        conninfo = None
        if db.engine.dialect.name == "postgresql":
            conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        cache = current_app.extensions.setdefault(_EXTENSION, CatalogCache(conninfo=conninfo))
    return cache


def forget_catalog(**_payload) -> None:
    """Listener of `version_published` (in the transaction and after its commit)."""
    if has_app_context():
        catalog_cache().forget_all()
