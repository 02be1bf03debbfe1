"""Whether an enrolment has earned its certificate, and the certificate's line on the enrolment page."""

from __future__ import annotations

from contextvars import ContextVar

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select

from lms.certificates.models import Certificate, CertificateStatus
from lms.courses.models import Enrolment, EnrolmentStatus
from lms.courses.requirements import (
    Requirement,
    first_unmet,
    requirements_for,
    unmet,
)
from lms.extensions import db

# Set while eligibility is decided: the certificate's own line is information only (met None), so it is left out
# instead of costing a query per enrolment in bulk issuance.
_deciding_eligibility: ContextVar[bool] = ContextVar("deciding_eligibility", default=False)


def missing_requirements(enrolment: Enrolment) -> list[Requirement]:
    """What the learner still lacks for the certificate (the enrolment page shows the same list)."""
    marker = _deciding_eligibility.set(True)
    try:
        return unmet(requirements_for(enrolment))
    finally:
        _deciding_eligibility.reset(marker)


def is_eligible(enrolment: Enrolment) -> bool:
    if enrolment.status != EnrolmentStatus.ACTIVE:
        return False
    marker = _deciding_eligibility.set(True)
    try:
        return first_unmet(enrolment) is None
    finally:
        _deciding_eligibility.reset(marker)


def live_certificate_of(enrolment: Enrolment) -> Certificate | None:
    """The enrolment's certificate that is not revoked (valid or suspended), if any."""
    return db.session.execute(
        select(Certificate).where(
            Certificate.enrolment_id == enrolment.id, Certificate.status != CertificateStatus.REVOKED
        )
    ).scalar_one_or_none()


def is_certified(enrolment_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The enrolment has a certificate that is not revoked: the course is completed (a condition for one statement
    over many enrolments)."""
    return (
        select(Certificate.id)
        .where(Certificate.enrolment_id == enrolment_id, Certificate.status != CertificateStatus.REVOKED)
        .exists()
    )


def certificate_requirement(enrolment: Enrolment) -> list[Requirement]:
    """Information line on the enrolment page: the certificate once issued, or that it awaits approval."""
    if _deciding_eligibility.get():
        return []
    certificate = live_certificate_of(enrolment) if enrolment.id else None
    if certificate is not None:
        return [
            Requirement(
                "certificate",
                str(_l("Certificate")),
                None,
                str(_l("Certificate issued: %(number)s", number=certificate.number)),
                # Also computed outside requests (command line, automatic issuance), where no URL can be built.
                url_for("certificates.my_certificate", public_id=certificate.public_id)
                if has_request_context()
                else None,
            )
        ]
    version = enrolment.cohort.version
    if version.certificate_needs_approval and enrolment.status == EnrolmentStatus.ACTIVE:
        return [
            Requirement(
                "certificate",
                str(_l("Certificate")),
                None,
                str(_l("Issued after the organization approves, once every requirement is met.")),
            )
        ]
    return []
