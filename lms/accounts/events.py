"""What the accounts feature announces: a worker's membership of an organization was decided."""

from lms.core.events import DomainEvent

membership_decided = DomainEvent(
    "membership.decided",
    "A worker's membership of an organization was confirmed, declined or ended (by the organization or by her). "
    "Payload: membership_id (int), user_id (int), organization_id (int), status (MembershipStatus value), "
    "decided_by_id (int | None), decided_at (datetime, UTC).",
)

role_changed = DomainEvent(
    "role.changed",
    "A person's role changed: given or taken in an organization (by its admin or the platform admin), the platform "
    "admin role given or taken, or the supervision a supervisor role carries changed with its organization's kind or "
    "region. Payload: user_id (int), organization_id (int | None: None for the platform admin role), role (Role value "
    "or 'platform_admin'), change ('granted', 'removed' or 'supervision'), changed_by_id (int | None), area "
    "(str | None: for 'supervision', the region now supervised; None when no longer any).",
)
