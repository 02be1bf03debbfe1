"""The audit log's sentences for courses: authoring (versions, subjects, lessons, attachments), cohorts and their
changes, enrolment decisions and the roster; and how a page of entries reads the courses, cohorts, enrolments,
subjects and lessons they name (one statement per kind)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from lms.core.audit import (
    AuditEntry,
    AuditNames,
    actor_name,
    audit_column_names,
    audit_names,
    audit_sentence,
    described_changes,
    shown_count,
    shown_day,
    shown_moment,
    with_reason,
)
from lms.core.i18n import local_number
from lms.courses.models import Cohort, CohortMode, Course, CourseVersion, Enrolment, Lesson, Subject
from lms.extensions import db

# --- what the sentences name ------------------------------------------------------------------------------------------


@audit_names("course")
def _courses_by_code(codes: set[Any]) -> dict[Any, str]:
    """Each course's title (its latest version's), by course code."""
    rows = db.session.execute(
        select(Course.code, CourseVersion.title)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(Course.code.in_([str(code) for code in codes]))
        .order_by(Course.code, CourseVersion.number)
    )
    return {(int(code) if code.isdigit() else code): title for code, title in rows}


@audit_names("course_id")
def _courses_by_id(ids: set[Any]) -> dict[Any, tuple[str, str]]:
    """Each course's code and title (its latest version's), by course id."""
    rows = db.session.execute(
        select(Course.id, Course.code, CourseVersion.title)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(Course.id.in_(ids))
        .order_by(Course.id, CourseVersion.number)
    )
    return {id: (code, title) for id, code, title in rows}


@audit_names("cohort")
def _cohorts(ids: set[Any]) -> dict[Any, tuple[str, str]]:
    """Each cohort's name and course title."""
    rows = db.session.execute(
        select(Cohort.id, Cohort.name, CourseVersion.title)
        .join(CourseVersion, CourseVersion.id == Cohort.version_id)
        .where(Cohort.id.in_(ids))
    )
    return {id: (name, title) for id, name, title in rows}


@audit_names("enrolment")
def _enrolments(ids: set[Any]) -> dict[Any, tuple[str, str]]:
    """Each enrolment's cohort name and course title."""
    rows = db.session.execute(
        select(Enrolment.id, Cohort.name, CourseVersion.title)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(CourseVersion, CourseVersion.id == Cohort.version_id)
        .where(Enrolment.id.in_(ids))
    )
    return {id: (name, title) for id, name, title in rows}


audit_column_names("subject", Subject.id, Subject.title)
audit_column_names("lesson", Lesson.id, Lesson.title)


def _course_of(entry: AuditEntry):
    return [("course", entry.details.get("code"))]


def course_names(entry: AuditEntry, names: AuditNames) -> dict[str, str]:
    """The actor, and the course by its code and title (the title from the names read for the page)."""
    code = entry.details.get("code") or ""
    return {"actor": actor_name(entry), "code": code, "course": names("course", code) or code}


# --- courses and their versions ---------------------------------------------------------------------------------------


