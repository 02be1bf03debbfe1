"""/api/v1/me/record: the worker's SKP standing and ledger as JSON."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.api import BEARER, token_required
from lms.core.models import utcnow
from lms.records import services

blp = Blueprint("records_api", __name__, description="The worker's competency record")


class RanahSchema(Schema):
    ranah = fields.String()
    earned = fields.Decimal(as_string=True)
    minimum = fields.Decimal(as_string=True)
    missing = fields.Decimal(as_string=True)
    share_percent = fields.Integer()


class StandingSchema(Schema):
    cycle = fields.Function(
        lambda s: {"starts_on": s.cycle.starts_on.isoformat(), "ends_on": s.cycle.ends_on.isoformat()}
    )
    target = fields.Decimal(as_string=True)
    earned = fields.Decimal(as_string=True)
    missing = fields.Decimal(as_string=True)
    state = fields.String(metadata={"description": "short, on_track or complete"})
    ranah = fields.List(fields.Nested(RanahSchema))


class EntrySchema(Schema):
    source = fields.String()
    source_id = fields.String()
    ranah = fields.String()
    skp = fields.Decimal(as_string=True)
    jpl = fields.Decimal(as_string=True)
    earned_on = fields.Date()
    title = fields.String()
    organizer = fields.String()
    counts = fields.Boolean()
    reversed_at = fields.DateTime(allow_none=True)
    reversal_reason = fields.String(allow_none=True)


class RecordSchema(Schema):
    standing = fields.Nested(StandingSchema)
    jpl_total = fields.Decimal(as_string=True)
    sip = fields.Function(
        lambda r: (
            {"number": r.licence.sip_number, "starts_on": r.licence.starts_on.isoformat(), "area": r.licence.area}
            if r.licence
            else None
        )
    )
    entries = fields.List(fields.Nested(EntrySchema))
    rules_sources = fields.Dict(attribute="sources")


@blp.get("/me/record")
@blp.doc(security=BEARER)
@blp.response(200, RecordSchema)
@token_required
def my_record():
    """SKP per ranah against the target of the current SIP cycle, and every ledger entry."""
    return services.record_of(current_user, utcnow().date())
