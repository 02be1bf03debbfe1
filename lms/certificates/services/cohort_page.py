"""The organization's cohort page: each learner's standing with the certificate; sample document and number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import Organization, User
from lms.accounts.permissions import require_organization_role
from lms.certificates import numbering
from lms.certificates.models import Certificate, CertificateSettings, CertificateStatus
from lms.certificates.services.eligibility import missing_requirements
from lms.certificates.services.number_sequence import _local_now
from lms.certificates.services.printing import _read_stored_image
from lms.core.errors import NotFound
from lms.courses.curriculum import Ranah
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.courses.requirements import Requirement
from lms.extensions import db

if TYPE_CHECKING:
    from lms.certificates.document import CertificateDocument


class RowState(StrEnum):
    """Where a learner of the cohort stands with the certificate."""

    ISSUED = "issued"
    AWAITING_APPROVAL = "awaiting_approval"
    ELIGIBLE = "eligible"
    IN_PROGRESS = "in_progress"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            RowState.ISSUED: _l("Certificate issued"),
            RowState.AWAITING_APPROVAL: _l("Awaiting approval"),
            RowState.ELIGIBLE: _l("Eligible, not issued"),
            RowState.IN_PROGRESS: _l("Requirements still open"),
        }[self]


@dataclass(frozen=True)
class CertificateRow:
    """One active learner of a cohort and where they stand with the certificate."""

    enrolment: Enrolment
    state: str
    """"issued", "awaiting_approval" (eligible, the course needs approval), "eligible" (no certificate yet, e.g.
    after a revocation), "in_progress" (requirements open)."""
    missing: list[Requirement]
    certificate: Certificate | None
    history: list[Certificate]
    """Every certificate of the enrolment, newest first (revoked ones included)."""


def cohort_certificates(actor: User | None, cohort: Cohort) -> list[CertificateRow]:
    require_organization_role(actor, cohort.organization_id)
    enrolments = list(
        db.session.execute(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(Enrolment.id)
        ).scalars()
    )
    by_enrolment: dict[int, list[Certificate]] = {e.id: [] for e in enrolments}
    if by_enrolment:
        for certificate in db.session.execute(
            select(Certificate)
            .where(Certificate.enrolment_id.in_(by_enrolment))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        ).scalars():
            by_enrolment[certificate.enrolment_id].append(certificate)
    rows = []
    for enrolment in enrolments:
        history = by_enrolment[enrolment.id]
        live = next((c for c in history if c.status != CertificateStatus.REVOKED), None)
        missing = [] if live else missing_requirements(enrolment)
        if live is not None:
            state = "issued"
        elif missing:
            state = "in_progress"
        elif cohort.version.certificate_needs_approval and not history:
            state = "awaiting_approval"
        else:
            state = "eligible"
        rows.append(CertificateRow(enrolment, state, missing, live, history))
    return rows


def enrolment_in_cohort(cohort: Cohort, enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.cohort_id != cohort.id:
        raise NotFound()
    return enrolment


def sample_document(organization: Organization, settings: CertificateSettings, now: datetime) -> CertificateDocument:
    """A made-up certificate with the organization's current settings, for the settings page's preview."""
    from lms.certificates.document import CertificateDocument, Signatory

    local = _local_now(now)
    parts = numbering.NumberParts(organization.slug, "CONTOH-01", local.year, local.month)
    pattern = settings.number_pattern

    def image(key: str | None) -> bytes | None:
        return _read_stored_image(key) if key else None

    return CertificateDocument(
        number=numbering.example_number(pattern, parts),
        verification_code="K7QF-2M9X",
        verify_url=(current_app.config["PUBLIC_URL"].rstrip("/") + "/v/" + "A" * 360).upper(),
        holder_name="Ni Luh Putu Ayu Kusumawardhani, S.Kep., Ns.",
        profession_name="Perawat",
        course_title=str(_l("Sample course title")),
        course_code="CONTOH-01",
        course_kind="pelatihan",
        accreditation_number=None,
        completed_on=local.date(),
        issued_on=local.date(),
        expires_on=numbering.add_months(local, 36).date(),
        jpl=Decimal(30),
        skp=Decimal("20.00"),
        ranah=Ranah.PEMBELAJARAN.value,
        competencies=(str(_l("Sample competency")),),
        organization_name=organization.name,
        organization_logo_png=image(settings.logo_key),
        signatories=tuple(
            Signatory(name=s["name"], title=s["title"], signature_png=image(s.get("signature_key")))
            for s in settings.signatories
        ),
        place=settings.place,
        layout=settings.layout,
        primary_colour=settings.primary_colour,
        accent_colour=settings.accent_colour,
    )


def example_number(organization: Organization, pattern: str, now: datetime) -> str:
    """What the organization's next numbers look like (with a made-up course code and running number)."""
    local = _local_now(now)
    return numbering.example_number(
        pattern, numbering.NumberParts(organization.slug, "PPI-DASAR", local.year, local.month)
    )
