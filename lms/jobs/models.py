"""What the job queue writes down in the database: runs of long jobs with their progress, and failed jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.models import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db


class RunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"

    @property
    def label(self):
        return RUN_STATE_LABELS[self]

    @property
    def is_over(self) -> bool:
        return self in (RunState.FINISHED, RunState.FAILED)


RUN_STATE_LABELS = {
    RunState.QUEUED: _l("Waiting to start"),
    RunState.RUNNING: _l("Running"),
    RunState.FINISHED: _l("Finished"),
    RunState.FAILED: _l("Failed"),
}


class JobRun(TimestampMixin, db.Model):
    """One run of a long job started from a page (issuing a cohort's certificates, ...): the page shows its
    progress until it is over, then its outcome."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    """The job's name, e.g. certificates.issue_cohort."""
    subject: Mapped[str] = mapped_column(String(80), default="", index=True)
    """What it works on, e.g. cohort:12 (the page that started it finds its runs by this)."""
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    state: Mapped[RunState] = mapped_column(String(10), default=RunState.QUEUED)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Plain values the page turns into a sentence (counts), set when finished."""
    error: Mapped[str | None] = mapped_column(String(500))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def state_label(self):
        return RunState(self.state).label

    @property
    def is_over(self) -> bool:
        return RunState(self.state).is_over

    @property
    def percent(self) -> int:
        if self.state == RunState.FINISHED:
            return 100
        return 0 if self.total <= 0 else min(100, self.done * 100 // self.total)


class FailedJob(db.Model):
    """A job whose last attempt raised: listed for the platform admin with its error until it succeeds on a
    retry, is retried from the page, or is dismissed."""

    __tablename__ = "failed_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(String(1000))
    trace: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=1)
    retries_left: Mapped[int] = mapped_column(default=0)
    """0: the queue gave up on it; more: it will be tried again on its own."""
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def record_failure(
    *, task_id: str, name: str, args: list, kwargs: dict, error: str, trace: str, retries_left: int
) -> None:
    """One row per task id, updated on each failed attempt (own transaction)."""
    row = db.session.execute(select(FailedJob).where(FailedJob.task_id == task_id)).scalar_one_or_none()
    if row is None:
        row = FailedJob(task_id=task_id, name=name, args=_plain(args), kwargs=_plain(kwargs), attempts=0)
        db.session.add(row)
    row.attempts += 1
    row.error, row.trace, row.retries_left, row.failed_at = error[:1000], trace[-20000:], retries_left, utcnow()
    db.session.commit()


def forget_failure(task_id: str) -> None:
    db.session.execute(delete(FailedJob).where(FailedJob.task_id == task_id))
    db.session.commit()


def _plain(value):
    """Job arguments are plain values already; anything else is stored as its text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
