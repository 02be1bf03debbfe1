"""Stored attachment files, which versions share: carried over by an import, deleted once no row refers to them."""

from __future__ import annotations

from sqlalchemy import select

from lms.core.storage import delete_after_commit
from lms.courses.models import CourseVersion, LessonAttachment
from lms.extensions import db


def _attachments_by_lesson(version: CourseVersion) -> dict[tuple[str, str], list[tuple[str, str, int, str]]]:
    """The version's attachments by (subject slug, lesson title): files are not part of the course files, so an
    import carries them over to the lessons it keeps."""
    return {
        (subject.slug, lesson.title): [(a.file_name, a.content_type, a.size, a.storage_key) for a in lesson.attachments]
        for subject in version.subjects
        for lesson in subject.lessons
        if lesson.attachments
    }


def _reattach(version: CourseVersion, kept: dict[tuple[str, str], list[tuple[str, str, int, str]]]) -> None:
    placed = set()
    for subject in version.subjects:
        for lesson in subject.lessons:
            for file_name, content_type, size, key in kept.get((subject.slug, lesson.title), []):
                lesson.attachments.append(
                    LessonAttachment(file_name=file_name, content_type=content_type, size=size, storage_key=key)
                )
                placed.add(key)
    _forget_unused_files([key for files in kept.values() for *_rest, key in files if key not in placed])


def _forget_unused_files(keys: list[str]) -> None:
    """Delete (after commit) the stored files that no attachment row refers to any more."""
    if not keys:
        return
    db.session.flush()
    used = set(
        db.session.execute(select(LessonAttachment.storage_key).where(LessonAttachment.storage_key.in_(keys))).scalars()
    )
    for key in set(keys) - used:
        delete_after_commit(key)
