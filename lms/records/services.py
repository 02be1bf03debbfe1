"""Competency record rules with the database: posting and reversing ledger entries, the worker's SIP,
self-reported activities and their review, share links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import lazyload

from lms.accounts.models import Organization, Role, User
from lms.accounts.permissions import has_organization_role, require_organization_role
from lms.core.audit import record_audit
from lms.core.database import outside_idle_transaction
from lms.core.errors import Conflict, InvalidInput, NotFound
from lms.core.storage import forget_on_rollback, get_storage
from lms.core.uploads import display_name, validate_upload
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records.events import activity_reviewed
from lms.records.models import (
    ActivityKind,
    ActivityStatus,
    EntrySource,
    ExternalActivity,
    PracticeLicence,
    RecordShareLink,
    SkpEntry,
)
from lms.records.skp import Credit, PracticeArea, SkpStanding, cycle_containing, skp_rules, skp_standing
from lms.records.standings import mark_changed

EVIDENCE_TYPES = ("pdf", "png", "jpeg", "webp")
MAX_SKP_PER_ACTIVITY = Decimal("100")


# --- the ledger -------------------------------------------------------------------------------------------------


def post_entry(
    user_id: int,
    *,
    source: EntrySource,
    source_id: str,
    ranah: str,
    skp: Decimal,
    jpl: Decimal = Decimal(0),
    earned_on: date,
    title: str,
    organizer: str = "",
) -> SkpEntry:
    """Credit the ledger once per source; posting the same source again returns the existing entry."""
    existing = db.session.execute(
        select(SkpEntry).where(SkpEntry.source == source, SkpEntry.source_id == str(source_id))
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    entry = SkpEntry(
        user_id=user_id,
        source=source,
        source_id=str(source_id),
        ranah=Ranah(ranah).value,
        skp=skp,
        jpl=jpl,
        earned_on=earned_on,
        title=title[:200],
        organizer=organizer[:200],
    )
    db.session.add(entry)
    db.session.flush()
    mark_changed(user_id)
    return entry


def reverse_entry(source: EntrySource, source_id: str, *, reason: str, now: datetime) -> SkpEntry | None:
    """Take back the credit of a source (a revoked certificate); the entry stays in the history, marked reversed."""
    entry = db.session.execute(
        select(SkpEntry).where(SkpEntry.source == source, SkpEntry.source_id == str(source_id))
    ).scalar_one_or_none()
    if entry is not None and entry.reversed_at is None:
        entry.reversed_at = now
        entry.reversal_reason = reason[:500]
        mark_changed(entry.user_id)
    return entry


# --- the SIP and where the worker stands -----------------------------------------------------------------------


def licence_of(user: User) -> PracticeLicence | None:
    return db.session.execute(select(PracticeLicence).where(PracticeLicence.user_id == user.id)).scalar_one_or_none()


def set_licence(user: User, *, sip_number: str, starts_on: date, area: str, today: date) -> PracticeLicence:
    if area not in {a.value for a in PracticeArea}:
        raise InvalidInput(_l("Choose where the SIP is used."))
    if starts_on > today + timedelta(days=366):
        raise InvalidInput(_l("The SIP date is too far in the future."))
    licence = licence_of(user) or PracticeLicence(user_id=user.id)
    licence.sip_number, licence.starts_on, licence.area = sip_number.strip()[:80], starts_on, area
    db.session.add(licence)
    db.session.flush()
    mark_changed(user.id)
    return licence


@dataclass(frozen=True)
class Record:
    """Everything the record page shows: the ledger, where the worker stands in the cycle, totals."""

    user: User
    licence: PracticeLicence | None
    entries: list[SkpEntry]
    standing: SkpStanding
    jpl_total: Decimal
    sources: dict[str, str]
    competencies: list[HeldCompetency]
    practice: list = field(default_factory=list)
    """Evidence of practice (post-training evaluations answered at work), newest first."""

    @property
    def has_certificate_credits(self) -> bool:
        """Whether a certificate still credits the ledger (then the record can be exported as Open Badges / CLR)."""
        return any(e.source == EntrySource.CERTIFICATE and e.counts for e in self.entries)


@cache
def _licence_and_ledger_statement() -> Select:
    """Built once, the user's id bound at each execution (the record's statements cost more to build than to run)."""
    return (
        select(PracticeLicence, SkpEntry)
        .select_from(User)
        .outerjoin(PracticeLicence, PracticeLicence.user_id == User.id)
        .outerjoin(SkpEntry, SkpEntry.user_id == User.id)
        .where(User.id == bindparam("user_id"))
        .order_by(SkpEntry.earned_on.desc(), SkpEntry.id.desc())
    )


def licence_and_ledger_of(user: User) -> tuple[PracticeLicence | None, list[SkpEntry]]:
    """The worker's SIP and her ledger, newest first, in one statement: her row with the SIP and each ledger entry
    joined to it (one row without an entry for an empty ledger)."""
    rows = db.session.execute(
        _licence_and_ledger_statement(), {"user_id": user.id}, bind_arguments=outside_idle_transaction()
    ).all()
    return (rows[0][0] if rows else None), [entry for _, entry in rows if entry is not None]


def record_of(user: User, today: date) -> Record:
    """The worker's record for the SIP cycle containing `today`."""
    rules = skp_rules()
    licence, entries = licence_and_ledger_of(user)
    area = PracticeArea(licence.area) if licence else PracticeArea.NORMAL
    # Without a SIP date the cycle is counted from the first credit (the last entry: newest first), so nothing
    # recorded falls outside it.
    first_credit = entries[-1].earned_on if entries else today
    cycle = cycle_containing(licence.starts_on if licence else min(first_credit, today), today, rules.cycle_years)
    # One pass over the ledger for the SKP and the JPL (a long career has hundreds of entries).
    starts_on, ends_on = cycle.starts_on, cycle.ends_on
    counted = [e for e in entries if e.counts and starts_on <= e.earned_on <= ends_on]
    standing = skp_standing(
        [Credit(Ranah(e.ranah), e.skp, e.earned_on) for e in counted],
        target=rules.target_for(user.profession_code),
        shares=rules.shares[area],
        cycle=cycle,
        today=today,
    )
    jpl = sum((e.jpl for e in counted), Decimal(0))
    from lms.records.practice import practice_of

    return Record(user, licence, entries, standing, jpl, rules.sources, competencies_of(user, today), practice_of(user))


