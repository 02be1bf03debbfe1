"""What the records feature announces: a self-reported activity was reviewed."""

from lms.core.events import DomainEvent

activity_reviewed = DomainEvent(
    "activity.reviewed",
    "An organization approved or rejected a self-reported activity. Payload: activity_id, user_id (int), approved "
    "(bool), title (str), skp_granted (str, decimal; empty when rejected), reason (str).",
)
