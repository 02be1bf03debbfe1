"""Issuing certificates: one, many at once, a cohort's, and automatically when a learner becomes eligible."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import selectinload

from lms.accounts.identity import professions
from lms.accounts.models import User
from lms.accounts.permissions import require_organization_role
from lms.certificates import numbering
from lms.certificates.events import certificates_issued
from lms.certificates.models import Certificate, CertificateSettings, CertificateStatus
from lms.certificates.services.eligibility import is_eligible, live_certificate_of, missing_requirements
from lms.certificates.services.number_sequence import _local_now, reserve_numbers
from lms.certificates.services.settings import settings_for
from lms.certificates.snapshot import build_snapshot
from lms.core.audit import AuditEntry, record_audit
from lms.core.errors import Conflict, DomainError
from lms.core.models import utcnow
from lms.courses.curriculum import Ranah
from lms.courses.models import Cohort, CourseVersion, Enrolment, EnrolmentStatus, Subject
from lms.extensions import db
from lms.quizzes.services import quiz_requirements_prefetched

log = logging.getLogger(__name__)


class NotEligible(Conflict):
    code = "not_eligible"


class AlreadyIssued(Conflict):
    code = "already_issued"

    def default_message(self):
        return _l("This enrolment already has a certificate.")


def _load_lessons(version: CourseVersion) -> None:
    """Load the version's subjects and their lessons in two queries: the lesson rule reads `version.lessons`, which
    would otherwise load each subject's lessons with a query of its own, on every progress event."""
    if version.require_lessons and "subjects" in inspect(version).unloaded:
        db.session.execute(
            select(CourseVersion)
            .where(CourseVersion.id == version.id)
            .options(selectinload(CourseVersion.subjects).selectinload(Subject.lessons))
        ).scalar_one()


_ANY_CERTIFICATE = select(Certificate.id).where(Certificate.enrolment_id == bindparam("enrolment_id")).limit(1)
"""Built once: every passed post-test asks it (issue_when_eligible), and building it cost as much as running it."""


def _has_any_certificate(enrolment: Enrolment) -> bool:
    return db.session.execute(_ANY_CERTIFICATE, {"enrolment_id": enrolment.id}).scalar_one_or_none() is not None


def _lock_enrolment(enrolment: Enrolment) -> None:
    """Serialize issuance per enrolment on PostgreSQL (SQLite serializes writers anyway)."""
    db.session.execute(select(Enrolment.id).where(Enrolment.id == enrolment.id).with_for_update())


@dataclass(frozen=True)
class _Prepared:
    """Everything of one certificate but its number, worked out before the numbers are reserved."""

    enrolment: Enrolment
    settings: CertificateSettings
    completed_on: date
    issued_at: datetime
    expires_at: datetime | None


def _prepare(enrolment: Enrolment, now: datetime, settings: CertificateSettings | None = None) -> _Prepared:
    issued_at = now.replace(microsecond=0)  # the token keeps whole seconds; the row says the same
    return _Prepared(
        enrolment=enrolment,
        settings=settings or settings_for(enrolment.cohort.organization_id),
        completed_on=_local_now(issued_at).date(),
        issued_at=issued_at,
        expires_at=numbering.expiry(issued_at, enrolment.cohort.version.validity_months),
    )