# --- self-reported activities ----------------------------------------------------------------------------------


def _skp_amount(value, message) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(message) from None
    if not (Decimal(0) < amount <= MAX_SKP_PER_ACTIVITY):
        raise InvalidInput(message)
    return amount


def report_activity(
    user: User,
    *,
    organization: Organization,
    kind: str,
    ranah: str,
    title: str,
    organizer: str,
    held_on: date,
    skp_claimed,
    evidence: bytes,
    evidence_filename: str | None,
    today: date,
) -> ExternalActivity:
    """A worker reports an outside activity with evidence (PDF or image); it waits for the organization's review."""
    if kind not in {k.value for k in ActivityKind}:
        raise InvalidInput(_l("Choose the kind of activity."))
    if ranah not in {r.value for r in Ranah}:
        raise InvalidInput(_l("Choose the ranah."))
    if not title.strip() or not organizer.strip():
        raise InvalidInput(_l("Give the activity's title and organizer."))
    if held_on > today:
        raise InvalidInput(_l("The activity cannot be in the future."))
    amount = _skp_amount(skp_claimed, _l("SKP claimed must be a number above 0 and at most 100."))
    file_type = validate_upload(evidence, allowed=EVIDENCE_TYPES, max_bytes=current_app.config["EVIDENCE_MAX_BYTES"])
    key = get_storage().save(evidence, folder="evidence", suffix=file_type.suffix)
    forget_on_rollback(key)
    activity = ExternalActivity(
        user_id=user.id,
        organization_id=organization.id,
        kind=kind,
        ranah=ranah,
        title=title.strip()[:200],
        organizer=organizer.strip()[:200],
        held_on=held_on,
        skp_claimed=amount,
        evidence_key=key,
        evidence_name=display_name(evidence_filename, file_type),
        evidence_type=file_type.content_type,
    )
    db.session.add(activity)
    db.session.flush()
    return activity


@cache
def _activities_statement() -> Select:
    """Built once, the user's id bound at each execution (as the record's other statements)."""
    return (
        select(ExternalActivity)
        .where(ExternalActivity.user_id == bindparam("user_id"))
        # Her own activities: the user is the one already loaded (joining it again would load her roles again).
        .options(lazyload(ExternalActivity.user))
        .order_by(ExternalActivity.held_on.desc(), ExternalActivity.id.desc())
    )


