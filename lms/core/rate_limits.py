"""Request budgets per client address (or any other key): fixed windows, counted in Redis, the database or memory.

Used by login, registration, password reset and the token endpoint (`shared=True`: counts every worker and host
must see, or a second worker doubles an attacker's budget), and by every way of verifying a certificate (page, form,
API), which share one budget. A request over its budget gets 429 with `Retry-After`, as a page or as JSON
(lms.core.errors), and the view does not run. With `LMS_REDIS_URL` every count lives in Redis; without it, shared
budgets are counted in the database (lms.core.rate_counters) and the verify page's in each process's memory (it is
the page scanned most, and a write per scan would cost more than the budget protects).

Why not Flask-Limiter: on the verify page, the public page scanned most, it cost 0.65 ms of CPU per request (a
before-request pass over every request's limits, header bookkeeping, and a timer thread started every 10 ms by its
memory storage) where counting a hit costs microseconds; measured with `benchmarks/verify_page.py`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

logger = logging.getLogger(__name__)

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """`amount` requests per `seconds`."""

    amount: int
    seconds: int


@lru_cache(maxsize=64)
def parse_rate(text: str) -> Rate:
    """A rate as written in the settings ("60 per minute", "10/minute", "5 per 30 seconds"); ValueError if not."""
    match = _RATE.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"Not a rate limit: {text!r} (write e.g. '60 per minute').")
    amount, count, unit = match.groups()
    return Rate(int(amount), int(count or 1) * _UNITS[unit.lower()])


class MemoryCounters:
    """Hits per key in the current window, in this process only (a deployment with several workers sets Redis)."""

    SWEEP_ABOVE = 10_000

    def __init__(self):
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, hits)
        self._lock = threading.Lock()

    def hit(self, key: str, window: int, seconds: int) -> int:
        with self._lock:
            stored_window, hits = self._counts.get(key, (window, 0))
            hits = hits + 1 if stored_window == window else 1
            self._counts[key] = (window, hits)
            if len(self._counts) > self.SWEEP_ABOVE:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            return hits

    def peek(self, key: str, window: int) -> int:
        with self._lock:
            stored_window, hits = self._counts.get(key, (window, 0))
            return hits if stored_window == window else 0

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class RedisCounters:
    """Hits per key and window in Redis: one round trip (INCR and EXPIRE in a pipeline), shared by all workers."""

    PREFIX = "lentera:rate:"

    def __init__(self, url: str, prefix: str = PREFIX):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.PREFIX = prefix  # deployments (or test runs) sharing one Redis keep their counts apart

    def hit(self, key: str, window: int, seconds: int) -> int:
        name = f"{self.PREFIX}{key}:{window}"
        pipeline = self._redis.pipeline(transaction=False)
        pipeline.incr(name)
        pipeline.expire(name, seconds + 1)
        hits, _ = pipeline.execute()
        return int(hits)

    def peek(self, key: str, window: int) -> int:
        return int(self._redis.get(f"{self.PREFIX}{key}:{window}") or 0)

    def reset(self) -> None:
        for name in self._redis.scan_iter(match=f"{self.PREFIX}*", count=500):
            self._redis.delete(name)


COUNTED_SCOPES = "lms.rate_limits.counted"
"""WSGI environ key: the scopes a request was already counted in before Flask (lms.certificates.verify_fast_path,
which hands to the view the requests it does not answer): the view's limit does not count them twice."""


def mark_counted(environ: dict, scope: str) -> None:
    environ.setdefault(COUNTED_SCOPES, set()).add(scope)