def _build(prepared: _Prepared, number: str, actor: User | None, key, replaces: Certificate | None) -> Certificate:
    from lms.certificates.token import RANAH_CODES, CertificateClaims, encode_token
    from lms.courses.services import skp_of

    enrolment, settings = prepared.enrolment, prepared.settings
    user, version = enrolment.user, enrolment.cohort.version
    course, organization = version.course, version.course.organization
    profession = professions().get(user.profession_code or "")
    ranah = Ranah(version.skp_ranah)
    jpl, skp = Decimal(version.total_jpl), skp_of(version)
    certificate_id = secrets.token_bytes(12)
    verification_code = numbering.new_verification_code()
    expires_on = _local_now(prepared.expires_at).date() if prepared.expires_at else None
    snapshot = build_snapshot(
        number=number,
        verification_code=verification_code,
        holder_name=user.full_name,
        profession_code=user.profession_code,
        profession_name=profession.name if profession else "",
        profession_number=profession.number if profession else 0,
        course_title=version.title,
        course_code=course.code,
        course_version=version.number,
        course_kind=version.kind,
        accreditation_number=version.accreditation_number,
        completed_on=prepared.completed_on,
        issued_on=_local_now(prepared.issued_at).date(),
        expires_on=expires_on,
        jpl=jpl,
        skp=skp,
        ranah=ranah.value,
        ranah_code=RANAH_CODES[ranah],
        competencies=list(version.competencies),
        organization_name=organization.name,
        organization_logo_key=settings.logo_key,
        signatories=list(settings.signatories),
        place=settings.place or enrolment.cohort.place,
        layout=settings.layout,
        primary_colour=settings.primary_colour,
        accent_colour=settings.accent_colour,
    )
    claims = CertificateClaims(
        certificate_id=certificate_id,
        number=number,
        holder_name=user.full_name,
        profession_code=profession.number if profession else 0,
        course_code=course.code,
        course_version=version.number,
        completed_on=prepared.completed_on,
        jpl=jpl,
        skp=skp,
        ranah_code=RANAH_CODES[ranah],
        issued_at=prepared.issued_at,
        expires_at=prepared.expires_at,
    )
    return Certificate(
        public_id=certificate_id.hex(),
        number=number,
        verification_code=verification_code,
        enrolment_id=enrolment.id,
        user_id=user.id,
        organization_id=organization.id,
        version_id=version.id,
        issued_at=prepared.issued_at,
        completed_on=prepared.completed_on,
        expires_at=prepared.expires_at,
        status=CertificateStatus.VALID,
        replaces_id=replaces.id if replaces else None,
        issued_by_id=actor.id if actor else None,
        signing_key_id=key.kid.hex(),
        token=encode_token(claims, key),
        snapshot=snapshot,
    )


def _audit_issue(actor: User | None, certificate: Certificate, action: str = "certificate.issue", **extra) -> None:
    record_audit(
        actor,
        action,
        certificate,
        certificate.organization_id,
        number=certificate.number,
        enrolment_id=certificate.enrolment_id,
        user_id=certificate.user_id,
        **extra,
    )


def issue_certificate(
    actor: User | None, enrolment: Enrolment, now: datetime, *, replaces: Certificate | None = None
) -> Certificate:
    """Issue the enrolment's certificate: number, snapshot, signed token; audited.

    Refused when the enrolment already has a live certificate, or (except for a re-issue, which corrects a
    certificate already earned) when a requirement is still open.
    """
    from lms.certificates.keys import current_signing_key

    require_organization_role(actor, enrolment.cohort.organization_id)
    _lock_enrolment(enrolment)
    if live_certificate_of(enrolment) is not None:
        raise AlreadyIssued()
    if replaces is None:
        if enrolment.status != EnrolmentStatus.ACTIVE:
            raise NotEligible(_l("Only an active enrolment earns a certificate."))
        missing = missing_requirements(enrolment)
        if missing:
            raise NotEligible(_l("Not eligible yet: %(missing)s", missing=" ".join(item.detail for item in missing)))
    key = current_signing_key()
    prepared = _prepare(enrolment, now)
    version = enrolment.cohort.version
    (number,) = reserve_numbers(
        version.course.organization, version.course.code, prepared.settings.number_pattern, now, 1
    )
    certificate = _build(prepared, number, actor, key, replaces)
    db.session.add(certificate)
    db.session.flush()
    _audit_issue(actor, certificate, replaces=replaces.number if replaces else None)
    certificates_issued.send(certificate_ids=[certificate.id])
    return certificate