def activities_of(user: User) -> list[ExternalActivity]:
    return list(
        db.session.execute(
            _activities_statement(), {"user_id": user.id}, bind_arguments=outside_idle_transaction()
        ).scalars()
    )


def activities_to_review(actor: User, organization_id: int) -> list[ExternalActivity]:
    require_organization_role(actor, organization_id)
    return list(
        db.session.execute(
            select(ExternalActivity)
            .where(ExternalActivity.organization_id == organization_id)
            .order_by(ExternalActivity.status != ActivityStatus.PENDING, ExternalActivity.created_at)
        ).scalars()
    )


def review_activity(
    actor: User, activity: ExternalActivity, *, approve: bool, skp_granted=None, reason: str = "", now: datetime
) -> ExternalActivity:
    """The organization approves (with the SKP it grants, into the ledger) or rejects (with a reason)."""
    require_organization_role(actor, activity.organization_id)
    if activity.status != ActivityStatus.PENDING:
        raise Conflict(_l("This activity has already been reviewed."))
    if approve:
        granted = _skp_amount(
            skp_granted if skp_granted not in (None, "") else activity.skp_claimed,
            _l("SKP granted must be a number above 0 and at most 100."),
        )
        activity.status, activity.skp_granted = ActivityStatus.APPROVED, granted
        post_entry(
            activity.user_id,
            source=EntrySource.ACTIVITY,
            source_id=str(activity.id),
            ranah=activity.ranah,
            skp=granted,
            earned_on=activity.held_on,
            title=activity.title,
            organizer=activity.organizer,
        )
    else:
        if not reason.strip():
            raise InvalidInput(_l("Give a reason for rejecting; the worker sees it."))
        activity.status = ActivityStatus.REJECTED
    activity.review_reason = reason.strip()[:500] or None
    activity.reviewed_by_id, activity.reviewed_at = actor.id, now
    record_audit(
        actor,
        "activity.approve" if approve else "activity.reject",
        activity,
        activity.organization_id,
        user_id=activity.user_id,
        skp=str(activity.skp_granted) if approve else None,
        reason=activity.review_reason,
    )
    activity_reviewed.send(
        activity_id=activity.id,
        user_id=activity.user_id,
        approved=approve,
        title=activity.title,
        skp_granted=str(activity.skp_granted) if approve else "",
        reason=activity.review_reason or "",
    )
    return activity


def evidence_of(viewer: User, activity_id: int) -> tuple[ExternalActivity, bytes]:
    """The evidence file, for its owner or an admin of the reviewing organization."""
    activity = db.session.get(ExternalActivity, activity_id)
    if activity is None or not (
        activity.user_id == viewer.id or has_organization_role(viewer, activity.organization_id, (Role.ORG_ADMIN,))
    ):
        raise NotFound()
    return activity, get_storage().read(activity.evidence_key)


# --- share links ------------------------------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_share_link(user: User, *, days: int, label: str, now: datetime) -> tuple[RecordShareLink, str]:
    """A link for an employer; returns the row and the secret (shown once, only its digest is stored)."""
    if not 1 <= days <= 365:
        raise InvalidInput(_l("A share link lasts from 1 to 365 days."))
    secret = secrets.token_urlsafe(24)
    link = RecordShareLink(
        user_id=user.id, digest=_digest(secret), label=label.strip()[:120], expires_at=now + timedelta(days=days)
    )
    db.session.add(link)
    db.session.flush()
    return link, secret


def share_links_of(user: User) -> list[RecordShareLink]:
    return list(
        db.session.execute(
            select(RecordShareLink).where(RecordShareLink.user_id == user.id).order_by(RecordShareLink.id.desc())
        ).scalars()
    )


def revoke_share_link(user: User, link_id: int, now: datetime) -> RecordShareLink:
    link = db.session.get(RecordShareLink, link_id)
    if link is None or link.user_id != user.id:
        raise NotFound()
    link.revoked_at = link.revoked_at or now
    return link


class ShareLinkGone(NotFound):
    status_code = 410
    code = "gone"

    def default_message(self):
        return _l("This share link has expired or was withdrawn by its owner.")


