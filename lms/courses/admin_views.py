"""Organization-admin pages for courses: authoring (course, subjects, lessons, attachments), versions, publishing,
cohorts, enrolment decisions, rosters."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Membership, Organization, Role, User
from lms.accounts.permissions import organization_role_required
from lms.core.csv_export import spreadsheet_safe
from lms.core.errors import DomainError
from lms.core.uploads import format_size
from lms.courses import bp, services
from lms.courses.forms import (
    COHORT_MODE_LABELS,
    COURSE_KIND_LABELS,
    SUBJECT_TYPE_LABELS,
    AttachmentForm,
    CohortForm,
    CourseForm,
    EnrolmentDecisionForm,
    LessonForm,
    MoveForm,
    SubjectForm,
)
from lms.courses.models import (
    Cohort,
    Course,
    CourseStatus,
    CourseVersion,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonAttachment,
    Subject,
    VersionFrozen,
)
from lms.courses.rendering import render_markdown
from lms.courses.services import InvalidField
from lms.courses.views import attachment_response
from lms.extensions import db

COURSE_STATUS_LABELS = {
    CourseStatus.DRAFT: _l("Draft"),
    CourseStatus.PUBLISHED: _l("Published"),
    CourseStatus.ARCHIVED: _l("Archived"),
}

ENROLMENT_STATUS_LABELS = {
    EnrolmentStatus.PENDING: _l("Waiting for approval"),
    EnrolmentStatus.WAITLISTED: _l("On the waiting list"),
    EnrolmentStatus.ACTIVE: _l("Active"),
    EnrolmentStatus.DECLINED: _l("Declined"),
    EnrolmentStatus.WITHDRAWN: _l("Withdrawn"),
}
"""Also the order of the groups on the cohort page: requests that need a decision first."""

DECIDABLE = (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED)


# --- reads scoped to the organization in the URL (404 for anything belonging elsewhere) --------------------------


def _course_in(organization_id: int, code: str) -> Course:
    course = services.course_by_code(code)
    if course is None or course.organization_id != organization_id:
        abort(404)
    return course


def _cohort_in(organization_id: int, cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if cohort.organization_id != organization_id:
        abort(404)
    return cohort


def _organization_courses(organization_id: int) -> list[Course]:
    return list(
        db.session.execute(
            select(Course)
            .where(Course.organization_id == organization_id)
            .options(selectinload(Course.versions).selectinload(CourseVersion.subjects))
            .order_by(Course.code)
        ).scalars()
    )


def _cohorts_by_course(courses: list[Course]) -> dict[int, list[Cohort]]:
    by_course: dict[int, list[Cohort]] = {course.id: [] for course in courses}
    if by_course:
        cohorts = db.session.execute(
            select(Cohort)
            .join(CourseVersion, Cohort.version_id == CourseVersion.id)
            .where(CourseVersion.course_id.in_(by_course))
            .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        ).scalars()
        for cohort in cohorts:
            by_course[cohort.version.course_id].append(cohort)
    return by_course


def _facilitators_of(organization_id: int) -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == organization_id, Membership.role == Role.FACILITATOR)
            .order_by(User.full_name, User.id)
        ).scalars()
    )


def _admin_zone() -> tuple[ZoneInfo, str]:
    """The admin's zone and its short name (WIB/WITA/WIT), in which the enrolment window is typed."""
    return ZoneInfo(str(current_user.timezone)), current_user.timezone_label


# --- pages -----------------------------------------------------------------------------------------------------


