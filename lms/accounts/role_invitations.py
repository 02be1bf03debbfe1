"""Giving a role in an organization by e-mail without telling the admin whether the address has an account.

Every grant is an invitation (a `RoleInvitation` row and a signed link e-mailed to the address), answered the same way
whether or not someone uses that e-mail; the role applies when the owner of the address opens the link and accepts,
logged in to the account with that e-mail (registering first if she has none). The link proves she reads the mailbox:
registering with somebody else's address gives no role.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from lms.accounts.models import Membership, Organization, Role, RoleInvitation, User
from lms.accounts.permissions import require_organization_role
from lms.accounts.services import announce_role_change, normalize_email
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms.core.mail import send_mail_after_commit
from lms.core.models import utcnow
from lms.extensions import db

SALT = "lms-role-invitation"
GRANTABLE = tuple(role for role in Role if role != Role.MEMBER)
"""A worker's membership is by her own consent (an invitation on the members page), never a role given here."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def invitation_token(invitation: RoleInvitation) -> str:
    return _serializer().dumps({"i": invitation.id, "e": invitation.email})


def invite_to_role(
    actor: User | None, organization: Organization, *, email: str, role: str, accept_url: Callable[[str], str]
) -> RoleInvitation:
    """Record an invitation to `role` and e-mail its link to the address; the same row, audit and e-mail whether or
    not the address has an account (or already holds the role: the admin learns nothing from the answer). Inviting
    the same address to the same role again sends the link again."""

    require_organization_role(actor, organization.id)
    role = Role(role)
    if role not in GRANTABLE:
        raise InvalidInput(_l("Members join by invitation on the Members page, not by a role."))
    email = normalize_email(email)
    invitation = db.session.execute(
        select(RoleInvitation).where(
            RoleInvitation.organization_id == organization.id,
            RoleInvitation.email == email,
            RoleInvitation.role == role,
            RoleInvitation.accepted_at.is_(None),
        )
    ).scalar_one_or_none()
    if invitation is None:
        invitation = RoleInvitation(organization_id=organization.id, email=email, role=role)
        db.session.add(invitation)
    invitation.invited_by_id = actor.id if actor else None
    invitation.created_at = utcnow()
    db.session.flush()
    record_audit(actor, "role.invite", invitation, organization.id, email=email, role=role.value)
    send_mail_after_commit(
        email,
        str(_l("Lentera: %(organization)s gives you a role", organization=organization.name)),
        str(
            _l(
                "%(organization)s gives the owner of this e-mail the role %(role)s on Lentera. To take it, open "
                "%(url)s and accept, logged in with this e-mail (register with it first if you have no account). "
                "If you did not expect this, ignore this e-mail: nothing changes.",
                organization=organization.name,
                role=role.label,
                url=accept_url(invitation_token(invitation)),
            )
        ),
    )
    return invitation


def invitation_from_token(token: str) -> RoleInvitation:
    """The open invitation a link names; NotFound for a changed, expired or used link."""
    max_age = int(current_app.config["INVITATION_MAX_AGE"])
    try:
        claims = _serializer().loads(token, max_age=max_age)
    except BadSignature:
        raise NotFound(_l("This invitation link is not valid or has expired.")) from None
    invitation = db.session.get(RoleInvitation, claims.get("i"))
    if invitation is None or invitation.email != claims.get("e") or invitation.accepted_at is not None:
        raise NotFound(_l("This invitation link is not valid or has expired."))
    return invitation


def accept_role_invitation(user: User, token: str) -> Membership | None:
    """She takes the role the link offers: only the account with the invited e-mail can. None when she holds it
    already (the invitation is closed all the same)."""
    invitation = invitation_from_token(token)
    if user.email != invitation.email:
        raise PermissionDenied(
            _l("This invitation is for %(email)s: log in with that e-mail to accept it.", email=invitation.email)
        )
    invitation.accepted_by_id, invitation.accepted_at = user.id, utcnow()
    record_audit(
        user,
        "role.accept",
        invitation,
        invitation.organization_id,
        email=invitation.email,
        role=Role(invitation.role).value,
    )
    if Role(invitation.role) in user.roles_in(invitation.organization_id):
        return None
    membership = Membership(user=user, organization_id=invitation.organization_id, role=invitation.role)
    db.session.add(membership)
    db.session.flush()
    inviter = db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    announce_role_change(inviter, user.id, invitation.organization_id, Role(invitation.role).value, "granted")
    return membership


def open_role_invitations(organization: Organization) -> list[RoleInvitation]:
    return list(
        db.session.execute(
            select(RoleInvitation)
            .where(RoleInvitation.organization_id == organization.id, RoleInvitation.accepted_at.is_(None))
            .order_by(RoleInvitation.created_at.desc(), RoleInvitation.id.desc())
        ).scalars()
    )


def grant_role(actor: User, organization: Organization, user: User, role: str) -> Membership:
    """The platform admin gives a role to an account she picked in the user list (she sees every account, so
    nothing is revealed by it)."""
    if not actor.is_platform_admin:
        raise PermissionDenied()
    role = Role(role)
    if role in user.roles_in(organization.id):
        raise Conflict(_l("%(name)s already has this role here.", name=user.full_name))
    membership = Membership(user=user, organization=organization, role=role)
    db.session.add(membership)
    db.session.flush()
    record_audit(actor, "membership.add", membership, organization.id, user_id=user.id, role=role.value)
    announce_role_change(actor, user.id, organization.id, role.value, "granted")
    return membership
