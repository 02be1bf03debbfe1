"""Lesson attachments: adding a file to a draft's lesson, deleting one, and who may download one."""

from __future__ import annotations

from flask import current_app

from lms.accounts.models import Role, User
from lms.accounts.permissions import has_organization_role
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, NotFound
from lms.core.storage import forget_on_rollback, get_storage
from lms.core.uploads import ATTACHMENT_TYPES, display_name, validate_upload
from lms.courses.models import Lesson, LessonAttachment
from lms.courses.services.authoring import InvalidField, _editable
from lms.courses.services.stored_files import _forget_unused_files
from lms.courses.services.study import _studying
from lms.extensions import db


def add_attachment(actor: User, lesson: Lesson, file_name: str | None, data: bytes) -> LessonAttachment:
    """Validate an uploaded file by its content and size, store it, and attach it to the draft's lesson."""
    _editable(actor, lesson.subject.version)
    try:
        file_type = validate_upload(
            data, allowed=ATTACHMENT_TYPES, max_bytes=int(current_app.config["ATTACHMENT_MAX_BYTES"])
        )
    except InvalidInput as refused:
        raise InvalidField("file", refused.message) from refused
    key = get_storage().save(data, folder="attachments", suffix=file_type.suffix)
    forget_on_rollback(key)
    attachment = LessonAttachment(
        file_name=display_name(file_name, file_type),
        content_type=file_type.content_type,
        size=len(data),
        storage_key=key,
    )
    lesson.attachments.append(attachment)
    db.session.flush()
    record_audit(
        actor,
        "course.attachment_add",
        attachment,
        lesson.subject.version.course.organization_id,
        lesson_id=lesson.id,
        file_name=attachment.file_name,
        size=attachment.size,
    )
    return attachment


def delete_attachment(actor: User, attachment: LessonAttachment) -> None:
    lesson = attachment.lesson
    _editable(actor, lesson.subject.version)
    record_audit(
        actor,
        "course.attachment_delete",
        attachment,
        lesson.subject.version.course.organization_id,
        lesson_id=lesson.id,
        file_name=attachment.file_name,
    )
    lesson.attachments.remove(attachment)
    _forget_unused_files([attachment.storage_key])


def attachment_for(user: User, attachment_id: int) -> LessonAttachment:
    """An attachment the user may download: an admin of the course's organization, or a learner who may study the
    lesson (active enrolment in a cohort of its version, and the lesson unlocked)."""
    attachment = db.session.get(LessonAttachment, attachment_id)
    if attachment is None:
        raise NotFound()
    version = attachment.lesson.subject.version
    if not has_organization_role(user, version.course.organization_id, (Role.ORG_ADMIN,)):
        _studying(user, attachment.lesson)
    return attachment
