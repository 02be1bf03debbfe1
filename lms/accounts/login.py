"""Flask-Login wiring: users from the session cookie or from an API bearer token."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_babel import gettext as _

from lms.accounts import services
from lms.accounts.identity import profession_name
from lms.accounts.models import ConsentPurpose, FacilityKind, OrganizationKind, Role, User
from lms.core.errors import json_error, wants_json
from lms.core.security import bearer_token, uses_bearer_token
from lms.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if uses_bearer_token():
        return None  # a request that brings a token is judged by the token alone
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


@login_manager.request_loader
def load_user_from_token(req) -> User | None:
    if not uses_bearer_token():
        return None
    return services.user_for_api_token(bearer_token())


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        return json_error(401, _("Log in first: send a valid bearer token."), "unauthorized")
    flash(_("Please log in to open this page."), "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def template_globals() -> dict:
    return {
        "Role": Role,
        "OrganizationKind": OrganizationKind,
        "FacilityKind": FacilityKind,
        "ConsentPurpose": ConsentPurpose,
        "profession_name": profession_name,
    }


def init_app(app: Flask) -> None:
    app.context_processor(template_globals)
    app.jinja_env.filters["profession_name"] = profession_name
