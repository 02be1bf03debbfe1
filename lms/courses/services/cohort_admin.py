"""An organization admin runs a cohort: edits its details, closes enrolment, cancels it (its people are told)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import Role, User
from lms.accounts.permissions import has_organization_role
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, PermissionDenied
from lms.courses.events import cohort_cancelled, cohort_changed
from lms.courses.models import Cohort, CohortMode, Enrolment, EnrolmentStatus
from lms.courses.services.cohorts import check_cohort_fields
from lms.extensions import db

TOLD_OF_CHANGES = ("starts_on", "ends_on", "place", "mode")
"""Fields whose change the participants are told of (the rest concern only the organization)."""


@dataclass(frozen=True)
class CohortDetails:
    """Everything an admin can change on a cohort (the course version stays: learners' work points at it)."""

    name: str
    mode: str
    place: str | None
    starts_on: date
    ends_on: date
    enrol_opens_at: datetime | None
    enrol_closes_at: datetime | None
    capacity: int | None
    needs_approval: bool
    facilitators: list[User]


def _ensure_admin(actor: User, cohort: Cohort) -> int:
    organization_id = cohort.organization_id
    if not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
    return organization_id


def _user_ids(cohort: Cohort, statuses: tuple[EnrolmentStatus, ...]) -> list[int]:
    return list(
        db.session.execute(
            select(Enrolment.user_id)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(statuses))
            .order_by(Enrolment.user_id)
        ).scalars()
    )


def update_cohort(actor: User, cohort: Cohort, details: CohortDetails) -> dict[str, list[str]]:
    """Change a cohort's details; returns what changed ({field: [before, after]}), audited and announced."""
    organization_id = _ensure_admin(actor, cohort)
    cohort.ensure_running()
    check_cohort_fields(
        organization_id,
        name=details.name,
        mode=details.mode,
        starts_on=details.starts_on,
        ends_on=details.ends_on,
        enrol_opens_at=details.enrol_opens_at,
        enrol_closes_at=details.enrol_closes_at,
        capacity=details.capacity,
        facilitators=details.facilitators,
    )
    wanted = {
        "name": details.name.strip(),
        "mode": CohortMode(details.mode).value,
        "place": (details.place or "").strip() or None,
        "starts_on": details.starts_on,
        "ends_on": details.ends_on,
        "enrol_opens_at": details.enrol_opens_at,
        "enrol_closes_at": details.enrol_closes_at,
        "capacity": details.capacity,
        "needs_approval": details.needs_approval,
    }
    changes: dict[str, list[str]] = {}
    for field, value in wanted.items():
        before = getattr(cohort, field)
        if before != value:
            changes[field] = [_text(before), _text(value)]
            setattr(cohort, field, value)
    facilitator_ids = sorted(user.id for user in details.facilitators)
    if sorted(user.id for user in cohort.facilitators) != facilitator_ids:
        changes["facilitators"] = [
            ",".join(str(user.id) for user in sorted(cohort.facilitators, key=lambda u: u.id)),
            ",".join(str(i) for i in facilitator_ids),
        ]
        cohort.facilitators = list(details.facilitators)
    if changes:
        db.session.flush()
        record_audit(actor, "cohort.update", cohort, organization_id, changes=changes)
        told = {field: change for field, change in changes.items() if field in TOLD_OF_CHANGES}
        if told:
            cohort_changed.send(
                cohort_id=cohort.id, user_ids=_user_ids(cohort, (EnrolmentStatus.ACTIVE,)), changes=told
            )
    return changes


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def close_enrolment(actor: User, cohort: Cohort, now: datetime) -> bool:
    """Stop taking requests from now on; False when enrolment was closed already (nothing changes)."""
    organization_id = _ensure_admin(actor, cohort)
    cohort.ensure_running()
    if cohort.enrol_closes_at is not None and cohort.enrol_closes_at <= now:
        return False
    before = cohort.enrol_closes_at
    cohort.enrol_closes_at = now
    if cohort.enrol_opens_at is not None and cohort.enrol_opens_at > now:
        cohort.enrol_opens_at = now
    record_audit(actor, "cohort.close_enrolment", cohort, organization_id, before=_text(before), after=_text(now))
    return True


def cancel_cohort(actor: User, cohort: Cohort, *, reason: str, now: datetime) -> list[int]:
    """Cancel the cohort: it takes no more requests and everyone enrolled, waiting or asking is told why.
    Returns the ids of the people told. Enrolments, marks and certificates stay, for the record."""
    organization_id = _ensure_admin(actor, cohort)
    cohort.ensure_running()
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(_l("Give a reason for cancelling; the learners are told it."))
    if len(reason) > 500:
        raise InvalidInput(_l("The reason can have at most 500 characters."))
    cohort.cancelled_at = now
    cohort.cancel_reason = reason
    told = _user_ids(cohort, (EnrolmentStatus.ACTIVE, EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED))
    record_audit(actor, "cohort.cancel", cohort, organization_id, reason=reason, people=len(told))
    cohort_cancelled.send(cohort_id=cohort.id, user_ids=told, reason=reason)
    return told
