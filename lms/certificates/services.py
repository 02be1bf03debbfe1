"""Certificate rules: eligibility, issuance (automatic, approved, bulk), numbering, life cycle, settings, lookups.

Services only flush; the caller (a view, the API, the command line) commits. `actor` None means the system itself:
automatic issuance when a learner becomes eligible, or a trusted operator on the command line.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased, selectinload

from lms.accounts.identity import professions
from lms.accounts.models import Organization, Role, User
from lms.certificates import numbering
from lms.certificates.images import LOGO_BOX, SIGNATURE_BOX, clean_image
from lms.certificates.models import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_LAYOUT,
    DEFAULT_NUMBER_PATTERN,
    DEFAULT_PRIMARY_COLOUR,
    Certificate,
    CertificateSettings,
    CertificateStatus,
    NumberSequence,
    state_of,
)
from lms.certificates.snapshot import build_snapshot, document_from_snapshot
from lms.certificates.status_cache import read_status
from lms.core.audit import AuditEntry, record_audit
from lms.core.database import read_one
from lms.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from lms.core.models import utcnow
from lms.core.permissions import has_organization_role
from lms.core.storage import StoredFileMissing, forget_on_rollback, get_storage
from lms.courses.curriculum import Ranah
from lms.courses.models import Cohort, CourseVersion, Enrolment, EnrolmentStatus, Subject
from lms.courses.requirements import (
    Requirement,
    first_unmet,
    register_progress_listener,
    register_requirement_provider,
    requirements_for,
    unmet,
)
from lms.extensions import db
from lms.quizzes.services import quiz_requirements_prefetched
from lms.records.services import post_certificate_credit, post_certificate_credits, reverse_certificate_credit

if TYPE_CHECKING:
    from lms.certificates.document import CertificateDocument
    from lms.certificates.verification import LiveStatus

log = logging.getLogger(__name__)

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_SIGNATORIES = 3
MAX_REASON_LENGTH = 500
STORAGE_FOLDER_LOGOS = "certificates/logos"
STORAGE_FOLDER_SIGNATURES = "certificates/signatures"


class NotEligible(Conflict):
    code = "not_eligible"


class AlreadyIssued(Conflict):
    code = "already_issued"

    def default_message(self):
        return _l("This enrolment already has a certificate.")


class InvalidStatusChange(Conflict):
    code = "invalid_status_change"


def _require_admin(actor: User | None, organization_id: int) -> None:
    if actor is not None and not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()


def _clean_reason(reason: str | None, *, required: bool = True) -> str | None:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidInput(_l("Give a reason; it is shown to anyone who verifies the certificate."))
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(_l("The reason is longer than %(n)d characters.", n=MAX_REASON_LENGTH))
    return reason or None


# --- organization settings --------------------------------------------------------------------------------------


def settings_for(organization_id: int) -> CertificateSettings:
    """The organization's settings, or the defaults (not yet stored) when it never changed them."""
    settings = db.session.get(CertificateSettings, organization_id)
    if settings is None:
        settings = CertificateSettings(
            organization_id=organization_id,
            number_pattern=DEFAULT_NUMBER_PATTERN,
            layout=DEFAULT_LAYOUT,
            primary_colour=DEFAULT_PRIMARY_COLOUR,
            accent_colour=DEFAULT_ACCENT_COLOUR,
            place=None,
            logo_key=None,
            signatories=[],
        )
    return settings


def _stored_settings(organization_id: int) -> CertificateSettings:
    settings = settings_for(organization_id)
    if settings not in db.session:
        db.session.add(settings)
    return settings


def layout_names() -> list[str]:
    from lms.certificates.pdf import LAYOUTS

    return list(LAYOUTS)


def update_settings(
    actor: User | None,
    organization: Organization,
    *,
    number_pattern: str,
    layout: str,
    primary_colour: str,
    accent_colour: str,
    place: str | None = None,
) -> CertificateSettings:
    """Change how the organization's next certificates are numbered and look; issued ones keep their snapshot."""
    _require_admin(actor, organization.id)
    pattern = numbering.validate_pattern(number_pattern)
    if layout not in layout_names():
        raise InvalidInput(_l("Choose one of the layouts offered."))
    for colour in (primary_colour, accent_colour):
        if not HEX_COLOUR.match(colour or ""):
            raise InvalidInput(_l("A colour is written as # and six hexadecimal digits, e.g. #0b6e4f."))
    settings = _stored_settings(organization.id)
    settings.number_pattern = pattern
    settings.layout = layout
    settings.primary_colour = primary_colour.lower()
    settings.accent_colour = accent_colour.lower()
    settings.place = (place or "").strip()[:80] or None
    db.session.flush()
    record_audit(
        actor,
        "certificate.settings",
        organization,
        organization.id,
        number_pattern=pattern,
        layout=layout,
        primary_colour=settings.primary_colour,
        accent_colour=settings.accent_colour,
    )
    return settings


