"""Public catalog and course pages, and the learner's pages: enrol, my courses, the lesson player."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from lms.accounts.identity import profession_choices
from lms.accounts.login import page_value
from lms.accounts.models import Organization
from lms.core.errors import Conflict
from lms.core.i18n import local_today, select_timezone
from lms.core.labels import labels_of
from lms.core.models import utcnow
from lms.core.service_calls import call_service
from lms.core.storage import get_storage
from lms.core.uploads import format_size
from lms.courses import bp, services
from lms.courses.catalog_cache import catalog_cache
from lms.courses.curriculum import CourseKind, Ranah
from lms.courses.enrolment import is_unlocked
from lms.courses.models import Cohort, CohortMode, EnrolmentStatus, LessonAttachment
from lms.courses.rendering import render_markdown
from lms.courses.requirements import first_unmet, requirements_for, unmet
from lms.extensions import db

CARD_STATE = re.compile(r"<!--course-state:(\d+)-->")
"""Where the cached catalog body leaves room for the visitor's own state in a course (see `_catalog_body.html`)."""


COURSE_STATES = "course_states"
"""The page value (lms.accounts.login.register_page_value) of the learner's course states on the catalog."""


@bp.route("/courses")
def catalog():
    filters = {
        key: request.args.get(key, "").strip() for key in ("search", "profession", "organization", "kind", "mode")
    }
    today = local_today()

    def render_body() -> str:
        versions = services.catalog(**filters, today=today)
        return render_template(
            "courses/_catalog_body.html",
            versions=versions,
            next_cohorts=services.next_cohorts([v.course_id for v in versions], today),
            filters=filters,
            professions=profession_choices(),
            organizations=db.session.execute(select(Organization).order_by(Organization.name)).scalars().all(),
            kinds=labels_of(CourseKind),
            modes=labels_of(CohortMode),
            skp_of=services.skp_of,
        )

    # The next cohort depends on the day where the visitor is, so the zone and that day are part of the key.
    key = (str(get_locale()), select_timezone(), today, *filters.values())
    body = catalog_cache().body(key, render_body)
    return render_template("courses/catalog.html", body=Markup(_with_course_states(body)))


def _badge(state: services.CourseState) -> Callable[[], str]:
    """Renders a catalog card's badge: the same four for everyone in a language, so kept beside the body."""
    return lambda: render_template("courses/_catalog_state.html", state=state)


def _with_course_states(body: str) -> str:
    """The cached body with the signed-in learner's state in each course put into its card (one query)."""
    if not current_user.is_authenticated:
        return CARD_STATE.sub("", body)
    read = page_value(COURSE_STATES)  # read with her, in the statement that loads her (lms.courses.connect)
    states = services.course_states(current_user.id) if read is None else services.course_states_from(read)
    locale = str(get_locale())
    cache = catalog_cache()
    badges = {state: cache.body(("course-state", locale, state), _badge(state)) for state in services.CourseState}
    not_enrolled = badges[services.CourseState.NOT_ENROLLED]
    return CARD_STATE.sub(lambda m: badges[states[int(m[1])]] if int(m[1]) in states else not_enrolled, body)


@bp.route("/courses/<code>")
def course(code: str):
    version = services.published_course(code)
    cohorts = services.upcoming_cohorts(version.course, local_today())
    mine = {e.cohort_id: e for e in services.user_enrolments(current_user)} if current_user.is_authenticated else {}
    return render_template(
        "courses/course.html",
        version=version,
        skp=services.skp_of(version),
        cohorts=cohorts,
        my_enrolments=mine,
        seats=services.seats_taken_in(cohorts),
    )


