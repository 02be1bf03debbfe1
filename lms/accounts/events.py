"""What the accounts feature announces: a worker's membership of an organization was decided."""

from lms.core.events import DomainEvent

membership_decided = DomainEvent(
    "membership.decided",
    "A worker's membership of an organization was confirmed, declined or ended (by the organization or by her). "
    "Payload: membership_id (int), user_id (int), organization_id (int), status (MembershipStatus value), "
    "decided_by_id (int | None), decided_at (datetime, UTC).",
)
