"""Enrolling in a cohort: asking, an admin's decision, withdrawing, the waiting list, a learner's enrolments."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.permissions import require_organization_role
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound
from lms.core.models import utcnow
from lms.courses.enrolment import enrolment_status_for
from lms.courses.events import enrolment_decided
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.courses.services.cohorts import _lock_cohort, seats_taken
from lms.extensions import db


def enrol(user: User, cohort: Cohort, now: datetime) -> Enrolment:
    """Self-enrol or ask to be enrolled; asking again returns the same enrolment (one per learner and cohort)."""
    cohort.ensure_running()
    enrolment = db.session.execute(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    ).scalar_one_or_none()
    if enrolment is not None and enrolment.status not in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.DECLINED):
        return enrolment
    _lock_cohort(cohort)
    status = enrolment_status_for(
        now=now,
        opens_at=cohort.enrol_opens_at,
        closes_at=cohort.enrol_closes_at,
        capacity=cohort.capacity,
        seats_taken=seats_taken(cohort),
        needs_approval=cohort.needs_approval,
    )
    if enrolment is None:
        enrolment = Enrolment(cohort=cohort, user=user, status=status)
        db.session.add(enrolment)
    else:
        enrolment.status, enrolment.decline_reason, enrolment.decided_at = status, None, None
    db.session.flush()
    return enrolment


def decide_enrolment(actor: User, enrolment: Enrolment, *, approve: bool, reason: str = "") -> Enrolment:
    """An organization admin approves a pending or waitlisted request, or declines it with a reason."""
    organization_id = enrolment.cohort.organization_id
    require_organization_role(actor, organization_id)
    if enrolment.status not in (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED):
        raise Conflict(_l("This request has already been decided."))
    if approve:
        _lock_cohort(enrolment.cohort)
        capacity = enrolment.cohort.capacity
        taken = seats_taken(enrolment.cohort) - (1 if enrolment.status == EnrolmentStatus.PENDING else 0)
        if capacity is not None and taken >= capacity:
            raise Conflict(_l("The cohort is full; the request stays on the waiting list."))
        enrolment.status = EnrolmentStatus.ACTIVE
    else:
        if not reason.strip():
            raise InvalidInput(_l("Give a reason for declining; the learner sees it."))
        held_seat = enrolment.status == EnrolmentStatus.PENDING
        enrolment.status = EnrolmentStatus.DECLINED
        enrolment.decline_reason = reason.strip()
        if held_seat:
            _promote_from_waiting_list(enrolment.cohort)
    enrolment.decided_at = utcnow()
    record_audit(
        actor,
        "enrolment.approve" if approve else "enrolment.decline",
        enrolment,
        organization_id,
        user_id=enrolment.user_id,
        reason=enrolment.decline_reason,
    )
    enrolment_decided.send(
        enrolment_id=enrolment.id,
        user_id=enrolment.user_id,
        cohort_id=enrolment.cohort_id,
        approved=approve,
        reason=enrolment.decline_reason or "",
    )
    return enrolment


def withdraw(user: User, enrolment: Enrolment) -> Enrolment:
    """The learner leaves; the first on the waiting list moves up (to pending where approval is needed)."""
    if enrolment.user_id != user.id:
        raise NotFound()
    was_holding_seat = enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PENDING)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    if was_holding_seat:
        _promote_from_waiting_list(enrolment.cohort)
    return enrolment


def _promote_from_waiting_list(cohort: Cohort) -> None:
    """A seat came free: the first on the waiting list moves up (to pending where approval is needed)."""
    db.session.flush()
    waiting = db.session.execute(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.created_at, Enrolment.id)
        .limit(1)
    ).scalar_one_or_none()
    if waiting is not None:
        waiting.status = EnrolmentStatus.PENDING if cohort.needs_approval else EnrolmentStatus.ACTIVE


def user_enrolments(user: User) -> list[Enrolment]:
    return list(
        db.session.execute(
            select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.created_at.desc())
        ).scalars()
    )


def enrolment_of(user: User, enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        raise NotFound()
    return enrolment