def issue_many(actor: User | None, enrolments: Iterable[Enrolment], now: datetime) -> list[Certificate]:
    """Issue certificates for many eligible enrolments at once, in one batch of inserts.

    Enrolments that are not eligible, or that ever had a certificate, are skipped (a revoked certificate is not
    replaced behind the admin's back): the result lists only what was issued.
    """
    from lms.certificates.keys import current_signing_key

    enrolments = list(enrolments)
    for organization_id in {e.cohort.organization_id for e in enrolments}:
        require_organization_role(actor, organization_id)
    if not enrolments:
        return []
    ids = [e.id for e in enrolments]
    db.session.execute(select(Enrolment.id).where(Enrolment.id.in_(ids)).with_for_update())
    certified = set(
        db.session.execute(select(Certificate.enrolment_id).where(Certificate.enrolment_id.in_(ids))).scalars()
    )
    candidates = [e for e in enrolments if e.id not in certified and e.status == EnrolmentStatus.ACTIVE]
    for version in {e.cohort.version for e in candidates}:
        _load_lessons(version)
    # The quiz rules of every candidate in two queries (the lesson rule reads what is loaded already).
    with quiz_requirements_prefetched(candidates):
        todo = [e for e in candidates if is_eligible(e)]
    key = current_signing_key()
    by_scope: dict[tuple[int, str, str], list[_Prepared]] = {}
    # Settings once per organization: with no stored row, each lookup would be a query.
    settings = {org_id: settings_for(org_id) for org_id in {e.cohort.organization_id for e in todo}}
    for enrolment in todo:
        prepared = _prepare(enrolment, now, settings[enrolment.cohort.organization_id])
        course = enrolment.cohort.version.course
        by_scope.setdefault((course.organization_id, course.code, prepared.settings.number_pattern), []).append(
            prepared
        )
    issued: list[Certificate] = []
    for (_organization_id, course_code, pattern), group in by_scope.items():
        organization = group[0].enrolment.cohort.version.course.organization
        numbers = reserve_numbers(organization, course_code, pattern, now, len(group))
        issued.extend(_build(p, n, actor, key, None) for p, n in zip(group, numbers, strict=True))
    db.session.add_all(issued)
    db.session.flush()
    _audit_issued_in_bulk(actor, issued)
    certificates_issued.send(certificate_ids=[certificate.id for certificate in issued])
    return issued


def _audit_issued_in_bulk(actor: User | None, certificates: list[Certificate]) -> None:
    """The entries _audit_issue writes, as one multi-row insert: thousands of ORM objects would cost seconds."""
    if not certificates:
        return
    now = utcnow()
    rows = [
        {
            "at": now,
            "actor_id": actor.id if actor else None,
            "action": "certificate.issue",
            "object_type": Certificate.__name__,
            "object_id": str(certificate.id),
            "organization_id": certificate.organization_id,
            "details": {
                "number": certificate.number,
                "enrolment_id": certificate.enrolment_id,
                "user_id": certificate.user_id,
                "bulk": True,
            },
        }
        for certificate in certificates
    ]
    db.session.execute(AuditEntry.__table__.insert(), rows)


def issue_for_cohort(actor: User | None, cohort: Cohort, now: datetime) -> list[Certificate]:
    """Bulk issuance for a cohort: every eligible active enrolment that has no certificate yet."""
    require_organization_role(actor, cohort.organization_id)
    enrolments = db.session.execute(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(Enrolment.id)
    ).scalars()
    return issue_many(actor, enrolments, now)


def issue_when_eligible(enrolment: Enrolment) -> Certificate | None:
    """Progress listener: issue at once when the last requirement is met and the course needs no approval.

    An enrolment that ever had a certificate gets no automatic one: a revoked certificate stays revoked until an
    admin decides otherwise. A refusal never undoes the learner's progress: it is logged, and the enrolment shows on
    the cohort's certificates page as eligible. (Issuance checks everything before it writes anything.)
    """
    if enrolment.cohort.version.certificate_needs_approval:
        return None
    # No _load_lessons here: the lesson rule reads a frozen version's lesson ids alone, kept per process
    # (lms.courses.services.study.lesson_ids_in_order), and every cohort runs a frozen version. The rules come
    # before the certificate's own query: most progress (a lesson done, a post-test passed with lessons or sessions
    # still open) leaves a rule open, and then that query would be spent for nothing; an enrolment with a certificate
    # (rare: the rules were met before) spends the rules' queries instead.
    if not is_eligible(enrolment) or _has_any_certificate(enrolment):
        return None
    try:
        return issue_certificate(None, enrolment, utcnow())
    except DomainError as error:
        log.warning("Automatic certificate for enrolment %s not issued: %s", enrolment.id, error)
        return None
