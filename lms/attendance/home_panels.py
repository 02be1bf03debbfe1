"""The attendance feature's home panels: sessions today, to run (facilitator, admin) or to check in to (learner)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from lms.attendance.models import AttendanceSession
from lms.attendance.services.access import runnable_cohorts
from lms.courses.models import Enrolment, EnrolmentStatus
from lms.extensions import db


def _today_bounds(user, now: datetime) -> tuple[datetime, datetime]:
    """Midnight to midnight of the user's own day (WIB/WITA/WIT), as UTC instants."""
    zone = ZoneInfo(str(user.timezone or "Asia/Jakarta"))
    start = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def sessions_to_run_today(user, now: datetime) -> list[AttendanceSession]:
    cohort_ids = [cohort.id for cohort in runnable_cohorts(user)] if not user.is_platform_admin else []
    if not cohort_ids:
        return []
    start, end = _today_bounds(user, now)
    return list(
        db.session.execute(
            select(AttendanceSession)
            .where(
                AttendanceSession.cohort_id.in_(cohort_ids),
                AttendanceSession.starts_at < end,
                AttendanceSession.ends_at >= start,
            )
            .order_by(AttendanceSession.starts_at)
        ).scalars()
    )


def sessions_to_attend_today(user, now: datetime) -> list[AttendanceSession]:
    start, end = _today_bounds(user, now)
    active = select(Enrolment.cohort_id).where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE)
    return list(
        db.session.execute(
            select(AttendanceSession)
            .where(
                AttendanceSession.cohort_id.in_(active),
                AttendanceSession.starts_at < end,
                AttendanceSession.ends_at >= start,
            )
            .order_by(AttendanceSession.starts_at)
        ).scalars()
    )
