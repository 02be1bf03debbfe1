"""Pages for memberships: the worker's memberships, workplaces and consents; an organization's requests, invitations
and members; the platform admin's facility list."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts import bp, facilities, memberships
from lms.accounts.consent import consents_of
from lms.accounts.membership_forms import (
    ConfirmRequestForm,
    FacilityForm,
    InviteMemberForm,
    JoinFacilityForm,
    JoinOrganizationForm,
    facility_choices,
    organization_choices,
)
from lms.accounts.models import Facility, MembershipStatus, Organization, Role
from lms.accounts.permissions import organization_role_required, platform_admin_required
from lms.core.service_calls import call_service
from lms.extensions import db

MEMBER_LISTS = (MembershipStatus.REQUESTED, MembershipStatus.CONFIRMED, MembershipStatus.INVITED)


def _locale() -> str:
    return str(get_locale() or "id")


def _join_forms(join_form=None, facility_form=None) -> dict:
    join_form = join_form or JoinOrganizationForm(formdata=None)
    join_form.organization_id.choices = organization_choices(memberships.joinable_organizations(), _("— choose —"))
    facility_form = facility_form or JoinFacilityForm(formdata=None)
    facility_form.facility_id.choices = facility_choices(facilities.all_facilities(), _("— choose —"))
    return {"join_form": join_form, "facility_form": facility_form}


def _my_page(status: int = 200, **forms):
    return (
        render_template(
            "accounts/my_memberships.html",
            memberships=memberships.memberships_of(current_user),
            places=facilities.staff_places(current_user),
            consents=consents_of(current_user),
            MembershipStatus=MembershipStatus,
            **_join_forms(**forms),
        ),
        status,
    )


@bp.route("/profile/memberships")
@login_required
def my_memberships():
    return _my_page()


@bp.post("/profile/memberships")
@login_required
def request_membership():
    form = JoinOrganizationForm()
    form.organization_id.choices = organization_choices(memberships.joinable_organizations(), "")
    if not form.validate_on_submit():
        return _my_page(422, join_form=form)
    organization = db.session.get(Organization, int(form.organization_id.data))
    outcome = call_service(
        lambda: memberships.request_membership(
            current_user, organization, membership_number=form.membership_number.data, locale=_locale()
        ),
        form=form,
        field="organization_id",
    )
    if not outcome.ok:
        return _my_page(outcome.status, join_form=form)
    if outcome.result.status == MembershipStatus.CONFIRMED:
        flash(_("You are now a member of %(name)s.", name=organization.name), "success")
    else:
        flash(_("Your request has been sent to %(name)s.", name=organization.name), "success")
    return redirect(url_for("accounts.my_memberships"))


MY_MEMBERSHIP_ACTIONS = {
    "accept": (
        lambda user, membership_id: memberships.accept_invitation(user, membership_id, locale=_locale()),
        lambda m: _("You are now a member of %(name)s.", name=m.organization.name),
    ),
    "decline": (memberships.decline_invitation, lambda m: _("Invitation declined.")),
    "leave": (memberships.leave_organization, lambda m: _("You have left %(name)s.", name=m.organization.name)),
}


@bp.post("/profile/memberships/<int:membership_id>/<any(accept, decline, leave):action>")
@login_required
def my_membership_action(membership_id: int, action: str):
    change, message = MY_MEMBERSHIP_ACTIONS[action]
    outcome = call_service(lambda: change(current_user, membership_id))
    if outcome.ok:
        flash(message(outcome.result), "success")
    return redirect(url_for("accounts.my_memberships"))


@bp.post("/profile/facilities")
@login_required
def join_facility():
    form = JoinFacilityForm()
    form.facility_id.choices = facility_choices(facilities.all_facilities(), "")
    if not form.validate_on_submit():
        return _my_page(422, facility_form=form)
    facility = db.session.get(Facility, int(form.facility_id.data))
    call_service(lambda: facilities.join_facility(current_user, facility, locale=_locale()))
    flash(_("Saved: you work at %(name)s.", name=facility.name), "success")
    return redirect(url_for("accounts.my_memberships"))


@bp.post("/profile/facilities/<int:staff_id>/leave")
@login_required
def leave_facility(staff_id: int):
    outcome = call_service(lambda: facilities.leave_facility(current_user, staff_id))
    if outcome.ok:
        flash(_("You no longer appear as staff of %(name)s.", name=outcome.result.facility.name), "success")
    return redirect(url_for("accounts.my_memberships"))


# --- the organization's side -------------------------------------------------------------------------------------


def _members_page(organization: Organization, invite_form=None, status_code: int = 200):
    status = request.args.get("status", MembershipStatus.CONFIRMED.value)
    status = MembershipStatus(status) if status in {s.value for s in MEMBER_LISTS} else MembershipStatus.CONFIRMED
    page = request.args.get("page", 1, type=int)
    search = request.args.get("q", "")[:120]
    rows, total = memberships.member_rows(current_user, organization.id, status, page=page, search=search)
    return (
        render_template(
            "accounts/organization_members.html",
            organization=organization,
            rows=rows,
            total=total,
            page=max(1, page),
            pages=max(1, -(-total // 50)),
            status=status,
            search=search,
            lists=MEMBER_LISTS,
            open_requests=memberships.open_request_count(organization.id),
            invite_form=invite_form or InviteMemberForm(formdata=None),
            confirm_form=ConfirmRequestForm(formdata=None),
        ),
        status_code,
    )


@bp.route("/organizations/<int:organization_id>/memberships")
@organization_role_required(Role.ORG_ADMIN)
def organization_members(organization_id: int):
    return _members_page(db.get_or_404(Organization, organization_id))


@bp.post("/organizations/<int:organization_id>/memberships/invite")
@organization_role_required(Role.ORG_ADMIN)
def invite_member(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    form = InviteMemberForm()
    if not form.validate_on_submit():
        return _members_page(organization, form, 422)
    outcome = call_service(
        lambda: memberships.invite_member(
            current_user,
            organization,
            email=form.email.data,
            membership_number=form.membership_number.data,
            register_url=url_for("accounts.register", _external=True),
        ),
        form=form,
        field="email",
    )
    if not outcome.ok:
        return _members_page(organization, form, outcome.status)
    # One answer whether or not the address has an account.
    flash(
        _("Invitation sent to %(email)s. The person becomes a member once she accepts.", email=form.email.data),
        "success",
    )
    return redirect(url_for("accounts.organization_members", organization_id=organization.id, status="invited"))


ORGANIZATION_MEMBERSHIP_ACTIONS = {
    "confirm": (
        lambda actor, m: memberships.confirm_request(
            actor, m, membership_number=ConfirmRequestForm().membership_number.data
        ),
        lambda: _("Membership confirmed."),
        MembershipStatus.REQUESTED,
    ),
    "decline": (memberships.decline_request, lambda: _("Request declined."), MembershipStatus.REQUESTED),
    "end": (memberships.end_membership, lambda: _("Membership ended."), MembershipStatus.CONFIRMED),
}


@bp.post("/organizations/<int:organization_id>/memberships/<int:membership_id>/<any(confirm, decline, end):action>")
@organization_role_required(Role.ORG_ADMIN)
def organization_membership_action(organization_id: int, membership_id: int, action: str):
    change, message, back_to = ORGANIZATION_MEMBERSHIP_ACTIONS[action]
    form = ConfirmRequestForm()
    if not form.validate():
        flash(" ".join(form.membership_number.errors) or _("The form has expired. Try again."), "error")
        return redirect(url_for("accounts.organization_members", organization_id=organization_id))

    def decide():
        membership = memberships.membership_in(current_user, organization_id, membership_id)
        shown = MembershipStatus(membership.status)
        change(current_user, membership)
        return shown

    outcome = call_service(decide)
    if outcome.ok:
        flash(message(), "success")
        back_to = outcome.result
    return redirect(url_for("accounts.organization_members", organization_id=organization_id, status=back_to.value))


# --- facilities (platform admin) -----------------------------------------------------------------------------------


@bp.route("/admin/facilities", methods=["GET", "POST"])
@platform_admin_required
def admin_facilities():
    form = FacilityForm()
    status = 200
    if form.validate_on_submit():
        outcome = call_service(
            lambda: facilities.create_facility(
                current_user,
                code=form.code.data,
                name=form.name.data,
                kind=form.kind.data,
                province=form.province.data,
                regency=form.regency.data,
            ),
            form=form,
            field="code",
        )
        if outcome.ok:
            flash(_("Facility %(name)s added.", name=outcome.result.name), "success")
            return redirect(url_for("accounts.admin_facilities"))
        status = outcome.status
    elif form.is_submitted():
        status = 422
    return (
        render_template("accounts/facilities.html", facilities=facilities.all_facilities(), form=form),
        status,
    )