@bp.route("/organizations/<int:organization_id>/courses")
@organization_role_required(Role.ORG_ADMIN)
def admin_courses(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    courses = _organization_courses(organization.id)
    cohorts = _cohorts_by_course(courses)
    seats = services.seats_taken_in([cohort for group in cohorts.values() for cohort in group])
    return render_template(
        "courses/admin/courses.html",
        organization=organization,
        courses=courses,
        cohorts=cohorts,
        seats=seats,
        skp_of=services.skp_of,
        mode_labels=COHORT_MODE_LABELS,
        status_labels=COURSE_STATUS_LABELS,
    )


@bp.post("/organizations/<int:organization_id>/courses/<code>/publish")
@organization_role_required(Role.ORG_ADMIN)
def admin_publish(organization_id: int, code: str):
    course = _course_in(organization_id, code)
    try:
        version = services.publish_draft(current_user, course)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        if course.draft_version is not None:
            return redirect(url_for("courses.admin_course_editor", organization_id=organization_id, code=course.code))
    else:
        db.session.commit()
        flash(_("Version %(number)d of %(code)s is published.", number=version.number, code=course.code), "success")
    return redirect(url_for("courses.admin_courses", organization_id=organization_id))


@bp.route("/organizations/<int:organization_id>/courses/<code>/cohorts/new", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_new_cohort(organization_id: int, code: str):
    organization = db.get_or_404(Organization, organization_id)
    course = _course_in(organization.id, code)
    # Without a published version the service refuses with its own message; the page warns before that.
    version = course.published_version or course.latest_version
    if version is None:
        abort(404)
    facilitators = _facilitators_of(organization.id)
    zone, zone_label = _admin_zone()
    form = CohortForm(zone=zone, zone_label=zone_label, facilitators=facilitators)
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(
                current_user,
                version,
                name=form.name.data,
                mode=form.mode.data,
                place=form.place.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                enrol_opens_at=form.utc(form.enrol_opens_at.data),
                enrol_closes_at=form.utc(form.enrol_closes_at.data),
                capacity=form.capacity.data,
                needs_approval=form.needs_approval.data,
                facilitators=[user for user in facilitators if user.id in (form.facilitators.data or [])],
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Cohort %(name)s created.", name=cohort.name), "success")
            return redirect(url_for("courses.admin_cohort", organization_id=organization.id, cohort_id=cohort.id))
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "courses/admin/cohort_form.html",
            organization=organization,
            course=course,
            version=version,
            form=form,
        ),
        status,
    )


@bp.route("/organizations/<int:organization_id>/cohorts/<int:cohort_id>")
@organization_role_required(Role.ORG_ADMIN)
def admin_cohort(organization_id: int, cohort_id: int):
    cohort = _cohort_in(organization_id, cohort_id)
    return _cohort_page(cohort)


@bp.post("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/decide")
@organization_role_required(Role.ORG_ADMIN)
def admin_decide_enrolment(organization_id: int, cohort_id: int, enrolment_id: int):
    cohort = _cohort_in(organization_id, cohort_id)
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.cohort_id != cohort.id:
        abort(404)
    form = EnrolmentDecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose to approve or decline, with a reason of at most 500 characters."), "error")
        return _cohort_page(cohort, failed=(enrolment.id, form), status=422)
    approve = form.decision.data == "approve"
    try:
        services.decide_enrolment(current_user, enrolment, approve=approve, reason=form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        # Shown again with what was typed, so a reason is not lost.
        return _cohort_page(cohort, failed=(enrolment.id, form), status=error.status_code)
    db.session.commit()
    name = enrolment.user.full_name
    if approve:
        flash(_("%(name)s is enrolled.", name=name), "success")
    else:
        flash(_("The request of %(name)s is declined.", name=name), "success")
    return redirect(url_for("courses.admin_cohort", organization_id=organization_id, cohort_id=cohort.id))


@bp.route("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/roster.csv")
@organization_role_required(Role.ORG_ADMIN)
def admin_roster(organization_id: int, cohort_id: int):
    cohort = _cohort_in(organization_id, cohort_id)
    rows = services.roster_rows(current_user, cohort)
    db.session.commit()  # the export is audited
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
    # The byte-order mark makes Excel read the file as UTF-8 (names with accents, e.g. "Ni Luh Putu Ayu").
    body = "\ufeff" + buffer.getvalue()
    filename = f"roster-{cohort.version.course.code}-{cohort.id}.csv"
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={filename}",
            "Cache-Control": "no-store",  # it carries full NIKs
        },
    )


def _cohort_page(
    cohort: Cohort, *, failed: tuple[int, EnrolmentDecisionForm] | None = None, status: int = 200
) -> tuple[str, int]:
    """The cohort page; after a refused decision, `failed` keeps the form that was sent, beside its request."""
    groups = {status_: [] for status_ in ENROLMENT_STATUS_LABELS}
    for enrolment in cohort.enrolments:
        groups.setdefault(EnrolmentStatus(enrolment.status), []).append(enrolment)
    failed_id, failed_form = failed if failed else (None, None)
    forms = {
        e.id: failed_form if e.id == failed_id else EnrolmentDecisionForm(formdata=None)
        for status_ in DECIDABLE
        for e in groups[status_]
    }
    return (
        render_template(
            "courses/admin/cohort.html",
            organization=cohort.version.course.organization,
            cohort=cohort,
            course=cohort.version.course,
            seats=services.seats_taken(cohort),
            groups=[(status_, ENROLMENT_STATUS_LABELS[status_], enrolments) for status_, enrolments in groups.items()],
            decidable=DECIDABLE,
            decision_forms=forms,
            mode_labels=COHORT_MODE_LABELS,
        ),
        status,
    )


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


