"""API of regional supervision: `GET /supervision/workers` for a health office's supervisor."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump, validate

from lms.core.i18n import local_today
from lms.records import supervision
from lms.records.standing_api import (
    StandingSchema,
    after_argument,
    limit_argument,
    next_cursor_field,
    search_argument,
    standing_fields,
    standing_list,
)

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
    q = search_argument()
    after = after_argument()
    limit = limit_argument(supervision.PAGE_SIZE, 500)


class SupervisedWorkerSchema(StandingSchema):
    """Dumps a `SupervisedWorker`: the standing and the facility she works at."""

    facility_code = fields.String()
    facility_name = fields.String()
    regency = fields.String()

    @pre_dump
    def _standing(self, worker: supervision.SupervisedWorker, **_kwargs) -> dict:
        return standing_fields(worker.standing) | {
            "facility_code": worker.facility_code,
            "facility_name": worker.facility_name,
            "regency": worker.regency,
        }


class WorkerPageSchema(Schema):
    workers = fields.List(fields.Nested(SupervisedWorkerSchema))
    next_cursor = next_cursor_field()


@standing_list(
    blp,
    "/supervision/workers",
    operation_id="listSupervisedWorkers",
    arguments=WorkerArgsSchema,
    page=WorkerPageSchema,
)
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
    return supervision.supervised_workers(
        current_user, filters, local_today(), after=args["after"], limit=args["limit"]
    )
