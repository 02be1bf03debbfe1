"""API endpoints for tokens, the current user, organizations and memberships."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from lms.accounts import services
from lms.accounts.identity import profession_name
from lms.accounts.models import Organization, Role
from lms.accounts.permissions import has_organization_role, scope_to_organizations
from lms.core.api import BEARER, TOO_MANY_REQUESTS, token_required
from lms.core.errors import DomainError, NotFound, json_error
from lms.core.security import bearer_token, csrf_exempt, uses_bearer_token
from lms.extensions import db, limiter

blp = Blueprint("accounts_api", __name__, description="Authentication, the current user and organizations")


class TokenRequestSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="API", validate=validate.Length(max=80))


class TokenSchema(Schema):
    token = fields.String()
    token_type = fields.String()
    name = fields.String()


class MembershipSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    organization_name = fields.Function(lambda m: m.organization.name)
    role = fields.String()


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    profession_code = fields.String(allow_none=True)
    profession_name = fields.Function(lambda u: profession_name(u.profession_code))
    nik_masked = fields.String(attribute="masked_nik")
    str_number = fields.String(allow_none=True)
    facility = fields.String(allow_none=True)
    timezone = fields.String()
    locale = fields.String(allow_none=True)
    is_platform_admin = fields.Boolean()
    memberships = fields.List(fields.Nested(MembershipSchema))


class OrganizationSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    kind = fields.String()
    province = fields.String(allow_none=True)
    regency = fields.String(allow_none=True)


class MemberSchema(Schema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True)
    full_name = fields.Function(lambda m: m.user.full_name, dump_only=True)
    email = fields.Email(required=True, load_only=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role if r != Role.MEMBER]))


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.post("/auth/token")
@limiter.limit(_login_rate_limit)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(429, **TOO_MANY_REQUESTS)
@csrf_exempt
def create_token(data):
    """Exchange e-mail and password for a bearer token."""
    user = services.authenticate(data["email"], data["password"])
    if user is None:
        return json_error(401, _("The e-mail or password is not correct."), "invalid_credentials")
    token, plaintext = services.create_api_token(user, data["name"])
    db.session.commit()
    return {"token": plaintext, "token_type": "Bearer", "name": token.name}


@blp.delete("/auth/token")
@blp.doc(security=BEARER)
@blp.response(204)
@token_required
def revoke_token():
    """Revoke the bearer token sent with this request."""
    if not uses_bearer_token():
        return json_error(400, _("Send the token to revoke as a bearer token."), "bad_request")
    services.revoke_token_by_value(bearer_token())
    db.session.commit()
    return None


@blp.get("/me")
@blp.doc(security=BEARER)
@blp.response(200, MeSchema)
@token_required
def me():
    """The logged-in user's profile (NIK masked) and roles."""
    return current_user


@blp.get("/organizations")
@blp.doc(security=BEARER)
@blp.response(200, OrganizationSchema(many=True))
@token_required
def list_organizations():
    """Organizations the caller administers (all of them for a platform admin)."""
    stmt = scope_to_organizations(select(Organization).order_by(Organization.name), Organization.id, current_user)
    return db.session.execute(stmt).scalars().all()


def _organization_for_admin(organization_id: int) -> Organization:
    # Same answer for "absent" and "not yours": another organization's ids are not confirmed.
    organization = db.session.get(Organization, organization_id)
    if organization is None or not has_organization_role(current_user, organization_id, (Role.ORG_ADMIN,)):
        raise NotFound()
    return organization


@blp.get("/organizations/<int:organization_id>")
@blp.doc(security=BEARER)
@blp.response(200, OrganizationSchema)
@token_required
def get_organization(organization_id: int):
    return _organization_for_admin(organization_id)


@blp.get("/organizations/<int:organization_id>/roles")
@blp.doc(security=BEARER)
@blp.response(200, MemberSchema(many=True))
@token_required
def list_roles(organization_id: int):
    """People holding a role (admin, facilitator, supervisor) in the organization; its members are under
    `/members`."""
    return services.organization_members(_organization_for_admin(organization_id))


@blp.post("/organizations/<int:organization_id>/roles")
@blp.doc(security=BEARER)
@blp.response(201, MemberSchema)
@token_required
@blp.arguments(MemberSchema)
def add_role(data, organization_id: int):
    """Give an existing user a role in the organization."""
    organization = _organization_for_admin(organization_id)
    try:
        membership = services.add_member(current_user, organization, email=data["email"], role=data["role"])
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return membership