_FAILED = object()


def _attempt(form, call):
    """Run one service call and commit; on a domain error roll back and show the message beside its field (when
    the service names one) or on top of the page. Returns the call's result, or _FAILED with the status to use."""
    try:
        result = call()
    except InvalidField as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(error.message)
        return _FAILED, error.status_code
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _FAILED, error.status_code
    db.session.commit()
    return result, 200


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
        course, status = _attempt(
            form, lambda: services.create_course(current_user, organization, form.code.data, form.details())
        )
        if course is not _FAILED:
            flash(_("Course %(code)s created. Add its subjects and lessons next.", code=course.code), "success")
            return redirect(_editor_url(course))
    elif form.is_submitted():
        status = 422
    return _render_form("courses/admin/course_form.html", status, organization=organization, course=None, form=form)


@bp.route("/organizations/<int:organization_id>/courses/<code>/edit")
@organization_role_required(Role.ORG_ADMIN)
def admin_course_editor(organization_id: int, code: str):
    course = _course_in(organization_id, code)
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
        kind_labels=COURSE_KIND_LABELS,
        type_labels=SUBJECT_TYPE_LABELS,
        status_labels=COURSE_STATUS_LABELS,
    )


@bp.post("/organizations/<int:organization_id>/courses/<code>/draft")
@organization_role_required(Role.ORG_ADMIN)
def admin_new_draft(organization_id: int, code: str):
    course = _course_in(organization_id, code)
    version, _status = _attempt(None, lambda: services.draft_for_editing(current_user, course))
    if version is not _FAILED:
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
    course = _course_in(organization_id, code)
    form = CourseForm.for_version(course.latest_version)
    status = 200
    if form.validate_on_submit():
        version, status = _attempt(form, lambda: services.update_course(current_user, course, form.details()))
        if version is not _FAILED:
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
    course = _course_in(organization_id, code)
    form = SubjectForm()
    status = 200
    if form.validate_on_submit():
        subject, status = _attempt(form, lambda: services.add_subject(current_user, course, form.details()))
        if subject is not _FAILED:
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
    course = _course_in(organization_id, code)
    subject = _subject_in(course, subject_id)
    if frozen := _frozen_redirect(course, subject.version):
        return frozen
    form = SubjectForm.for_subject(subject)
    status = 200
    if form.validate_on_submit():
        saved, status = _attempt(form, lambda: services.update_subject(current_user, subject, form.details()))
        if saved is not _FAILED:
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


@bp.post("/organizations/<int:organization_id>/courses/<code>/subjects/<int:subject_id>/delete")
@organization_role_required(Role.ORG_ADMIN)
def admin_delete_subject(organization_id: int, code: str, subject_id: int):
    course = _course_in(organization_id, code)
    subject = _subject_in(course, subject_id)
    title = subject.title
    done, _status = _attempt(None, lambda: services.delete_subject(current_user, subject))
    if done is not _FAILED:
        flash(_("Subject %(title)s deleted.", title=title), "success")
    return redirect(_editor_url(course))


