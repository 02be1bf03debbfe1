"""API for memberships: an organization's confirmed members, requests and invitations (org admins); the worker's
own memberships and workplace; the facility list."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import select

from lms.accounts import facilities, memberships
from lms.accounts.models import Facility, MembershipStatus, Organization, Role, WorkerMembership
from lms.accounts.permissions import has_organization_role
from lms.core.api import BEARER, token_required
from lms.core.api_errors import documented_errors
from lms.core.errors import InvalidInput, NotFound
from lms.extensions import db

blp = Blueprint("memberships_api", __name__, description="Members of organizations, requests, invitations, facilities")

STATUS_VALUES = [s.value for s in MembershipStatus]


class MemberRowSchema(Schema):
    membership_id = fields.Integer()
    user_id = fields.Integer(allow_none=True, metadata={"description": "null for an invitation not yet accepted"})
    full_name = fields.String(metadata={"description": "empty for an invitation not yet accepted"})
    email = fields.String()
    profession_code = fields.String(allow_none=True)
    membership_number = fields.String(allow_none=True, metadata={"description": "nomor KTA"})
    facility = fields.String(allow_none=True, metadata={"description": "confirmed members: where they work"})
    status = fields.String(validate=validate.OneOf(STATUS_VALUES))
    requested_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class MemberPageSchema(Schema):
    members = fields.List(fields.Nested(MemberRowSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    q = fields.String(
        load_default="", validate=validate.Length(max=120), metadata={"description": "name, e-mail or number"}
    )


class RequestListArgsSchema(PageArgsSchema):
    status = fields.String(
        load_default=MembershipStatus.REQUESTED.value,
        validate=validate.OneOf([MembershipStatus.REQUESTED.value, MembershipStatus.INVITED.value]),
    )


class InvitationSchema(Schema):
    email = fields.Email(required=True)
    membership_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class InvitationSentSchema(Schema):
    status = fields.String(metadata={"description": "always `sent`: whether the address has an account is not told"})


class ConfirmSchema(Schema):
    membership_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class MyMembershipSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    organization_name = fields.Function(lambda m: m.organization.name)
    membership_number = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUS_VALUES))
    requested_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class ConsentingSchema(Schema):
    consent = fields.Boolean(
        required=True,
        metadata={"description": "must be true: the worker agrees to the sharing the consent wording describes"},
    )

    @validates("consent")
    def must_agree(self, value, **kwargs):
        if value is not True:
            raise ValidationError(str(_l("Agree to the sharing, or nothing is filed.")))


class MembershipRequestSchema(ConsentingSchema):
    organization_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    membership_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class FacilitySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    province = fields.String()
    regency = fields.String()


class JoinFacilitySchema(ConsentingSchema):
    facility_code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class StaffPlaceSchema(Schema):
    id = fields.Integer()
    facility = fields.Nested(FacilitySchema)
    status = fields.String(validate=validate.OneOf(STATUS_VALUES))


def _endpoint(operation_id: str, schema, *errors: int, status: int = 200) -> Callable:
    """The bearer check and the documentation every endpoint here carries: its operation id, what it answers
    (`schema`, with `status`) and the errors it may answer with."""

    def decorator(view: Callable) -> Callable:
        view = documented_errors(blp, *errors)(token_required(view))
        return blp.doc(security=BEARER, operationId=operation_id)(blp.response(status, schema)(view))

    return decorator


def _organization_for_admin(organization_id: int) -> Organization:
    # Same answer for "absent" and "not yours": another organization's ids are not confirmed.
    organization = db.session.get(Organization, organization_id)
    if organization is None or not has_organization_role(current_user, organization_id, (Role.ORG_ADMIN,)):
        raise NotFound()
    return organization


def _page(organization_id: int, status: MembershipStatus, args: dict) -> dict:
    """One page of the organization's memberships of `status` (organization admins)."""
    organization = _organization_for_admin(organization_id)
    rows, total = memberships.member_rows(
        current_user, organization.id, status, page=args["page"], per_page=args["per_page"], search=args["q"]
    )
    return {"members": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}


def _locale() -> str:
    return str(get_locale() or "id")


# --- organization admins ------------------------------------------------------------------------------------------


@blp.get("/organizations/<int:organization_id>/members")
@blp.arguments(PageArgsSchema, location="query")
@_endpoint("listOrganizationMembers", MemberPageSchema, 401, 404, 422)
def list_members(args, organization_id: int):
    """Confirmed members with their membership number (nomor KTA) and facility, by name, a page at a time."""
    return _page(organization_id, MembershipStatus.CONFIRMED, args)


@blp.get("/organizations/<int:organization_id>/membership-requests")
@blp.arguments(RequestListArgsSchema, location="query")
@_endpoint("listMembershipRequests", MemberPageSchema, 401, 404, 422)
def list_requests(args, organization_id: int):
    """Open requests to join (`status=requested`, the default) or invitations not yet answered (`status=invited`:
    only the address is shown)."""
    return _page(organization_id, MembershipStatus(args["status"]), args)


