"""Authoring in the browser: course details, subjects and lessons of the draft, and publishing the draft."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lms.accounts.models import Organization, User
from lms.accounts.permissions import require_organization_role
from lms.core.audit import record_audit
from lms.core.errors import InvalidField, InvalidInput
from lms.courses.curriculum import CourseDetails, LessonSpec, SubjectDetails
from lms.courses.events import version_drafted
from lms.courses.models import Course, CourseVersion, Lesson, LessonAttachment, Subject
from lms.courses.services.stored_files import _forget_unused_files
from lms.courses.services.versions import (
    _fill_version,
    course_by_code,
    spec_from_version,
    store_details,
)
from lms.extensions import db

# Every change goes to the course's draft version; changing a course whose newest version is published first copies
# it into a new draft, so cohorts and learners keep the version they studied.


@dataclass(frozen=True)
class DraftProblem:
    """Something that keeps a draft from being published, and where it is (course, subject, lesson)."""

    message: str
    subject: Subject | None = None
    lesson: Lesson | None = None


def _refresh_fingerprint(version: CourseVersion) -> None:
    """Keep the stored fingerprint equal to the content, so that importing the same files later changes nothing."""
    db.session.flush()
    version.fingerprint = spec_from_version(version).fingerprint()


def create_course(actor: User, organization: Organization, code: str, details: CourseDetails) -> Course:
    """A new course whose first version is an empty draft (subjects and lessons are added next)."""
    from lms.courses.files import CODE_PATTERN

    require_organization_role(actor, organization.id)
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise InvalidField("code", _l("Use capital letters, digits and hyphens, e.g. PPI-DASAR."))
    if course_by_code(code) is not None:
        raise InvalidField("code", _l("The course code %(code)s is already taken.", code=code))
    course = Course(code=code, organization=organization)
    version = CourseVersion(number=1, course=course, fingerprint="", questions=[])
    store_details(version, details)
    db.session.add(course)
    _refresh_fingerprint(version)
    record_audit(actor, "course.create", course, organization.id, code=code)
    return course


def draft_for_editing(actor: User, course: Course) -> CourseVersion:
    """The course's draft; when the newest version is published, a new draft copied from it."""
    require_organization_role(actor, course.organization_id)
    draft = course.draft_version
    if draft is not None:
        return draft
    latest = course.latest_version
    with db.session.no_autoflush:  # the new row is complete only once filled
        draft = CourseVersion(number=latest.number + 1, course=course)
        _fill_version(draft, spec_from_version(latest))
    db.session.add(draft)
    new_lessons = [lesson for subject in draft.subjects for lesson in subject.lessons]
    for old, new in zip(latest.lessons, new_lessons, strict=True):
        # The copies share the stored files: a file is removed only when no row refers to it any more.
        new.attachments = [
            LessonAttachment(file_name=a.file_name, content_type=a.content_type, size=a.size, storage_key=a.storage_key)
            for a in old.attachments
        ]
    db.session.flush()
    record_audit(actor, "course.new_draft", draft, course.organization_id, code=course.code, number=draft.number)
    version_drafted.send(course_id=course.id, from_version_id=latest.id, version_id=draft.id)
    return draft


def update_course(actor: User, course: Course, details: CourseDetails) -> CourseVersion:
    version = draft_for_editing(actor, course)
    store_details(version, details)
    _refresh_fingerprint(version)
    record_audit(actor, "course.edit", version, course.organization_id, code=course.code, number=version.number)
    return version


def _editable(actor: User, version: CourseVersion) -> None:
    require_organization_role(actor, version.course.organization_id)
    version.ensure_editable()


def _audit_edit(actor: User, version: CourseVersion, action: str, obj, **details) -> None:
    _refresh_fingerprint(version)
    record_audit(actor, action, obj, version.course.organization_id, code=version.course.code, **details)


