"""API of the organization dashboard: `GET /organizations/{id}/member-standings`, its members' SKP standing for the
organization's admins, a page at a time with a keyset cursor, and the members per state from the maintained counts."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.core.api import BEARER, token_required
from lms.core.api_errors import documented_errors
from lms.core.i18n import local_today
from lms.courses.curriculum import Ranah
from lms.records import dashboards
from lms.records.dashboards import MemberStanding
from lms.records.skp import SkpState

blp = Blueprint("dashboard_api", __name__, description="Organization dashboard (organization admins)")

STATES = [s.value for s in SkpState]


class MemberStandingArgsSchema(Schema):
    state = fields.String(load_default="", validate=validate.OneOf(["", *STATES]))
    profession = fields.String(load_default="", validate=validate.Length(max=60), metadata={"description": "code"})
    q = fields.String(load_default="", validate=validate.Length(max=120), metadata={"description": "name or e-mail"})
    renewal_due = fields.Boolean(
        load_default=False, metadata={"description": "only members short of SKP whose SIP renewal is within 12 months"}
    )
    after = fields.String(
        load_default=None, validate=validate.Length(max=400), metadata={"description": "next_cursor of the last page"}
    )
    before = fields.String(
        load_default=None,
        validate=validate.Length(max=400),
        metadata={"description": "previous_cursor of the last page (walks back)"},
    )
    limit = fields.Integer(
        load_default=dashboards.PER_PAGE, validate=validate.Range(min=1, max=dashboards.MAX_PER_PAGE)
    )


class RanahStandingSchema(Schema):
    ranah = fields.String(validate=validate.OneOf([r.value for r in Ranah]))
    earned = fields.Float()
    minimum = fields.Float(metadata={"description": "what the cycle needs in this ranah"})
    short = fields.Boolean(
        metadata={"description": "behind in this ranah: less earned than `minimum` × the share of the cycle gone by"}
    )


class MemberStandingSchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    email = fields.String()
    profession_code = fields.String(allow_none=True)
    state = fields.String(validate=validate.OneOf(STATES))
    skp_earned = fields.Float()
    skp_target = fields.Float()
    skp_missing = fields.Float()
    ranah = fields.List(fields.Nested(RanahStandingSchema))
    sip_renewal_on = fields.Date(allow_none=True, metadata={"description": "the day after the SIP cycle ends"})


class MemberStandingPageSchema(Schema):
    members = fields.List(fields.Nested(MemberStandingSchema))
    counts = fields.Dict(
        keys=fields.String(validate=validate.OneOf(STATES)),
        values=fields.Integer(),
        metadata={"description": "confirmed members per SKP state, over the whole organization"},
    )
    total = fields.Integer(
        allow_none=True,
        metadata={
            "description": "members matching the filters; null for a name search (not counted); with renewal_due "
            f"counted up to {dashboards.MATCHES_COUNTED + 1} (more than {dashboards.MATCHES_COUNTED})"
        },
    )
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as `after`; null on the last page"})
    previous_cursor = fields.String(
        allow_none=True, metadata={"description": "pass as `before`; null on the first page"}
    )


def standing_fields(m: MemberStanding) -> dict:
    """A member's SKP standing as the API gives it (this endpoint and the supervisors' worker list)."""
    return {
        "user_id": m.user_id,
        "full_name": m.full_name,
        "profession_code": m.profession_code,
        "state": m.state,
        "skp_earned": m.earned,
        "skp_target": m.target,
        "skp_missing": m.missing,
        "ranah": [
            {
                "ranah": r.value,
                "earned": m.earned_per_ranah[r.value],
                "minimum": m.minimum_per_ranah[r.value],
                "short": r.value in m.short_ranah,
            }
            for r in Ranah
        ],
        "sip_renewal_on": m.renewal_on,
    }


@blp.get("/organizations/<int:organization_id>/member-standings")
@blp.doc(security=BEARER, operationId="listMemberStandings")
@blp.arguments(MemberStandingArgsSchema, location="query")
@blp.response(200, MemberStandingPageSchema)
@documented_errors(blp, 401, 403, 422)
@token_required
def list_member_standings(args, organization_id: int):
    """The organization's confirmed members with their SKP standing for their SIP cycle, by name; a page at a time
    with `after` = the previous page's `next_cursor` (or `before` = its `previous_cursor` to walk back)."""
    filters = dashboards.MemberFilters(
        state=args["state"], profession=args["profession"], name=args["q"], renewal_due=args["renewal_due"]
    )
    page = dashboards.member_standings(
        current_user,
        organization_id,
        filters,
        local_today(),
        after=args["after"],
        before=args["before"],
        per_page=args["limit"],
    )
    return {
        "members": [standing_fields(m) | {"email": m.email} for m in page.members],
        "counts": page.counts,
        "total": page.total,
        "next_cursor": page.next_cursor,
        "previous_cursor": page.previous_cursor,
    }
