"""Attendance sessions: creating and editing them, a cohort's list, and the check-in window's margins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.attendance.checkin_rules import Margins, status_at
from lms.attendance.models import AttendanceSession, AttendanceStatus, SessionMode
from lms.attendance.services.access import can_run, can_run_cohort
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, PermissionDenied
from lms.courses.models import Cohort
from lms.extensions import db


class InvalidSession(InvalidInput):
    pass


@dataclass
class SessionFields:
    title: str
    starts_at: datetime
    ends_at: datetime
    jpl: int
    mode: str = SessionMode.LURING
    place: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    radius_m: int | None = None
    facilitators: list[User] = field(default_factory=list)


def _check_session_fields(cohort: Cohort, fields: SessionFields) -> None:
    if not fields.title.strip():
        raise InvalidSession(_l("Give the session a title."))
    if fields.ends_at <= fields.starts_at:
        raise InvalidSession(_l("The session must end after it starts."))
    if fields.jpl < 0 or fields.jpl > 100:
        raise InvalidSession(_l("JPL must be between 0 and 100."))
    if fields.mode not in {m.value for m in SessionMode}:
        raise InvalidSession(_l("Choose in person or online."))
    geofence = (fields.latitude, fields.longitude, fields.radius_m)
    if any(value is not None for value in geofence) and not all(value is not None for value in geofence):
        raise InvalidSession(_l("A geofence needs latitude, longitude and radius together (or none of them)."))
    if fields.latitude is not None and not (-90 <= fields.latitude <= 90 and -180 <= fields.longitude <= 180):
        raise InvalidSession(_l("Latitude is between -90 and 90, longitude between -180 and 180."))
    if fields.radius_m is not None and not 10 <= fields.radius_m <= 5000:
        raise InvalidSession(_l("The radius must be between 10 and 5,000 metres."))
    cohort_facilitator_ids = {f.id for f in cohort.facilitators}
    for facilitator in fields.facilitators:
        if facilitator.id not in cohort_facilitator_ids:
            raise InvalidSession(_l("%(name)s is not a facilitator of this cohort.", name=facilitator.full_name))


def _apply(session: AttendanceSession, fields: SessionFields) -> None:
    session.title = fields.title.strip()
    session.starts_at, session.ends_at = fields.starts_at, fields.ends_at
    session.jpl = fields.jpl
    session.mode = SessionMode(fields.mode).value
    session.place = (fields.place or "").strip() or None
    session.latitude, session.longitude, session.radius_m = fields.latitude, fields.longitude, fields.radius_m
    session.own_facilitators = list(fields.facilitators)


def create_session(actor: User | None, cohort: Cohort, fields: SessionFields) -> AttendanceSession:
    """`actor` None is the command line or the demo (a trusted operator)."""
    if actor is not None and not can_run_cohort(actor, cohort):
        raise PermissionDenied()
    _check_session_fields(cohort, fields)
    session = AttendanceSession(cohort=cohort)
    _apply(session, fields)
    db.session.add(session)
    db.session.flush()
    record_audit(actor, "attendance.session.create", session, cohort.organization_id, title=session.title)
    return session


def update_session(actor: User, session: AttendanceSession, fields: SessionFields) -> AttendanceSession:
    if not can_run(actor, session):
        raise PermissionDenied()
    _check_session_fields(session.cohort, fields)
    _apply(session, fields)
    db.session.flush()
    record_audit(actor, "attendance.session.update", session, session.organization_id, title=session.title)
    return session


def sessions_of(cohort_id: int) -> list[AttendanceSession]:
    return list(
        db.session.execute(
            select(AttendanceSession)
            .where(AttendanceSession.cohort_id == cohort_id)
            .order_by(AttendanceSession.starts_at, AttendanceSession.id)
        ).scalars()
    )


def margins() -> Margins:
    config = current_app.config
    return Margins(
        opens_before=timedelta(minutes=config["ATTENDANCE_OPENS_BEFORE_MINUTES"]),
        late_after=timedelta(minutes=config["ATTENDANCE_LATE_AFTER_MINUTES"]),
        closes_after_end=timedelta(minutes=config["ATTENDANCE_CLOSES_AFTER_END_MINUTES"]),
    )


def session_status_at(session: AttendanceSession, now: datetime) -> AttendanceStatus:
    """Hadir or Terlambat for a check-in at `now`; raises when check-in is not open."""
    return status_at(session.starts_at, session.ends_at, now, margins())
