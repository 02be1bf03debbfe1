"""The printable certificate: its verify and share links, its document, PDF and preview image."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import current_app

from lms.certificates.models import Certificate, CertificateStatus
from lms.certificates.snapshot import document_from_snapshot
from lms.core.storage import StoredFileMissing, get_storage

if TYPE_CHECKING:
    from lms.certificates.document import CertificateDocument

log = logging.getLogger(__name__)


def verify_url(certificate: Certificate) -> str:
    """The QR's content, all upper case so the QR can use its compact alphanumeric mode (the /v/ route and the
    host accept either case)."""
    return (current_app.config["PUBLIC_URL"].rstrip("/") + "/v/" + certificate.token).upper()


def share_url(certificate: Certificate) -> str:
    """The verify link to share as text (readable lower-case host and path)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/v/" + certificate.token


def _read_stored_image(key: str) -> bytes | None:
    try:
        return get_storage().read(key)
    except (StoredFileMissing, ValueError):
        log.warning("Certificate image %s is missing from storage", key)
        return None


def document_of(certificate: Certificate) -> CertificateDocument:
    """What the certificate prints, from its frozen snapshot."""
    return document_from_snapshot(
        certificate.snapshot, verify_url=verify_url(certificate), read_image=_read_stored_image
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF as the platform hands it out now: a revoked or suspended certificate carries DICABUT / DITANGGUHKAN
    across the page (in Indonesian, the certificate's language), so no clean copy of it leaves the platform."""
    from lms.certificates.pdf import render_certificate_pdf

    return render_certificate_pdf(document_of(certificate), stamp=status_stamp(certificate.status))


def status_stamp(status: str) -> str | None:
    """The word stamped across a certificate that no longer stands; None for a valid one."""
    from flask_babel import force_locale

    from lms.certificates.verification import Verdict

    if status not in (CertificateStatus.REVOKED, CertificateStatus.SUSPENDED):
        return None
    with force_locale("id"):
        return str(Verdict(str(status)).label)


def certificate_preview_png(certificate: Certificate, width: int = 800) -> bytes:
    from lms.certificates.pdf import render_preview_png

    return render_preview_png(certificate_pdf(certificate), width=width)
