"""API of regional supervision: `GET /supervision/workers` for a health office's supervisor."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.core.api import BEARER, token_required
from lms.core.api_errors import documented_errors
from lms.core.i18n import local_today
from lms.records import supervision
from lms.records.dashboard_api import RanahStandingSchema, standing_fields

blp = Blueprint("supervision_api", __name__, description="Regional supervision (health office supervisors)")


class WorkerArgsSchema(Schema):
    short = fields.String(
        load_default="",
        validate=validate.OneOf(["", *supervision.SHORT_CHOICES]),
        metadata={
            "description": "1: only workers short of SKP (behind the target or a ranah for the point of their cycle); "
            "any: behind in some ranah; pembelajaran, pelayanan or pengabdian: behind in that ranah"
        },
    )
    renewal_within_months = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=120),
        metadata={"description": "only workers whose SIP renewal falls within this many months"},
    )
    facility = fields.String(load_default="", validate=validate.Length(max=40), metadata={"description": "code"})
    regency = fields.String(load_default="", validate=validate.Length(max=80))
    q = fields.String(load_default="", validate=validate.Length(max=120), metadata={"description": "name or e-mail"})
    after = fields.String(
        load_default=None, validate=validate.Length(max=400), metadata={"description": "next_cursor of the last page"}
    )
    limit = fields.Integer(load_default=supervision.PAGE_SIZE, validate=validate.Range(min=1, max=500))


class SupervisedWorkerSchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    profession_code = fields.String(allow_none=True)
    facility_code = fields.String()
    facility_name = fields.String()
    regency = fields.String()
    state = fields.String(validate=validate.OneOf(["short", "on_track", "complete"]))
    skp_earned = fields.Float()
    skp_target = fields.Float()
    skp_missing = fields.Float()
    ranah = fields.List(fields.Nested(RanahStandingSchema))
    sip_renewal_on = fields.Date(allow_none=True, metadata={"description": "the day after the SIP cycle ends"})


class WorkerPageSchema(Schema):
    workers = fields.List(fields.Nested(SupervisedWorkerSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as `after`; null on the last page"})


def _worker(w: supervision.SupervisedWorker) -> dict:
    return standing_fields(w.standing) | {
        "facility_code": w.facility_code,
        "facility_name": w.facility_name,
        "regency": w.regency,
    }


@blp.get("/supervision/workers")
@blp.doc(security=BEARER, operationId="listSupervisedWorkers")
@blp.arguments(WorkerArgsSchema, location="query")
@blp.response(200, WorkerPageSchema)
@documented_errors(blp, 401, 403, 422)
@token_required
def list_workers(args):
    """Workers of the facilities in the caller's area (confirmed staff who agreed to it) with their SKP standing per
    ranah and SIP renewal date, by name; a page at a time with `after` = the previous page's `next_cursor`."""
    filters = supervision.SupervisionFilters(
        short=args["short"],
        renewal_within_months=args["renewal_within_months"],
        facility=args["facility"],
        regency=args["regency"],
        name=args["q"],
    )
    page = supervision.supervised_workers(
        current_user, filters, local_today(), after=args["after"], limit=args["limit"]
    )
    return {"workers": [_worker(w) for w in page.workers], "next_cursor": page.next_cursor}
