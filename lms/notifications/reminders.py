"""Reminders that go out once: a session the day before, the SIP renewal 180/90/30 days before the period ends while
the SKP is still short, a certificate (its competencies) 90/30 days before it expires.

Each scan walks its candidates in batches by key (no OFFSET), with the same three statements per batch however many
people: the candidates, the markers (INSERT … ON CONFLICT DO NOTHING, returning those that went in) and the
notifications of exactly those. The markers (kind, person, subject, threshold) make a second run, or tomorrow's, or
one racing it on another worker, send nothing again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, tuple_

from lms.core.models import utcnow
from lms.extensions import db
from lms.notifications.links import site_path
from lms.notifications.models import ReminderMarker
from lms.notifications.services import Message, notify
from lms.records.models import SkpCycleTotal

BATCH = 1000
SESSION_AHEAD = timedelta(hours=24)
RENEWAL_THRESHOLDS = (180, 90, 30)
EXPIRY_THRESHOLDS = (90, 30)


@dataclass(frozen=True)
class Reminder:
    message: Message
    subject: str
    threshold: str


def threshold_reached(days_left: int, thresholds: tuple[int, ...]) -> int | None:
    """The smallest threshold (days before) that `days_left` is within: 100 days left of (180, 90, 30) → 180;
    25 → 30. None when none is reached yet or the day has passed."""
    if days_left < 0:
        return None
    reached = [t for t in thresholds if days_left <= t]
    return min(reached) if reached else None


def _insert_new_markers():
    """INSERT … ON CONFLICT DO NOTHING on the markers (PostgreSQL and SQLite alike): only rows not there yet go in,
    even when two runs race."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    table = ReminderMarker.__table__
    return dialect_insert(table).on_conflict_do_nothing().returning(table.c.user_id, table.c.subject, table.c.threshold)


def deliver(kind: str, reminders: list[Reminder]) -> int:
    """Send the reminders of one batch that were not sent before (two statements: the markers that go in, then
    the notifications of exactly those); returns how many went out."""
    if not reminders:
        return 0
    now = utcnow()
    rows = [
        {"kind": kind, "user_id": r.message.user_id, "subject": r.subject, "threshold": r.threshold, "sent_at": now}
        for r in reminders
    ]
    new = set(db.session.execute(_insert_new_markers(), rows).all())
    todo = [r for r in reminders if (r.message.user_id, r.subject, r.threshold) in new]
    notify([r.message for r in todo])
    return len(todo)


