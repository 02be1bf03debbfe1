"""The audit log's sentences for instruments: checklists and evaluations created or changed, a course's instrument
settings, a learner inviting her supervisor to the post-training evaluation."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core.audit import AuditEntry, AuditNames, actor_name, audit_names, audit_sentence, shown_count
from lms.courses.models import Cohort, Course, CourseVersion, Enrolment
from lms.extensions import db
from lms.instruments.models import CourseInstrumentSettings, SupervisorInvitation


@audit_names("instrument_settings")
def _settings(ids: set[Any]) -> dict[Any, str]:
    """The course code of each course's instrument settings."""
    rows = db.session.execute(
        select(CourseInstrumentSettings.id, Course.code)
        .join(Course, Course.id == CourseInstrumentSettings.course_id)
        .where(CourseInstrumentSettings.id.in_(ids))
    )
    return dict(rows.all())


@audit_names("supervisor_invitation")
def _invitations(ids: set[Any]) -> dict[Any, tuple[str, str]]:
    """Each invitation's supervisor name and course title."""
    rows = db.session.execute(
        select(SupervisorInvitation.id, SupervisorInvitation.supervisor_name, CourseVersion.title)
        .join(Enrolment, Enrolment.id == SupervisorInvitation.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(CourseVersion, CourseVersion.id == Cohort.version_id)
        .where(SupervisorInvitation.id.in_(ids))
    )
    return {id: (supervisor, title) for id, supervisor, title in rows}


def _instrument_names(entry: AuditEntry, names: AuditNames) -> dict[str, str]:
    # By its key, not its title: the title is the organization's text in its own language, which a sentence in the
    # reader's language would mix in unmarked.
    return {
        "actor": actor_name(entry),
        "key": entry.details.get("key") or "",
        "version": entry.details.get("version") or "",
    }


@audit_sentence("instrument.create")
def _instrument_created(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s saved version %(version)s of the instrument %(key)s.", **_instrument_names(entry, names))


@audit_sentence("instrument.edit")
def _instrument_edited(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s changed version %(version)s of the instrument %(key)s before anyone used it.",
        **_instrument_names(entry, names),
    )


@audit_sentence("instrument.course_settings", refs=lambda entry: [("instrument_settings", entry.object_id)])
def _course_settings(entry: AuditEntry, names: AuditNames) -> str:
    details = entry.details
    parts = []
    if details.get("checklists"):
        parts.append(_("checklists %(keys)s", keys=", ".join(details["checklists"])))
    parts.append(_("checklists required") if details.get("require_checklists") else _("checklists not required"))
    parts.append(_("evaluations required") if details.get("require_evaluations") else _("evaluations not required"))
    months = details.get("post_training_months") or 0
    if months:
        parts.append(_("post-training evaluation after %(months)s months", months=shown_count(months)))
    else:
        parts.append(_("no post-training evaluation"))
    return _(
        "%(actor)s set the instruments of the course %(code)s: %(settings)s.",
        actor=actor_name(entry),
        code=names("instrument_settings", entry.object_id) or "",
        settings="; ".join(parts),
    )


@audit_sentence("instrument.supervisor_invited", refs=lambda entry: [("supervisor_invitation", entry.object_id)])
def _supervisor_invited(entry: AuditEntry, names: AuditNames) -> str:
    supervisor, course = names("supervisor_invitation", entry.object_id, ("", ""))
    return _(
        "%(actor)s asked the supervisor %(supervisor)s to fill in the post-training evaluation of %(course)s.",
        actor=actor_name(entry),
        supervisor=supervisor,
        course=course,
    )