def _decide(organization_id: int, membership_id: int, decision: Callable[[WorkerMembership], object]) -> dict:
    """Run `decision` (confirm or decline) on a request to join the organization, commit, and answer its row."""
    _organization_for_admin(organization_id)
    membership = memberships.membership_in(current_user, organization_id, membership_id)
    decision(membership)
    db.session.commit()
    user = membership.user
    return {
        "membership_id": membership.id,
        "user_id": membership.user_id,
        "full_name": user.full_name if user else "",
        "email": user.email if user else membership.invited_email,
        "profession_code": user.profession_code if user else None,
        "membership_number": membership.membership_number,
        "facility": None,
        "status": MembershipStatus(membership.status).value,
        "requested_at": membership.requested_at,
        "decided_at": membership.decided_at,
    }


@blp.post("/organizations/<int:organization_id>/membership-requests/<int:membership_id>/confirm")
@blp.arguments(ConfirmSchema)
@_endpoint("confirmMembershipRequest", MemberRowSchema, 401, 404, 409, 422)
def confirm_request(data, organization_id: int, membership_id: int):
    """Confirm a request to join, optionally correcting the membership number (409 once decided, or when another
    member holds the number)."""
    return _decide(
        organization_id,
        membership_id,
        lambda membership: memberships.confirm_request(
            current_user, membership, membership_number=data["membership_number"]
        ),
    )


@blp.post("/organizations/<int:organization_id>/membership-requests/<int:membership_id>/decline")
@_endpoint("declineMembershipRequest", MemberRowSchema, 401, 404, 409)
def decline_request(organization_id: int, membership_id: int):
    """Decline a request to join (409 once decided)."""
    return _decide(
        organization_id, membership_id, lambda membership: memberships.decline_request(current_user, membership)
    )


@blp.post("/organizations/<int:organization_id>/invitations")
@blp.arguments(InvitationSchema)
@_endpoint("inviteMember", InvitationSentSchema, 401, 404, 422, status=202)
def invite(data, organization_id: int):
    """Invite the owner of an e-mail address to be a member; she becomes one when she accepts. The answer is the
    same whether or not the address has an account."""
    organization = _organization_for_admin(organization_id)
    memberships.invite_member(
        current_user,
        organization,
        email=data["email"],
        membership_number=data["membership_number"],
        register_url=url_for("accounts.register", _external=True),
    )
    db.session.commit()
    return {"status": "sent"}


# --- the worker -----------------------------------------------------------------------------------------------------


@blp.get("/me/memberships")
@_endpoint("listMyMemberships", MyMembershipSchema(many=True), 401)
def my_memberships():
    """The caller's memberships, open requests and invitations."""
    return memberships.memberships_of(current_user)


@blp.post("/me/memberships")
@blp.arguments(MembershipRequestSchema)
@_endpoint("requestMembership", MyMembershipSchema, 401, 404, 409, 422, status=201)
def request_membership(data):
    """Ask to join a professional organization with one's membership number, agreeing that it sees one's record
    once it confirms (an open invitation from it is accepted instead)."""
    organization = db.session.get(Organization, data["organization_id"])
    if organization is None:
        raise NotFound()
    membership = memberships.request_membership(
        current_user, organization, membership_number=data["membership_number"], locale=_locale()
    )
    db.session.commit()
    return membership


def _my_action(change, membership_id: int, **kwargs):
    membership = change(current_user, membership_id, **kwargs)
    db.session.commit()
    return membership


@blp.post("/me/memberships/<int:membership_id>/accept")
@_endpoint("acceptMembershipInvitation", MyMembershipSchema, 401, 404, 409)
def accept_invitation(membership_id: int):
    """Accept an organization's invitation (and the sharing it means)."""
    return _my_action(memberships.accept_invitation, membership_id, locale=_locale())


@blp.post("/me/memberships/<int:membership_id>/decline")
@_endpoint("declineMembershipInvitation", MyMembershipSchema, 401, 404, 409)
def decline_invitation(membership_id: int):
    return _my_action(memberships.decline_invitation, membership_id)


@blp.post("/me/memberships/<int:membership_id>/leave")
@_endpoint("leaveOrganization", MyMembershipSchema, 401, 404, 409)
def leave(membership_id: int):
    """Leave an organization (or withdraw a request): it stops seeing the caller's record at once."""
    return _my_action(memberships.leave_organization, membership_id)


@blp.get("/facilities")
@_endpoint("listFacilities", FacilitySchema(many=True), 401)
def list_facilities():
    """Every health facility, by province, regency and name."""
    return facilities.all_facilities()


@blp.get("/me/facilities")
@_endpoint("listMyFacilities", StaffPlaceSchema(many=True), 401)
def my_facilities():
    return facilities.staff_places(current_user)


@blp.post("/me/facilities")
@blp.arguments(JoinFacilitySchema)
@_endpoint("joinFacility", StaffPlaceSchema, 401, 422, status=201)
def join_facility(data):
    """Say where one works, agreeing that the health office over its area sees one's SKP standing."""
    facility = db.session.execute(select(Facility).where(Facility.code == data["facility_code"])).scalar_one_or_none()
    if facility is None:
        raise InvalidInput(_l("Choose a facility from the list."))
    staff = facilities.join_facility(current_user, facility, locale=_locale())
    db.session.commit()
    return staff


@blp.post("/me/facilities/<int:staff_id>/leave")
@_endpoint("leaveFacility", StaffPlaceSchema, 401, 404)
def leave_facility(staff_id: int):
    staff = facilities.leave_facility(current_user, staff_id)
    db.session.commit()
    return staff