def _batches(statement, key_columns, key_names) -> Iterator[list]:
    """Rows of `statement` in batches, walking `key_columns` (named `key_names` in the rows) upwards: keyset
    pagination, each batch one indexed query."""
    after = None
    while True:
        stmt = statement
        if after is not None:
            stmt = stmt.where(tuple_(*key_columns) > tuple(after))
        rows = db.session.execute(stmt.order_by(*key_columns).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        after = tuple(getattr(rows[-1], name) for name in key_names)
        if len(rows) < BATCH:
            return


def session_reminders(now: datetime) -> int:
    """Every active learner of a cohort with a session starting in the next 24 hours, once per session."""
    from lms.attendance.models import AttendanceSession
    from lms.courses.models import Enrolment, EnrolmentStatus

    statement = (
        select(
            AttendanceSession.id.label("session_id"),
            Enrolment.user_id.label("user_id"),
            AttendanceSession.title,
            AttendanceSession.starts_at,
            AttendanceSession.mode,
            AttendanceSession.place,
        )
        .join(Enrolment, Enrolment.cohort_id == AttendanceSession.cohort_id)
        .where(
            AttendanceSession.starts_at > now,
            AttendanceSession.starts_at <= now + SESSION_AHEAD,
            AttendanceSession.closed_at.is_(None),
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    total = 0
    for rows in _batches(statement, (AttendanceSession.id, Enrolment.user_id), ("session_id", "user_id")):
        reminders = [
            Reminder(
                Message(
                    row.user_id,
                    "session_reminder",
                    {
                        "title": row.title,
                        "starts_at": row.starts_at.isoformat(),
                        "mode": str(row.mode),
                        "place": row.place or "",
                    },
                    site_path("attendance.checkin", session_id=row.session_id),
                ),
                f"session:{row.session_id}",
                "1d",
            )
            for row in rows
        ]
        total += deliver("session_reminder", reminders)
        db.session.commit()
    return total


def renewal_reminders(today: date) -> int:
    """Workers with a SIP whose period ends within 180 days and whose SKP is not complete, at 180, 90 and 30 days;
    the message says how much is short per ranah (by the records feature's own rules)."""
    from lms.accounts.models import User
    from lms.records.skp import Credit, Cycle, PracticeArea, SkpState, skp_rules, skp_standing
    from lms.records.standings import EARNED_COLUMNS, refresh_stale

    refresh_stale(today)  # the rows hold for today
    db.session.commit()
    rules = skp_rules()
    statement = (
        select(
            SkpCycleTotal.user_id.label("user_id"),
            SkpCycleTotal.cycle_starts_on,
            SkpCycleTotal.cycle_ends_on,
            SkpCycleTotal.area,
            User.profession_code,
            *(column.label(ranah.value) for ranah, column in EARNED_COLUMNS.items()),
        )
        .join(User, User.id == SkpCycleTotal.user_id)
        .where(
            SkpCycleTotal.has_licence.is_(True),
            SkpCycleTotal.state != SkpState.COMPLETE.value,
            SkpCycleTotal.cycle_ends_on >= today,
            SkpCycleTotal.cycle_ends_on <= today + timedelta(days=max(RENEWAL_THRESHOLDS)),
        )
    )
    total = 0
    for rows in _batches(statement, (SkpCycleTotal.user_id,), ("user_id",)):
        reminders = []
        for row in rows:
            days_left = (row.cycle_ends_on - today).days
            threshold = threshold_reached(days_left, RENEWAL_THRESHOLDS)
            if threshold is None:
                continue
            cycle = Cycle(row.cycle_starts_on, row.cycle_ends_on)
            credits = [Credit(r, Decimal(getattr(row, r.value)) / 100, cycle.starts_on) for r in EARNED_COLUMNS]
            standing = skp_standing(
                credits,
                target=rules.target_for(row.profession_code),
                shares=rules.shares[PracticeArea(row.area)],
                cycle=cycle,
                today=today,
            )
            if standing.missing <= 0:
                continue
            params = {
                "ends_on": row.cycle_ends_on.isoformat(),
                "days_left": days_left,
                "missing": str(standing.missing),
                "missing_by_ranah": {r.ranah.value: str(r.missing) for r in standing.ranah if r.missing > 0},
            }
            reminders.append(
                Reminder(
                    Message(row.user_id, "renewal_due", params, site_path("records.my_record")),
                    f"sip:{row.cycle_ends_on.isoformat()}",
                    str(threshold),
                )
            )
        total += deliver("renewal_due", reminders)
        db.session.commit()
    return total


def expiry_reminders(now: datetime) -> int:
    """Holders of valid certificates that expire within 90 days, at 90 and 30 days, with the competencies that lapse."""
    from lms.certificates.models import Certificate, CertificateStatus

    statement = select(
        Certificate.id, Certificate.user_id, Certificate.public_id, Certificate.number, Certificate.expires_at,
        Certificate.snapshot,
    ).where(
        Certificate.status == CertificateStatus.VALID,
        Certificate.expires_at > now,
        Certificate.expires_at <= now + timedelta(days=max(EXPIRY_THRESHOLDS)),
    )  # fmt: skip
    total = 0
    for rows in _batches(statement, (Certificate.id,), ("id",)):
        reminders = []
        for row in rows:
            days_left = (row.expires_at - now).days
            threshold = threshold_reached(days_left, EXPIRY_THRESHOLDS)
            if threshold is None:
                continue
            params = {
                "number": row.number,
                "course": row.snapshot.get("course_title", ""),
                "competencies": [c["name"] for c in row.snapshot.get("competencies", [])],
                "expires_on": row.expires_at.date().isoformat(),
                "days_left": days_left,
            }
            reminders.append(
                Reminder(
                    Message(
                        row.user_id,
                        "competency_expiring",
                        params,
                        site_path("certificates.my_certificate", public_id=row.public_id),
                    ),
                    f"certificate:{row.id}",
                    str(threshold),
                )
            )
        total += deliver("competency_expiring", reminders)
        db.session.commit()
    return total


def send_due_reminders(now: datetime) -> dict[str, int]:
    """Every reminder due at `now`, each kind committed batch by batch; returns how many of each went out."""
    return {
        "session_reminder": session_reminders(now),
        "renewal_due": renewal_reminders(now.date()),
        "competency_expiring": expiry_reminders(now),
    }
