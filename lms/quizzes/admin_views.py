"""Organization-admin pages of the quizzes: the course's question bank, question forms, import/export, quizzes."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.accounts.models import Organization, Role
from lms.accounts.permissions import organization_role_required
from lms.core.labels import labels_of
from lms.core.service_calls import call_service
from lms.core.storage import get_storage
from lms.courses.models import Course, CourseVersion
from lms.courses.services import course_in
from lms.extensions import db
from lms.jobs import runs
from lms.quizzes import bp, services
from lms.quizzes.forms import (
    QUESTION_FORMS,
    ImportForm,
    QuizForm,
)
from lms.quizzes.gift_writer import write_gift
from lms.quizzes.jobs import IMPORT_FILES_FOLDER, IMPORT_QUESTIONS_JOB, import_question_file_job
from lms.quizzes.models import GradingMethod, Question, Quiz, QuizKind, ReviewShows
from lms.quizzes.question_files import UnreadableFile, decode_question_file
from lms.quizzes.types import QUESTION_TYPES

# --- reads scoped to the organization in the URL (404 for anything belonging elsewhere) --------------------------


def _question_in(course: Course, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.course_id != course.id or question.retired:
        abort(404)
    return question


def _quiz_in(organization_id: int, quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or quiz.version.course.organization_id != organization_id:
        abort(404)
    return quiz


def _version_of(course: Course, number: int | None) -> CourseVersion:
    """The version asked for, else the published one (what cohorts run), else the newest."""
    if number is not None:
        version = next((v for v in course.versions if v.number == number), None)
    else:
        version = course.published_version or course.latest_version
    if version is None:
        abort(404)
    return version


def _zone() -> tuple[ZoneInfo, str]:
    return ZoneInfo(str(current_user.timezone)), current_user.timezone_label


# --- the bank ----------------------------------------------------------------------------------------------------


@bp.route("/organizations/<int:organization_id>/courses/<code>/questions")
@organization_role_required(Role.ORG_ADMIN)
def admin_bank(organization_id: int, code: str):
    organization = db.get_or_404(Organization, organization_id)
    course = course_in(organization.id, code)
    category, tag = request.args.get("category", "").strip(), request.args.get("tag", "").strip()
    everything = services.bank_questions(course)
    questions = services.bank_questions(course, category=category, tag=tag) if (category or tag) else everything
    return render_template(
        "quizzes/admin/bank.html",
        organization=organization,
        course=course,
        questions=questions,
        total=len(everything),
        categories=sorted({q.category for q in everything}),
        tags=services.bank_tags(everything),
        filters={"category": category, "tag": tag},
        types=QUESTION_TYPES,
    )


def _form_for(kind: str, **kwargs):
    form_class = QUESTION_FORMS.get(kind)
    if form_class is None:
        abort(404)
    return form_class(**kwargs)


def _spec_from(form, previous_image: str | None):
    spec = form.to_spec()
    image = previous_image
    if form.remove_image.data:
        image = None
    upload = form.image.data
    if upload and getattr(upload, "filename", ""):
        image = services.store_question_image(upload.read())
    return replace(spec, image=image)


@bp.route("/organizations/<int:organization_id>/courses/<code>/questions/new/<kind>", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_new_question(organization_id: int, code: str, kind: str):
    organization = db.get_or_404(Organization, organization_id)
    course = course_in(organization.id, code)
    form = _form_for(kind)
    if request.method == "GET":
        form.category.data = request.args.get("category", services.DEFAULT_CATEGORY)
    if form.validate_on_submit():
        outcome = call_service(lambda: services.add_question(current_user, course, _spec_from(form, None)))
        if outcome.ok:
            question = outcome.result
            flash(_("Question added to the bank."), "success")
            return redirect(
                url_for(
                    "quizzes.admin_bank", organization_id=organization.id, code=course.code, category=question.category
                )
            )
    return _question_page(organization, course, form, kind, None)


def _question_page(organization, course, form, kind, question):
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "quizzes/admin/question_form.html",
            organization=organization,
            course=course,
            form=form,
            kind=kind,
            type_label=QUESTION_TYPES[kind].label,
            question=question,
        ),
        status,
    )


@bp.route(
    "/organizations/<int:organization_id>/courses/<code>/questions/<int:question_id>/edit", methods=["GET", "POST"]
)
@organization_role_required(Role.ORG_ADMIN)
def admin_edit_question(organization_id: int, code: str, question_id: int):
    organization = db.get_or_404(Organization, organization_id)
    course = course_in(organization.id, code)
    question = _question_in(course, question_id)
    form = _form_for(question.kind)
    if request.method == "GET":
        form.load_common(question.spec, question.category, question.tags)
        form.load(question.spec)
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.update_question(current_user, question, _spec_from(form, question.spec.image))
        )
        if outcome.ok:
            saved = outcome.result
            if saved.id != question.id:
                flash(_("Saved as a new version of the question; attempts already made keep the old one."), "success")
            else:
                flash(_("Question saved."), "success")
            return redirect(
                url_for(
                    "quizzes.admin_bank", organization_id=organization.id, code=course.code, category=saved.category
                )
            )
    return _question_page(organization, course, form, question.kind, question)


@bp.post("/organizations/<int:organization_id>/courses/<code>/questions/<int:question_id>/delete")
@organization_role_required(Role.ORG_ADMIN)
def admin_delete_question(organization_id: int, code: str, question_id: int):
    course = course_in(organization_id, code)
    question = _question_in(course, question_id)
    services.delete_question(current_user, question)
    db.session.commit()
    flash(_("Question deleted."), "success")
    return redirect(url_for("quizzes.admin_bank", organization_id=organization_id, code=course.code))


@bp.route("/organizations/<int:organization_id>/courses/<code>/questions/<int:question_id>/image")
@organization_role_required(Role.ORG_ADMIN)
def admin_question_image(organization_id: int, code: str, question_id: int):
    from lms.quizzes.views import _image_response

    course = course_in(organization_id, code)
    return _image_response(_question_in(course, question_id))


# --- import and export -------------------------------------------------------------------------------------------


@bp.route("/organizations/<int:organization_id>/courses/<code>/questions/import", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_import(organization_id: int, code: str):
    organization = db.get_or_404(Organization, organization_id)
    course = course_in(organization.id, code)
    quizzes = [q for v in course.versions for q in services.quizzes_of(v)]
    form = ImportForm()
    form.quiz_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(q.id, f"{QuizKind(QuizKind(q.kind)).label}: {q.title} (v{q.version.number})") for q in quizzes
    ]
    errors, skipped, status = [], [], 200
    if form.validate_on_submit():
        quiz = next((q for q in quizzes if q.id == form.quiz_id.data), None)
        category = form.category.data.strip() or services.DEFAULT_CATEGORY
        try:
            decoded = decode_question_file(form.file.data.read())
        except UnreadableFile as error:
            errors = [str(error.message)]
        else:
            if decoded.notice:
                flash(str(decoded.notice), "info")
            # Every problem is listed before anything is written; a large file is then imported by a job.
            preview = services.preview_question_file(decoded.text, form.format.data)
            errors, skipped = preview.errors, preview.skipped
            if not errors and preview.is_large:
                return _queue_import(course, decoded.text, form.format.data, category, quiz, len(preview.specs))
            if not errors:
                outcome = services.import_question_file(
                    current_user, course, decoded.text, form.format.data, default_category=category, quiz=quiz
                )
                errors = outcome.errors
        if errors:
            db.session.rollback()
            flash(_("Nothing was imported: correct the file and upload it again."), "error")
            status = 422
        else:
            db.session.commit()
            flash(_("%(n)d questions imported.", n=len(outcome.questions)), "success")
            if outcome.already_in_bank:
                flash(_("%(n)d questions were in the bank already: not added again.", n=outcome.already_in_bank),
                      "info")  # fmt: skip
            if not skipped:
                return redirect(url_for("quizzes.admin_bank", organization_id=organization.id, code=course.code))
            flash(_("Some questions were skipped: their types are not supported."), "info")
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "quizzes/admin/import.html",
            organization=organization,
            course=course,
            form=form,
            errors=errors,
            skipped=skipped,
            job_run=runs.run_to_show(f"course:{course.id}", IMPORT_QUESTIONS_JOB, request.args.get("job")),
        ),
        status,
    )


def _queue_import(course: Course, text: str, file_format: str, category: str, quiz: Quiz | None, count: int):
    """Keep the checked file where every host can read it and import it in a job; the page shows its progress."""
    key = get_storage().save(text.encode("utf-8"), folder=IMPORT_FILES_FOLDER, suffix=".txt")
    run = runs.open_run(IMPORT_QUESTIONS_JOB, f"course:{course.id}", current_user.id)
    db.session.commit()
    import_question_file_job(run.id, course.id, key, file_format, category, quiz.id if quiz else None, current_user.id)
    flash(_("The file has no problem: its %(n)d questions are being imported.", n=count), "info")
    return redirect(
        url_for("quizzes.admin_import", organization_id=course.organization_id, code=course.code, job=run.id)
    )


@bp.route("/organizations/<int:organization_id>/courses/<code>/questions.gift")
@organization_role_required(Role.ORG_ADMIN)
def admin_export(organization_id: int, code: str):
    course = course_in(organization_id, code)
    text = write_gift(services.export_specs(course))
    return Response(
        text.encode("utf-8"),
        mimetype="text/plain",
        headers={"Content-Disposition": f"attachment; filename={course.code.lower()}-questions.gift"},
    )


# --- quizzes -----------------------------------------------------------------------------------------------------


@bp.route("/organizations/<int:organization_id>/courses/<code>/quizzes")
@organization_role_required(Role.ORG_ADMIN)
def admin_quizzes(organization_id: int, code: str):
    organization = db.get_or_404(Organization, organization_id)
    course = course_in(organization.id, code)
    version = _version_of(course, request.args.get("version", type=int))
    quizzes = services.quizzes_of(version)
    return render_template(
        "quizzes/admin/quizzes.html",
        organization=organization,
        course=course,
        version=version,
        quizzes=quizzes,
        kinds=labels_of(QuizKind),
        has={QuizKind(q.kind) for q in quizzes},
        grading_labels=labels_of(GradingMethod),
        review_labels=labels_of(ReviewShows),
    )


@bp.route("/organizations/<int:organization_id>/courses/<code>/quizzes/new/<kind>", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_new_quiz(organization_id: int, code: str, kind: str):
    organization = db.get_or_404(Organization, organization_id)
    course = course_in(organization.id, code)
    if kind not in {k.value for k in QuizKind}:
        abort(404)
    version = _version_of(course, request.args.get("version", type=int))
    zone, label = _zone()
    form = QuizForm(zone=zone, zone_label=label, subjects=version.subjects)
    if request.method == "GET":
        form.title.data = str(QuizKind(QuizKind(kind)).label)
        if kind == QuizKind.POST_TEST:
            form.attempts_allowed.data = 2
    if form.validate_on_submit():
        outcome = call_service(lambda: services.save_quiz(current_user, version, kind, **form.settings()))
        if outcome.ok:
            quiz = outcome.result
            flash(_("Quiz saved. Now choose its questions."), "success")
            return redirect(url_for("quizzes.admin_edit_quiz", organization_id=organization.id, quiz_id=quiz.id))
    return _quiz_page(organization, course, version, form, kind, None)


def _quiz_page(organization, course, version, form, kind, quiz, status=None):
    bank = services.bank_questions(course) if quiz is not None else []
    return (
        render_template(
            "quizzes/admin/quiz_form.html",
            organization=organization,
            course=course,
            version=version,
            form=form,
            kind=kind,
            kind_label=QuizKind(QuizKind(kind)).label,
            quiz=quiz,
            bank=bank,
            chosen={qq.question_id for qq in quiz.quiz_questions} if quiz else set(),
            types=QUESTION_TYPES,
        ),
        status or (422 if form.is_submitted() else 200),
    )


@bp.route("/organizations/<int:organization_id>/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_edit_quiz(organization_id: int, quiz_id: int):
    organization = db.get_or_404(Organization, organization_id)
    quiz = _quiz_in(organization.id, quiz_id)
    version = quiz.version
    zone, label = _zone()
    form = QuizForm(zone=zone, zone_label=label, subjects=version.subjects)
    if request.method == "GET":
        form.load(quiz)
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.save_quiz(current_user, version, quiz.kind, quiz=quiz, **form.settings())
        )
        if outcome.ok:
            flash(_("Quiz saved."), "success")
            return redirect(url_for("quizzes.admin_edit_quiz", organization_id=organization.id, quiz_id=quiz.id))
    return _quiz_page(organization, version.course, version, form, quiz.kind, quiz)


@bp.post("/organizations/<int:organization_id>/quizzes/<int:quiz_id>/questions")
@organization_role_required(Role.ORG_ADMIN)
def admin_quiz_questions(organization_id: int, quiz_id: int):
    quiz = _quiz_in(organization_id, quiz_id)
    ids = [int(value) for value in request.form.getlist("question_id") if value.isdigit()]
    outcome = call_service(lambda: services.set_quiz_questions(current_user, quiz, ids))
    if outcome.ok:
        flash(_("%(n)d questions in the quiz.", n=len(ids)), "success")
    return redirect(url_for("quizzes.admin_edit_quiz", organization_id=organization_id, quiz_id=quiz.id))