@audit_sentence("course.create", refs=_course_of)
def _course_created(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s created the course %(course)s (%(code)s).", **course_names(entry, names))


def _version(entry: AuditEntry, names: AuditNames) -> dict[str, str]:
    return {**course_names(entry, names), "number": entry.details.get("number") or ""}


@audit_sentence("course.new_draft", refs=_course_of)
def _draft_started(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s started the draft of version %(number)s of %(course)s (%(code)s).", **_version(entry, names))


@audit_sentence("course.edit", refs=_course_of)
def _version_edited(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s edited the details of version %(number)s of %(course)s (%(code)s).", **_version(entry, names))


@audit_sentence("course.import", refs=_course_of)
def _version_imported(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s imported version %(number)s of %(course)s (%(code)s) from course files.", **_version(entry, names)
    )


@audit_sentence("course.publish", refs=_course_of)
def _version_published(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s published version %(number)s of %(course)s (%(code)s).", **_version(entry, names))


# --- subjects and lessons ---------------------------------------------------------------------------------------------


def _part(kind: str):
    def refs(entry: AuditEntry):
        return [*_course_of(entry), (kind, entry.object_id)]

    return refs


def _part_names(entry: AuditEntry, names: AuditNames, kind: str) -> dict[str, str]:
    title = entry.details.get("title") or names(kind, entry.object_id) or "#" + entry.object_id
    return {**course_names(entry, names), "title": title, "position": entry.details.get("position") or ""}


@audit_sentence("course.subject_add", refs=_course_of)
def _subject_added(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s added the subject %(title)s to %(course)s.", **_part_names(entry, names, "subject"))


@audit_sentence("course.subject_edit", refs=_course_of)
def _subject_edited(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s edited the subject %(title)s of %(course)s.", **_part_names(entry, names, "subject"))


@audit_sentence("course.subject_delete", refs=_course_of)
def _subject_deleted(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s deleted the subject %(title)s from %(course)s.", **_part_names(entry, names, "subject"))


@audit_sentence("course.subject_move", refs=_part("subject"))
def _subject_moved(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s moved the subject %(title)s of %(course)s to place %(position)s.",
        **_part_names(entry, names, "subject"),
    )


@audit_sentence("course.lesson_add", refs=_course_of)
def _lesson_added(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s added the lesson %(title)s to %(course)s.", **_part_names(entry, names, "lesson"))


@audit_sentence("course.lesson_edit", refs=_course_of)
def _lesson_edited(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s edited the lesson %(title)s of %(course)s.", **_part_names(entry, names, "lesson"))


@audit_sentence("course.lesson_delete", refs=_course_of)
def _lesson_deleted(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s deleted the lesson %(title)s from %(course)s.", **_part_names(entry, names, "lesson"))


@audit_sentence("course.lesson_move", refs=_part("lesson"))
def _lesson_moved(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s moved the lesson %(title)s of %(course)s to place %(position)s within its subject.",
        **_part_names(entry, names, "lesson"),
    )


def _attachment_lesson(entry: AuditEntry):
    return [("lesson", entry.details.get("lesson_id"))]


def _file_size(size: int | None) -> str:
    """Bytes as the reader reads them: `1,5 MB`, `820 KB`."""
    size = size or 0
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=local_number(size / (1024 * 1024), 1))
    return _("%(size)s KB", size=local_number(max(size / 1024, 1), 0))


@audit_sentence("course.attachment_add", refs=_attachment_lesson)
def _attachment_added(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s attached the file %(file)s (%(size)s) to the lesson %(lesson)s.",
        actor=actor_name(entry),
        file=entry.details.get("file_name") or "",
        size=_file_size(entry.details.get("size")),
        lesson=names("lesson", entry.details.get("lesson_id")) or _("(deleted)"),
    )


@audit_sentence("course.attachment_delete", refs=_attachment_lesson)
def _attachment_deleted(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s removed the file %(file)s from the lesson %(lesson)s.",
        actor=actor_name(entry),
        file=entry.details.get("file_name") or "",
        lesson=names("lesson", entry.details.get("lesson_id")) or _("(deleted)"),
    )


# --- cohorts ----------------------------------------------------------------------------------------------------------


def the_cohort(entry: AuditEntry):
    """The cohort that is the entry's object."""
    return [("cohort", entry.object_id)]


def cohort_names(entry: AuditEntry, names: AuditNames) -> dict[str, str]:
    """The actor, the cohort (the entry's object) and its course."""
    cohort, course = names("cohort", entry.object_id, ("#" + entry.object_id, ""))
    return {"actor": actor_name(entry), "cohort": cohort, "course": course}


@audit_sentence("cohort.create", refs=lambda entry: [("course", entry.details.get("course"))])
def _cohort_created(entry: AuditEntry, names: AuditNames) -> str:
    code = entry.details.get("course") or ""
    return _(
        "%(actor)s opened the cohort %(cohort)s of %(course)s (%(code)s).",
        actor=actor_name(entry),
        cohort=entry.details.get("name") or "",
        course=names("course", code) or code,
        code=code,
    )


def _mode_label(value: str) -> str:
    return str(CohortMode(value).label) if value in {m.value for m in CohortMode} else value


def _yes_no(value: str) -> str:
    return _("yes") if value == "True" else _("no")


def _facilitator_ids(entry: AuditEntry):
    change = (entry.details.get("changes") or {}).get("facilitators") or []
    return [("user", id) for side in change for id in (side or "").split(",") if id]


def _cohort_fields(names: AuditNames) -> dict[str, tuple[Any, Any]]:
    def people(ids: str) -> str:
        return ", ".join(names("user", id) or _("a deleted account") for id in ids.split(",") if id)

    return {
        "name": (_("Name"), None),
        "mode": (_("Mode"), _mode_label),
        "place": (_("Place"), None),
        "starts_on": (_("Starts"), shown_day),
        "ends_on": (_("Ends"), shown_day),
        "enrol_opens_at": (_("Enrolment opens"), shown_moment),
        "enrol_closes_at": (_("Enrolment closes"), shown_moment),
        "capacity": (_("Capacity"), None),
        "needs_approval": (_("Enrolment needs approval"), _yes_no),
        "facilitators": (_("Facilitators"), people),
    }


@audit_sentence("cohort.update", refs=lambda entry: [*the_cohort(entry), *_facilitator_ids(entry)])
def _cohort_updated(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s changed the cohort %(cohort)s of %(course)s: %(changes)s.",
        changes=described_changes(entry.details.get("changes") or {}, _cohort_fields(names)),
        **cohort_names(entry, names),
    )


@audit_sentence("cohort.close_enrolment", refs=the_cohort)
def _enrolment_closed(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s closed enrolment in the cohort %(cohort)s of %(course)s at %(when)s.",
        when=shown_moment(entry.details.get("after")),
        **cohort_names(entry, names),
    )


@audit_sentence("cohort.cancel", refs=the_cohort)
def _cohort_cancelled(entry: AuditEntry, names: AuditNames) -> str:
    people = entry.details.get("people") or 0
    sentence = ngettext(
        "%(actor)s cancelled the cohort %(cohort)s of %(course)s; %(count)s person was told.",
        "%(actor)s cancelled the cohort %(cohort)s of %(course)s; %(count)s people were told.",
        people,
        count=shown_count(people),
        **cohort_names(entry, names),
    )
    return with_reason(sentence, entry)


@audit_sentence("cohort.roster_export", refs=the_cohort)
def _roster_exported(entry: AuditEntry, names: AuditNames) -> str:
    rows = entry.details.get("rows") or 0
    return ngettext(
        "%(actor)s downloaded the roster of the cohort %(cohort)s of %(course)s (%(count)s learner).",
        "%(actor)s downloaded the roster of the cohort %(cohort)s of %(course)s (%(count)s learners).",
        rows,
        count=shown_count(rows),
        **cohort_names(entry, names),
    )


# --- enrolment --------------------------------------------------------------------------------------------------------


@audit_sentence("enrolment.bulk_add", refs=the_cohort)
def _enrolled_in_bulk(entry: AuditEntry, names: AuditNames) -> str:
    enrolled = entry.details.get("count") or 0
    return ngettext(
        "%(actor)s enrolled %(count)s person in the cohort %(cohort)s of %(course)s.",
        "%(actor)s enrolled %(count)s people in the cohort %(cohort)s of %(course)s.",
        enrolled,
        count=shown_count(enrolled),
        **cohort_names(entry, names),
    )


def _the_enrolment(entry: AuditEntry):
    return [("enrolment", entry.object_id)]


def _decision_names(entry: AuditEntry, names: AuditNames) -> dict[str, str]:
    cohort, course = names("enrolment", entry.object_id, ("", ""))
    person = names("user", entry.details.get("user_id")) or _("a deleted account")
    return {"actor": actor_name(entry), "person": person, "cohort": cohort, "course": course}


@audit_sentence("enrolment.approve", refs=_the_enrolment)
def _enrolment_approved(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s approved the enrolment of %(person)s in the cohort %(cohort)s of %(course)s.",
        **_decision_names(entry, names),
    )


@audit_sentence("enrolment.decline", refs=_the_enrolment)
def _enrolment_declined(entry: AuditEntry, names: AuditNames) -> str:
    sentence = _(
        "%(actor)s declined the enrolment of %(person)s in the cohort %(cohort)s of %(course)s.",
        **_decision_names(entry, names),
    )
    return with_reason(sentence, entry)
