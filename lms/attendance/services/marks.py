"""Attendance marks: self check-in, webinar code entries, hand marking, and a facilitator's synced scans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import lazyload

from lms.accounts.models import User
from lms.attendance.checkin_rules import CheckinRefused, NotEnrolled, check_geofence, status_from_codes
from lms.attendance.models import AttendanceMark, AttendanceSession, AttendanceStatus, CheckinCode, CodeEntry
from lms.attendance.services.access import can_run
from lms.attendance.services.certificate_requirement import attendance_requirements
from lms.attendance.services.checkin_methods import CHECKIN_METHODS, ByHand, PersonalQr, Verified, WebinarCode
from lms.attendance.services.origins import Client, record_refusal
from lms.attendance.services.reports import participants
from lms.attendance.services.sessions import margins, session_status_at
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, NotFound, PermissionDenied
from lms.core.models import utcnow
from lms.courses.models import Enrolment, EnrolmentStatus
from lms.courses.requirements import progress_changed
from lms.extensions import db


def active_enrolment(session: AttendanceSession, user_id: int) -> Enrolment | None:
    # Lesson completions, the learner (already loaded as the caller) and the cohort only when asked for: this runs
    # once per check-in.
    return db.session.execute(
        select(Enrolment)
        .where(
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.user_id == user_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
        .options(lazyload(Enrolment.completions), lazyload(Enrolment.user), lazyload(Enrolment.cohort))
    ).scalar_one_or_none()


def mark_of(session_id: int, user_id: int) -> AttendanceMark | None:
    return db.session.execute(
        select(AttendanceMark).where(AttendanceMark.session_id == session_id, AttendanceMark.user_id == user_id)
    ).scalar_one_or_none()


def _insert_or_ignore(model, values: dict, unique: list[str]):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the row: the new ORM object (or, given a Table, the new id), or
    None when a row with the same `unique` columns exists (sent twice, or two requests at once). One round trip,
    no savepoint, no lock wait."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    returning = model.c.id if hasattr(model, "c") else model
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=unique).returning(returning)
    return db.session.execute(stmt).scalar_one_or_none()


def _insert_mark(**values) -> tuple[AttendanceMark, bool]:
    """Insert (True), or return the learner's existing mark of the session (False)."""
    mark = _insert_or_ignore(AttendanceMark, values, ["session_id", "user_id"])
    if mark is None:
        return mark_of(values["session_id"], values["user_id"]), False
    return mark, True


@dataclass(frozen=True)
class CheckinResult:
    mark: AttendanceMark
    recorded: bool
    """False when the learner was already checked in (nothing changed): sending twice records once."""


def check_in(
    actor: User,
    session: AttendanceSession,
    method_key: str,
    payload: dict,
    now: datetime,
    client: Client,
    enrolment: Enrolment | None = None,
) -> CheckinResult:
    """A learner checks themselves in with a room QR or a webinar code. A refused try is recorded (the caller
    commits it) and the refusal raised. `enrolment`: the actor's active enrolment when the caller has it already."""
    method = CHECKIN_METHODS.get(method_key)
    if method is None or not method.self_service:
        raise InvalidInput(_l("Unknown check-in method."))
    # Outside the cohort nothing is recorded: a refused try is written to the session's log, which belongs to the
    # organization running it, and anyone logged in could otherwise fill another organization's log.
    enrolment = enrolment or active_enrolment(session, actor.id)
    if enrolment is None or enrolment.user_id != actor.id or enrolment.cohort_id != session.cohort_id:
        raise NotEnrolled()
    try:
        timely = session_status_at(session, now)
        verified = method.verify(session, payload, now)
        if method.checks_position and session.has_geofence:
            check_geofence(
                (float(session.latitude), float(session.longitude)),
                session.radius_m,
                client.position,
                client.accuracy_m,
            )
    except CheckinRefused as error:
        # verify() only reads, so the refusal is the one change this try leaves for the caller to commit.
        record_refusal(session, method.key, error, user_id=actor.id, actor=actor, client=client, now=now)
        raise
    if verified.code is not None:
        return _enter_code(actor, enrolment, session, verified, timely, now, client)
    return _record_self(actor, enrolment, session, method.key, timely, now, client)


