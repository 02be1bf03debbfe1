"""What changes when a draft replaces the published version: a pure comparison of two version outlines.

The outline is the curriculum (`CourseSpec`: subjects by slug, lessons, JPL, certificate rules, settings), the SKP it
earns, and what higher features hang off the version (quizzes with their question counts), which they describe as
`OutlineItem`s. The publish page lists the changes and asks the organization admin to confirm them; `review_token`
names exactly what was reviewed, so that a draft that changed in between is not published unseen.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l

from lms.courses.curriculum import CourseSpec, LessonSpec, SubjectSpec


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    RENAMED = "renamed"
    CHANGED = "changed"

    @property
    def label(self):
        return {
            ChangeKind.ADDED: _l("Added"),
            ChangeKind.REMOVED: _l("Removed"),
            ChangeKind.RENAMED: _l("Renamed"),
            ChangeKind.CHANGED: _l("Changed"),
        }[self]


class ChangeArea(StrEnum):
    """Where a change is: the course's settings, its certificate rules, a competency, a subject, a lesson, or an
    item a higher feature hangs off the version (a quiz)."""

    COURSE = "course"
    CERTIFICATE = "certificate"
    COMPETENCY = "competency"
    SUBJECT = "subject"
    LESSON = "lesson"
    ITEM = "item"

    @property
    def label(self):
        return {
            ChangeArea.COURSE: _l("Course"),
            ChangeArea.CERTIFICATE: _l("Certificate rule"),
            ChangeArea.COMPETENCY: _l("Competency"),
            ChangeArea.SUBJECT: _l("Subject"),
            ChangeArea.LESSON: _l("Lesson"),
            ChangeArea.ITEM: _l("Quiz"),
        }[self]


class Aspect(StrEnum):
    """A compared property of the course, a subject or a lesson; `.label` names it for the reader."""

    TITLE = "title"
    SUMMARY = "summary"
    KIND = "kind"
    TARGET_PROFESSIONS = "target_professions"
    SKP_RANAH = "skp_ranah"
    SKP = "skp"
    TOTAL_JPL = "total_jpl"
    ACCREDITATION_NUMBER = "accreditation_number"
    PASS_MARK = "pass_mark"
    ATTENDANCE_THRESHOLD = "attendance_threshold"
    VALIDITY_MONTHS = "validity_months"
    SEQUENTIAL = "sequential"
    REQUIRE_LESSONS = "require_lessons"
    REQUIRE_POST_TEST = "require_post_test"
    REQUIRE_ATTENDANCE = "require_attendance"
    CERTIFICATE_NEEDS_APPROVAL = "certificate_needs_approval"
    TYPE = "type"
    JPL = "jpl"
    OBJECTIVES = "objectives"
    LESSONS = "lessons"
    CONTENT = "content"
    MINUTES = "minutes"
    VIDEO = "video"

    @property
    def label(self):
        return _ASPECT_LABELS[self]


_ASPECT_LABELS = {
    Aspect.TITLE: _l("Title"),
    Aspect.SUMMARY: _l("Summary"),
    Aspect.KIND: _l("Kind"),
    Aspect.TARGET_PROFESSIONS: _l("Target professions"),
    Aspect.SKP_RANAH: _l("SKP domain"),
    Aspect.SKP: _l("SKP"),
    Aspect.TOTAL_JPL: _l("Total JPL"),
    Aspect.ACCREDITATION_NUMBER: _l("Accreditation number"),
    Aspect.PASS_MARK: _l("Pass mark"),
    Aspect.ATTENDANCE_THRESHOLD: _l("Attendance threshold"),
    Aspect.VALIDITY_MONTHS: _l("Validity (months)"),
    Aspect.SEQUENTIAL: _l("Lessons in order"),
    Aspect.REQUIRE_LESSONS: _l("All lessons completed"),
    Aspect.REQUIRE_POST_TEST: _l("Post-test passed"),
    Aspect.REQUIRE_ATTENDANCE: _l("Attendance threshold met"),
    Aspect.CERTIFICATE_NEEDS_APPROVAL: _l("Issued after approval"),
    Aspect.TYPE: _l("Type"),
    Aspect.JPL: _l("JPL (T + P + PL)"),
    Aspect.OBJECTIVES: _l("Objectives"),
    Aspect.LESSONS: _l("Lessons"),
    Aspect.CONTENT: _l("Text"),
    Aspect.MINUTES: _l("Minutes"),
    Aspect.VIDEO: _l("Video"),
}

COURSE_ASPECTS = (
    Aspect.TITLE,
    Aspect.SUMMARY,
    Aspect.KIND,
    Aspect.TARGET_PROFESSIONS,
    Aspect.SKP_RANAH,
    Aspect.ACCREDITATION_NUMBER,
    Aspect.PASS_MARK,
    Aspect.ATTENDANCE_THRESHOLD,
    Aspect.VALIDITY_MONTHS,
    Aspect.SEQUENTIAL,
)
CERTIFICATE_ASPECTS = (
    Aspect.REQUIRE_LESSONS,
    Aspect.REQUIRE_POST_TEST,
    Aspect.REQUIRE_ATTENDANCE,
    Aspect.CERTIFICATE_NEEDS_APPROVAL,
)


@dataclass(frozen=True)
class OutlineItem:
    """Something a higher feature hangs off a version, as the publish review compares it (e.g. the post-test)."""

    key: str
    """Stable across versions, e.g. "quiz:post_test" or "quiz:subject_quiz:02-kewaspadaan-standar"."""
    kind: Any
    """Translated kind, e.g. "Post-test"."""
    title: str
    details: tuple[tuple[Any, str], ...] = ()
    """(translated aspect, value) pairs compared one by one, e.g. ("Questions", "20"), ("Pass mark", "70")."""

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.title}"


@dataclass(frozen=True)
class VersionOutline:
    number: int
    spec: CourseSpec
    skp: Decimal
    items: tuple[OutlineItem, ...] = ()


@dataclass(frozen=True)
class Change:
    area: ChangeArea
    kind: ChangeKind
    name: str
    """What changed: the subject's or lesson's title, the competency, the quiz; empty for the course's settings."""
    aspect: Aspect | str | None = None
    """Which property changed (CHANGED only): an Aspect, or an item's own translated aspect."""
    before: str = ""
    after: str = ""
    within: str = ""
    """The subject a lesson belongs to."""

    @property
    def drops_something(self) -> bool:
        """True when the new version no longer has something the published one had (the reviewer should look)."""
        return self.kind == ChangeKind.REMOVED


