"""The certificates feature's long job: issue a cohort's certificates in batches, with progress for its page."""

from __future__ import annotations

from sqlalchemy import select

from lms.jobs import job

ISSUE_COHORT_JOB = "certificates.issue_cohort"
"""The kind of the job run a cohort's certificates page shows."""
ISSUE_BATCH = 200
"""Enrolments per transaction: each batch commits, so progress shows and a failure keeps the batches done."""


@job(retries=3, retry_delay=30)
def issue_cohort_certificates(run_id: int, cohort_id: int, actor_id: int) -> int:
    """Issue every eligible active enrolment of the cohort that has no certificate yet. Idempotent: a retry (or a
    second click) skips those issued meanwhile."""
    from lms.accounts.models import User
    from lms.certificates.models import Certificate
    from lms.certificates.services import issue_many
    from lms.core.models import utcnow
    from lms.courses.models import Enrolment, EnrolmentStatus
    from lms.extensions import db
    from lms.jobs import runs

    actor = db.session.get(User, actor_id)
    todo = list(
        db.session.execute(
            select(Enrolment.id)
            .where(
                Enrolment.cohort_id == cohort_id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
                ~select(Certificate.id).where(Certificate.enrolment_id == Enrolment.id).exists(),
            )
            .order_by(Enrolment.id)
        ).scalars()
    )
    run = runs.begin(run_id, len(todo))
    issued = 0
    try:
        for start in range(0, len(todo), ISSUE_BATCH):
            batch = todo[start : start + ISSUE_BATCH]
            enrolments = db.session.execute(select(Enrolment).where(Enrolment.id.in_(batch))).scalars()
            issued += len(issue_many(actor, enrolments, utcnow()))
            runs.advance(run, len(batch))
            db.session.commit()
        runs.finish(run, issued=issued, not_eligible=len(todo) - issued)
    except Exception as error:
        runs.fail(run_id, f"{type(error).__name__}: {error}")
        raise
    return issued
