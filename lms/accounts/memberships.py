"""A worker's membership of an organization, by consent: she requests and the organization confirms or declines,
or the organization invites and she accepts or declines; either side can end it. Only a confirmed membership lets
the organization see her SKP record, and she consents to that in words recorded with the time.

Inviting never tells the admin whether the e-mail has an account: the same answer, the same invitation row (an
address until she accepts), and the e-mail goes to the address either way."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from lms.accounts.consent import give_consent, withdraw_consent
from lms.accounts.events import membership_decided
from lms.accounts.models import (
    ConsentPurpose,
    FacilityStaff,
    MembershipStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
    WorkerMembership,
)
from lms.accounts.permissions import has_organization_role
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms.core.mail import send_mail
from lms.core.models import utcnow
from lms.extensions import db

JOINABLE_KINDS = (OrganizationKind.PROFESSIONAL,)
"""Organizations a worker can be a member of (a health office supervises facilities; it has no members)."""
MEMBERSHIP_NUMBER_MAX = 40


def joinable_organizations() -> list[Organization]:
    return list(
        db.session.execute(
            select(Organization).where(Organization.kind.in_(JOINABLE_KINDS)).order_by(Organization.name)
        ).scalars()
    )


def organization_record_wording(organization: Organization) -> str:
    """The consent she gives when she asks to join or accepts an invitation (stored with the record)."""
    return str(
        _l(
            "I am a member of %(organization)s. Once it confirms my membership, %(organization)s may see my "
            "competency record: my SKP per ranah for my SIP cycle, my SIP renewal date, my certificates and "
            "activities. I can withdraw this by leaving the organization in my profile.",
            organization=organization.name,
        )
    )


def clean_membership_number(number: str | None) -> str | None:
    """Nomor KTA as typed, without surrounding or doubled spaces; empty means none."""
    number = " ".join((number or "").split()).upper()
    if len(number) > MEMBERSHIP_NUMBER_MAX:
        raise InvalidInput(_l("A membership number has at most %(n)d characters.", n=MEMBERSHIP_NUMBER_MAX))
    return number or None


def _require_admin(actor: User, organization_id: int) -> None:
    if not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()


def _row(user: User, organization: Organization) -> WorkerMembership | None:
    return db.session.execute(
        select(WorkerMembership).where(
            WorkerMembership.user_id == user.id, WorkerMembership.organization_id == organization.id
        )
    ).scalar_one_or_none()


def _announce(membership: WorkerMembership) -> None:
    membership_decided.send(
        membership_id=membership.id,
        user_id=membership.user_id,
        organization_id=membership.organization_id,
        status=MembershipStatus(membership.status).value,
        decided_by_id=membership.decided_by_id,
        decided_at=membership.decided_at,
    )


def _confirm(membership: WorkerMembership, by: User) -> None:
    membership.status, membership.decided_by_id, membership.decided_at = MembershipStatus.CONFIRMED, by.id, utcnow()


def _number_taken(organization_id: int, number: str | None, user_id: int | None) -> bool:
    if not number:
        return False
    return (
        db.session.execute(
            select(WorkerMembership.id).where(
                WorkerMembership.organization_id == organization_id,
                WorkerMembership.membership_number == number,
                WorkerMembership.status == MembershipStatus.CONFIRMED,
                WorkerMembership.user_id != user_id,
            )
        ).first()
        is not None
    )


# --- the worker's side ----------------------------------------------------------------------------------------


def request_membership(
    user: User, organization: Organization, *, membership_number: str | None, locale: str
) -> WorkerMembership:
    """She asks to join (with her nomor KTA) and consents to the organization seeing her record once it confirms.
    A pending invitation from the same organization is accepted instead."""
    if organization.kind not in JOINABLE_KINDS:
        raise InvalidInput(_l("Members can only join professional organizations."))
    number = clean_membership_number(membership_number)
    membership = _row(user, organization)
    if membership is not None and membership.status == MembershipStatus.CONFIRMED:
        raise Conflict(_l("You are already a member of %(name)s.", name=organization.name))
    if membership is not None and membership.status == MembershipStatus.INVITED:
        membership.membership_number = number or membership.membership_number
        return accept_invitation(user, membership.id, locale=locale)
    if membership is None:
        membership = WorkerMembership(user_id=user.id, organization_id=organization.id)
        db.session.add(membership)
    membership.status, membership.membership_number = MembershipStatus.REQUESTED, number
    membership.requested_at, membership.decided_by_id, membership.decided_at = utcnow(), None, None
    db.session.flush()
    give_consent(
        user,
        ConsentPurpose.ORGANIZATION_RECORD,
        organization_record_wording(organization),
        locale=locale,
        organization_id=organization.id,
    )
    record_audit(user, "membership.request", membership, organization.id, membership_number=number)
    return membership


def _own(user: User, membership_id: int) -> WorkerMembership:
    membership = db.session.get(WorkerMembership, membership_id)
    if membership is None or membership.user_id != user.id:
        raise NotFound()
    return membership


def accept_invitation(user: User, membership_id: int, *, locale: str) -> WorkerMembership:
    membership = _own(user, membership_id)
    if membership.status != MembershipStatus.INVITED:
        raise Conflict(_l("This invitation is no longer open."))
    _confirm(membership, user)
    give_consent(
        user,
        ConsentPurpose.ORGANIZATION_RECORD,
        organization_record_wording(membership.organization),
        locale=locale,
        organization_id=membership.organization_id,
    )
    record_audit(user, "membership.accept", membership, membership.organization_id)
    _announce(membership)
    return membership


def decline_invitation(user: User, membership_id: int) -> WorkerMembership:
    membership = _own(user, membership_id)
    if membership.status != MembershipStatus.INVITED:
        raise Conflict(_l("This invitation is no longer open."))
    membership.status, membership.decided_by_id, membership.decided_at = MembershipStatus.DECLINED, user.id, utcnow()
    record_audit(user, "membership.decline_invitation", membership, membership.organization_id)
    _announce(membership)
    return membership


def leave_organization(user: User, membership_id: int) -> WorkerMembership:
    """She leaves (or withdraws her request): the organization stops seeing her record at once."""
    membership = _own(user, membership_id)
    if membership.status not in (MembershipStatus.CONFIRMED, MembershipStatus.REQUESTED):
        raise Conflict(_l("You are not a member of this organization."))
    _end(membership, user)
    record_audit(user, "membership.leave", membership, membership.organization_id)
    _announce(membership)
    return membership


def _end(membership: WorkerMembership, by: User) -> None:
    membership.status, membership.decided_by_id, membership.decided_at = MembershipStatus.LEFT, by.id, utcnow()
    withdraw_consent(membership.user, ConsentPurpose.ORGANIZATION_RECORD, organization_id=membership.organization_id)


def memberships_of(user: User) -> list[WorkerMembership]:
    """Her memberships, requests and open invitations (not the declined or ended ones)."""
    live = (MembershipStatus.CONFIRMED, MembershipStatus.REQUESTED, MembershipStatus.INVITED)
    return list(
        db.session.execute(
            select(WorkerMembership)
            .join(Organization, Organization.id == WorkerMembership.organization_id)
            .where(WorkerMembership.user_id == user.id, WorkerMembership.status.in_(live))
            .order_by(Organization.name)
        ).scalars()
    )


def claim_invitations(user: User) -> int:
    """A new account takes the invitations sent to its e-mail before it existed; returns how many."""
    invitations = db.session.execute(
        select(WorkerMembership).where(
            WorkerMembership.user_id.is_(None),
            WorkerMembership.invited_email == user.email,
            WorkerMembership.status == MembershipStatus.INVITED,
        )
    ).scalars()
    count = 0
    for invitation in invitations:
        if _row(user, invitation.organization) is None:
            invitation.user_id, count = user.id, count + 1
    db.session.flush()
    return count


# --- the organization's side -------------------------------------------------------------------------------------


def invite_member(
    actor: User, organization: Organization, *, email: str, membership_number: str | None, register_url: str
) -> None:
    """Invite the owner of `email` to become a member. Returns nothing on purpose: whether the address has an
    account is not the admin's to know (the row shows the address until she accepts)."""
    from lms.accounts.services import find_user_by_email, normalize_email

    _require_admin(actor, organization.id)
    if organization.kind not in JOINABLE_KINDS:
        raise InvalidInput(_l("Members can only join professional organizations."))
    email = normalize_email(email)
    number = clean_membership_number(membership_number)
    user = find_user_by_email(email)
    membership = _row(user, organization) if user is not None else _invitation_to(email, organization)
    record_audit(actor, "membership.invite", organization, organization.id, email=email, membership_number=number)
    if membership is not None and membership.status in (MembershipStatus.CONFIRMED, MembershipStatus.REQUESTED):
        return  # already a member, or her own request waits for the admin: nothing to send
    if membership is None:
        membership = WorkerMembership(organization_id=organization.id, user_id=user.id if user else None)
        db.session.add(membership)
    membership.invited_email, membership.membership_number = email, number
    membership.status, membership.requested_at, membership.invited_by_id = MembershipStatus.INVITED, utcnow(), actor.id
    membership.decided_by_id = membership.decided_at = None
    db.session.flush()
    send_mail(
        email,
        str(_l("Lentera: %(organization)s invites you to be a member", organization=organization.name)),
        str(
            _l(
                "%(organization)s invites you to be a member on Lentera. Log in (or register with this e-mail at "
                "%(url)s) and open your profile to accept or decline. Nothing of your record is shared unless "
                "you accept.",
                organization=organization.name,
                url=register_url,
            )
        ),
    )