def _record_self(
    actor: User,
    enrolment: Enrolment,
    session: AttendanceSession,
    method: str,
    status: AttendanceStatus,
    now: datetime,
    client: Client,
) -> CheckinResult:
    existing = mark_of(session.id, actor.id)
    if existing is not None:
        return CheckinResult(existing, recorded=False)
    mark, inserted = _insert_mark(
        session_id=session.id,
        user_id=actor.id,
        status=status,
        method=method,
        marked_at=now,
        marked_by_id=actor.id,
        device_id=client.device_id,
    )
    if inserted:
        _progress(session, actor.id, enrolment)
    return CheckinResult(mark, recorded=inserted)


def _enter_code(
    actor: User,
    enrolment: Enrolment,
    session: AttendanceSession,
    verified: Verified,
    timely: AttendanceStatus,
    now: datetime,
    client: Client,
) -> CheckinResult:
    entry = {"code_id": verified.code.id, "user_id": actor.id, "entered_at": now}
    entered = _insert_or_ignore(CodeEntry.__table__, entry, ["code_id", "user_id"])
    if entered is None:  # this code was entered before: nothing changes
        mark = mark_of(session.id, actor.id)
        if mark is not None:
            return CheckinResult(mark, recorded=False)
    mark, inserted = _insert_mark(
        session_id=session.id,
        user_id=actor.id,
        status=timely,
        method=WebinarCode.key,
        marked_at=now,
        marked_by_id=actor.id,
        device_id=client.device_id,
    )
    before = mark.status
    if inserted:
        # The learner's first code (every code entered makes a mark): one of however many codes there are.
        mark.status = status_from_codes(1, verified.codes_in_session, timely)
    else:
        _recompute_code_status(session, mark)
    if inserted or mark.status != before:
        _progress(session, actor.id, enrolment)
    return CheckinResult(mark, recorded=True)


def _recompute_code_status(session: AttendanceSession, mark: AttendanceMark, total: int | None = None) -> None:
    """Webinar presence from the codes entered; a status set by hand is left alone."""
    if mark.method != WebinarCode.key:
        return
    if total is None:
        total = db.session.execute(
            select(func.count(CheckinCode.id)).where(CheckinCode.session_id == session.id)
        ).scalar_one()
    entered, first_at = db.session.execute(
        select(func.count(CodeEntry.id), func.min(CodeEntry.entered_at))
        .join(CheckinCode, CodeEntry.code_id == CheckinCode.id)
        .where(CheckinCode.session_id == session.id, CodeEntry.user_id == mark.user_id)
    ).one()
    if first_at is not None and first_at.tzinfo is None:  # SQLite's min() comes back as naive UTC
        from datetime import UTC

        first_at = first_at.replace(tzinfo=UTC)
    first_status = (
        AttendanceStatus.HADIR
        if first_at is None or first_at <= session.starts_at + margins().late_after
        else AttendanceStatus.TERLAMBAT
    )
    mark.status = status_from_codes(entered, total, first_status)


def _progress(session: AttendanceSession, user_id: int, enrolment: Enrolment | None = None) -> None:
    """Tell the progress listeners (certificate issuance) — but only when this mark leaves the attendance
    requirement met: a mark cannot meet any other requirement. A check-in during its session never does (the
    session counts once ended; closing it tells the listeners), so a webinar burst pays no eligibility checks."""
    if not session.has_ended(utcnow()):
        return  # the mark does not count yet, so it cannot meet anything
    enrolment = enrolment or active_enrolment(session, user_id)
    if enrolment is None:
        return
    db.session.flush()
    requirements = attendance_requirements(enrolment)
    if requirements and requirements[0].met:
        progress_changed(enrolment)


def mark_attendance(
    actor: User | None,
    session: AttendanceSession,
    user: User,
    status: AttendanceStatus | str,
    now: datetime,
    method: str = ByHand.key,
) -> AttendanceMark:
    """Set a learner's status by hand (or for the demo: `actor` None). Every change is audited."""
    if actor is not None and not can_run(actor, session):
        raise PermissionDenied()
    status = AttendanceStatus(status)
    if active_enrolment(session, user.id) is None:
        raise NotEnrolled(_l("%(name)s is not an active participant of this cohort.", name=user.full_name))
    mark = mark_of(session.id, user.id)
    before = mark.status if mark is not None else None
    if mark is None:
        mark, inserted = _insert_mark(
            session_id=session.id,
            user_id=user.id,
            status=status,
            method=method,
            marked_at=now,
            marked_by_id=getattr(actor, "id", None),
        )
        before = None if inserted else mark.status
    if mark.status != status:
        mark.status, mark.method, mark.marked_by_id = status, method, getattr(actor, "id", None)
    if before != status:
        db.session.flush()
        record_audit(
            actor, "attendance.mark", mark, session.organization_id, user_id=user.id, before=before, after=status.value
        )
        _progress(session, user.id)
    return mark


