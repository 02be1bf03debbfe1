"""Notifications: the in-app list with its bell, e-mail in each person's language, reminders; listens to what the
features below announce (it is the top floor with reports: no feature imports it)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from lms.notifications import views  # noqa: E402,F401


def connect() -> None:
    """Listen, in the sender's transaction, to certificates, enrolments, cohorts cancelled or changed, reviewed
    activities and role changes; register the jobs."""
    from lms.accounts.events import membership_decided, role_changed
    from lms.certificates.events import certificate_status_changed, certificates_issued
    from lms.courses.events import cohort_cancelled, cohort_changed, enrolment_decided
    from lms.notifications import (
        audit_sentences,  # noqa: F401  (registers this feature's audit log sentences)
        jobs,  # noqa: F401  (registers the mail and reminder jobs)
    )
    from lms.notifications.listeners import (
        on_activity_reviewed,
        on_certificate_status_changed,
        on_certificates_issued,
        on_cohort_cancelled,
        on_cohort_changed,
        on_enrolment_decided,
        on_membership_decided,
        on_role_changed,
    )
    from lms.records.events import activity_reviewed

    certificates_issued.connect(on_certificates_issued)
    certificate_status_changed.connect(on_certificate_status_changed)
    enrolment_decided.connect(on_enrolment_decided)
    activity_reviewed.connect(on_activity_reviewed)
    membership_decided.connect(on_membership_decided)
    cohort_cancelled.connect(on_cohort_cancelled)
    cohort_changed.connect(on_cohort_changed)
    role_changed.connect(on_role_changed)

    from lms.accounts.login import register_page_value
    from lms.notifications.services import unread_of
    from lms.notifications.views import UNREAD

    register_page_value(UNREAD, unread_of)  # the bell's count, in the statement that loads the signed-in user
