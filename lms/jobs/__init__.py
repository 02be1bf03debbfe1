"""Background jobs through Huey: one queue for the whole app, Redis in production, SQLite in the instance folder.

Why Huey: a small, maintained library (one dependency-free package) with what we need and nothing more: a Redis
storage for any number of hosts, a SQLite storage so the embedded default needs no server, periodic tasks
(crontab) that replace the cron lines, retries with a delay, and an immediate mode for tests.

A feature declares its jobs in its own `jobs.py` with `@job(...)` or `@periodic_job(crontab(...))`; the body runs
inside an app context with a fresh database session and commits its own work. Jobs take plain values (ids), and
must be idempotent: a retried job, or a periodic job that runs twice, does its work once.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import traceback
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import MemoryHuey, crontab
from huey import signals as huey_signals
from huey.consumer import Consumer
from huey.storage import RedisStorage, SqliteStorage

log = logging.getLogger(__name__)

huey = MemoryHuey("lentera", utc=True)
"""The queue; `init_app` gives it the app's storage (Redis, SQLite, or memory in immediate mode)."""

__all__ = ["crontab", "huey", "init_app", "job", "periodic_job", "start_embedded_consumer"]

_app: Flask | None = None
_embedded: dict[int, Consumer] = {}
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Point the queue at the app's storage: LMS_REDIS_URL → Redis; otherwise SQLite in the instance folder;
    JOBS_IMMEDIATE (the default under TESTING) runs each job at once in the caller's thread."""
    global _app
    _app = app
    immediate = app.config.get("JOBS_IMMEDIATE")
    if immediate is None:
        immediate = bool(app.testing)
    if app.config.get("REDIS_URL"):
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {
            "filename": app.config.get("JOBS_SQLITE_PATH") or os.path.join(app.instance_path, "jobs.sqlite")
        }
    huey.name = app.config.get("JOBS_QUEUE_NAME") or "lentera"
    huey._immediate = bool(immediate)
    huey.storage = huey.create_storage()


def _job_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        raise RuntimeError("lms.jobs.init_app was never called: no app to run the job in")
    return _app


def _in_app_context(function: Callable) -> Callable:
    @functools.wraps(function)
    def run(*args, **kwargs):
        # A fresh app context, hence a fresh database session, even when an immediate-mode job is enqueued from a
        # request (after its commit): the job's work never mixes with the caller's.
        with _job_app().app_context():
            return function(*args, **kwargs)

    return run


def job(*, retries: int = 5, retry_delay: int = 60, **options: Any) -> Callable:
    """Declare a background job: `send_mail.schedule(...)` or `send_mail(...)` enqueues it; `.call_local(...)`
    runs it now. A job that raises is retried `retries` times, `retry_delay` seconds apart; after the last
    failure it is listed for the platform admin at /admin/jobs."""

    def decorate(function: Callable):
        return huey.task(retries=retries, retry_delay=retry_delay, **options)(_in_app_context(function))

    return decorate


def periodic_job(schedule: Callable, *, retries: int = 0, **options: Any) -> Callable:
    """Declare a job the consumer runs on `schedule` (a huey `crontab`), instead of a cron line."""

    def decorate(function: Callable):
        return huey.periodic_task(schedule, retries=retries, **options)(_in_app_context(function))

    return decorate


@huey.signal(huey_signals.SIGNAL_ERROR)
def _remember_failure(signal, task, exc=None) -> None:
    """Write the failure down for the admin page: every attempt updates one row per task id."""
    from lms.jobs.models import record_failure

    try:
        with _job_app().app_context():
            record_failure(
                task_id=task.id,
                name=huey._registry.task_to_string(type(task)),
                args=list(task.args or ()),
                kwargs=dict(task.kwargs or {}),
                error=f"{type(exc).__name__}: {exc}" if exc is not None else "",
                trace="".join(traceback.format_exception(exc)) if exc is not None else "",
                retries_left=task.retries,
            )
    except Exception:  # never let the bookkeeping hide the job's own error
        log.exception("could not record the failure of job %s", task.id)


@huey.signal(huey_signals.SIGNAL_COMPLETE)
def _forget_recovered_failure(signal, task) -> None:
    """A job that succeeded on a retry is no longer a failure."""
    from lms.jobs.models import forget_failure

    if task.retries < (getattr(task, "default_retries", 0) or 0):  # only a retry can follow a failure
        try:
            with _job_app().app_context():
                forget_failure(task.id)
        except Exception:
            log.exception("could not clear the failure of job %s", task.id)


class EmbeddedConsumer(Consumer):
    """A consumer whose worker and scheduler threads run inside another process (`lms run`, tests): it leaves
    the process's signal handlers alone."""

    def _set_signal_handlers(self) -> None:
        pass


def start_embedded_consumer(app: Flask, *, workers: int = 1, periodic: bool = True) -> Consumer:
    """Start worker threads in this process (development server, tests); `stop_embedded_consumer` ends them."""
    global _app
    with _lock:
        _app = app
        consumer = EmbeddedConsumer(
            huey, workers=workers, periodic=periodic, initial_delay=0.05, max_delay=0.5, check_worker_health=False
        )
        consumer.start()
        _embedded[id(consumer)] = consumer
    return consumer


def stop_embedded_consumer(consumer: Consumer) -> None:
    consumer.stop(graceful=True)
    _embedded.pop(id(consumer), None)