def _invitation_to(email: str, organization: Organization) -> WorkerMembership | None:
    return db.session.execute(
        select(WorkerMembership).where(
            WorkerMembership.user_id.is_(None),
            WorkerMembership.invited_email == email,
            WorkerMembership.organization_id == organization.id,
        )
    ).scalar_one_or_none()


def membership_in(actor: User, organization_id: int, membership_id: int) -> WorkerMembership:
    """A membership row of the organization for its admin (404 for another organization's row)."""
    _require_admin(actor, organization_id)
    membership = db.session.get(WorkerMembership, membership_id)
    if membership is None or membership.organization_id != organization_id:
        raise NotFound()
    return membership


def confirm_request(actor: User, membership: WorkerMembership, *, membership_number: str | None = None) -> None:
    """The admin confirms her request, optionally correcting the membership number."""
    _require_admin(actor, membership.organization_id)
    if membership.status != MembershipStatus.REQUESTED:
        raise Conflict(_l("This request is no longer open."))
    number = clean_membership_number(membership_number) or membership.membership_number
    if _number_taken(membership.organization_id, number, membership.user_id):
        raise Conflict(_l("Another member already has the membership number %(number)s.", number=number))
    membership.membership_number = number
    _confirm(membership, actor)
    record_audit(
        actor, "membership.confirm", membership, membership.organization_id,
        user_id=membership.user_id, membership_number=number,
    )  # fmt: skip
    _announce(membership)


