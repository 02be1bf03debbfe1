"""Pages for two-factor authentication: enrolment and recovery codes in the profile, the code step of the login,
and the rule that sends an admin who must use it to enrol before anything else."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.globals import _cv_request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user
from markupsafe import Markup

from lms.accounts import bp, throttle, two_factor
from lms.accounts.forms import TwoFactorCodeForm
from lms.accounts.models import User
from lms.core.errors import json_error, wants_json
from lms.core.security import signed_in_user, uses_bearer_token
from lms.core.service_calls import ServiceCall, call_service
from lms.core.urls import safe_next_url
from lms.extensions import db, limiter

PENDING_LOGIN = "two_factor_login"
PENDING_SECRET = "two_factor_secret"
PENDING_LOGIN_SECONDS = 300

# Pages an admin who must enrol can still open: enrolment itself, logging out, the files the pages need.
OPEN_BEFORE_ENROLMENT = {
    "accounts.two_factor_settings",
    "accounts.logout",
    "accounts_api.revoke_token",
    "static",
    "accounts.set_language",
    "core.healthz",
}


def required_for(user: User) -> bool:
    return two_factor.is_required_for(user, current_app.config.get("REQUIRE_2FA_FOR_ADMINS", True))


def start_second_step(user: User) -> str:
    """Remember who gave the right password (not logged in yet) and return where to enter the code."""
    session[PENDING_LOGIN] = {"user": user.get_id(), "at": int(time.time())}
    return url_for("accounts.login_two_factor", next=request.args.get("next"))


def _pending_user() -> User | None:
    pending = session.get(PENDING_LOGIN) or {}
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_LOGIN_SECONDS:
        return None
    id_part, _, version = str(pending.get("user", "")).partition(".")
    user = db.session.get(User, int(id_part)) if id_part.isdigit() else None
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return user


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(throttle.login_rate_limit, methods=["POST"], shared=True)
def login_two_factor():
    user = _pending_user()
    if user is None:
        session.pop(PENDING_LOGIN, None)
        flash(_("Log in with your e-mail and password first."), "info")
        return redirect(url_for("accounts.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        throttle.refuse_locked_account(user.email)
        if two_factor.verify(user, form.code.data):
            db.session.commit()
            session.pop(PENDING_LOGIN, None)
            login_user(user)
            if user.locale:
                session["locale"] = user.locale
            flash(_("Welcome, %(name)s.", name=user.full_name), "success")
            return redirect(safe_next_url())
        throttle.record_login_failure(user.email)
        form.code.errors.append(str(two_factor.WrongCode().message))
    return render_template("accounts/login_two_factor.html", form=form)


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_settings():
    user = current_user._get_current_object()
    form = TwoFactorCodeForm()
    if user.has_two_factor:
        return _settings_page(user, None)
    secret = session.get(PENDING_SECRET) or two_factor.new_secret()
    session[PENDING_SECRET] = secret
    if form.validate_on_submit():
        outcome = call_service(lambda: two_factor.enable(user, secret, form.code.data), form=form, field="code")
        if outcome.ok:
            enrolment = outcome.result
            session.pop(PENDING_SECRET, None)
            login_user(user)  # enabling ended every session; this device keeps a new one
            flash(_("Two-factor authentication is on."), "success")
            if enrolment.tokens_revoked:
                flash(
                    ngettext(
                        "%(num)d API token was revoked: it was issued before two-factor was on. "
                        "Make a new one below if you still need it.",
                        "%(num)d API tokens were revoked: they were issued before two-factor was on. "
                        "Make new ones below if you still need them.",
                        enrolment.tokens_revoked,
                    ),
                    "info",
                )
            return _settings_page(user, enrolment.recovery_codes)
    uri = two_factor.provisioning_uri(secret, user.email, current_app.config.get("PLATFORM_NAME", "Lentera"))
    return render_template(
        "accounts/two_factor_enrol.html",
        form=form,
        secret=secret,
        qr=Markup(two_factor.qr_svg(uri)),
        required=required_for(user),
    )


@bp.post("/profile/two-factor/disable")
@login_required
def disable_two_factor():
    outcome = _with_code(
        TwoFactorCodeForm(prefix="disable"),
        lambda code: two_factor.disable(current_user, code, required=required_for(current_user)),
    )
    if outcome.ok:
        login_user(current_user._get_current_object())  # every other session ended; this device keeps a new one
        flash(_("Two-factor authentication is off. You were logged out of every other device."), "success")
    return redirect(url_for("accounts.two_factor_settings"))


@bp.post("/profile/two-factor/recovery-codes")
@login_required
def replace_recovery_codes():
    outcome = _with_code(
        TwoFactorCodeForm(prefix="replace"), lambda code: two_factor.regenerate_recovery_codes(current_user, code)
    )
    if not outcome.ok:
        return redirect(url_for("accounts.two_factor_settings"))
    return _settings_page(current_user, outcome.result)


def _with_code(form: TwoFactorCodeForm, change: Callable[[str], object]) -> ServiceCall:
    """Run `change` with the code the form carries; a form sent without a code is refused as a wrong code."""

    def checked():
        if not form.validate_on_submit():
            raise two_factor.WrongCode()
        return change(form.code.data)

    return call_service(checked)


def _settings_page(user: User, new_codes: list[str] | None):
    return render_template(
        "accounts/two_factor.html",
        replace_form=TwoFactorCodeForm(formdata=None, prefix="replace"),
        disable_form=TwoFactorCodeForm(formdata=None, prefix="disable"),
        required=required_for(user),
        unused=two_factor.unused_recovery_codes(user),
        recovery_codes=new_codes,
    )


@bp.before_app_request
def send_admins_to_enrol():
    """An admin who must use two-factor and has not enrolled can do nothing else until they do; an API token of
    theirs (issued before two-factor became required for them) is refused until then, and enrolling revokes it."""
    if _cv_request.get().request.endpoint in OPEN_BEFORE_ENROLMENT:  # the request itself: every request asks
        return None
    user = signed_in_user()
    if not user.is_authenticated:
        return None
    if user.has_two_factor or not required_for(user):
        return None
    if uses_bearer_token() or wants_json():
        return json_error(
            403,
            _("Your role requires two-factor authentication: set it up in your profile first."),
            "two_factor_required",
        )
    flash(_("Your role requires two-factor authentication. Set it up to continue."), "info")
    return redirect(url_for("accounts.two_factor_settings"))
