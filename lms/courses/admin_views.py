"""Organization-admin pages for courses: the course list, publishing, cohorts, enrolment decisions, rosters (authoring
is in authoring_views.py)."""

from __future__ import annotations

from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Membership, Organization, Role, User
from lms.accounts.permissions import organization_role_required
from lms.core.csv_export import csv_download
from lms.core.labels import labels_of
from lms.core.service_calls import call_service
from lms.courses import bp, services
from lms.courses.forms import (
    CohortForm,
    EnrolmentDecisionForm,
    PublishForm,
)
from lms.courses.models import (
    Cohort,
    CohortMode,
    Course,
    CourseStatus,
    CourseVersion,
    Enrolment,
    EnrolmentStatus,
)
from lms.extensions import db

COHORT_PAGE_GROUPS = (
    EnrolmentStatus.PENDING,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.DECLINED,
    EnrolmentStatus.WITHDRAWN,
)
"""The order of the groups on the cohort page: requests that need a decision first."""

DECIDABLE = (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED)

F = TypeVar("F")


# --- reads scoped to the organization in the URL (404 for anything belonging elsewhere) --------------------------


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


def _cohort_form(form_class: type[F], organization_id: int) -> F:
    """A cohort form (new or edit) offering the organization's facilitators, its enrolment window typed in the
    admin's zone."""
    zone, zone_label = _admin_zone()
    return form_class(zone=zone, zone_label=zone_label, facilitators=_facilitators_of(organization_id))


def _cohort_context(cohort: Cohort) -> dict:
    """What every page about one cohort names: its organization, the cohort and its course."""
    return {"organization": cohort.version.course.organization, "cohort": cohort, "course": cohort.version.course}


def _form_page(template: str, form, **context) -> tuple[str, int]:
    """A page with a form: 422 when it shows what was sent again, with the reasons."""
    return render_template(template, form=form, **context), (422 if form.is_submitted() else 200)


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
        mode_labels=labels_of(CohortMode),
        status_labels=labels_of(CourseStatus),
    )


@bp.route("/organizations/<int:organization_id>/courses/<code>/publish", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_publish(organization_id: int, code: str):
    """The publish review (what changes against the published version) and its confirmation."""
    organization = db.get_or_404(Organization, organization_id)
    course = services.course_in(organization_id, code)
    if course.draft_version is None:
        flash(_("%(code)s has no draft version to publish.", code=course.code), "error")
        return redirect(url_for("courses.admin_courses", organization_id=organization_id))
    form = PublishForm()
    if form.is_submitted():
        reviewed = form.reviewed.data if form.validate() else None
        call = call_service(lambda: services.publish_draft(current_user, course, reviewed=reviewed))
        if call.ok:
            version = call.result
            flash(_("Version %(number)d of %(code)s is published.", number=version.number, code=course.code), "success")
            return redirect(url_for("courses.admin_courses", organization_id=organization_id))
        status = call.status
    else:
        status = 200
    review = services.review_publication(current_user, course)
    if review.problems and status != 200:
        # Refused for problems: they are shown beside their place in the editor.
        return redirect(url_for("courses.admin_course_editor", organization_id=organization_id, code=course.code))
    form.reviewed.data = review.token
    return (
        render_template(
            "courses/admin/publish.html", organization=organization, course=course, review=review, form=form
        ),
        status,
    )


@bp.route("/organizations/<int:organization_id>/courses/<code>/cohorts/new", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_new_cohort(organization_id: int, code: str):
    organization = db.get_or_404(Organization, organization_id)
    course = services.course_in(organization.id, code)
    # Without a published version the service refuses with its own message; the page warns before that.
    version = course.published_version or course.latest_version
    if version is None:
        abort(404)
    form = _cohort_form(CohortForm, organization.id)
    if form.validate_on_submit():
        outcome = call_service(lambda: services.create_cohort(current_user, version, **form.cohort_values()))
        if outcome.ok:
            cohort = outcome.result
            flash(_("Cohort %(name)s created.", name=cohort.name), "success")
            return redirect(url_for("courses.admin_cohort", organization_id=organization.id, cohort_id=cohort.id))
    return _form_page("courses/admin/cohort_form.html", form, organization=organization, course=course, version=version)


@bp.route("/organizations/<int:organization_id>/cohorts/<int:cohort_id>")
@organization_role_required(Role.ORG_ADMIN)
def admin_cohort(organization_id: int, cohort_id: int):
    cohort = services.cohort_in(organization_id, cohort_id)
    return _cohort_page(cohort)


@bp.post("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/decide")
@organization_role_required(Role.ORG_ADMIN)
def admin_decide_enrolment(organization_id: int, cohort_id: int, enrolment_id: int):
    cohort = services.cohort_in(organization_id, cohort_id)
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.cohort_id != cohort.id:
        abort(404)
    form = EnrolmentDecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose to approve or decline, with a reason of at most 500 characters."), "error")
        return _cohort_page(cohort, failed=(enrolment.id, form), status=422)
    approve = form.decision.data == "approve"
    outcome = call_service(
        lambda: services.decide_enrolment(current_user, enrolment, approve=approve, reason=form.reason.data or "")
    )
    if not outcome.ok:
        return _cohort_page(cohort, failed=(enrolment.id, form), status=outcome.status)
    name = enrolment.user.full_name
    if approve:
        flash(_("%(name)s is enrolled.", name=name), "success")
    else:
        flash(_("The request of %(name)s is declined.", name=name), "success")
    return redirect(url_for("courses.admin_cohort", organization_id=organization_id, cohort_id=cohort.id))


@bp.route("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/roster.csv")
@organization_role_required(Role.ORG_ADMIN)
def admin_roster(organization_id: int, cohort_id: int):
    cohort = services.cohort_in(organization_id, cohort_id)
    rows = services.roster_rows(current_user, cohort)
    db.session.commit()  # the export is audited
    # Cache-Control no-store (the default): it carries full NIKs.
    return csv_download(rows, f"roster-{cohort.version.course.code}-{cohort.id}.csv")


def _cohort_page(
    cohort: Cohort, *, failed: tuple[int, EnrolmentDecisionForm] | None = None, status: int = 200
) -> tuple[str, int]:
    """The cohort page; after a refused decision, `failed` keeps the form that was sent, beside its request."""
    groups = {status_: [] for status_ in COHORT_PAGE_GROUPS}
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
            **_cohort_context(cohort),
            seats=services.seats_taken(cohort),
            groups=[(status_, EnrolmentStatus(status_).label, enrolments) for status_, enrolments in groups.items()],
            decidable=DECIDABLE,
            decision_forms=forms,
            mode_labels=labels_of(CohortMode),
        ),
        status,
    )