def decline_request(actor: User, membership: WorkerMembership) -> None:
    _require_admin(actor, membership.organization_id)
    if membership.status != MembershipStatus.REQUESTED:
        raise Conflict(_l("This request is no longer open."))
    membership.status, membership.decided_by_id, membership.decided_at = MembershipStatus.DECLINED, actor.id, utcnow()
    withdraw_consent(membership.user, ConsentPurpose.ORGANIZATION_RECORD, organization_id=membership.organization_id)
    record_audit(actor, "membership.decline", membership, membership.organization_id, user_id=membership.user_id)
    _announce(membership)


def end_membership(actor: User, membership: WorkerMembership) -> None:
    """The admin ends a confirmed membership (or withdraws an invitation)."""
    _require_admin(actor, membership.organization_id)
    if membership.status == MembershipStatus.INVITED:
        membership.status, membership.decided_by_id, membership.decided_at = MembershipStatus.LEFT, actor.id, utcnow()
    elif membership.status == MembershipStatus.CONFIRMED:
        _end(membership, actor)
    else:
        raise Conflict(_l("This person is not a member."))
    record_audit(actor, "membership.end", membership, membership.organization_id, user_id=membership.user_id)
    _announce(membership)


# --- lists --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    membership_id: int
    user_id: int | None
    full_name: str
    """Empty for an invitation not yet accepted (only the address is shown)."""
    email: str
    profession_code: str | None
    membership_number: str | None
    facility: str | None
    status: MembershipStatus
    requested_at: object
    decided_at: object
    phone: str | None = None
    """Her WhatsApp number, for a confirmed member who gave one (the admin's contact link)."""


