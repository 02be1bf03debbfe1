"""The catalog page's list kept in each process: the same for every visitor asking with the same filters and language.

The catalog was the site's dearest anonymous page (every course version with its subjects and organization loaded
and rendered on every view). Its body changes only when a course version is published, so each process keeps the
rendered body per (language, filters) and forgets them all when `version_published` is sent in this process (at
once and again after the commit). Other processes hear nothing: they keep a body at most `TTL_SECONDS`, so a
publish shows everywhere within that time (as does a new cohort for the online/in-person filter).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import current_app, has_app_context

from lms.core.lru import LruCache

TTL_SECONDS = 30.0
SIZE = 256
_EXTENSION = "lentera_catalog_cache"


class CatalogCache:
    """Rendered bodies by key, each for at most TTL_SECONDS; `forget_all` drops them and the renders in flight."""

    def __init__(self, ttl: float = TTL_SECONDS, size: int = SIZE):
        self.ttl, self.size = ttl, size
        self._bodies: LruCache[tuple, tuple[float, str]] = LruCache(size)
        self._generation = 0
        self._lock = threading.Lock()

    def body(self, key: tuple, render: Callable[[], str]) -> str:
        with self._lock:
            bodies, generation = self._bodies, self._generation
        kept = bodies.get(key)
        now = time.monotonic()
        if kept is not None and now - kept[0] < self.ttl:
            return kept[1]
        body = render()
        with self._lock:
            if self._generation == generation:  # a publish during the render: its body may be the old catalog
                self._bodies.put(key, (now, body))
        return body

    def forget_all(self) -> None:
        with self._lock:
            self._generation += 1
            self._bodies = LruCache(self.size)


def catalog_cache() -> CatalogCache:
    """This app's cache (one per app, so tests with apps of their own never share one)."""
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(_EXTENSION, CatalogCache())
    return cache


def forget_catalog(**_payload) -> None:
    """Listener of `version_published` (in the transaction and after its commit)."""
    if has_app_context():
        catalog_cache().forget_all()
