"""Attendance reports: participants, session and cohort reports, a learner's record and share, weights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from lms.accounts.models import User
from lms.accounts.permissions import require_organization_role
from lms.attendance.models import (
    DEFAULT_STATUS_WEIGHTS,
    AttendanceMark,
    AttendanceSession,
    AttendanceStatus,
    RefusedCheckin,
    StatusWeight,
)
from lms.attendance.services.access import can_run, can_run_cohort
from lms.attendance.services.sessions import sessions_of
from lms.attendance.share import attendance_share, share_percent
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, NotFound
from lms.core.models import utcnow
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.extensions import db


def participants(of: AttendanceSession | Cohort) -> list[Enrolment]:
    """The active enrolments of a session's (or a cohort's) cohort."""
    cohort_id = of.cohort_id if isinstance(of, AttendanceSession) else of.id
    return list(
        db.session.execute(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(Enrolment.id)
        ).scalars()
    )


@dataclass(frozen=True)
class SessionReport:
    session: AttendanceSession
    rows: list[tuple[User, AttendanceMark | None]]
    refused: list[RefusedCheckin]
    shared_devices: dict[str, list[User]]
    """Device id → the learners it checked in, when more than one: the facilitator should look."""

    @property
    def present(self) -> list[tuple[User, AttendanceMark]]:
        return [(u, m) for u, m in self.rows if m is not None and m.status != AttendanceStatus.ALFA]

    @property
    def absent(self) -> list[tuple[User, AttendanceMark | None]]:
        return [(u, m) for u, m in self.rows if m is None or m.status == AttendanceStatus.ALFA]

    @property
    def flagged_user_ids(self) -> set[int]:
        return {user.id for users in self.shared_devices.values() for user in users}


def session_report(actor: User, session: AttendanceSession) -> SessionReport:
    if not can_run(actor, session):
        raise NotFound()
    marks = {
        m.user_id: m
        for m in db.session.execute(select(AttendanceMark).where(AttendanceMark.session_id == session.id)).scalars()
    }
    rows = [(e.user, marks.get(e.user_id)) for e in participants(session)]
    refused = list(
        db.session.execute(
            select(RefusedCheckin).where(RefusedCheckin.session_id == session.id).order_by(RefusedCheckin.at.desc())
        ).scalars()
    )
    return SessionReport(session, rows, refused, shared_devices(session))


def shared_devices(session: AttendanceSession) -> dict[str, list[User]]:
    """Devices that checked in more than one account in this session."""
    devices = select(AttendanceMark.device_id).where(
        AttendanceMark.session_id == session.id, AttendanceMark.device_id.is_not(None)
    )
    shared = devices.group_by(AttendanceMark.device_id).having(func.count(func.distinct(AttendanceMark.user_id)) > 1)
    found: dict[str, list[User]] = {}
    marks = db.session.execute(
        select(AttendanceMark).where(AttendanceMark.session_id == session.id, AttendanceMark.device_id.in_(shared))
    ).scalars()
    for mark in marks:
        found.setdefault(mark.device_id, []).append(mark.user)
    return found


def weights_for(organization_id: int) -> dict[str, Decimal]:
    weights = {status.value: weight for status, weight in DEFAULT_STATUS_WEIGHTS.items()}
    rows = db.session.execute(select(StatusWeight).where(StatusWeight.organization_id == organization_id)).scalars()
    weights.update({row.status: Decimal(row.weight) for row in rows})
    return weights


def set_weights(actor: User, organization_id: int, weights: dict[str, Decimal]) -> None:
    """The organization admin's weights of each status in the attendance share (0 to 1)."""
    require_organization_role(actor, organization_id)
    before = weights_for(organization_id)
    for status in AttendanceStatus:
        weight = Decimal(weights[status.value])
        if not Decimal(0) <= weight <= Decimal(1):
            raise InvalidInput(_l("Each weight is between 0 and 1."))
        row = db.session.execute(
            select(StatusWeight).where(StatusWeight.organization_id == organization_id, StatusWeight.status == status)
        ).scalar_one_or_none()
        if row is None:
            db.session.add(StatusWeight(organization_id=organization_id, status=status.value, weight=weight))
        else:
            row.weight = weight
    db.session.flush()
    from lms.accounts.models import Organization

    record_audit(
        actor,
        "attendance.weights",
        db.session.get(Organization, organization_id),
        organization_id,
        before={k: str(v) for k, v in before.items()},
        after={k: str(Decimal(v)) for k, v in weights.items()},
    )


@dataclass(frozen=True)
class LearnerRecord:
    enrolment: Enrolment
    sessions: list[AttendanceSession]
    marks: dict[int, AttendanceMark]
    share: Decimal
    threshold: int

    @property
    def percent(self) -> int:
        return share_percent(self.share)

    @property
    def met(self) -> bool:
        return self.share * 100 >= self.threshold


def learner_record(
    enrolment: Enrolment, sessions: list[AttendanceSession] | None = None, now: datetime | None = None
) -> LearnerRecord:
    """The learner's marks and share. A session counts once it has ended: presence through a session is known only
    then (a learner who enters the first webinar code and leaves must not meet the requirement meanwhile)."""
    now = now or utcnow()
    sessions = sessions if sessions is not None else sessions_of(enrolment.cohort_id)
    session_ids = [s.id for s in sessions]
    marks = {
        m.session_id: m
        for m in db.session.execute(
            select(AttendanceMark).where(
                AttendanceMark.user_id == enrolment.user_id, AttendanceMark.session_id.in_(session_ids)
            )
        ).scalars()
    } if session_ids else {}  # fmt: skip
    ended = {s.id for s in sessions if s.has_ended(now)}
    weights = weights_for(enrolment.cohort.organization_id)
    share = attendance_share(sessions, [m for m in marks.values() if m.session_id in ended], weights)
    return LearnerRecord(enrolment, sessions, marks, share, enrolment.cohort.version.attendance_threshold)


def cohort_report(actor: User, cohort: Cohort) -> tuple[list[AttendanceSession], list[LearnerRecord]]:
    if not can_run_cohort(actor, cohort):
        raise NotFound()
    sessions = sessions_of(cohort.id)
    return sessions, [learner_record(e, sessions) for e in participants(cohort)]


def own_enrolment(user: User, enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        raise NotFound()
    return enrolment


def learner_session(user: User, session_id: int) -> tuple[AttendanceSession, Enrolment | None]:
    """A session the learner takes part in (with their active enrolment) or runs (enrolment None); others are not
    found. The participant's case is looked at first: it is the one thousands of check-ins take."""
    # One query for the session and the caller's active enrolment in its cohort. Neither the cohort nor its course
    # version is needed to check a participant in (only their ids): loading them, with the version's curriculum
    # columns, was half the database work of a check-in.
    found = db.session.execute(
        select(AttendanceSession, Enrolment)
        .outerjoin(
            Enrolment,
            (Enrolment.cohort_id == AttendanceSession.cohort_id)
            & (Enrolment.user_id == user.id)
            & (Enrolment.status == EnrolmentStatus.ACTIVE),
        )
        .where(AttendanceSession.id == session_id)
        .options(
            lazyload(AttendanceSession.cohort),
            lazyload(Enrolment.cohort),
            lazyload(Enrolment.user),
            lazyload(Enrolment.completions),
        )
    ).first()
    if found is None:
        raise NotFound()
    session, enrolment = found
    if enrolment is None and not can_run(user, session):
        raise NotFound()
    return session, enrolment
