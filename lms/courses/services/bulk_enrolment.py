"""Work on many people of a cohort at once: an admin enrols a list of people, decides all selected requests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from lms.accounts.models import Role, User
from lms.accounts.permissions import has_organization_role
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, PermissionDenied
from lms.courses.events import people_enrolled
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.courses.services.cohorts import _lock_cohort, seats_taken
from lms.courses.services.enrolments import decide_enrolment
from lms.extensions import db

CHUNK = 500
"""Ids or e-mails per IN (...) list: well under every database's limit on bound parameters."""

HOLDS_SEAT = (EnrolmentStatus.ACTIVE, EnrolmentStatus.PENDING)


@dataclass
class BulkEnrolment:
    """What enrolling a list of people did: who is newly enrolled, who already was, what matched nobody."""

    enrolled: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    unknown_user_ids: list[int] = field(default_factory=list)
    unknown_emails: list[str] = field(default_factory=list)


def _chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def resolve_people(user_ids: Iterable[int], emails: Iterable[str]) -> tuple[list[int], list[int], list[str]]:
    """Active accounts for the ids and e-mails given (in the order given, each once), and those matching nobody."""
    wanted_ids = list(dict.fromkeys(int(i) for i in user_ids))
    wanted_emails = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    by_id: set[int] = set()
    for chunk in _chunks(wanted_ids):
        by_id.update(
            db.session.execute(select(User.id).where(User.id.in_(chunk), User.is_active_account.is_(True))).scalars()
        )
    by_email: dict[str, int] = {}
    for chunk in _chunks(wanted_emails):
        rows = db.session.execute(
            select(User.email, User.id).where(User.email.in_(chunk), User.is_active_account.is_(True))
        )
        by_email.update({email: user_id for email, user_id in rows})
    found = [i for i in wanted_ids if i in by_id] + [by_email[e] for e in wanted_emails if e in by_email]
    return (
        list(dict.fromkeys(found)),
        [i for i in wanted_ids if i not in by_id],
        [e for e in wanted_emails if e not in by_email],
    )


def enrol_people(
    actor: User, cohort: Cohort, *, user_ids: Iterable[int] = (), emails: Iterable[str] = (), now: datetime
) -> BulkEnrolment:
    """An organization admin enrols people: each becomes an active participant at once (the admin's choice is the
    approval, and the enrolment window binds learners, not the organization). Idempotent: someone already active
    is reported as such and nothing changes. Refused as a whole, with nothing written, when the seats left are too
    few. A fixed number of statements whatever the number of people (one per 500 ids or e-mails to look up)."""
    organization_id = cohort.organization_id
    if not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
    cohort.ensure_running()
    found, unknown_ids, unknown_emails = resolve_people(user_ids, emails)
    result = BulkEnrolment(unknown_user_ids=unknown_ids, unknown_emails=unknown_emails)
    if not found:
        return result
    _lock_cohort(cohort)
    existing = {
        user_id: (enrolment_id, status)
        for enrolment_id, user_id, status in db.session.execute(
            select(Enrolment.id, Enrolment.user_id, Enrolment.status).where(Enrolment.cohort_id == cohort.id)
        )
    }
    new_rows, reactivate = [], []
    for user_id in found:
        if user_id not in existing:
            new_rows.append(user_id)
        elif existing[user_id][1] == EnrolmentStatus.ACTIVE:
            result.already.append(user_id)
        else:
            reactivate.append(user_id)
    if cohort.capacity is not None:
        extra_seats = len(new_rows) + sum(1 for u in reactivate if existing[u][1] not in HOLDS_SEAT)
        free = max(cohort.capacity - seats_taken(cohort), 0)
        if extra_seats > free:
            raise Conflict(
                _l(
                    "The cohort has %(free)d free seats and %(wanted)d people were chosen: raise the capacity or "
                    "choose fewer people. Nobody was enrolled.",
                    free=free,
                    wanted=extra_seats,
                )
            )
    if new_rows:
        db.session.execute(
            insert(Enrolment),
            [
                {"cohort_id": cohort.id, "user_id": user_id, "status": EnrolmentStatus.ACTIVE.value, "decided_at": now}
                for user_id in new_rows
            ],
        )
    for chunk in _chunks([existing[u][0] for u in reactivate]):
        db.session.execute(
            update(Enrolment)
            .where(Enrolment.id.in_(chunk))
            .values(status=EnrolmentStatus.ACTIVE.value, decline_reason=None, decided_at=now)
            .execution_options(synchronize_session=False)
        )
    _forget_loaded_enrolments(cohort)
    result.enrolled = new_rows + reactivate
    if result.enrolled:
        record_audit(
            actor, "enrolment.bulk_add", cohort, organization_id, user_ids=result.enrolled, count=len(result.enrolled)
        )
        people_enrolled.send(cohort_id=cohort.id, user_ids=list(result.enrolled), by_user_id=actor.id)
    return result


def _forget_loaded_enrolments(cohort: Cohort) -> None:
    """The statements above bypass the session: loaded enrolments of the cohort are read again when next used."""
    db.session.expire(cohort, ["enrolments"])
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Enrolment) and obj.cohort_id == cohort.id:
            db.session.expire(obj)


@dataclass
class BulkDecision:
    decided: int = 0
    still_waiting: int = 0
    """Approvals refused because the cohort filled up: those requests stay on the waiting list."""
    skipped: int = 0
    """Already decided (or not a request of this cohort)."""


def decide_enrolments(
    actor: User, cohort: Cohort, enrolment_ids: Iterable[int], *, approve: bool, reason: str = ""
) -> BulkDecision:
    """Approve or decline every selected request with one reason; approvals stop where the seats run out."""
    if not has_organization_role(actor, cohort.organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
    cohort.ensure_running()
    ids = list(dict.fromkeys(int(i) for i in enrolment_ids))
    if not ids:
        raise InvalidInput(_l("Select at least one request."))
    if not approve and not reason.strip():
        raise InvalidInput(_l("Give a reason for declining; the learner sees it."))
    enrolments = []
    for chunk in _chunks(ids):
        enrolments += db.session.execute(
            select(Enrolment).where(Enrolment.id.in_(chunk), Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
        ).scalars()
    outcome = BulkDecision(skipped=len(ids) - len(enrolments))
    for enrolment in sorted(enrolments, key=lambda e: (e.created_at, e.id)):
        if enrolment.status not in (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED):
            outcome.skipped += 1
            continue
        try:
            decide_enrolment(actor, enrolment, approve=approve, reason=reason)
        except Conflict:
            outcome.still_waiting += 1
            continue
        outcome.decided += 1
    return outcome
