"""Competency record: the SKP ledger per ranah over the SIP cycle, self-reported activities, share links."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from lms.records import dashboard_views, issuer_views, supervision_views, views  # noqa: E402,F401


def connect() -> None:
    """Listen to the certificates feature: an issued certificate credits the ledger, a revoked one takes it back."""
    from lms.certificates.events import certificate_status_changed, certificates_issued
    from lms.records.services import credit_issued_certificates, reverse_credit_of_revoked

    certificates_issued.connect(credit_issued_certificates)
    certificate_status_changed.connect(reverse_credit_of_revoked)
    from lms.records import jobs  # noqa: F401  (registers this feature's jobs with the queue)