@bp.post("/cohorts/<int:cohort_id>/enrol")
@login_required
def enrol(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    outcome = call_service(lambda: services.enrol(current_user, cohort, utcnow()))
    if not outcome.ok:
        return redirect(url_for("courses.course", code=cohort.version.course.code))
    enrolment = outcome.result
    flash(ENROLMENT_MESSAGES[EnrolmentStatus(enrolment.status)](), "success")
    return redirect(url_for("courses.enrolment", enrolment_id=enrolment.id))


@bp.app_template_global()
def status_label(status: str) -> str:
    return EnrolmentStatus(status).label


@bp.app_template_global()
def course_kind_label(kind: str) -> str:
    """A course's kind in the reader's words ("Pelatihan (training)")."""
    return CourseKind(kind).label


@bp.app_template_global()
def cohort_mode_label(mode: str) -> str:
    """How a cohort runs, in the reader's words (online, in person, blended)."""
    return CohortMode(mode).label


@bp.app_template_global()
def ranah_label(ranah: str) -> str:
    """An SKP ranah in the reader's words; a value that is no ranah (an old snapshot) as it is."""
    return Ranah(ranah).label if ranah in Ranah.__members__.values() else ranah


ENROLMENT_MESSAGES = {
    EnrolmentStatus.ACTIVE: lambda: _("You are enrolled. Start with the first lesson."),
    EnrolmentStatus.PENDING: lambda: _("Your request is sent; the organizer will approve or decline it."),
    EnrolmentStatus.WAITLISTED: lambda: _("The cohort is full: you are on the waiting list."),
    EnrolmentStatus.DECLINED: lambda: _("Your request was declined."),
    EnrolmentStatus.WITHDRAWN: lambda: _("You left this cohort."),
}


@bp.route("/my/courses")
@login_required
def my_courses():
    enrolments = services.user_enrolments(current_user)
    active = [e for e in enrolments if e.status == EnrolmentStatus.ACTIVE]
    return render_template(
        "courses/my_courses.html",
        enrolments=enrolments,
        progress={e.id: services.progress(e) for e in enrolments},
        finished={e.id for e in active if first_unmet(e) is None},
    )


@bp.route("/enrolments/<int:enrolment_id>")
@login_required
def enrolment(enrolment_id: int):
    enrolment = services.enrolment_of(current_user, enrolment_id)
    version = enrolment.cohort.version
    order = services.lesson_ids_in_order(version)
    completed = enrolment.completed_lesson_ids
    requirements = requirements_for(enrolment)
    open_rules = unmet(requirements)
    return render_template(
        "courses/enrolment.html",
        enrolment=enrolment,
        version=version,
        progress=services.progress(enrolment),
        requirements=requirements,
        next_step=open_rules[0] if open_rules else None,
        completed=completed,
        unlocked={lid for lid in order if is_unlocked(lid, order, completed, version.sequential)},
        resume_id=services.resume_lesson_id(enrolment),
    )


@bp.post("/enrolments/<int:enrolment_id>/withdraw")
@login_required
def withdraw(enrolment_id: int):
    enrolment = services.withdraw(current_user, services.enrolment_of(current_user, enrolment_id))
    db.session.commit()
    flash(_("You left this cohort."), "success")
    return redirect(url_for("courses.course", code=enrolment.cohort.version.course.code))


@bp.route("/lessons/<int:lesson_id>")
@login_required
def lesson(lesson_id: int):
    try:
        enrolment, lesson = services.study_lesson(current_user, lesson_id)
    except Conflict as error:  # e.g. a lesson still locked: back, with the reason
        flash(str(error), "error")
        return redirect(request.referrer or url_for("courses.my_courses"))
    db.session.commit()  # remembers where the learner left off
    order = services.lesson_ids_in_order(enrolment.cohort.version)
    position = order.index(lesson.id)
    return render_template(
        "courses/lesson.html",
        enrolment=enrolment,
        lesson=lesson,
        body=render_markdown(lesson.body),
        done=lesson.id in enrolment.completed_lesson_ids,
        previous_id=order[position - 1] if position > 0 else None,
        next_id=order[position + 1] if position + 1 < len(order) else None,
        position=position + 1,
        total=len(order),
        show_video=request.args.get("video") == "1",
        format_size=format_size,
    )


@bp.post("/lessons/<int:lesson_id>/complete")
@login_required
def complete_lesson(lesson_id: int):
    enrolment, lesson = services.complete_lesson(current_user, lesson_id)
    db.session.commit()
    next_id = services.progress(enrolment).next_lesson_id
    if next_id is None:
        # After the last lesson: on to what the certificate still needs (the post-test...), not back to lesson 1.
        step = first_unmet(enrolment)
        if step is not None and step.url:
            flash(_("All lessons done. Next: %(step)s.", step=step.label), "success")
            return redirect(step.url)
        flash(_("All lessons done. Well done!"), "success")
        return redirect(url_for("courses.enrolment", enrolment_id=enrolment.id))
    return redirect(url_for("courses.lesson", lesson_id=next_id))


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """A lesson's file, for a learner who may study the lesson or an admin of the course's organization."""
    return attachment_response(services.attachment_for(current_user, attachment_id))


def attachment_response(attachment: LessonAttachment) -> Response:
    response = send_file(
        io.BytesIO(get_storage().read(attachment.storage_key)),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.file_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response