def _subject_slug(title: str, version: CourseVersion) -> str:
    """A file-name-safe slug from the title, unique in the version (it names the subject's file on export)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-") or "subject"
    taken = {subject.slug for subject in version.subjects}
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _set_subject(subject: Subject, details: SubjectDetails) -> None:
    subject.title = details.title
    subject.type = details.type.value
    subject.jpl_t, subject.jpl_p, subject.jpl_pl = details.jpl_t, details.jpl_p, details.jpl_pl
    subject.objectives = list(details.objectives)


def add_subject(actor: User, course: Course, details: SubjectDetails) -> Subject:
    version = draft_for_editing(actor, course)
    subject = Subject(position=len(version.subjects) + 1, slug=_subject_slug(details.title, version), lessons=[])
    _set_subject(subject, details)
    version.subjects.append(subject)
    db.session.flush()
    _audit_edit(actor, version, "course.subject_add", subject, title=subject.title)
    return subject


def update_subject(actor: User, subject: Subject, details: SubjectDetails) -> Subject:
    _editable(actor, subject.version)
    _set_subject(subject, details)
    _audit_edit(actor, subject.version, "course.subject_edit", subject, title=subject.title)
    return subject


def delete_subject(actor: User, subject: Subject) -> None:
    version = subject.version
    _editable(actor, version)
    keys = [a.storage_key for lesson in subject.lessons for a in lesson.attachments]
    version.subjects.remove(subject)
    _renumber(version.subjects)
    _forget_unused_files(keys)
    _audit_edit(actor, version, "course.subject_delete", subject, title=subject.title)


def _renumber(items: list) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


def _moved(items: list, item, step: int) -> list | None:
    """`items` with `item` moved one place up (step -1) or down (+1), renumbered; None at either end."""
    if step not in (-1, 1):
        raise InvalidInput()
    items = list(items)
    index = items.index(item)
    other = index + step
    if not 0 <= other < len(items):
        return None
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    return items


def move_subject(actor: User, subject: Subject, step: int) -> None:
    version = subject.version
    _editable(actor, version)
    moved = _moved(version.subjects, subject, step)
    if moved is not None:
        version.subjects = moved
        _audit_edit(actor, version, "course.subject_move", subject, position=subject.position)


def _set_lesson(lesson: Lesson, details: LessonSpec) -> None:
    lesson.title, lesson.minutes = details.title, details.minutes
    lesson.body, lesson.video_url = details.body, details.video_url


def add_lesson(actor: User, subject: Subject, details: LessonSpec) -> Lesson:
    _editable(actor, subject.version)
    lesson = Lesson(position=len(subject.lessons) + 1, attachments=[])
    _set_lesson(lesson, details)
    subject.lessons.append(lesson)
    db.session.flush()
    _audit_edit(actor, subject.version, "course.lesson_add", lesson, title=lesson.title)
    return lesson


def update_lesson(actor: User, lesson: Lesson, details: LessonSpec) -> Lesson:
    _editable(actor, lesson.subject.version)
    _set_lesson(lesson, details)
    _audit_edit(actor, lesson.subject.version, "course.lesson_edit", lesson, title=lesson.title)
    return lesson


def delete_lesson(actor: User, lesson: Lesson) -> None:
    subject = lesson.subject
    _editable(actor, subject.version)
    keys = [a.storage_key for a in lesson.attachments]
    subject.lessons.remove(lesson)
    _renumber(subject.lessons)
    _forget_unused_files(keys)
    _audit_edit(actor, subject.version, "course.lesson_delete", lesson, title=lesson.title)


def move_lesson(actor: User, lesson: Lesson, step: int) -> None:
    subject = lesson.subject
    _editable(actor, subject.version)
    moved = _moved(subject.lessons, lesson, step)
    if moved is not None:
        subject.lessons = moved
        _audit_edit(actor, subject.version, "course.lesson_move", lesson, position=lesson.position)


def draft_problems(version: CourseVersion) -> list[DraftProblem]:
    """What keeps the version from being a valid curriculum, by the very rules of the course-file validator: the
    version is written as course files and read back (the files are the one definition of a valid course)."""
    import tempfile
    from pathlib import Path

    from lms.courses.files import read_course, validate_courses, write_course

    spec = spec_from_version(version)
    subjects_by_file = {f"{subject.slug}.md": subject for subject in version.subjects}
    with tempfile.TemporaryDirectory(prefix="lms-draft-") as folder:
        try:
            write_course(spec, Path(folder))
        except ValueError as error:
            return [DraftProblem(str(error))]
        problems = []
        # Question files are the quizzes' content, checked when they are imported; a draft names them only.
        for error in validate_courses([Path(folder)], question_files=False):
            subject = subjects_by_file.get(error.path.name)
            lesson = _lesson_at(subject, error.path, error.line) if subject else None
            problems.append(DraftProblem(error.message, subject, lesson))
        if not problems:
            read_course(Path(folder), question_files=False)  # raises if the validator and reader ever disagree
    return problems


def _lesson_at(subject: Subject, path, line: int | None) -> Lesson | None:
    """The lesson of a written subject file that holds `line` (lessons start at '# ' lines after the front matter)."""
    if line is None:
        return None
    text = path.read_text(encoding="utf-8").split("\n")
    fences = [i for i, row in enumerate(text) if row.rstrip() == "---"][:2]
    starts = [i + 1 for i, row in enumerate(text) if len(fences) == 2 and i > fences[1] and row.startswith("# ")]
    index = sum(1 for start in starts if start <= line) - 1
    return subject.lessons[index] if 0 <= index < len(subject.lessons) else None
