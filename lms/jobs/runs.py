"""Progress of long jobs started from a page: the view opens a run, the job reports how far it got, the page and
`GET /api/v1/jobs/{id}` read it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lms.core.errors import NotFound
from lms.core.models import utcnow
from lms.extensions import db
from lms.jobs.models import JobRun, RunState


def open_run(kind: str, subject: str, started_by_id: int | None) -> JobRun:
    """A queued run; the caller commits, then enqueues the job with `run.id`."""
    run = JobRun(kind=kind, subject=subject, started_by_id=started_by_id, state=RunState.QUEUED)
    db.session.add(run)
    db.session.flush()
    return run


def begin(run_id: int, total: int) -> JobRun:
    """The job starts (or starts again after a failed attempt) with `total` items to do."""
    run = db.session.get(JobRun, run_id)
    if run is None:
        raise NotFound()
    run.state, run.total, run.done, run.error = RunState.RUNNING, total, 0, None
    db.session.commit()
    return run


def advance(run: JobRun, done: int) -> None:
    """`done` more items are finished; committed with the work of the batch."""
    run.done = min(run.total, run.done + done)


def finish(run: JobRun, **outcome: Any) -> None:
    run.state, run.done, run.outcome, run.finished_at = RunState.FINISHED, run.total, outcome, utcnow()
    db.session.commit()


def fail(run_id: int, error: str) -> None:
    """Mark the run failed (own transaction, after the job's work was rolled back); a retry begins it again."""
    db.session.rollback()
    run = db.session.get(JobRun, run_id)
    if run is not None:
        run.state, run.error, run.finished_at = RunState.FAILED, error[:500], utcnow()
        db.session.commit()


def run_visible_to(viewer, run_id: int) -> JobRun:
    """The run for the user who started it or a platform admin; 404 for anyone else."""
    run = db.session.get(JobRun, run_id)
    if run is None or not (viewer.is_platform_admin or run.started_by_id == viewer.id):
        raise NotFound()
    return run


def latest_run(subject: str, kind: str) -> JobRun | None:
    return db.session.execute(
        select(JobRun).where(JobRun.subject == subject, JobRun.kind == kind).order_by(JobRun.id.desc()).limit(1)
    ).scalar_one_or_none()


def run_to_show(subject: str, kind: str, requested: str | None) -> JobRun | None:
    """The run a page shows: the latest one of `kind` on `subject` while it is not over, or once over when the page
    was opened for it (`?job=<id>`, where the page that started it sends the browser)."""
    run = latest_run(subject, kind)
    if run is None or (run.is_over and requested != str(run.id)):
        return None
    return run


def recent_runs(limit: int = 50) -> list[JobRun]:
    return list(db.session.execute(select(JobRun).order_by(JobRun.id.desc()).limit(limit)).scalars())
