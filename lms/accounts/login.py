"""Flask-Login wiring: users from the session cookie or from an API bearer token."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from lms.accounts import services
from lms.accounts.identity import profession_name
from lms.accounts.models import ConsentPurpose, FacilityKind, OrganizationKind, Role, User
from lms.core.errors import json_error, wants_json
from lms.core.security import bearer_token, uses_bearer_token
from lms.extensions import db, login_manager

_SESSION_USER = select(User).where(User.id == bindparam("user_id")).options(joinedload(User.memberships))
"""The session's user with her roles (and their organizations) in one statement: every signed-in page reads her
roles for its menu. Read afresh on every request (never from a cache), so that a raised session version, a
deactivated account or a role taken away counts at the next request."""


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if uses_bearer_token():
        return None  # a request that brings a token is judged by the token alone
    id_part, _, version = user_id.partition(".")
    if not (id_part.isdigit() and version.isdigit()):
        return None  # a session from before session versions, or forged: log in again
    user = db.session.execute(_SESSION_USER, {"user_id": int(id_part)}).unique().scalar_one_or_none()
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


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
    app.jinja_env.globals.update(template_globals())  # constants: set once, not computed for every render
    app.jinja_env.filters["profession_name"] = profession_name
