"""Competency record: the SKP ledger per ranah over the SIP cycle, self-reported activities, share links."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from lms.records import dashboard_views, issuer_views, personal_data_views, supervision_views, views  # noqa: E402,F401


def connect() -> None:
    """Listen to the certificates feature (an issued certificate credits the ledger, a revoked one takes it back)
    and to instruments (a post-training evaluation answered at work is evidence of practice); add the home panels."""
    from lms.certificates.events import certificate_status_changed, certificates_issued
    from lms.instruments.events import post_training_answered
    from lms.records import audit_sentences  # noqa: F401  (registers this feature's audit log sentences)
    from lms.records.practice import record_practice_evidence
    from lms.records.services import credit_issued_certificates, reverse_credit_of_revoked

    certificates_issued.connect(credit_issued_certificates)
    certificate_status_changed.connect(reverse_credit_of_revoked)
    post_training_answered.connect(record_practice_evidence)
    from lms.core.home import register_home_panel
    from lms.records import jobs  # noqa: F401  (registers this feature's jobs with the queue)
    from lms.records.home_panels import activities_waiting_review, region_at_a_glance, skp_standing

    register_home_panel("skp-standing", "records/home_skp.html", skp_standing, order=20)
    register_home_panel("activity-reviews", "records/home_reviews.html", activities_waiting_review, order=55)
    register_home_panel("region-glance", "records/home_region.html", region_at_a_glance, order=60)