def mark_roster(
    actor: User, session: AttendanceSession, statuses: dict[int, AttendanceStatus | str], now: datetime
) -> int:
    """Hand marking of many learners at once; returns how many marks changed. Only the cohort's active
    participants can be marked."""
    if not can_run(actor, session):
        raise PermissionDenied()
    learners = {e.user_id: e.user for e in participants(session)}
    changed = 0
    for user_id, status in statuses.items():
        if user_id not in learners:
            raise NotEnrolled()
        before = mark_of(session.id, user_id)
        before_status = before.status if before else None
        mark = mark_attendance(actor, session, learners[user_id], status, now)
        changed += mark.status != before_status
    return changed


def mark_all_present(actor: User, session: AttendanceSession, now: datetime) -> int:
    """Every active participant not marked yet becomes present (hadir); marks already set stay as they are.
    Returns how many were marked; each mark is audited like a hand mark."""
    if not can_run(actor, session):
        raise PermissionDenied()
    marked = set(
        db.session.execute(select(AttendanceMark.user_id).where(AttendanceMark.session_id == session.id)).scalars()
    )
    unmarked = {e.user_id: AttendanceStatus.HADIR for e in participants(session) if e.user_id not in marked}
    return mark_roster(actor, session, unmarked, now)


@dataclass(frozen=True)
class ScanOutcome:
    scan_id: str | None
    result: str
    """recorded, already (sent before or checked in another way) or refused."""
    user_id: int | None = None
    name: str | None = None
    status: str | None = None
    code: str | None = None
    message: str | None = None


def sync_scans(actor: User, session: AttendanceSession, items: list[dict], now: datetime, client: Client):
    """Marks sent by a facilitator: personal-QR scans (`qr`, with the time they were scanned, possibly offline) and
    hand marks (`user_id` + `status`). Idempotent: a learner already marked is reported as "already" and a scan
    sent twice records once."""
    if not can_run(actor, session):
        raise NotFound()
    outcomes = []
    for item in items:
        scan_id = item.get("scan_id")
        if item.get("qr"):
            outcomes.append(_personal_scan(actor, session, item, scan_id, now, client))
            continue
        try:
            verified = ByHand().verify(session, item, now)
            user = db.session.get(User, verified.user_id)
            if user is None:
                raise NotEnrolled()
            before = mark_of(session.id, user.id)
            before_status = before.status if before else None
            mark = mark_attendance(actor, session, user, verified.status, now)
        except (CheckinRefused, InvalidInput) as error:
            outcomes.append(ScanOutcome(scan_id, "refused", code=error.code, message=str(error.message)))
            continue
        result = "already" if before_status == mark.status else "recorded"
        outcomes.append(ScanOutcome(scan_id, result, user.id, user.full_name, mark.status))
    return outcomes


def _personal_scan(
    actor: User, session: AttendanceSession, item: dict, scan_id: str | None, now: datetime, client: Client
) -> ScanOutcome:
    scanned_at = item.get("scanned_at") or now
    scanned_at = min(scanned_at, now)  # a phone clock ahead of ours cannot make a scan count as earlier
    user_id = None
    try:
        user_id = PersonalQr().verify(session, item, scanned_at).user_id
        if active_enrolment(session, user_id) is None:
            raise NotEnrolled()
        status = session_status_at(session, scanned_at)
    except CheckinRefused as error:
        user = db.session.get(User, user_id) if user_id else None
        record_refusal(session, PersonalQr.key, error, user_id=user_id, actor=actor, client=client, now=scanned_at)
        return ScanOutcome(
            scan_id,
            "refused",
            user_id,
            user.full_name if user else None,
            code=error.code,
            message=str(error.message),
        )
    user = db.session.get(User, user_id)
    existing = mark_of(session.id, user_id)
    if existing is not None:
        return ScanOutcome(scan_id, "already", user_id, user.full_name, existing.status)
    mark, inserted = _insert_mark(
        session_id=session.id,
        user_id=user_id,
        status=status,
        method=PersonalQr.key,
        marked_at=scanned_at,
        marked_by_id=actor.id,
        device_id=client.device_id,
        scan_id=(scan_id or None),
    )
    if not inserted:
        return ScanOutcome(scan_id, "already", user_id, user.full_name, mark.status)
    _progress(session, user_id)
    return ScanOutcome(scan_id, "recorded", user_id, user.full_name, mark.status)
