"""A certificate's life cycle after issuance: revoke, suspend, reinstate, re-issue."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.accounts.permissions import require_organization_role
from lms.certificates.events import certificate_status_changed
from lms.certificates.models import Certificate, CertificateStatus
from lms.certificates.services.issuance import issue_certificate
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput
from lms.extensions import db

MAX_REASON_LENGTH = 500


class InvalidStatusChange(Conflict):
    code = "invalid_status_change"


def _clean_reason(reason: str | None, *, required: bool = True) -> str | None:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidInput(_l("Give a reason; it is shown to anyone who verifies the certificate."))
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(_l("The reason is longer than %(n)d characters.", n=MAX_REASON_LENGTH))
    return reason or None


def _change_status(
    actor: User | None,
    certificate: Certificate,
    *,
    allowed_from: tuple[CertificateStatus, ...],
    to: CertificateStatus,
    reason: str | None,
    now: datetime,
    action: str,
    refusal,
) -> Certificate:
    require_organization_role(actor, certificate.organization_id)
    if certificate.status not in allowed_from:
        raise InvalidStatusChange(refusal)
    previous = certificate.status
    certificate.status = to
    certificate.status_reason = reason
    certificate.status_changed_at = now
    db.session.flush()
    record_audit(
        actor,
        action,
        certificate,
        certificate.organization_id,
        number=certificate.number,
        reason=reason,
        previous=str(previous),
    )
    certificate_status_changed.send(
        certificate_id=certificate.id,
        previous=CertificateStatus(previous).value,
        status=CertificateStatus(to).value,
        reason=reason,
        changed_at=now,
    )
    return certificate


def revoke_certificate(actor: User | None, certificate: Certificate, reason: str, now: datetime) -> Certificate:
    """Revoke for good (the verify page shows DICABUT with the reason and the date); the records feature takes back
    the SKP it credited to the holder's record when it hears of the change."""
    return _change_status(
        actor,
        certificate,
        allowed_from=(CertificateStatus.VALID, CertificateStatus.SUSPENDED),
        to=CertificateStatus.REVOKED,
        reason=_clean_reason(reason),
        now=now,
        action="certificate.revoke",
        refusal=_l("This certificate is already revoked."),
    )


def suspend_certificate(actor: User | None, certificate: Certificate, reason: str, now: datetime) -> Certificate:
    """Suspend while something is looked into; reinstating makes it valid again."""
    return _change_status(
        actor,
        certificate,
        allowed_from=(CertificateStatus.VALID,),
        to=CertificateStatus.SUSPENDED,
        reason=_clean_reason(reason),
        now=now,
        action="certificate.suspend",
        refusal=_l("Only a valid certificate can be suspended."),
    )


def reinstate_certificate(
    actor: User | None, certificate: Certificate, reason: str | None, now: datetime
) -> Certificate:
    return _change_status(
        actor,
        certificate,
        allowed_from=(CertificateStatus.SUSPENDED,),
        to=CertificateStatus.VALID,
        reason=_clean_reason(reason, required=False),
        now=now,
        action="certificate.reinstate",
        refusal=_l("Only a suspended certificate can be reinstated."),
    )


def reissue_certificate(actor: User | None, certificate: Certificate, reason: str, now: datetime) -> Certificate:
    """A correction: revoke the old certificate with the reason, issue a new one (new number, today's data —
    e.g. the corrected name) linked to the old one. Both steps in one transaction."""
    reason = _clean_reason(reason)
    if certificate.status == CertificateStatus.REVOKED:
        raise InvalidStatusChange(_l("A revoked certificate cannot be re-issued."))
    require_organization_role(actor, certificate.organization_id)
    revoke_certificate(actor, certificate, reason, now)
    replacement = issue_certificate(actor, certificate.enrolment, now, replaces=certificate)
    record_audit(
        actor,
        "certificate.reissue",
        certificate,
        certificate.organization_id,
        number=certificate.number,
        replaced_by=replacement.number,
        reason=reason,
    )
    return replacement
