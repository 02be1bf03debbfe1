"""Organization-admin pages for authoring a course in the browser: the course, its subjects, lessons and attachments."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.models import Organization, Role
from lms.accounts.permissions import organization_role_required
from lms.core.labels import labels_of
from lms.core.service_calls import call_service
from lms.core.uploads import format_size
from lms.courses import bp, services
from lms.courses.curriculum import CourseKind, SubjectType
from lms.courses.forms import (
    AttachmentForm,
    CourseForm,
    LessonForm,
    MoveForm,
    SubjectForm,
)
from lms.courses.models import (
    Course,
    CourseStatus,
    CourseVersion,
    Lesson,
    LessonAttachment,
    Subject,
    VersionFrozen,
)
from lms.courses.rendering import render_markdown
from lms.courses.views import attachment_response
from lms.extensions import db

# --- authoring -------------------------------------------------------------------------------------------------
# Every page below resolves the course inside the organization of the URL (404 otherwise), and each subject, lesson
# and attachment inside that course, so an admin of one organization can neither see nor change another's.


def _subject_in(course: Course, subject_id: int) -> Subject:
    subject = db.get_or_404(Subject, subject_id)
    if subject.version.course_id != course.id:
        abort(404)
    return subject


def _lesson_in(course: Course, lesson_id: int) -> Lesson:
    lesson = db.get_or_404(Lesson, lesson_id)
    if lesson.subject.version.course_id != course.id:
        abort(404)
    return lesson


def _attachment_in(course: Course, attachment_id: int) -> LessonAttachment:
    attachment = db.get_or_404(LessonAttachment, attachment_id)
    if attachment.lesson.subject.version.course_id != course.id:
        abort(404)
    return attachment


def _editor_url(course: Course, anchor: str | None = None) -> str:
    return url_for(
        "courses.admin_course_editor", organization_id=course.organization_id, code=course.code, _anchor=anchor
    )


def _render_form(template: str, status: int, **context):
    return render_template(template, **context), status


def _frozen_redirect(course: Course, version: CourseVersion):
    """A published version's subjects and lessons are not offered for editing (saving would answer 409): back to
    the editor, which offers a new draft version."""
    if version.is_frozen and request.method == "GET":
        flash(str(VersionFrozen().message), "error")
        return redirect(_editor_url(course))
    return None


@bp.route("/organizations/<int:organization_id>/courses/new", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_new_course(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    form = CourseForm(creating=True)
    status = 200
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.create_course(current_user, organization, form.code.data, form.details()), form=form
        )
        status = outcome.status
        if outcome.ok:
            course = outcome.result
            flash(_("Course %(code)s created. Add its subjects and lessons next.", code=course.code), "success")
            return redirect(_editor_url(course))
    elif form.is_submitted():
        status = 422
    return _render_form("courses/admin/course_form.html", status, organization=organization, course=None, form=form)


@bp.route("/organizations/<int:organization_id>/courses/<code>/edit")
@organization_role_required(Role.ORG_ADMIN)
def admin_course_editor(organization_id: int, code: str):
    course = services.course_in(organization_id, code)
    version = course.latest_version
    problems = services.draft_problems(version) if version.status == CourseStatus.DRAFT else []
    return render_template(
        "courses/admin/editor.html",
        organization=course.organization,
        course=course,
        version=version,
        problems=problems,
        course_problems=[p for p in problems if p.subject is None],
        skp=services.skp_of(version),
        kind_labels=labels_of(CourseKind),
        type_labels=labels_of(SubjectType),
        status_labels=labels_of(CourseStatus),
    )


@bp.post("/organizations/<int:organization_id>/courses/<code>/draft")
@organization_role_required(Role.ORG_ADMIN)
def admin_new_draft(organization_id: int, code: str):
    course = services.course_in(organization_id, code)
    outcome = call_service(lambda: services.draft_for_editing(current_user, course))
    if outcome.ok:
        version = outcome.result
        flash(
            _(
                "Version %(number)d is a new draft; learners keep studying the published version.",
                number=version.number,
            ),
            "success",
        )
    return redirect(_editor_url(course))


@bp.route("/organizations/<int:organization_id>/courses/<code>/details", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_edit_course(organization_id: int, code: str):
    course = services.course_in(organization_id, code)
    form = CourseForm.for_version(course.latest_version)
    status = 200
    if form.validate_on_submit():
        outcome = call_service(lambda: services.update_course(current_user, course, form.details()), form=form)
        status = outcome.status
        if outcome.ok:
            version = outcome.result
            flash(_("Saved in draft version %(number)d.", number=version.number), "success")
            return redirect(_editor_url(course))
    elif form.is_submitted():
        status = 422
    return _render_form(
        "courses/admin/course_form.html", status, organization=course.organization, course=course, form=form
    )


@bp.route("/organizations/<int:organization_id>/courses/<code>/subjects/new", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_new_subject(organization_id: int, code: str):
    course = services.course_in(organization_id, code)
    form = SubjectForm()
    status = 200
    if form.validate_on_submit():
        outcome = call_service(lambda: services.add_subject(current_user, course, form.details()), form=form)
        status = outcome.status
        if outcome.ok:
            subject = outcome.result
            flash(_("Subject %(title)s added.", title=subject.title), "success")
            return redirect(_editor_url(course, f"subject-{subject.id}"))
    elif form.is_submitted():
        status = 422
    return _render_form(
        "courses/admin/subject_form.html",
        status,
        organization=course.organization,
        course=course,
        subject=None,
        form=form,
    )


@bp.route("/organizations/<int:organization_id>/courses/<code>/subjects/<int:subject_id>", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_edit_subject(organization_id: int, code: str, subject_id: int):
    course = services.course_in(organization_id, code)
    subject = _subject_in(course, subject_id)
    if frozen := _frozen_redirect(course, subject.version):
        return frozen
    form = SubjectForm.for_subject(subject)
    status = 200
    if form.validate_on_submit():
        outcome = call_service(lambda: services.update_subject(current_user, subject, form.details()), form=form)
        status = outcome.status
        if outcome.ok:
            flash(_("Subject %(title)s saved.", title=subject.title), "success")
            return redirect(_editor_url(course, f"subject-{subject.id}"))
    elif form.is_submitted():
        status = 422
    return _render_form(
        "courses/admin/subject_form.html",
        status,
        organization=course.organization,
        course=course,
        subject=subject,
        form=form,
    )


def _lesson_page(
    course: Course,
    subject: Subject,
    lesson: Lesson | None,
    form: LessonForm,
    status: int,
    preview=None,
    attachment_form: AttachmentForm | None = None,
):
    attachment_form = attachment_form or AttachmentForm(formdata=None)
    attachment_form.file.description = _(
        "PDF, images (PNG, JPEG, WebP) or Word, Excel and PowerPoint files, at most %(size)s.",
        size=format_size(int(current_app.config["ATTACHMENT_MAX_BYTES"])),
    )
    return _render_form(
        "courses/admin/lesson_form.html",
        status,
        organization=course.organization,
        course=course,
        subject=subject,
        lesson=lesson,
        form=form,
        preview=preview,
        attachment_form=attachment_form,
        format_size=format_size,
    )


@bp.route(
    "/organizations/<int:organization_id>/courses/<code>/subjects/<int:subject_id>/lessons/new", methods=["GET", "POST"]
)
@organization_role_required(Role.ORG_ADMIN)
def admin_new_lesson(organization_id: int, code: str, subject_id: int):
    course = services.course_in(organization_id, code)
    subject = _subject_in(course, subject_id)
    if frozen := _frozen_redirect(course, subject.version):
        return frozen
    form = LessonForm()
    if form.is_submitted() and form.preview.data:
        return _lesson_page(course, subject, None, form, 200, preview=render_markdown(form.body.data or ""))
    status = 200
    if form.validate_on_submit():
        outcome = call_service(lambda: services.add_lesson(current_user, subject, form.details()), form=form)
        status = outcome.status
        if outcome.ok:
            lesson = outcome.result
            flash(_("Lesson %(title)s added.", title=lesson.title), "success")
            return redirect(_editor_url(course, f"lesson-{lesson.id}"))
    elif form.is_submitted():
        status = 422
    return _lesson_page(course, subject, None, form, status)


@bp.route("/organizations/<int:organization_id>/courses/<code>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_edit_lesson(organization_id: int, code: str, lesson_id: int):
    course = services.course_in(organization_id, code)
    lesson = _lesson_in(course, lesson_id)
    if frozen := _frozen_redirect(course, lesson.subject.version):
        return frozen
    form = LessonForm.for_lesson(lesson)
    if form.is_submitted() and form.preview.data:
        return _lesson_page(course, lesson.subject, lesson, form, 200, preview=render_markdown(form.body.data or ""))
    status = 200
    if form.validate_on_submit():
        outcome = call_service(lambda: services.update_lesson(current_user, lesson, form.details()), form=form)
        status = outcome.status
        if outcome.ok:
            flash(_("Lesson %(title)s saved.", title=lesson.title), "success")
            return redirect(_editor_url(course, f"lesson-{lesson.id}"))
    elif form.is_submitted():
        status = 422
    return _lesson_page(course, lesson.subject, lesson, form, status)


# Subjects and lessons are deleted and moved by one view each: the table says how to find the part and which service
# to call, so the two kinds can never drift apart.
CURRICULUM_PARTS = {
    "subjects": (
        lambda course, part_id: _subject_in(course, part_id),
        services.delete_subject,
        services.move_subject,
        lambda title: _("Subject %(title)s deleted.", title=title),
        "subject",
    ),
    "lessons": (
        lambda course, part_id: _lesson_in(course, part_id),
        services.delete_lesson,
        services.move_lesson,
        lambda title: _("Lesson %(title)s deleted.", title=title),
        "lesson",
    ),
}


@bp.post("/organizations/<int:organization_id>/courses/<code>/<any(subjects, lessons):kind>/<int:part_id>/delete")
@organization_role_required(Role.ORG_ADMIN)
def admin_delete_part(organization_id: int, code: str, kind: str, part_id: int):
    course = services.course_in(organization_id, code)
    find, delete, _move, deleted_message, _anchor = CURRICULUM_PARTS[kind]
    part = find(course, part_id)
    title = part.title
    if call_service(lambda: delete(current_user, part)).ok:
        flash(deleted_message(title), "success")
    return redirect(_editor_url(course))


@bp.post("/organizations/<int:organization_id>/courses/<code>/<any(subjects, lessons):kind>/<int:part_id>/move")
@organization_role_required(Role.ORG_ADMIN)
def admin_move_part(organization_id: int, code: str, kind: str, part_id: int):
    course = services.course_in(organization_id, code)
    find, _delete, move, _deleted_message, anchor = CURRICULUM_PARTS[kind]
    part = find(course, part_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    call_service(lambda: move(current_user, part, int(form.step.data)))
    return redirect(_editor_url(course, f"{anchor}-{part.id}"))


@bp.post("/organizations/<int:organization_id>/courses/<code>/lessons/<int:lesson_id>/attachments")
@organization_role_required(Role.ORG_ADMIN)
def admin_add_attachment(organization_id: int, code: str, lesson_id: int):
    course = services.course_in(organization_id, code)
    lesson = _lesson_in(course, lesson_id)
    form = AttachmentForm()
    status = 422
    if form.validate_on_submit():
        upload = form.file.data
        outcome = call_service(
            lambda: services.add_attachment(current_user, lesson, upload.filename, upload.read()), form=form
        )
        status = outcome.status
        if outcome.ok:
            attachment = outcome.result
            flash(_("%(name)s attached.", name=attachment.file_name), "success")
            return redirect(_lesson_url(course, lesson, "attachments"))
    return _lesson_page(course, lesson.subject, lesson, LessonForm.for_lesson(lesson), status, attachment_form=form)


@bp.post("/organizations/<int:organization_id>/courses/<code>/attachments/<int:attachment_id>/delete")
@organization_role_required(Role.ORG_ADMIN)
def admin_delete_attachment(organization_id: int, code: str, attachment_id: int):
    course = services.course_in(organization_id, code)
    attachment = _attachment_in(course, attachment_id)
    lesson, name = attachment.lesson, attachment.file_name
    outcome = call_service(lambda: services.delete_attachment(current_user, attachment))
    if outcome.ok:
        flash(_("%(name)s removed.", name=name), "success")
    return redirect(_lesson_url(course, lesson, "attachments"))


@bp.get("/organizations/<int:organization_id>/courses/<code>/attachments/<int:attachment_id>")
@organization_role_required(Role.ORG_ADMIN)
def admin_download_attachment(organization_id: int, code: str, attachment_id: int):
    course = services.course_in(organization_id, code)
    return attachment_response(_attachment_in(course, attachment_id))


@bp.post("/organizations/<int:organization_id>/courses/preview")
@organization_role_required(Role.ORG_ADMIN)
def admin_preview_markdown(organization_id: int):
    """The lesson preview as an HTML fragment, for the editor's script (the Preview button works without it)."""
    return Response(str(render_markdown(request.form.get("body", ""))), mimetype="text/html")


def _lesson_url(course: Course, lesson: Lesson, anchor: str | None = None) -> str:
    return url_for(
        "courses.admin_edit_lesson",
        organization_id=course.organization_id,
        code=course.code,
        lesson_id=lesson.id,
        _anchor=anchor,
    )