@dataclass(frozen=True)
class VersionDiff:
    before: int | None
    """Number of the published version compared against; None for a course's first version."""
    after: int
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def removals(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.drops_something)


def _text(value) -> str:
    """A value as the review shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, tuple | list):
        return ", ".join(_text(item) for item in value)
    return str(value)


def _jpl(subject: SubjectSpec) -> str:
    return f"{subject.jpl_t} + {subject.jpl_p} + {subject.jpl_pl} = {subject.jpl}"


def _changed(area: ChangeArea, name: str, aspect, before, after, within: str = "") -> list[Change]:
    if before == after:
        return []
    return [Change(area, ChangeKind.CHANGED, name, aspect, _text(before), _text(after), within)]


def diff_versions(before: VersionOutline | None, after: VersionOutline) -> VersionDiff:
    """Every difference between the published outline `before` (None: nothing published yet) and the draft `after`,
    in reading order: course settings, certificate rules, competencies, subjects with their lessons, quizzes."""
    if before is None:
        return VersionDiff(None, after.number, ())
    old, new = before.spec, after.spec
    changes: list[Change] = []
    for aspect in COURSE_ASPECTS:
        changes += _changed(ChangeArea.COURSE, "", aspect, getattr(old, aspect.value), getattr(new, aspect.value))
    changes += _changed(ChangeArea.COURSE, "", Aspect.TOTAL_JPL, old.total_jpl, new.total_jpl)
    changes += _changed(ChangeArea.COURSE, "", Aspect.SKP, before.skp, after.skp)
    for aspect in CERTIFICATE_ASPECTS:
        changes += _changed(ChangeArea.CERTIFICATE, "", aspect, getattr(old, aspect.value), getattr(new, aspect.value))
    changes += _competency_changes(old, new)
    changes += _subject_changes(old.subjects, new.subjects)
    changes += _item_changes(before.items, after.items)
    return VersionDiff(before.number, after.number, tuple(changes))


def _competency_changes(old: CourseSpec, new: CourseSpec) -> list[Change]:
    before = {c.code: c.name for c in old.competencies}
    after = {c.code: c.name for c in new.competencies}
    changes = [
        Change(ChangeArea.COMPETENCY, ChangeKind.REMOVED, f"{code} {name}")
        for code, name in before.items()
        if code not in after
    ]
    for code, name in after.items():
        if code not in before:
            changes.append(Change(ChangeArea.COMPETENCY, ChangeKind.ADDED, f"{code} {name}"))
        elif before[code] != name:
            changes.append(Change(ChangeArea.COMPETENCY, ChangeKind.RENAMED, code, None, before[code], name))
    return changes


def _subject_changes(old: tuple[SubjectSpec, ...], new: tuple[SubjectSpec, ...]) -> list[Change]:
    """Subjects keep their identity by slug (their file name) across versions."""
    before = {subject.slug: subject for subject in old}
    after_slugs = {subject.slug for subject in new}
    changes = [
        Change(ChangeArea.SUBJECT, ChangeKind.REMOVED, subject.title, before=_jpl(subject))
        for subject in old
        if subject.slug not in after_slugs
    ]
    for subject in new:
        previous = before.get(subject.slug)
        if previous is None:
            changes.append(Change(ChangeArea.SUBJECT, ChangeKind.ADDED, subject.title, after=_jpl(subject)))
            continue
        if previous.title != subject.title:
            changes.append(Change(ChangeArea.SUBJECT, ChangeKind.RENAMED, subject.title, None, previous.title,
                                  subject.title))  # fmt: skip
        changes += _changed(ChangeArea.SUBJECT, subject.title, Aspect.TYPE, previous.type, subject.type)
        changes += _changed(ChangeArea.SUBJECT, subject.title, Aspect.JPL, _jpl(previous), _jpl(subject))
        changes += _changed(ChangeArea.SUBJECT, subject.title, Aspect.OBJECTIVES, previous.objectives,
                            subject.objectives)  # fmt: skip
        changes += _lesson_changes(previous.lessons, subject.lessons, subject.title)
    return changes


def _lesson_changes(old: tuple[LessonSpec, ...], new: tuple[LessonSpec, ...], within: str) -> list[Change]:
    """Lessons are matched by title; an unmatched old and new lesson at the same place with the same text count as a
    rename (anything less sure is shown as removed and added, so that the reviewer sees it)."""
    old_titles = {lesson.title for lesson in old}
    new_titles = {lesson.title for lesson in new}
    gone = {i: lesson for i, lesson in enumerate(old) if lesson.title not in new_titles}
    came = {i: lesson for i, lesson in enumerate(new) if lesson.title not in old_titles}
    renamed = {i: (gone.pop(i), came.pop(i)) for i in sorted(set(gone) & set(came)) if gone[i].body == came[i].body}
    changes = [Change(ChangeArea.LESSON, ChangeKind.REMOVED, lesson.title, within=within) for lesson in gone.values()]
    by_title = {lesson.title: lesson for lesson in old}
    for index, lesson in enumerate(new):
        if index in came:
            changes.append(Change(ChangeArea.LESSON, ChangeKind.ADDED, lesson.title, within=within))
            continue
        if index in renamed:
            previous = renamed[index][0]
            changes.append(Change(ChangeArea.LESSON, ChangeKind.RENAMED, lesson.title, None, previous.title,
                                  lesson.title, within))  # fmt: skip
        else:
            previous = by_title[lesson.title]
        changes += _changed(ChangeArea.LESSON, lesson.title, Aspect.MINUTES, previous.minutes, lesson.minutes, within)
        changes += _changed(ChangeArea.LESSON, lesson.title, Aspect.VIDEO, previous.video_url, lesson.video_url, within)
        if previous.body != lesson.body:
            changes.append(Change(ChangeArea.LESSON, ChangeKind.CHANGED, lesson.title, Aspect.CONTENT, within=within))
    return changes


def _item_changes(old: tuple[OutlineItem, ...], new: tuple[OutlineItem, ...]) -> list[Change]:
    before = {item.key: item for item in old}
    after_keys = {item.key for item in new}
    changes = [Change(ChangeArea.ITEM, ChangeKind.REMOVED, item.label) for item in old if item.key not in after_keys]
    for item in new:
        previous = before.get(item.key)
        if previous is None:
            details = "; ".join(f"{aspect}: {value}" for aspect, value in item.details)
            changes.append(Change(ChangeArea.ITEM, ChangeKind.ADDED, item.label, after=details))
            continue
        if previous.title != item.title:
            changes.append(Change(ChangeArea.ITEM, ChangeKind.RENAMED, item.label, None, previous.title, item.title))
        old_details = {str(aspect): value for aspect, value in previous.details}
        for aspect, value in item.details:
            changes += _changed(ChangeArea.ITEM, item.label, aspect, old_details.get(str(aspect), ""), value)
    return changes


def review_token(outline: VersionOutline) -> str:
    """A digest of everything the review showed of the draft (in no particular language): publishing checks the
    draft still matches it."""
    content = {
        "number": outline.number,
        "spec": asdict(outline.spec),
        "skp": str(outline.skp),
        "items": [[item.key, item.title, [value for _aspect, value in item.details]] for item in outline.items],
    }
    data = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:32]
