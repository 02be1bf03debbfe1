"""What the certificates feature announces: issued, and every change of a certificate's status."""

from lms.core.events import DomainEvent

certificates_issued = DomainEvent(
    "certificate.issued",
    "Certificates were issued (one, or many in bulk). Payload: certificate_ids (list[int]).",
)
certificate_status_changed = DomainEvent(
    "certificate.status_changed",
    "A certificate was revoked, suspended or reinstated. Payload: certificate_id (int), previous and status "
    "(CertificateStatus values), reason (str | None), changed_at (datetime, UTC).",
)
