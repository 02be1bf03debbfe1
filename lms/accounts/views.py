"""Pages for registration, login, passwords, the profile, API tokens, organizations and memberships."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from lms.accounts import bp, facilities, memberships, role_invitations, services, throttle
from lms.accounts.consent import REGISTRATION_CONSENT
from lms.accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    MemberForm,
    OrganizationForm,
    ProfileForm,
    ResetPasswordForm,
)
from lms.accounts.jobs import LINK_TOKEN
from lms.accounts.membership_forms import WorkerRegistrationForm, facility_choices, organization_choices
from lms.accounts.models import Membership, Organization, Role
from lms.accounts.permissions import organization_role_required, platform_admin_required, scope_to_organizations
from lms.accounts.two_factor_views import start_second_step
from lms.core.audit import AuditEntry, describe_entries
from lms.core.forms import Form
from lms.core.service_calls import call_service
from lms.core.urls import safe_next_url
from lms.extensions import db, limiter


@bp.post("/language")
def set_language():
    """Switch the interface language: kept in the session, and on the account of a logged-in user."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            services.set_locale(current_user, locale)
            db.session.commit()
    return redirect(safe_next_url())


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(throttle.register_rate_limit, methods=["POST"], shared=True)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = WorkerRegistrationForm()
    form.facility_id.choices = facility_choices(facilities.all_facilities(), _("— none or not listed —"))
    form.organization_id.choices = organization_choices(memberships.joinable_organizations(), _("— none —"))
    if form.validate_on_submit():
        throttle.count_account_request(form.email.data, scope="register-requests")

        def register_and_file_choices():
            user = services.register_user(
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                profession_code=form.profession_code.data,
                nik=form.nik.data,
                str_number=form.str_number.data,
                timezone=form.timezone.data,
                login_url=url_for("accounts.login", _external=True),
                consent_wording=str(REGISTRATION_CONSENT),
                locale=str(get_locale() or "id"),
            )
            if user is not None:  # None: the e-mail had an account, and the answer must not tell
                memberships.file_registration_choices(
                    user,
                    facility_id=int(form.facility_id.data) if form.facility_id.data else None,
                    organization_id=int(form.organization_id.data) if form.organization_id.data else None,
                    membership_number=form.membership_number.data,
                    locale=str(get_locale() or "id"),
                )
            return user

        if call_service(register_and_file_choices).ok:
            flash(_("Registration received. Log in with your e-mail and password."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(throttle.login_rate_limit, methods=["POST"], shared=True)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        throttle.refuse_locked_account(form.email.data)
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.record_login_failure(form.email.data)
            flash(_("The e-mail or password is not correct."), "error")
        elif user.has_two_factor:
            db.session.commit()
            return redirect(start_second_step(user))
        else:
            db.session.commit()
            login_user(user)
            if user.locale:
                session["locale"] = user.locale
            flash(_("Welcome, %(name)s.", name=user.full_name), "success")
            return redirect(safe_next_url())
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # Ending only this cookie would leave a copy of it working (a cookie session lives in the browser): the session
    # version goes up, so every session of the account ends.
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    flash(_("You have logged out on every device."), "success")
    return redirect(url_for("core.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(throttle.login_rate_limit, methods=["POST"], shared=True)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        throttle.count_account_request(form.email.data)
        services.request_password_reset(
            form.email.data,
            url_for("accounts.reset_password", token=LINK_TOKEN, _external=True),
            str(get_locale() or "id"),
        )
        flash(_("If this e-mail has an account, a reset link is on its way. It works for one hour."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if not call_service(lambda: services.user_for_reset_token(token)).ok:
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.reset_password(
                token, form.new_password.data, revoke_api_tokens=form.revoke_api_tokens.data
            )
        )
        if outcome.ok:
            flash(
                _("Your password has been changed and every session has ended. Log in with the new password."),
                "success",
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/profile")
@login_required
def profile():
    return render_template(
        "accounts/profile.html",
        tokens=services.user_tokens(current_user),
        token_form=ApiTokenForm(),
        new_token=None,
    )


@bp.route("/profile/edit", methods=["GET", "POST"])
@login_required
def edit_profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.nik.data = ""
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.update_profile(
                current_user,
                full_name=form.full_name.data,
                profession_code=form.profession_code.data,
                nik=form.nik.data,
                str_number=form.str_number.data,
                facility=form.facility.data,
                timezone=form.timezone.data,
                phone=form.phone.data,
            ),
            form=form,
        )
        if outcome.ok:
            flash(_("Profile saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/edit_profile.html", form=form)


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.change_password(current_user, form.current_password.data, form.new_password.data)
        )
        if outcome.ok:
            _stay_logged_in_here()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


def _stay_logged_in_here() -> None:
    """After the session version went up, give this device a session with the new version."""
    user = current_user._get_current_object()
    login_user(user)


@bp.post("/profile/sessions/end")
@login_required
def end_sessions():
    services.log_out_everywhere(current_user)
    db.session.commit()
    _stay_logged_in_here()
    flash(_("Every other device has been logged out. You stay logged in here."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/tokens")
@login_required
def create_token():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for("accounts.profile"))
    _token, plaintext = services.create_api_token(current_user, form.name.data)
    db.session.commit()
    # Shown once, on this response only; it is never stored in plain text.
    return render_template(
        "accounts/profile.html",
        tokens=services.user_tokens(current_user),
        token_form=ApiTokenForm(formdata=None),
        new_token=plaintext,
    )


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    services.revoke_api_token(current_user, token_id)
    db.session.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.profile"))


# --- organizations ---------------------------------------------------------------------------------------------


@bp.route("/organizations")
@login_required
def organizations():
    if not (current_user.is_platform_admin or current_user.has_role(Role.ORG_ADMIN)):
        abort(403)
    stmt = scope_to_organizations(select(Organization).order_by(Organization.name), Organization.id, current_user)
    return render_template("accounts/organizations.html", organizations=db.session.execute(stmt).scalars().all())


@bp.route("/organizations/new", methods=["GET", "POST"])
@platform_admin_required
def new_organization():
    form = OrganizationForm()
    if form.validate_on_submit():
        outcome = call_service(
            lambda: services.create_organization(
                current_user,
                slug=form.slug.data,
                name=form.name.data,
                kind=form.kind.data,
                province=form.province.data,
                regency=form.regency.data,
            ),
            form=form,
            field="slug",
        )
        if outcome.ok:
            organization = outcome.result
            flash(_("Organization created."), "success")
            return redirect(url_for("accounts.organization", organization_id=organization.id))
    return render_template("accounts/organization_form.html", form=form, organization=None)


@bp.route("/organizations/<int:organization_id>")
@organization_role_required(Role.ORG_ADMIN)
def organization(organization_id: int):
    return _organization_page(db.get_or_404(Organization, organization_id), MemberForm(formdata=None))


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@organization_role_required(Role.ORG_ADMIN)
def edit_organization(organization_id: int):
    org = db.get_or_404(Organization, organization_id)
    form = OrganizationForm(obj=org)
    form.slug.render_kw = {"readonly": True}
    governs = current_user.is_platform_admin
    if not governs:
        # Kind and region are the platform admin's to set: not offered, and ignored when posted.
        for field in services.PLATFORM_GOVERNED_FIELDS:
            delattr(form, field)
    if form.validate_on_submit():
        governed = {field: getattr(form, field).data for field in services.PLATFORM_GOVERNED_FIELDS} if governs else {}
        if call_service(lambda: services.update_organization(current_user, org, name=form.name.data, **governed)).ok:
            flash(_("Organization saved."), "success")
            return redirect(url_for("accounts.organization", organization_id=org.id))
    return render_template("accounts/organization_form.html", form=form, organization=org, governs=governs)


def _organization_page(org: Organization, member_form: MemberForm, status: int = 200):
    return (
        render_template(
            "accounts/organization.html",
            organization=org,
            members=services.organization_members(org),
            invitations=role_invitations.open_role_invitations(org),
            member_form=member_form,
        ),
        status,
    )


@bp.post("/organizations/<int:organization_id>/members")
@organization_role_required(Role.ORG_ADMIN)
def add_member(organization_id: int):
    """Give a role by e-mail: always an invitation, so the answer never tells whether the address has an account."""
    org = db.get_or_404(Organization, organization_id)
    form = MemberForm()
    if form.validate_on_submit():
        outcome = call_service(
            lambda: role_invitations.invite_to_role(
                current_user,
                org,
                email=form.email.data,
                role=form.role.data,
                accept_url=lambda token: url_for("accounts.role_invitation", token=token, _external=True),
            ),
            form=form,
            field="email",
        )
        if outcome.ok:
            invitation = outcome.result
            flash(
                _(
                    "Invitation sent to %(email)s. The role %(role)s applies when the owner of this e-mail accepts "
                    "it (registering first if needed).",
                    email=invitation.email,
                    role=Role(invitation.role).label,
                ),
                "success",
            )
            return redirect(url_for("accounts.organization", organization_id=org.id))
    return _organization_page(org, form, 422)


@bp.route("/role-invitations/<token>", methods=["GET", "POST"])
@login_required
def role_invitation(token: str):
    """The link of a role invitation: shows the organization and role, and accepts on POST."""
    invitation = role_invitations.invitation_from_token(token)
    form, status = Form(), 200
    if form.validate_on_submit():
        outcome = call_service(lambda: role_invitations.accept_role_invitation(current_user, token))
        status = outcome.status
        if outcome.ok:
            flash(
                _(
                    "You are now %(role)s of %(organization)s.",
                    role=Role(invitation.role).label,
                    organization=invitation.organization.name,
                ),  # fmt: skip
                "success",
            )
            return redirect(url_for("core.home"))
    return render_template("accounts/role_invitation.html", invitation=invitation, form=form), status


@bp.post("/organizations/<int:organization_id>/members/<int:membership_id>/remove")
@organization_role_required(Role.ORG_ADMIN)
def remove_member(organization_id: int, membership_id: int):
    membership = db.get_or_404(Membership, membership_id)
    if membership.organization_id != organization_id:
        abort(404)
    outcome = call_service(lambda: services.remove_membership(current_user, membership))
    if outcome.ok:
        flash(_("Role removed."), "success")
    return redirect(url_for("accounts.organization", organization_id=organization_id))


@bp.route("/organizations/<int:organization_id>/audit")
@organization_role_required(Role.ORG_ADMIN)
def organization_audit(organization_id: int):
    org = db.get_or_404(Organization, organization_id)
    entries = db.session.execute(
        select(AuditEntry)
        .where(AuditEntry.organization_id == org.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(200)
    ).scalars()
    return _audit_page(org, list(entries))


@bp.route("/admin/audit")
@platform_admin_required
def platform_audit():
    entries = db.session.execute(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(200)
    ).scalars()
    return _audit_page(None, list(entries))


def _audit_page(organization: Organization | None, entries: list[AuditEntry]):
    describe_entries(entries)  # what the sentences name, read for the whole page at once
    return render_template("accounts/audit.html", organization=organization, entries=entries)
