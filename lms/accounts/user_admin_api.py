"""/api/v1/users: the platform admin's account management (find, deactivate or reactivate, reset link)."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.accounts import user_admin
from lms.accounts.models import User
from lms.core.api import ADMIN_ERRORS, BEARER, token_required
from lms.core.errors import NotFound, PermissionDenied
from lms.extensions import db

blp = Blueprint("users_api", __name__, description="Platform admins: user accounts")


class UserQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))


class AdminUserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    profession_code = fields.String(allow_none=True)
    str_number = fields.String(allow_none=True)
    nik_masked = fields.String(attribute="masked_nik")
    is_active = fields.Boolean(attribute="is_active_account")
    is_platform_admin = fields.Boolean()
    last_login_at = fields.DateTime(allow_none=True)


class UserPageSchema(Schema):
    total = fields.Integer()
    users = fields.List(fields.Nested(AdminUserSchema))


class UserUpdateSchema(Schema):
    is_active = fields.Boolean()
    is_platform_admin = fields.Boolean()


class SentSchema(Schema):
    sent = fields.Boolean()


def _user(user_id: int) -> User:
    if not current_user.is_platform_admin:
        raise PermissionDenied()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


@blp.get("/users")
@blp.doc(security=BEARER)
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserPageSchema)
@token_required
def list_users(query: dict):
    """Accounts matching `q` (name or e-mail fragment, STR, whole NIK), 50 per page (platform admins only)."""
    users, total = user_admin.user_page(current_user, query["q"], page=query["page"])
    return {"total": total, "users": users}


@blp.patch("/users/<int:user_id>")
@blp.doc(security=BEARER)
@blp.arguments(UserUpdateSchema)
@blp.response(200, AdminUserSchema)
@blp.alt_response(404, **ADMIN_ERRORS[404])
@token_required
def update_user(changes: dict, user_id: int):
    """Deactivate or reactivate an account, grant or take the platform admin flag (audited)."""
    user = _user(user_id)
    if "is_active" in changes:
        user_admin.set_active(current_user, user, changes["is_active"])
    if "is_platform_admin" in changes:
        user_admin.set_platform_admin(current_user, user, changes["is_platform_admin"])
    db.session.commit()
    return user


@blp.post("/users/<int:user_id>/password-reset")
@blp.doc(security=BEARER)
@blp.response(200, SentSchema)
@blp.alt_response(404, **ADMIN_ERRORS[404])
@token_required
def send_reset_link(user_id: int):
    """E-mail the person a link to choose a new password (audited)."""
    user = _user(user_id)
    user_admin.send_reset_link(
        current_user, user, lambda token: url_for("accounts.reset_password", token=token, _external=True)
    )
    db.session.commit()
    return {"sent": True}