def user_for_share_secret(secret: str, now: datetime) -> User:
    link = db.session.execute(
        select(RecordShareLink).where(RecordShareLink.digest == _digest(secret))
    ).scalar_one_or_none()
    if link is None:
        raise NotFound()
    if not link.is_usable(now):
        raise ShareLinkGone()
    link.last_viewed_at = now
    return db.session.get(User, link.user_id)


# --- certificates in the record ---------------------------------------------------------------------------------


def _certificate_entry_values(certificate) -> dict:
    snapshot = certificate.snapshot
    return {
        "user_id": certificate.user_id,
        "source": EntrySource.CERTIFICATE.value,
        "source_id": certificate.public_id,
        "ranah": Ranah(snapshot["ranah"]).value,
        "skp": Decimal(snapshot["skp"]),
        "jpl": Decimal(snapshot["jpl"]),
        "earned_on": date.fromisoformat(snapshot["completed_on"]),
        "title": f"{snapshot['course_title']} ({snapshot['number']})"[:200],
        "organizer": snapshot["organization_name"][:200],
    }


def post_certificate_credits(certificates) -> None:
    """Newly issued certificates credit their holders' ledgers with their frozen SKP, JPL and ranah: one multi-row
    insert however many there are (bulk issuance). Once per source: a certificate already credited keeps its entry
    (the unique (source, source_id) constraint with ON CONFLICT DO NOTHING)."""
    rows = [_certificate_entry_values(certificate) for certificate in certificates]
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    db.session.execute(dialect_insert(SkpEntry.__table__).on_conflict_do_nothing(), rows)
    for user_id in {row["user_id"] for row in rows}:
        mark_changed(user_id)


def reverse_certificate_credit(certificate, *, reason: str, now: datetime) -> SkpEntry | None:
    """A revoked certificate's credit is taken back (a re-issue posts the new certificate's own entry)."""
    return reverse_entry(EntrySource.CERTIFICATE, certificate.public_id, reason=reason, now=now)


def credit_issued_certificates(certificate_ids: list[int]) -> None:
    """Listener of `certificates_issued`: credit each holder's ledger in the issuing transaction."""
    from lms.certificates.models import Certificate

    post_certificate_credits([db.session.get(Certificate, certificate_id) for certificate_id in certificate_ids])


def reverse_credit_of_revoked(certificate_id: int, status: str, reason: str | None, changed_at: datetime, **_) -> None:
    """Listener of `certificate_status_changed`: a revocation takes the credit back (suspension keeps it)."""
    from lms.certificates.models import Certificate, CertificateStatus

    if status == CertificateStatus.REVOKED:
        reverse_certificate_credit(db.session.get(Certificate, certificate_id), reason=reason or "", now=changed_at)


@dataclass(frozen=True)
class HeldCompetency:
    code: str
    name: str
    course_title: str
    certificate_number: str
    expires_on: date | None

    def renew_soon(self, today: date, days: int = 90) -> bool:
        return self.expires_on is not None and today <= self.expires_on <= today + timedelta(days=days)


@cache
def _valid_snapshots_statement() -> Select:
    """The snapshots of a worker's valid certificates (the rest of a certificate row, its token, is not needed for
    her competencies); built once, the user's id bound at each execution."""
    from lms.certificates.models import Certificate, CertificateStatus

    return select(Certificate.snapshot).where(
        Certificate.user_id == bindparam("user_id"), Certificate.status == CertificateStatus.VALID
    )


def competencies_of(user: User, today: date) -> list[HeldCompetency]:
    """Competencies granted by the worker's valid, unexpired certificates; the latest expiry wins per code."""
    snapshots = db.session.execute(
        _valid_snapshots_statement(), {"user_id": user.id}, bind_arguments=outside_idle_transaction()
    ).scalars()
    held: dict[str, HeldCompetency] = {}
    for snapshot in snapshots:
        expires_on = date.fromisoformat(snapshot["expires_on"]) if snapshot.get("expires_on") else None
        if expires_on is not None and expires_on < today:
            continue
        for competency in snapshot.get("competencies", []):
            current = held.get(competency["code"])
            if current is None or (current.expires_on or date.max) < (expires_on or date.max):
                held[competency["code"]] = HeldCompetency(
                    competency["code"], competency["name"], snapshot["course_title"], snapshot["number"], expires_on
                )
    return sorted(held.values(), key=lambda c: (c.expires_on or date.max, c.code))
