"""The job queue: `lms worker`, a cohort's certificates issued by a job with its progress, failed jobs listed for
the platform admin with retry and dismiss, Redis storage from LMS_REDIS_URL, and the periodic jobs' work."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
import redis
from click.testing import CliRunner
from sqlalchemy import select

from lms import jobs
from lms.attendance.jobs import close_ended_sessions_job
from lms.attendance.models import AttendanceSession
from lms.certificates.models import Certificate
from lms.core.database import dispose_engines
from lms.core.models import utcnow
from lms.extensions import db
from lms.jobs import huey, job
from lms.jobs.models import FailedJob, JobRun
from tests.factories import make_user
from tests.factories.attendance import make_session, make_training
from tests.factories.certificates import complete_lessons, enrol, make_certificate_world

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@job(retries=0)
def always_fails(n: int) -> None:
    raise RuntimeError(f"boom {n}")


def test_worker_help_needs_no_broker(monkeypatch):
    from lms.cli import main

    monkeypatch.setenv("LMS_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    result = CliRunner().invoke(main, ["worker", "--help"])
    assert result.exit_code == 0 and "consumer of the job queue" in result.output


def test_a_cohort_is_issued_by_a_job_with_progress(client, auth, app_ctx):
    world = make_certificate_world(certificate_needs_approval=True)
    for n in range(3):
        learner = make_user(f"l{n}@example.test")
        complete_lessons(learner, enrol(learner, world.cohort))
    base = f"/organizations/{world.organization.id}/cohorts/{world.cohort.id}/certificates"
    auth.login(world.admin.email)
    response = client.post(f"{base}/issue")
    assert response.status_code == 302
    run = db.session.execute(select(JobRun)).scalar_one()
    assert response.headers["Location"].endswith(f"{base}?job={run.id}")
    page = client.get(f"{base}?job={run.id}").get_data(as_text=True)
    assert 'data-job-state="finished"' in page and "3 certificates issued; 0 not eligible yet." in page
    assert db.session.execute(select(Certificate)).scalars().all().__len__() == 3
    progress = client.get(f"/api/v1/jobs/{run.id}").get_json()
    assert progress | {"finished_at": None} == progress | {
        "id": run.id,
        "kind": "certificates.issue_cohort",
        "state": "finished",
        "state_label": "Finished",
        "total": 3,
        "done": 3,
        "percent": 100,
        "outcome": {"issued": 3, "not_eligible": 0},
        "error": None,
        "finished_at": None,
    }
    # Clicking again issues nothing twice (idempotent); another user cannot read the run.
    client.post(f"{base}/issue")
    assert len(db.session.execute(select(Certificate)).scalars().all()) == 3
    auth.logout()
    auth.login(make_user("stranger@example.test").email)
    assert client.get(f"/api/v1/jobs/{run.id}").status_code == 404


def test_a_running_job_shows_a_bar_that_polls_and_reloads_without_js(client, auth, app_ctx):
    world = make_certificate_world()
    run = JobRun(kind="certificates.issue_cohort", subject=f"cohort:{world.cohort.id}", started_by_id=world.admin.id,
                 state="running", total=400, done=100)  # fmt: skip
    db.session.add(run)
    db.session.commit()
    auth.login(world.admin.email)
    page = client.get(f"/organizations/{world.organization.id}/cohorts/{world.cohort.id}/certificates")
    html = page.get_data(as_text=True)
    assert '<progress max="100" value="25"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "js/job-progress.js" in html and f'data-progress-url="/api/v1/jobs/{run.id}"' in html


def test_a_failing_job_is_listed_for_the_platform_admin_who_can_retry_or_dismiss(client, auth, app_ctx):
    always_fails(7)  # immediate mode: runs now, fails, no retries left
    (failure,) = db.session.execute(select(FailedJob)).scalars()
    assert failure.name.endswith("always_fails") and failure.error == "RuntimeError: boom 7"
    assert failure.retries_left == 0 and failure.args == [7]
    first_task = failure.task_id
    auth.login(make_user("learner@example.test").email)
    assert client.get("/admin/jobs").status_code == 403
    auth.logout()
    auth.login(make_user("root@example.test", is_platform_admin=True, locale="en").email)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "RuntimeError: boom 7" in page and "gave up" in page
    assert client.post(f"/admin/jobs/{failure.id}/retry").status_code == 302
    db.session.expire_all()
    (again,) = db.session.execute(select(FailedJob)).scalars()  # it ran again and failed again
    assert again.task_id != first_task and again.args == [7]
    assert client.post(f"/admin/jobs/{again.id}/dismiss").status_code == 302
    assert db.session.execute(select(FailedJob)).first() is None


def test_periodic_job_closes_ended_sessions_and_is_idempotent(app_ctx):
    training = make_training(learners=1)
    ended = make_session(training.cohort, starts_at=utcnow() - timedelta(hours=3), hours=1)
    assert close_ended_sessions_job.call_local() == 1
    assert close_ended_sessions_job.call_local() == 0
    db.session.expire_all()
    assert db.session.get(AttendanceSession, ended.id).closed_at is not None
    names = set(huey._registry._registry)
    assert {
        "lms.quizzes.jobs.close_expired_attempts_job",
        "lms.attendance.jobs.close_ended_sessions_job",
        "lms.records.jobs.refresh_stale_standings_job",
        "lms.notifications.jobs.send_reminders_job",
    } <= names
    periodic = {task.name for task in huey._registry.periodic_tasks}
    assert {"send_reminders_job", "close_expired_attempts_job", "close_ended_sessions_job"} <= periodic


def test_redis_storage_from_lms_redis_url(app, tmp_path):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is needed at {REDIS_URL} (LMS_TEST_REDIS_URL)")
    from lms import create_app

    name = f"lentera-test-{uuid.uuid4().hex[:8]}"
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "REDIS_URL": REDIS_URL,
            "JOBS_IMMEDIATE": False,
            "JOBS_QUEUE_NAME": name,
            "SIGNING_KEYS_DIR": str(tmp_path / "keys"),
        }
    )
    try:
        assert type(huey.storage).__name__ == "RedisStorage" and not huey.immediate
        always_fails(1)
        assert huey.pending_count() == 1  # waiting in Redis for any host's `lms worker`
        with other.app_context():
            task = huey.dequeue()
            huey.execute(task)
        assert huey.pending_count() == 0
    finally:
        huey.storage.flush_all()
        with other.app_context():
            dispose_engines()  # the second app's pool (PostgreSQL connections) closes now, not at garbage collection
        jobs.init_app(app)  # the session's app and its immediate queue again
    assert huey.immediate
