"""API of the organization dashboard: `GET /organizations/{id}/member-standings`, its members' SKP standing for the
organization's admins, a page at a time with a keyset cursor, and the members per state from the maintained counts."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.core.i18n import local_today
from lms.records import dashboards
from lms.records.standing_api import (
    STATES,
    StandingSchema,
    after_argument,
    before_argument,
    limit_argument,
    next_cursor_field,
    previous_cursor_field,
    search_argument,
    standing_list,
)

blp = Blueprint("dashboard_api", __name__, description="Organization dashboard (organization admins)")


class MemberStandingArgsSchema(Schema):
    state = fields.String(load_default="", validate=validate.OneOf(["", *STATES]))
    profession = fields.String(load_default="", validate=validate.Length(max=60), metadata={"description": "code"})
    q = search_argument()
    renewal_due = fields.Boolean(
        load_default=False, metadata={"description": "only members short of SKP whose SIP renewal is within 12 months"}
    )
    after = after_argument()
    before = before_argument()
    limit = limit_argument(dashboards.PER_PAGE, dashboards.MAX_PER_PAGE)


class MemberStandingSchema(StandingSchema):
    email = fields.String()


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
    next_cursor = next_cursor_field()
    previous_cursor = previous_cursor_field()


@standing_list(
    blp,
    "/organizations/<int:organization_id>/member-standings",
    operation_id="listMemberStandings",
    arguments=MemberStandingArgsSchema,
    page=MemberStandingPageSchema,
)
def list_member_standings(args, organization_id: int):
    """The organization's confirmed members with their SKP standing for their SIP cycle, by name; a page at a time
    with `after` = the previous page's `next_cursor` (or `before` = its `previous_cursor` to walk back)."""
    filters = dashboards.MemberFilters(
        state=args["state"], profession=args["profession"], name=args["q"], renewal_due=args["renewal_due"]
    )
    return dashboards.member_standings(
        current_user,
        organization_id,
        filters,
        local_today(),
        after=args["after"],
        before=args["before"],
        per_page=args["limit"],
    )
