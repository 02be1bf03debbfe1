"""The audit log's sentences for attendance: sessions scheduled, changed and closed, webinar codes, marks set by hand,
and the organization's weights of each status; and how a page of entries reads the sessions they name."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from lms.attendance.models import AttendanceMark, AttendanceSession, AttendanceStatus
from lms.core.audit import AuditEntry, AuditNames, actor_name, audit_names, audit_sentence, shown_moment
from lms.core.i18n import local_number
from lms.courses.models import Cohort
from lms.extensions import db


@audit_names("attendance_session")
def _sessions(ids: set[Any]) -> dict[Any, tuple[str, str, str]]:
    """Each session's title, start (ISO) and cohort name."""
    rows = db.session.execute(
        select(AttendanceSession.id, AttendanceSession.title, AttendanceSession.starts_at, Cohort.name)
        .join(Cohort, Cohort.id == AttendanceSession.cohort_id)
        .where(AttendanceSession.id.in_(ids))
    )
    return {id: (title, starts_at.isoformat(), cohort) for id, title, starts_at, cohort in rows}


@audit_names("attendance_mark")
def _marks(ids: set[Any]) -> dict[Any, tuple[str, str, str]]:
    """The session of each mark: its title, start (ISO) and cohort name."""
    rows = db.session.execute(
        select(AttendanceMark.id, AttendanceSession.title, AttendanceSession.starts_at, Cohort.name)
        .join(AttendanceSession, AttendanceSession.id == AttendanceMark.session_id)
        .join(Cohort, Cohort.id == AttendanceSession.cohort_id)
        .where(AttendanceMark.id.in_(ids))
    )
    return {id: (title, starts_at.isoformat(), cohort) for id, title, starts_at, cohort in rows}


def _session_names(found: tuple[str, str, str] | None, title: str = "") -> dict[str, str]:
    """The session as the sentences name it: its title, start and cohort."""
    if found is None:
        return {"session": title or _("(deleted)"), "when": "", "cohort": ""}
    session_title, starts_at, cohort = found
    return {"session": title or session_title, "when": shown_moment(starts_at), "cohort": cohort}


def _status_label(value: str | None) -> str:
    return str(AttendanceStatus(value).label) if value in {s.value for s in AttendanceStatus} else (value or "")


def _the_session(entry: AuditEntry):
    return [("attendance_session", entry.object_id)]


@audit_sentence("attendance.session.create", refs=_the_session)
def _session_created(entry: AuditEntry, names: AuditNames) -> str:
    session = _session_names(names("attendance_session", entry.object_id), entry.details.get("title") or "")
    return _(
        "%(actor)s scheduled the session %(session)s (%(when)s) for the cohort %(cohort)s.",
        actor=actor_name(entry),
        **session,
    )


@audit_sentence("attendance.session.update", refs=_the_session)
def _session_updated(entry: AuditEntry, names: AuditNames) -> str:
    session = _session_names(names("attendance_session", entry.object_id), entry.details.get("title") or "")
    return _(
        "%(actor)s changed the session %(session)s (%(when)s) of the cohort %(cohort)s.",
        actor=actor_name(entry),
        **session,
    )


@audit_sentence("attendance.session.close", refs=_the_session)
def _session_closed(entry: AuditEntry, names: AuditNames) -> str:
    session = _session_names(names("attendance_session", entry.object_id))
    return _(
        "%(actor)s closed the session %(session)s (%(when)s) of the cohort %(cohort)s: check-in has ended.",
        actor=actor_name(entry),
        **session,
    )


@audit_sentence("attendance.code.create", refs=lambda entry: [("attendance_session", entry.details.get("session_id"))])
def _code_created(entry: AuditEntry, names: AuditNames) -> str:
    session = _session_names(names("attendance_session", entry.details.get("session_id")))
    return _(
        "%(actor)s made a webinar check-in code for the session %(session)s (%(when)s) of the cohort %(cohort)s.",
        actor=actor_name(entry),
        **session,
    )


@audit_sentence("attendance.mark", refs=lambda entry: [("attendance_mark", entry.object_id)])
def _marked(entry: AuditEntry, names: AuditNames) -> str:
    found = {
        "actor": actor_name(entry),
        "person": names("user", entry.details.get("user_id")) or _("a deleted account"),
        "status": _status_label(entry.details.get("after")),
        **_session_names(names("attendance_mark", entry.object_id)),
    }
    if entry.details.get("before"):
        return _(
            "%(actor)s marked %(person)s %(status)s (was %(before)s) in the session %(session)s (%(when)s).",
            before=_status_label(entry.details["before"]),
            **found,
        )
    return _("%(actor)s marked %(person)s %(status)s in the session %(session)s (%(when)s).", **found)


@audit_sentence("attendance.weights")
def _weights_set(entry: AuditEntry, names: AuditNames) -> str:
    before, after = entry.details.get("before") or {}, entry.details.get("after") or {}
    changed = [
        f"{_status_label(status)}: {local_number(_number(before.get(status)))} → {local_number(_number(weight))}"
        for status, weight in after.items()
        if _number(before.get(status)) != _number(weight)
    ]
    organization = names("organization", entry.organization_id, "")
    if not changed:
        return _(
            "%(actor)s saved the attendance weights of %(organization)s unchanged.",
            actor=actor_name(entry),
            organization=organization,
        )
    return _(
        "%(actor)s changed how much each attendance status counts in %(organization)s: %(changes)s.",
        actor=actor_name(entry),
        organization=organization,
        changes="; ".join(changed),
    )


def _number(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "") else None
    except InvalidOperation:
        return None