def _image_max_bytes() -> int:
    return int(current_app.config.get("CERTIFICATE_IMAGE_MAX_BYTES") or 2 * 1024 * 1024)


def set_logo(actor: User | None, organization: Organization, data: bytes) -> CertificateSettings:
    """Clean and store a new logo. The old file stays: certificates issued with it still print it."""
    _require_admin(actor, organization.id)
    png = clean_image(data, max_width=LOGO_BOX[0], max_height=LOGO_BOX[1], max_bytes=_image_max_bytes())
    settings = _stored_settings(organization.id)
    settings.logo_key = get_storage().save(png, folder=STORAGE_FOLDER_LOGOS, suffix=".png")
    forget_on_rollback(settings.logo_key)
    db.session.flush()
    record_audit(actor, "certificate.logo", organization, organization.id, key=settings.logo_key)
    return settings


def remove_logo(actor: User | None, organization: Organization) -> CertificateSettings:
    _require_admin(actor, organization.id)
    settings = _stored_settings(organization.id)
    settings.logo_key = None
    db.session.flush()
    record_audit(actor, "certificate.logo", organization, organization.id, key=None)
    return settings


def add_signatory(
    actor: User | None, organization: Organization, *, name: str, title: str, signature: bytes | None = None
) -> CertificateSettings:
    """Add a person who signs the certificates (at most three), with an optional signature image."""
    _require_admin(actor, organization.id)
    name, title = (name or "").strip(), (title or "").strip()
    if not name:
        raise InvalidInput(_l("Give the signatory's name as it is printed."))
    if len(name) > 120 or len(title) > 160:
        raise InvalidInput(_l("The name or title is too long."))
    settings = _stored_settings(organization.id)
    if len(settings.signatories) >= MAX_SIGNATORIES:
        raise InvalidInput(_l("A certificate has at most %(n)d signatories.", n=MAX_SIGNATORIES))
    key = None
    if signature:
        png = clean_image(
            signature, max_width=SIGNATURE_BOX[0], max_height=SIGNATURE_BOX[1], max_bytes=_image_max_bytes()
        )
        key = get_storage().save(png, folder=STORAGE_FOLDER_SIGNATURES, suffix=".png")
        forget_on_rollback(key)
    # A new list, so that SQLAlchemy sees the JSON column change.
    settings.signatories = [*settings.signatories, {"name": name, "title": title, "signature_key": key}]
    db.session.flush()
    record_audit(actor, "certificate.signatory_add", organization, organization.id, name=name, title=title)
    return settings


def remove_signatory(actor: User | None, organization: Organization, index: int) -> CertificateSettings:
    _require_admin(actor, organization.id)
    settings = _stored_settings(organization.id)
    if not 0 <= index < len(settings.signatories):
        raise NotFound()
    removed = settings.signatories[index]
    settings.signatories = [s for i, s in enumerate(settings.signatories) if i != index]
    db.session.flush()
    record_audit(actor, "certificate.signatory_remove", organization, organization.id, name=removed["name"])
    return settings


# --- eligibility --------------------------------------------------------------------------------------------------


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


def _load_lessons(version: CourseVersion) -> None:
    """Load the version's subjects and their lessons in two queries: the lesson rule reads `version.lessons`, which
    would otherwise load each subject's lessons with a query of its own, on every progress event."""
    if version.require_lessons and "subjects" in inspect(version).unloaded:
        db.session.execute(
            select(CourseVersion)
            .where(CourseVersion.id == version.id)
            .options(selectinload(CourseVersion.subjects).selectinload(Subject.lessons))
        ).scalar_one()


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


def _has_any_certificate(enrolment: Enrolment) -> bool:
    return (
        db.session.execute(
            select(Certificate.id).where(Certificate.enrolment_id == enrolment.id).limit(1)
        ).scalar_one_or_none()
        is not None
    )