def _facility_name():
    from lms.accounts.models import Facility

    return (
        select(Facility.name)
        .join(FacilityStaff, FacilityStaff.facility_id == Facility.id)
        .where(FacilityStaff.user_id == User.id, FacilityStaff.status == MembershipStatus.CONFIRMED)
        .order_by(Facility.name)
        .limit(1)
        .scalar_subquery()
    )


def member_rows(
    actor: User,
    organization_id: int,
    status: MembershipStatus,
    *,
    page: int = 1,
    per_page: int = 50,
    search: str = "",
) -> tuple[list[MemberRow], int]:
    """One page of the organization's memberships in `status`, by name (invitations by address), and the total.

    A requested or invited row shows no more than she typed for this organization: name, e-mail, number."""
    _require_admin(actor, organization_id)
    conditions = [WorkerMembership.organization_id == organization_id, WorkerMembership.status == status]
    if search.strip():
        needle = search.strip().lower()
        conditions.append(
            or_(
                func.lower(User.full_name).contains(needle, autoescape=True),
                func.lower(User.email).contains(needle, autoescape=True),
                func.lower(WorkerMembership.membership_number).contains(needle, autoescape=True),
                func.lower(WorkerMembership.invited_email).contains(needle, autoescape=True),
            )
        )
    base = select(WorkerMembership).outerjoin(User, User.id == WorkerMembership.user_id).where(*conditions)
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    invited = status == MembershipStatus.INVITED
    facility = _facility_name() if status == MembershipStatus.CONFIRMED else None
    columns = [WorkerMembership, User.full_name, User.email, User.profession_code, User.phone]
    rows = db.session.execute(
        select(*columns, *([facility] if facility is not None else []))
        .outerjoin(User, User.id == WorkerMembership.user_id)
        .where(*conditions)
        .order_by(
            *([WorkerMembership.invited_email] if invited else [User.full_name, User.id]),
            WorkerMembership.id,
        )
        .limit(per_page)
        .offset((max(1, page) - 1) * per_page)
    ).all()
    result = []
    for row in rows:
        m = row[0]
        result.append(
            MemberRow(
                m.id,
                None if invited else m.user_id,
                "" if invited else row[1],
                m.invited_email if invited else row[2],
                None if invited else row[3],
                m.membership_number,
                row[5] if facility is not None else None,
                MembershipStatus(m.status),
                m.requested_at,
                m.decided_at,
                row[4] if status == MembershipStatus.CONFIRMED else None,
            )
        )
    return result, total


def open_request_count(organization_id: int) -> int:
    return db.session.execute(
        select(func.count()).where(
            WorkerMembership.organization_id == organization_id,
            WorkerMembership.status == MembershipStatus.REQUESTED,
        )
    ).scalar_one()


def file_registration_choices(
    user: User,
    *,
    facility_id: int | None,
    organization_id: int | None,
    membership_number: str | None,
    locale: str,
) -> None:
    """What a new worker chose at registration: her workplace (confirmed, with consent), her membership request
    (with consent), and the invitations sent to her e-mail before she had an account."""
    from lms.accounts.facilities import join_facility
    from lms.accounts.models import Facility

    claim_invitations(user)
    if facility_id:
        facility = db.session.get(Facility, facility_id)
        if facility is None:
            raise InvalidInput(_l("Choose a facility from the list."))
        join_facility(user, facility, locale=locale)
    if organization_id:
        organization = db.session.get(Organization, organization_id)
        if organization is None or organization.kind not in JOINABLE_KINDS:
            raise InvalidInput(_l("Choose an organization from the list."))
        request_membership(user, organization, membership_number=membership_number, locale=locale)
