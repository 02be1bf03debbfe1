"""The learner's quiz pages: start page, questions (one per page or all on one), submit confirmation, result.

Everything works without JavaScript: the Save / Next / Previous buttons post the page's answers, which are saved
exactly as the script's `PUT /api/v1/attempts/{id}/answers/{question_id}` saves them, one at a time.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core.models import utcnow
from lms.core.service_calls import call_service
from lms.core.storage import InvalidStorageKey, StoredFileMissing, get_storage
from lms.core.uploads import IMAGE_TYPES, detect_type
from lms.extensions import db
from lms.quizzes import bp, services
from lms.quizzes.models import AttemptState, Question, QuizLayout
from lms.quizzes.text import question_html
from lms.quizzes.timing import DeadlinePassed, seconds_left

bp.add_app_template_filter(question_html, "question_html")


@bp.route("/quizzes/<int:quiz_id>")
@login_required
def quiz(quiz_id: int):
    now = utcnow()
    quiz, enrolment = services.quiz_for_learner(current_user, quiz_id)
    status = services.quiz_status(current_user, quiz, now)
    db.session.commit()  # an expired attempt was graded just now
    return render_template(
        "quizzes/quiz.html", quiz=quiz, enrolment=enrolment, status=status, now=now, question_count=_count(quiz)
    )


def _count(quiz) -> int:
    return quiz.draw_count if quiz.selection == "random" else len(quiz.quiz_questions)


@bp.post("/quizzes/<int:quiz_id>/attempts")
@login_required
def start(quiz_id: int):
    quiz, _enrolment = services.quiz_for_learner(current_user, quiz_id)
    outcome = call_service(lambda: services.start_attempt(current_user, quiz, utcnow()))
    if not outcome.ok:
        return redirect(url_for("quizzes.quiz", quiz_id=quiz_id))
    attempt, started = outcome.result
    if not started:
        flash(_("Welcome back: your answers so far are kept."), "info")
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=_first_unanswered_page(attempt)))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _first_unanswered_page(attempt) -> int:
    """Where a resumed attempt continues: the page of the first question not answered yet (the last if all are)."""
    if _page_count(attempt) == 1:
        return 1
    questions = services.shown_questions(attempt)
    return next((q.number for q in questions if not q.answered), len(questions))


def _page_count(attempt) -> int:
    return 1 if attempt.quiz.layout == QuizLayout.ALL_ON_ONE_PAGE else len(attempt.layout)


def _page_number(attempt) -> int:
    page = request.args.get("page", type=int) or 1
    return min(max(page, 1), _page_count(attempt))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    now = utcnow()
    attempt = services.attempt_of(current_user, attempt_id, now)
    if attempt.state != AttemptState.OPEN:
        db.session.commit()  # it may have just been graded as expired
        if attempt.close_reason == "expired":
            flash(_("The time ran out; the answers you saved were graded."), "info")
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    return _attempt_page(attempt, now, _page_number(attempt))


def _attempt_page(attempt, now, page: int, errors: dict[int, str] | None = None, status: int = 200):
    questions = services.shown_questions(attempt)
    pages = _page_count(attempt)
    on_page = questions if pages == 1 else [questions[page - 1]]
    return (
        render_template(
            "quizzes/attempt.html",
            attempt=attempt,
            quiz=attempt.quiz,
            questions=on_page,
            all_questions=questions,
            page=page,
            pages=pages,
            seconds_left=seconds_left(now, attempt.deadline),
            errors=errors or {},
        ),
        status,
    )


@bp.post("/attempts/<int:attempt_id>/answers")
@login_required
def save_page(attempt_id: int):
    """Save the answers on the page (no-JS path), then go where the button said: next, previous, or finish."""
    now = utcnow()
    attempt = services.attempt_of(current_user, attempt_id, now)
    page = _page_number(attempt)
    raw = {}
    for question in services.shown_questions(attempt):
        if f"shown-{question.question_id}" not in request.form:
            continue
        key = f"q-{question.question_id}"
        if question.type.kind == "multiple":
            raw[question.question_id] = request.form.getlist(key)
        elif key in request.form:
            raw[question.question_id] = request.form[key]
    # A deadline that passed is kept: the attempt was graded with what had been saved before it.
    outcome = call_service(lambda: services.save_answers(current_user, attempt.id, raw, now), keep=(DeadlinePassed,))
    if isinstance(outcome.error, DeadlinePassed):
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    if not outcome.ok:
        return redirect(url_for("quizzes.quiz", quiz_id=attempt.quiz_id))
    errors = outcome.result
    if errors:
        db.session.refresh(attempt)
        return _attempt_page(attempt, now, page, errors=errors, status=422)
    go = request.form.get("go", "save")
    if go == "finish":
        return redirect(url_for("quizzes.confirm", attempt_id=attempt.id))
    if go == "next":
        page = min(page + 1, _page_count(attempt))
    elif go == "previous":
        page = max(page - 1, 1)
    elif go.isdigit():
        page = int(go)
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=page))


@bp.route("/attempts/<int:attempt_id>/confirm")
@login_required
def confirm(attempt_id: int):
    now = utcnow()
    attempt = services.attempt_of(current_user, attempt_id, now)
    if attempt.state != AttemptState.OPEN:
        db.session.commit()
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    questions = services.shown_questions(attempt)
    return render_template(
        "quizzes/confirm.html",
        attempt=attempt,
        quiz=attempt.quiz,
        questions=questions,
        unanswered=[q for q in questions if not q.answered],
        pages=_page_count(attempt),
        seconds_left=seconds_left(now, attempt.deadline),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = services.submit_attempt(current_user, attempt_id, utcnow())
    db.session.commit()
    return redirect(url_for("quizzes.result", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    now = utcnow()
    attempt = services.attempt_of(current_user, attempt_id, now)
    if attempt.state == AttemptState.OPEN:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    db.session.commit()
    review = services.review_of(attempt, now)
    enrolment = attempt.enrolment
    if enrolment.user_id != current_user.id:  # pragma: no cover - attempt_of already checked the owner
        abort(404)
    status = services.quiz_status(current_user, attempt.quiz, now)
    return render_template("quizzes/result.html", review=review, attempt=attempt, quiz=attempt.quiz, status=status)


@bp.route("/attempts/<int:attempt_id>/questions/<int:question_id>/image")
@login_required
def question_image(attempt_id: int, question_id: int):
    """A question's image, for the learner whose attempt shows that question."""
    attempt = services.attempt_of(current_user, attempt_id, utcnow())
    if question_id not in attempt.question_ids:
        abort(404)
    return _image_response(db.get_or_404(Question, question_id))


def _image_response(question: Question):
    key = question.spec.image
    if not key:
        abort(404)
    try:
        data = get_storage().read(key)
    except (StoredFileMissing, InvalidStorageKey):
        abort(404)
    found = detect_type(data, IMAGE_TYPES)
    if found is None:
        abort(404)
    response = Response(data, mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
