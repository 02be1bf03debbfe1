"""Membership changes through the services, as members and admins make them: the random change series of the
dashboard's maintained tables (test_member_counts.py, test_member_names.py) share them."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts import memberships
from lms.accounts.models import MembershipStatus, Organization, User, WorkerMembership
from lms.extensions import db

MEMBERSHIP_ACTIONS = ("join", "leave", "end", "other_org")
"""join the home organization, leave it, be ended by its admin, join the other organization (when not yet in it)."""


def join(user: User, organization: Organization, admin: User) -> WorkerMembership:
    """The member asks, the organization's admin confirms; both committed."""
    membership = memberships.request_membership(user, organization, membership_number=None, locale="id")
    db.session.commit()
    memberships.confirm_request(admin, membership)
    db.session.commit()
    return membership


def membership_of(user: User, organization: Organization) -> WorkerMembership | None:
    return db.session.execute(
        select(WorkerMembership).where(
            WorkerMembership.user_id == user.id, WorkerMembership.organization_id == organization.id
        )
    ).scalar_one_or_none()


def change_membership(
    action: str, worker: User, home: tuple[Organization, User], other: tuple[Organization, User]
) -> None:
    """One of MEMBERSHIP_ACTIONS for `worker`; (organization, its admin) for the home and the other organization.
    An action that does not apply to the worker's standing now (leave when not a member…) does nothing."""
    organization, admin = home
    row = membership_of(worker, organization)
    confirmed = row is not None and row.status == MembershipStatus.CONFIRMED
    if action == "join" and not confirmed:
        join(worker, organization, admin)
    elif action == "leave" and confirmed:
        memberships.leave_organization(worker, row.id)
    elif action == "end" and confirmed:
        memberships.end_membership(admin, row)
    elif action == "other_org":
        other_row = membership_of(worker, other[0])
        if other_row is None or other_row.status != MembershipStatus.CONFIRMED:
            join(worker, *other)
