"""Certificates: eligibility, issuance, signed tokens, PDF, verification, revocation, signing keys."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from lms.certificates import verify_views, views  # noqa: E402,F401


def connect() -> None:
    """Register the certificate's own requirement line and issue when a learner's progress meets the last rule."""
    from lms.certificates import audit_sentences  # noqa: F401  (registers this feature's audit log sentences)
    from lms.certificates.services.eligibility import certificate_requirement, is_certified
    from lms.certificates.services.issuance import issue_when_eligible
    from lms.courses.requirements import (
        register_completion_condition,
        register_progress_listener,
        register_requirement_provider,
    )

    register_requirement_provider(certificate_requirement, order=90)
    register_completion_condition(is_certified)
    register_progress_listener(issue_when_eligible)
    from lms.certificates import jobs  # noqa: F401  (registers this feature's jobs with the queue)