def issue_when_eligible(enrolment: Enrolment) -> Certificate | None:
    """Progress listener: issue at once when the last requirement is met and the course needs no approval.

    An enrolment that ever had a certificate gets no automatic one: a revoked certificate stays revoked until an
    admin decides otherwise. A refusal never undoes the learner's progress: it is logged, and the enrolment shows on
    the cohort's certificates page as eligible. (Issuance checks everything before it writes anything.)
    """
    version = enrolment.cohort.version
    if version.certificate_needs_approval or _has_any_certificate(enrolment):
        return None
    _load_lessons(version)
    if not is_eligible(enrolment):
        return None
    try:
        return issue_certificate(None, enrolment, utcnow())
    except DomainError as error:
        log.warning("Automatic certificate for enrolment %s not issued: %s", enrolment.id, error)
        return None


register_progress_listener(issue_when_eligible)


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


register_requirement_provider(certificate_requirement, order=90)


# --- numbering ----------------------------------------------------------------------------------------------------


def _local_now(now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def _sequence_row(organization_id: int, scope: str, year: int) -> NumberSequence:
    """The sequence row, locked until the transaction ends; created on first use (a concurrent creator's row is
    kept: INSERT … ON CONFLICT DO NOTHING, then the locked read waits for its transaction)."""
    values = {"organization_id": organization_id, "scope": scope, "year": year, "last_value": 0}
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(NumberSequence).values(**values).on_conflict_do_nothing())
    return db.session.execute(
        select(NumberSequence)
        .where(
            NumberSequence.organization_id == organization_id,
            NumberSequence.scope == scope,
            NumberSequence.year == year,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def reserve_numbers(organization: Organization, course_code: str, pattern: str, now: datetime, count: int) -> list[str]:
    """`count` new certificate numbers, each handed out once and never again (the sequence row is locked until
    the transaction ends, so two issuances can never take the same number)."""
    local = _local_now(now)
    parts = numbering.NumberParts(organization.slug, course_code, local.year, local.month)
    scope = numbering.number_scope(pattern, parts)
    row = _sequence_row(organization.id, scope, numbering.sequence_year(pattern, local.year))
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        candidates = [numbering.format_number(scope, row.last_value + i) for i in range(1, wanted + 1)]
        row.last_value += wanted
        # Another pattern may once have produced the same text (e.g. the admin changed it back and forth).
        taken: set[str] = set()
        for start in range(0, len(candidates), 1000):
            chunk = candidates[start : start + 1000]
            taken.update(db.session.execute(select(Certificate.number).where(Certificate.number.in_(chunk))).scalars())
        numbers.extend(n for n in candidates if n not in taken)
    db.session.flush()
    return numbers


# --- issuance -----------------------------------------------------------------------------------------------------


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

    _require_admin(actor, enrolment.cohort.organization_id)
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
    post_certificate_credit(certificate)
    return certificate


def issue_many(actor: User | None, enrolments: Iterable[Enrolment], now: datetime) -> list[Certificate]:
    """Issue certificates for many eligible enrolments at once, in one batch of inserts.

    Enrolments that are not eligible, or that ever had a certificate, are skipped (a revoked certificate is not
    replaced behind the admin's back): the result lists only what was issued.
    """
    from lms.certificates.keys import current_signing_key

    enrolments = list(enrolments)
    for organization_id in {e.cohort.organization_id for e in enrolments}:
        _require_admin(actor, organization_id)
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
    post_certificate_credits(issued)
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
    _require_admin(actor, cohort.organization_id)
    enrolments = db.session.execute(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(Enrolment.id)
    ).scalars()
    return issue_many(actor, enrolments, now)


# --- life cycle ---------------------------------------------------------------------------------------------------


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
    _require_admin(actor, certificate.organization_id)
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
    return certificate


def revoke_certificate(actor: User | None, certificate: Certificate, reason: str, now: datetime) -> Certificate:
    """Revoke for good (the verify page shows DICABUT with the reason and the date); the SKP it credited to the
    holder's record is taken back."""
    certificate = _change_status(
        actor,
        certificate,
        allowed_from=(CertificateStatus.VALID, CertificateStatus.SUSPENDED),
        to=CertificateStatus.REVOKED,
        reason=_clean_reason(reason),
        now=now,
        action="certificate.revoke",
        refusal=_l("This certificate is already revoked."),
    )
    reverse_certificate_credit(certificate, reason=certificate.status_reason or "", now=now)
    return certificate


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
    _require_admin(actor, certificate.organization_id)
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


# --- reads --------------------------------------------------------------------------------------------------------


def certificate_by_public_id(public_id: str) -> Certificate | None:
    if not re.fullmatch(r"[0-9a-f]{24}", public_id or ""):
        return None
    return db.session.execute(select(Certificate).where(Certificate.public_id == public_id)).scalar_one_or_none()


def certificates_of(user: User) -> list[Certificate]:
    """The learner's own certificates, newest first."""
    return list(
        db.session.execute(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        ).scalars()
    )


def certificate_of(user: User, public_id: str) -> Certificate:
    """One of the learner's certificates; anyone else's is "not found"."""
    certificate = certificate_by_public_id(public_id)
    if certificate is None or certificate.user_id != user.id:
        raise NotFound()
    return certificate


def certificate_in(organization_id: int, public_id: str) -> Certificate:
    """A certificate of this organization, for its admin pages; any other is "not found"."""
    certificate = certificate_by_public_id(public_id)
    if certificate is None or certificate.organization_id != organization_id:
        raise NotFound()
    return certificate


def find_by_number_and_code(number: str, code: str) -> Certificate | None:
    """The manual check: the printed number AND its verification code (never the number alone)."""
    key, code = numbering.number_key(number), numbering.normalize_verification_code(code)
    if not key or not code or len(key) > 120 or not (key.isascii() and code.isascii()):
        return None  # no printed number or code holds anything but ASCII: the same answer as a wrong code
    candidates = db.session.execute(select(Certificate).where(Certificate.number == key)).scalars().all()
    if not candidates:  # typed in another case or with spaces: compare in the number's own key form
        typed_form = func.upper(func.replace(Certificate.number, " ", ""))
        candidates = db.session.execute(select(Certificate).where(typed_form == key).limit(5)).scalars().all()
    for certificate in candidates:
        if hmac.compare_digest(certificate.verification_code.encode(), code.encode()):
            return certificate
    return None


@cache
def _live_status_query() -> Select:
    """Built once: every scan of every certificate runs it, and building the statement costs more than running it."""
    replacement = aliased(Certificate)
    return (
        select(
            Certificate.status,
            Certificate.status_reason,
            Certificate.status_changed_at,
            Certificate.expires_at,
            # The two texts the page shows, not the whole snapshot to decode.
            Certificate.snapshot["course_title"].as_string(),
            Certificate.snapshot["organization_name"].as_string(),
            replacement.number,
        )
        .outerjoin(replacement, replacement.replaces_id == Certificate.id)
        .where(Certificate.public_id == bindparam("public_id"))
        .limit(1)
    )


def live_status(certificate_id: bytes, now: datetime) -> LiveStatus | None:
    """The state of a certificate right now, for the verify page (after its token's signature checked out).

    One query for only the columns needed: this runs on every scan of every certificate."""
    from lms.certificates.verification import LiveStatus

    if not isinstance(certificate_id, bytes) or len(certificate_id) != 12:
        return None
    parameters = {"public_id": certificate_id.hex()}
    if db.session().in_transaction():
        # Within a transaction (a certificate issued or changed but not yet committed): what the session sees.
        row = db.session.execute(_live_status_query(), parameters).first()
    else:
        # A scan's one query (autocommit, no ping first: one round trip), or its row kept while that is safe.
        row = read_status(parameters["public_id"], lambda: read_one(_live_status_query(), parameters))
    if row is None:
        return None
    status, reason, changed_at, expires_at, course_title, organization_name, replaced_by = row
    state = state_of(status, expires_at, now)
    if state not in ("revoked", "suspended"):
        reason, changed_at = None, None
    elif state == "revoked" and replaced_by is not None:
        reason = str(_l("%(reason)s Replaced by %(number)s.", reason=reason or "", number=replaced_by))
    return LiveStatus(
        state=state,
        reason=reason,
        changed_at=changed_at,
        course_title=course_title or "",
        organization_name=organization_name or "",
        expires_at=expires_at,
    )


# --- the printable certificate -----------------------------------------------------------------------------------


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


# --- the organization's cohort page -------------------------------------------------------------------------------


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
    _require_admin(actor, cohort.organization_id)
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
