"""The notifications feature's jobs: send the e-mail of notifications (retried), the reminders (periodic), and a
message to a whole cohort (with a progress bar on the page that started it)."""

from __future__ import annotations

from lms.jobs import crontab, huey, job, periodic_job


@job(retries=8, retry_delay=120)
def send_notification_mails(notification_ids: list[int]) -> int:
    """E-mail each pending notification whose person wants e-mail of its kind (her choice now), committing after
    each one: when the mail server refuses, the job fails and its retry sends only those still pending. The others
    are marked skipped (in-app only). Returns how many went out."""
    from sqlalchemy import select

    from lms.core.models import utcnow
    from lms.extensions import db
    from lms.notifications.mailing import mail_notification
    from lms.notifications.models import MailState, Notification
    from lms.notifications.services import email_choices_of

    todo = list(
        db.session.execute(
            select(Notification)
            .where(Notification.id.in_(notification_ids), Notification.mail_state == MailState.PENDING)
            .order_by(Notification.id)
        ).scalars()
    )
    wanted = email_choices_of([(n.user_id, n.kind) for n in todo])
    sent = 0
    for notification in todo:
        if not wanted[notification.user_id, notification.kind]:
            notification.mail_state = MailState.SKIPPED
            continue
        mail_notification(notification)
        notification.mail_state, notification.emailed_at = MailState.SENT, utcnow()
        db.session.commit()
        sent += 1
    db.session.commit()
    return sent


COHORT_MESSAGE_JOB = "notifications.cohort_message"
"""The kind of the job run the cohort's message page shows."""


@job(retries=3, retry_delay=30)
def send_cohort_message(run_id: int, message_id: int) -> int:
    """Tell the cohort's learners of a message, a committed batch at a time; a retry (or a second run) tells only
    those not told yet. Returns how many were told by this run."""
    from lms.extensions import db
    from lms.jobs import runs
    from lms.notifications.cohort_messages import deliver_cohort_message, recipient_count
    from lms.notifications.models import CohortMessage

    message = db.session.get(CohortMessage, message_id)
    run = runs.begin(run_id, recipient_count(message.cohort_id))
    try:
        told = deliver_cohort_message(message, lambda size: runs.advance(run, size))
        runs.finish(run, total=run.total, told_now=told)
    except Exception as error:
        runs.fail(run_id, f"{type(error).__name__}: {error}")
        raise
    return told


@periodic_job(crontab(minute="7"))
def send_reminders_job() -> dict:
    """Hourly: session reminders for tomorrow, SIP renewal and certificate expiry reminders, newly open evaluations.
    Each goes out once (reminder markers); one run at a time across all workers."""
    from lms.core.models import utcnow
    from lms.notifications.reminders import send_due_reminders

    with huey.lock_task("notifications.reminders"):
        return send_due_reminders(utcnow())