class RateLimiter:
    """The app's request budgets. `limit()` decorates a view; views given the same `scope` share one budget."""

    def __init__(self):
        self._fallback = MemoryCounters()
        self._all_counters: list[Any] = []

    def init_app(self, app: Flask) -> None:
        from lms.core.rate_counters import DatabaseCounters

        url = app.config.get("REDIS_URL") or ""
        prefix = app.config.get("RATELIMIT_REDIS_PREFIX") or RedisCounters.PREFIX
        counters = RedisCounters(url, prefix) if url else MemoryCounters()
        # A bare app without a database (the limiter's own tests) counts shared budgets in memory.
        shared = counters if url or "sqlalchemy" not in app.extensions else DatabaseCounters()
        app.extensions["rate_limits"] = counters
        app.extensions["rate_limits_shared"] = shared
        self._all_counters.append(counters)
        if shared is not counters:
            self._all_counters.append((app, shared))

    def limit(
        self,
        rate: str | Callable[[], str],
        *,
        scope: str | None = None,
        methods: list[str] | None = None,
        shared: bool = False,
    ):
        """Decorate a view: at most `rate` requests per client address (a string, or a function that reads it from
        the config at request time); only for `methods` when given; `shared` counts where every worker sees it."""
        counted = {method.upper() for method in methods} if methods else None

        def decorator(view):
            name = scope or f"{view.__module__}.{view.__qualname__}"

            @wraps(view)
            def limited(*args, **kwargs):
                if (
                    current_app.config.get("RATELIMIT_ENABLED", True)
                    and (counted is None or request.method in counted)
                    and name not in request.environ.get(COUNTED_SCOPES, ())
                ):
                    self.hit(name, parse_rate(rate() if callable(rate) else rate), shared=shared)
                return view(*args, **kwargs)

            return limited

        return decorator

    def hit(self, scope: str, rate: Rate, *, who: str | None = None, shared: bool = False) -> None:
        """Count one request of `who` (the client's address unless given) in `scope`; raises 429 (with the seconds
        to wait) when over `rate`."""
        now = time.time()
        window = int(now // rate.seconds)
        hits = self._count(self._key(scope, who), window, rate.seconds, shared)
        if hits > rate.amount:
            raise _too_many(window, rate, now)

    def refuse_if_spent(self, scope: str, rate: Rate, *, who: str) -> None:
        """Raise 429 if `who` has already used all of `rate` in `scope`, without counting (a budget of failures is
        checked before the attempt and counted only when it fails)."""
        if not current_app.config.get("RATELIMIT_ENABLED", True):
            return
        now = time.time()
        window = int(now // rate.seconds)
        counters: Any = current_app.extensions["rate_limits_shared"]
        try:
            hits = counters.peek(self._key(scope, who), window)
        except Exception:
            logger.warning("Rate-limit counters unreachable; counting in this process meanwhile", exc_info=True)
            hits = self._fallback.peek(self._key(scope, who), window)
        if hits >= rate.amount:
            raise _too_many(window, rate, now)

    def count(self, scope: str, rate: Rate, *, who: str) -> int:
        """Count one event of `who` in `scope` where every worker sees it, and return the count so far; refuses
        nothing (see `refuse_if_spent`)."""
        if not current_app.config.get("RATELIMIT_ENABLED", True):
            return 0
        window = int(time.time() // rate.seconds)
        return self._count(self._key(scope, who), window, rate.seconds, True)

    @staticmethod
    def _key(scope: str, who: str | None) -> str:
        return f"{scope}:{who if who is not None else (request.remote_addr or '-')}"

    def _count(self, key: str, window: int, seconds: int, shared: bool = False) -> int:
        counters: Any = current_app.extensions["rate_limits_shared" if shared else "rate_limits"]
        try:
            return counters.hit(key, window, seconds)
        except Exception:  # Redis down: keep limiting, per process, rather than refuse every login
            logger.warning("Rate-limit counters unreachable; counting in this process meanwhile", exc_info=True)
            return self._fallback.hit(key, window, seconds)

    def reset(self) -> None:
        """Forget every count of every app this limiter serves (tests: the test app and the browser tests' server)."""
        for counters in self._all_counters:
            if isinstance(counters, tuple):  # database counters need their app's context
                app, database_counters = counters
                with app.app_context():
                    database_counters.reset()
            else:
                counters.reset()
        self._fallback.reset()


def _too_many(window: int, rate: Rate, now: float) -> TooManyRequests:
    error = TooManyRequests()
    error.retry_after = max(1, int((window + 1) * rate.seconds - now + 0.999))
    return error
