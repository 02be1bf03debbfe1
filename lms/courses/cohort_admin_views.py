"""Organization-admin pages that run a cohort: edit it, close enrolment, cancel it, enrol people (searched, from
the filtered member list, or typed as e-mails), decide every selected request at once."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.identity import profession_choices
from lms.accounts.member_import.models import ImportStatus
from lms.accounts.member_import.services import import_of, imported_user_ids, recent_imports
from lms.accounts.models import Role
from lms.accounts.people import MemberFilter, find_people, member_ids, member_page
from lms.accounts.permissions import organization_role_required
from lms.core.models import utcnow
from lms.core.service_calls import call_service
from lms.courses import bp, services
from lms.courses.admin_views import _cohort_context, _cohort_form, _form_page
from lms.courses.forms import BulkDecisionForm, CancelCohortForm, CohortEditForm, EnrolPeopleForm
from lms.courses.models import Cohort


def _cohort_url(cohort: Cohort) -> str:
    return url_for("courses.admin_cohort", organization_id=cohort.organization_id, cohort_id=cohort.id)


@bp.route("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_edit_cohort(organization_id: int, cohort_id: int):
    cohort = services.cohort_in(organization_id, cohort_id)
    form = _cohort_form(CohortEditForm, organization_id)
    if not form.is_submitted():
        form.process(
            data={
                "name": cohort.name,
                "mode": cohort.mode,
                "place": cohort.place,
                "starts_on": cohort.starts_on,
                "ends_on": cohort.ends_on,
                "enrol_opens_at": form.local(cohort.enrol_opens_at),
                "enrol_closes_at": form.local(cohort.enrol_closes_at),
                "capacity": cohort.capacity,
                "needs_approval": cohort.needs_approval,
                "facilitators": [user.id for user in cohort.facilitators],
            }
        )
    elif form.validate():
        details = services.CohortDetails(**form.cohort_values())
        outcome = call_service(lambda: services.update_cohort(current_user, cohort, details))
        if outcome.ok:
            changes = outcome.result
            flash(_("Cohort saved.") if changes else _("Nothing was changed."), "success")
            return redirect(_cohort_url(cohort))
    return _form_page("courses/admin/cohort_edit.html", form, **_cohort_context(cohort))


@bp.post("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/close-enrolment")
@organization_role_required(Role.ORG_ADMIN)
def admin_close_enrolment(organization_id: int, cohort_id: int):
    cohort = services.cohort_in(organization_id, cohort_id)
    outcome = call_service(lambda: services.close_enrolment(current_user, cohort, utcnow()))
    if outcome.ok:
        closed = outcome.result
        flash(_("Enrolment is closed.") if closed else _("Enrolment was already closed."), "success")
    return redirect(_cohort_url(cohort))


@bp.route("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/cancel", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_cancel_cohort(organization_id: int, cohort_id: int):
    cohort = services.cohort_in(organization_id, cohort_id)
    form = CancelCohortForm()
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.cancel_cohort(current_user, cohort, reason=form.reason.data, now=utcnow())
        )
        if outcome.ok:
            told = outcome.result
            flash(_("The cohort is cancelled; %(n)d people will be told.", n=len(told)), "success")
            return redirect(_cohort_url(cohort))
    return _form_page(
        "courses/admin/cohort_cancel.html", form, **_cohort_context(cohort), seats=services.seats_taken(cohort)
    )


def _member_filter() -> MemberFilter:
    return MemberFilter(
        text=request.values.get("member_text", "").strip()[:100],
        profession=request.values.get("profession", "").strip()[:60],
        facility=request.values.get("facility", "").strip()[:160],
    )


@bp.route("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/enrol", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def admin_enrol_people(organization_id: int, cohort_id: int):
    cohort = services.cohort_in(organization_id, cohort_id)
    form = EnrolPeopleForm()
    filters = _member_filter()
    if form.validate_on_submit():
        user_ids = list(form.user_id.data or [])
        if request.form.get("all_matching"):
            user_ids += member_ids(organization_id, filters)
        import_id = request.form.get("import_id", type=int)
        if import_id:
            user_ids += imported_user_ids(import_of(current_user, organization_id, import_id))
        outcome = call_service(
            lambda: services.enrol_people(
                current_user, cohort, user_ids=user_ids, emails=form.email_list(), now=utcnow()
            )
        )
        if outcome.ok:
            result = outcome.result
            flash(
                _(
                    "%(enrolled)d people enrolled; %(already)d were enrolled already.",
                    enrolled=len(result.enrolled),
                    already=len(result.already),
                ),
                "success",
            )
            if result.unknown_emails or result.unknown_user_ids:
                unknown = result.unknown_emails + [str(i) for i in result.unknown_user_ids]
                flash(_("No active account for: %(list)s", list=", ".join(unknown[:50])), "error")
            if not result.unknown_emails:
                return redirect(_cohort_url(cohort))
    elif form.is_submitted():
        flash(_("The list of e-mail addresses is too long."), "error")
    query = request.args.get("q", "").strip()[:100]
    page = request.args.get("page", 1, type=int) or 1
    members, total = member_page(organization_id, filters, page)
    return _form_page(
        "courses/admin/cohort_enrol.html",
        form,
        **_cohort_context(cohort),
        query=query,
        found=find_people(current_user, query) if query else [],
        filters=filters,
        members=members,
        total=total,
        total_text=format_number(total),
        page=page,
        page_size=len(members),
        professions=profession_choices(),
        imports=[i for i in recent_imports(organization_id) if i.status == ImportStatus.DONE],
        seats=services.seats_taken(cohort),
    )


@bp.post("/organizations/<int:organization_id>/cohorts/<int:cohort_id>/enrolments/decide-selected")
@organization_role_required(Role.ORG_ADMIN)
def admin_decide_selected(organization_id: int, cohort_id: int):
    cohort = services.cohort_in(organization_id, cohort_id)
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    approve = form.decision.data == "approve"
    outcome = call_service(
        lambda: services.decide_enrolments(
            current_user, cohort, form.enrolment_id.data or [], approve=approve, reason=form.reason.data or ""
        )
    )
    if not outcome.ok:
        return redirect(_cohort_url(cohort))
    outcome = outcome.result
    if approve:
        flash(_("%(n)d requests approved.", n=outcome.decided), "success")
    else:
        flash(_("%(n)d requests declined.", n=outcome.decided), "success")
    if outcome.still_waiting:
        flash(_("The cohort is full: %(n)d requests stay waiting.", n=outcome.still_waiting), "error")
    return redirect(_cohort_url(cohort))
