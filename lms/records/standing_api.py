"""What the API's two lists of people with their SKP standing share (`GET /organizations/{id}/member-standings` and
`GET /supervision/workers`): the standing as given, the search and cursor arguments, and one way to declare such a
list, whose view returns the service's page as it is (the schemas shape the body)."""

from __future__ import annotations

from collections.abc import Callable

from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump, validate

from lms.core.api import BEARER, token_required
from lms.core.api_errors import documented_errors
from lms.courses.curriculum import Ranah
from lms.records.dashboards import MemberStanding
from lms.records.skp import SkpState

STATES = [s.value for s in SkpState]


def search_argument() -> fields.Field:
    return fields.String(load_default="", validate=validate.Length(max=120), metadata={"description": "name or e-mail"})


def after_argument() -> fields.Field:
    return fields.String(
        load_default=None, validate=validate.Length(max=400), metadata={"description": "next_cursor of the last page"}
    )


def before_argument() -> fields.Field:
    return fields.String(
        load_default=None,
        validate=validate.Length(max=400),
        metadata={"description": "previous_cursor of the last page (walks back)"},
    )


def limit_argument(default: int, maximum: int) -> fields.Field:
    return fields.Integer(load_default=default, validate=validate.Range(min=1, max=maximum))


def next_cursor_field() -> fields.Field:
    return fields.String(allow_none=True, metadata={"description": "pass as `after`; null on the last page"})


def previous_cursor_field() -> fields.Field:
    return fields.String(allow_none=True, metadata={"description": "pass as `before`; null on the first page"})


class RanahStandingSchema(Schema):
    ranah = fields.String(validate=validate.OneOf([r.value for r in Ranah]))
    earned = fields.Float()
    minimum = fields.Float(metadata={"description": "what the cycle needs in this ranah"})
    short = fields.Boolean(
        metadata={"description": "behind in this ranah: less earned than `minimum` × the share of the cycle gone by"}
    )


def standing_fields(m: MemberStanding) -> dict:
    """A person's SKP standing as the API gives it."""
    return {
        "user_id": m.user_id,
        "full_name": m.full_name,
        "email": m.email,
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


class StandingSchema(Schema):
    """A person's SKP standing for their SIP cycle; dumps a `MemberStanding`."""

    user_id = fields.Integer()
    full_name = fields.String()
    profession_code = fields.String(allow_none=True)
    state = fields.String(validate=validate.OneOf(STATES))
    skp_earned = fields.Float()
    skp_target = fields.Float()
    skp_missing = fields.Float()
    ranah = fields.List(fields.Nested(RanahStandingSchema))
    sip_renewal_on = fields.Date(allow_none=True, metadata={"description": "the day after the SIP cycle ends"})

    @pre_dump
    def _standing(self, standing: MemberStanding, **_kwargs) -> dict:
        return standing_fields(standing)


def standing_list(blp: Blueprint, rule: str, *, operation_id: str, arguments: type[Schema], page: type[Schema]):
    """Declare `GET rule` on `blp`: a bearer-token list taking `arguments` from the query and answering `page` (or
    401, 403, 422)."""

    def decorate(view: Callable) -> Callable:
        view = documented_errors(blp, 401, 403, 422)(token_required(view))
        view = blp.arguments(arguments, location="query")(blp.response(200, page)(view))
        return blp.get(rule)(blp.doc(security=BEARER, operationId=operation_id)(view))

    return decorate