@bp.post("/organizations/<int:organization_id>/courses/<code>/subjects/<int:subject_id>/move")
@organization_role_required(Role.ORG_ADMIN)
def admin_move_subject(organization_id: int, code: str, subject_id: int):
    course = _course_in(organization_id, code)
    subject = _subject_in(course, subject_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    _attempt(None, lambda: services.move_subject(current_user, subject, int(form.step.data)))
    return redirect(_editor_url(course, f"subject-{subject.id}"))


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
    course = _course_in(organization_id, code)
    subject = _subject_in(course, subject_id)
    if frozen := _frozen_redirect(course, subject.version):
        return frozen
    form = LessonForm()
    if form.is_submitted() and form.preview.data:
        return _lesson_page(course, subject, None, form, 200, preview=render_markdown(form.body.data or ""))
    status = 200
    if form.validate_on_submit():
        lesson, status = _attempt(form, lambda: services.add_lesson(current_user, subject, form.details()))
        if lesson is not _FAILED:
            flash(_("Lesson %(title)s added.", title=lesson.title), "success")
            return redirect(_editor_url(course, f"lesson-{lesson.id}"))
    elif form.is_submitted():
        status = 422
    return _lesson_page(course, subject, None, form, status)


@bp.route("/organizations/<int:organization_id>/courses/<code>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_edit_lesson(organization_id: int, code: str, lesson_id: int):
    course = _course_in(organization_id, code)
    lesson = _lesson_in(course, lesson_id)
    if frozen := _frozen_redirect(course, lesson.subject.version):
        return frozen
    form = LessonForm.for_lesson(lesson)
    if form.is_submitted() and form.preview.data:
        return _lesson_page(course, lesson.subject, lesson, form, 200, preview=render_markdown(form.body.data or ""))
    status = 200
    if form.validate_on_submit():
        saved, status = _attempt(form, lambda: services.update_lesson(current_user, lesson, form.details()))
        if saved is not _FAILED:
            flash(_("Lesson %(title)s saved.", title=lesson.title), "success")
            return redirect(_editor_url(course, f"lesson-{lesson.id}"))
    elif form.is_submitted():
        status = 422
    return _lesson_page(course, lesson.subject, lesson, form, status)


@bp.post("/organizations/<int:organization_id>/courses/<code>/lessons/<int:lesson_id>/delete")
@organization_role_required(Role.ORG_ADMIN)
def admin_delete_lesson(organization_id: int, code: str, lesson_id: int):
    course = _course_in(organization_id, code)
    lesson = _lesson_in(course, lesson_id)
    title = lesson.title
    done, _status = _attempt(None, lambda: services.delete_lesson(current_user, lesson))
    if done is not _FAILED:
        flash(_("Lesson %(title)s deleted.", title=title), "success")
    return redirect(_editor_url(course))


@bp.post("/organizations/<int:organization_id>/courses/<code>/lessons/<int:lesson_id>/move")
@organization_role_required(Role.ORG_ADMIN)
def admin_move_lesson(organization_id: int, code: str, lesson_id: int):
    course = _course_in(organization_id, code)
    lesson = _lesson_in(course, lesson_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    _attempt(None, lambda: services.move_lesson(current_user, lesson, int(form.step.data)))
    return redirect(_editor_url(course, f"lesson-{lesson.id}"))


@bp.post("/organizations/<int:organization_id>/courses/<code>/lessons/<int:lesson_id>/attachments")
@organization_role_required(Role.ORG_ADMIN)
def admin_add_attachment(organization_id: int, code: str, lesson_id: int):
    course = _course_in(organization_id, code)
    lesson = _lesson_in(course, lesson_id)
    form = AttachmentForm()
    status = 422
    if form.validate_on_submit():
        upload = form.file.data
        attachment, status = _attempt(
            form, lambda: services.add_attachment(current_user, lesson, upload.filename, upload.read())
        )
        if attachment is not _FAILED:
            flash(_("%(name)s attached.", name=attachment.file_name), "success")
            return redirect(_lesson_url(course, lesson, "attachments"))
    return _lesson_page(course, lesson.subject, lesson, LessonForm.for_lesson(lesson), status, attachment_form=form)


@bp.post("/organizations/<int:organization_id>/courses/<code>/attachments/<int:attachment_id>/delete")
@organization_role_required(Role.ORG_ADMIN)
def admin_delete_attachment(organization_id: int, code: str, attachment_id: int):
    course = _course_in(organization_id, code)
    attachment = _attachment_in(course, attachment_id)
    lesson, name = attachment.lesson, attachment.file_name
    done, _status = _attempt(None, lambda: services.delete_attachment(current_user, attachment))
    if done is not _FAILED:
        flash(_("%(name)s removed.", name=name), "success")
    return redirect(_lesson_url(course, lesson, "attachments"))


@bp.get("/organizations/<int:organization_id>/courses/<code>/attachments/<int:attachment_id>")
@organization_role_required(Role.ORG_ADMIN)
def admin_download_attachment(organization_id: int, code: str, attachment_id: int):
    course = _course_in(organization_id, code)
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
