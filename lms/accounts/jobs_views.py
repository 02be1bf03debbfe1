"""The platform admin's jobs page (/admin/jobs): failed jobs with their error, retry or dismiss; recent runs.
(Here, not in lms.jobs: the queue is plumbing on the core's floor and knows no accounts or permissions.)"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts import bp
from lms.accounts.permissions import platform_admin_required
from lms.extensions import db
from lms.jobs import huey
from lms.jobs.models import FailedJob
from lms.jobs.runs import recent_runs


@bp.route("/admin/jobs")
@platform_admin_required
def admin_jobs():
    failed = list(db.session.execute(select(FailedJob).order_by(FailedJob.failed_at.desc())).scalars())
    return render_template("jobs/admin.html", failed=failed, runs=recent_runs())


@bp.post("/admin/jobs/<int:failure_id>/retry")
@platform_admin_required
def admin_retry_job(failure_id: int):
    failure = db.get_or_404(FailedJob, failure_id)
    try:
        task_class = huey._registry.string_to_task(failure.name)
    except Exception:
        flash(_("This job no longer exists in this version of Lentera; dismiss it."), "error")
        return redirect(url_for("accounts.admin_jobs"))
    db.session.delete(failure)
    db.session.commit()
    huey.enqueue(task_class(args=tuple(failure.args), kwargs=failure.kwargs))
    flash(_("The job was queued again."), "success")
    return redirect(url_for("accounts.admin_jobs"))


@bp.post("/admin/jobs/<int:failure_id>/dismiss")
@platform_admin_required
def admin_dismiss_job(failure_id: int):
    db.session.delete(db.get_or_404(FailedJob, failure_id))
    db.session.commit()
    flash(_("The failed job was removed from the list."), "success")
    return redirect(url_for("accounts.admin_jobs"))
