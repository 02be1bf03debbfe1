"""The notifications feature's jobs: send the e-mail of notifications (retried), and the reminders (periodic)."""

from __future__ import annotations

from lms.jobs import crontab, huey, job, periodic_job


@job(retries=8, retry_delay=120)
def send_notification_mails(notification_ids: list[int]) -> int:
    """E-mail each notification not yet e-mailed, committing after each one: when the mail server refuses, the job
    fails and its retry sends only those still unsent. Returns how many went out."""
    from sqlalchemy import select

    from lms.core.models import utcnow
    from lms.extensions import db
    from lms.notifications.mailing import mail_notification
    from lms.notifications.models import Notification

    todo = db.session.execute(
        select(Notification)
        .where(
            Notification.id.in_(notification_ids),
            Notification.emailed_at.is_(None),
            Notification.wants_email.is_(True),
        )
        .order_by(Notification.id)
    ).scalars()
    sent = 0
    for notification in todo:
        mail_notification(notification)
        notification.emailed_at = utcnow()
        db.session.commit()
        sent += 1
    return sent


@periodic_job(crontab(minute="7"))
def send_reminders_job() -> dict:
    """Hourly: session reminders for tomorrow, SIP renewal and certificate expiry reminders. Each goes out once
    (reminder markers); one run at a time across all workers."""
    from lms.core.models import utcnow
    from lms.notifications.reminders import send_due_reminders

    with huey.lock_task("notifications.reminders"):
        return send_due_reminders(utcnow())
