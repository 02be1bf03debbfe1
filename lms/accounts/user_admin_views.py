"""Platform-admin pages for accounts: the searchable list, one account with its roles, and the audited actions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts import bp, role_invitations, services, user_admin
from lms.accounts.forms import MemberForm
from lms.accounts.models import Membership, Organization, User
from lms.accounts.permissions import platform_admin_required
from lms.core.forms import Form
from lms.core.service_calls import call_service
from lms.extensions import db


@bp.route("/admin/users")
@platform_admin_required
def admin_users():
    text = request.args.get("q", "").strip()[:100]
    inactive_only = request.args.get("inactive") == "1"
    page = request.args.get("page", 1, type=int) or 1
    users, total = user_admin.user_page(current_user, text, inactive_only=inactive_only, page=page)
    return render_template(
        "accounts/admin_users.html",
        users=users,
        total=total,
        total_text=format_number(total),
        text=text,
        inactive_only=inactive_only,
        page=page,
        page_size=user_admin.PAGE_SIZE,
    )


def _user_page(user: User, role_form: MemberForm | None = None, status: int = 200):
    organizations = db.session.execute(select(Organization).order_by(Organization.name)).scalars().all()
    return render_template(
        "accounts/admin_user.html",
        user=user,
        organizations=organizations,
        role_form=role_form or MemberForm(formdata=None),
        action_form=Form(formdata=None),
    ), status


@bp.route("/admin/users/<int:user_id>")
@platform_admin_required
def admin_user(user_id: int):
    return _user_page(db.get_or_404(User, user_id))


def _done(user: User, message: str | None):
    if message:
        flash(message, "success")
    return redirect(url_for("accounts.admin_user", user_id=user.id))


def _back_to(user: User):
    """After a refusal (call_service has rolled back and flashed why): the user's page again."""
    return redirect(url_for("accounts.admin_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/<any(deactivate, reactivate):action>")
@platform_admin_required
def admin_set_active(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    if not Form().validate_on_submit():
        abort(400)
    outcome = call_service(lambda: user_admin.set_active(current_user, user, action == "reactivate"))
    if not outcome.ok:
        return _back_to(user)
    changed = outcome.result
    if not changed:
        return _done(user, None)
    return _done(user, _("%(name)s can log in again.", name=user.full_name) if action == "reactivate"
                 else _("%(name)s is deactivated and can no longer log in.", name=user.full_name))  # fmt: skip


@bp.post("/admin/users/<int:user_id>/reset-link")
@platform_admin_required
def admin_send_reset_link(user_id: int):
    user = db.get_or_404(User, user_id)
    if not Form().validate_on_submit():
        abort(400)
    outcome = call_service(
        lambda: user_admin.send_reset_link(
            current_user, user, lambda token: url_for("accounts.reset_password", token=token, _external=True)
        )
    )
    if not outcome.ok:
        return _back_to(user)
    return _done(user, _("A reset link was sent to %(email)s.", email=user.email))


@bp.post("/admin/users/<int:user_id>/platform-admin/<any(grant, revoke):action>")
@platform_admin_required
def admin_set_platform_admin(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    if not Form().validate_on_submit():
        abort(400)
    outcome = call_service(lambda: user_admin.set_platform_admin(current_user, user, action == "grant"))
    if not outcome.ok:
        return _back_to(user)
    return _done(user, _("Saved."))


@bp.post("/admin/users/<int:user_id>/roles")
@platform_admin_required
def admin_add_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = MemberForm(data={"email": user.email})
    organization = db.session.get(Organization, request.form.get("organization_id", type=int) or 0)
    if organization is None or not form.validate_on_submit():
        flash(_("Choose an organization and a role."), "error")
        return _user_page(user, form, 422)
    outcome = call_service(lambda: role_invitations.grant_role(current_user, organization, user, form.role.data))
    if not outcome.ok:
        return _back_to(user)
    return _done(user, _("Role added."))


@bp.post("/admin/users/<int:user_id>/roles/<int:membership_id>/remove")
@platform_admin_required
def admin_remove_role(user_id: int, membership_id: int):
    user = db.get_or_404(User, user_id)
    membership = db.get_or_404(Membership, membership_id)
    if membership.user_id != user.id or not Form().validate_on_submit():
        abort(404)
    outcome = call_service(lambda: services.remove_membership(current_user, membership))
    if not outcome.ok:
        return _back_to(user)
    return _done(user, _("Role removed."))
