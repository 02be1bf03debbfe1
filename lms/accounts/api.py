"""API endpoints for tokens, the current user, organizations and memberships."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from lms.accounts import role_invitations, services, throttle, two_factor
from lms.accounts.identity import profession_name
from lms.accounts.models import Organization, Role
from lms.accounts.permissions import has_organization_role, scope_to_organizations
from lms.accounts.two_factor_views import required_for
from lms.core.api import BEARER, TOO_MANY_REQUESTS, ApiErrorSchema, token_required
from lms.core.errors import DomainError, NotFound, json_error
from lms.core.security import bearer_token, csrf_exempt, uses_bearer_token
from lms.extensions import db, limiter

blp = Blueprint("accounts_api", __name__, description="Authentication, the current user and organizations")


class TokenRequestSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="API", validate=validate.Length(max=80))
    otp = fields.String(
        load_default=None,
        validate=validate.Length(max=20),
        metadata={"description": "Code from the authenticator app (or a recovery code) when two-factor is on."},
    )


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


class RoleInvitationSchema(Schema):
    email = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    status = fields.Constant("invited", dump_only=True, metadata={"description": "always `invited`"})


@blp.post("/auth/token")
@limiter.limit(throttle.login_rate_limit, shared=True)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(
    401,
    schema=ApiErrorSchema,
    description="Wrong e-mail or password (invalid_credentials), or two-factor is on and `otp` is missing or wrong "
    "(two_factor_required).",
)
@blp.alt_response(
    403,
    schema=ApiErrorSchema,
    description="The caller's role requires two-factor authentication, not set up yet (two_factor_required).",
)
@blp.alt_response(429, **TOO_MANY_REQUESTS)
@csrf_exempt
def create_token(data):
    """Exchange e-mail and password for a bearer token. Failed attempts are limited per account from all addresses
    together, and all attempts per address (429 with Retry-After)."""
    throttle.refuse_locked_account(data["email"])
    user = services.authenticate(data["email"], data["password"])
    if user is None:
        throttle.record_login_failure(data["email"])
        return json_error(401, _("The e-mail or password is not correct."), "invalid_credentials")
    if user.has_two_factor and not two_factor.verify(user, data["otp"] or ""):
        throttle.record_login_failure(data["email"])
        db.session.commit()  # a recovery code or time step used stays used
        return json_error(401, _("Send the code from your authenticator app as `otp`."), "two_factor_required")
    if not user.has_two_factor and required_for(user):
        return json_error(
            403,
            _("Your role requires two-factor authentication: set it up in your profile first."),
            "two_factor_required",
        )
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
@blp.doc(security=BEARER, operationId="inviteToRole")
@blp.response(202, RoleInvitationSchema)
@token_required
@blp.arguments(MemberSchema)
def add_role(data, organization_id: int):
    """Give a role by e-mail: an invitation is recorded and its link e-mailed; the role applies when the owner of the
    address accepts it. The same answer whether or not the address has an account (or holds the role already)."""
    organization = _organization_for_admin(organization_id)
    try:
        invitation = role_invitations.invite_to_role(
            current_user,
            organization,
            email=data["email"],
            role=data["role"],
            accept_url=lambda token: url_for("accounts.role_invitation", token=token, _external=True),
        )
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return invitation
