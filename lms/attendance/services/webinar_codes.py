"""Webinar codes: a session's codes, creating one, and which are open now."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.attendance.checkin_rules import CodeWindow, code_window, new_code
from lms.attendance.models import AttendanceMark, AttendanceSession, CheckinCode
from lms.attendance.services.access import can_run
from lms.attendance.services.checkin_methods import WebinarCode
from lms.attendance.services.marks import _recompute_code_status
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, PermissionDenied
from lms.extensions import db


def create_code(
    actor: User, session: AttendanceSession, now: datetime, *, minutes: int, label: str = "", opens_at=None
) -> CheckinCode:
    """A new code for this session, open from `opens_at` (default now) for `minutes`."""
    if not can_run(actor, session):
        raise PermissionDenied()
    if not 1 <= minutes <= 240:
        raise InvalidInput(_l("A code is open between 1 and 240 minutes."))
    opens_at = opens_at or now
    taken = set(db.session.execute(select(CheckinCode.code)).scalars())
    code = new_code()
    while code in taken:  # codes are unique across sessions, so "from another session" can be told apart
        code = new_code()
    checkin_code = CheckinCode(
        session_id=session.id,
        code=code,
        label=label.strip()[:60],
        opens_at=opens_at,
        closes_at=opens_at + timedelta(minutes=minutes),
        created_by_id=actor.id,
    )
    db.session.add(checkin_code)
    db.session.flush()
    record_audit(actor, "attendance.code.create", checkin_code, session.organization_id, session_id=session.id)
    _recompute_session_codes(session)
    return checkin_code


def _recompute_session_codes(session: AttendanceSession) -> None:
    """One more code changes what "all codes" means for everyone who checked in with codes."""
    total = db.session.execute(
        select(func.count(CheckinCode.id)).where(CheckinCode.session_id == session.id)
    ).scalar_one()
    marks = db.session.execute(
        select(AttendanceMark).where(AttendanceMark.session_id == session.id, AttendanceMark.method == WebinarCode.key)
    ).scalars()
    for mark in marks:
        _recompute_code_status(session, mark, total)


def codes_of(session: AttendanceSession) -> list[CheckinCode]:
    return list(
        db.session.execute(
            select(CheckinCode).where(CheckinCode.session_id == session.id).order_by(CheckinCode.opens_at)
        ).scalars()
    )


def active_codes(session: AttendanceSession, now: datetime) -> list[CheckinCode]:
    return [code for code in codes_of(session) if code.is_open(now)]


def usable_window(code: CheckinCode) -> CodeWindow:
    """When learners can really check in with `code`: its own window within its session's check-in window."""
    from lms.attendance.services.sessions import margins

    session = code.session
    return code_window(code.opens_at, code.closes_at, session.starts_at, session.ends_at, margins())
