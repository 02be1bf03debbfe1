"""API endpoints for organization admins running cohorts: list, edit, close enrolment, cancel, enrolments (bulk),
decisions on many requests. A province's own systems sync through them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from lms.accounts.models import Organization, Role, User
from lms.accounts.permissions import has_organization_role
from lms.core.api import ADMIN_ERRORS, BEARER, token_required
from lms.core.errors import NotFound
from lms.core.models import utcnow
from lms.courses import services
from lms.courses.models import Cohort, CohortMode, Course, CourseVersion, Enrolment, EnrolmentStatus
from lms.extensions import db

blp = Blueprint("cohorts_admin_api", __name__, description="Organization admins: cohorts and enrolments")

T = TypeVar("T")

MAX_PEOPLE = 5000
"""People per bulk call: a province syncs a large list in several calls."""


class CohortSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    course_code = fields.Function(lambda c: c.version.course.code, metadata={"type": "string"})
    course_version = fields.Function(lambda c: c.version.number, metadata={"type": "integer"})
    organization_id = fields.Integer()
    mode = fields.String()
    place = fields.String(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    enrol_opens_at = fields.DateTime(allow_none=True)
    enrol_closes_at = fields.DateTime(allow_none=True)
    capacity = fields.Integer(allow_none=True)
    needs_approval = fields.Boolean()
    facilitator_ids = fields.Function(
        lambda c: [u.id for u in c.facilitators], metadata={"type": "array", "items": {"type": "integer"}}
    )
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class CohortUpdateSchema(Schema):
    """Every field is optional: what is left out keeps its value."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    mode = fields.String(validate=validate.OneOf([m.value for m in CohortMode]))
    place = fields.String(allow_none=True, validate=validate.Length(max=200))
    starts_on = fields.Date()
    ends_on = fields.Date()
    enrol_opens_at = fields.AwareDateTime(allow_none=True)
    enrol_closes_at = fields.AwareDateTime(allow_none=True)
    capacity = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    needs_approval = fields.Boolean()
    facilitator_ids = fields.List(fields.Integer())


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class AdminEnrolmentSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    full_name = fields.Function(lambda e: e.user.full_name, metadata={"type": "string"})
    email = fields.Function(lambda e: e.user.email, metadata={"type": "string"})
    status = fields.String(validate=validate.OneOf([s.value for s in EnrolmentStatus]))
    decline_reason = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class EnrolmentListQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in EnrolmentStatus]))


class BulkEnrolmentRequestSchema(Schema):
    user_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=MAX_PEOPLE))
    emails = fields.List(fields.String(validate=validate.Length(max=254)), load_default=list,
                         validate=validate.Length(max=MAX_PEOPLE))  # fmt: skip

    @validates_schema
    def _someone(self, data, **kwargs):
        if not data["user_ids"] and not data["emails"]:
            raise SchemaError("Give user_ids or emails.", "user_ids")


class BulkEnrolmentResultSchema(Schema):
    enrolled = fields.List(fields.Integer(), metadata={"description": "user ids newly enrolled (active)"})
    already = fields.List(fields.Integer(), metadata={"description": "user ids that were active already"})
    unknown_user_ids = fields.List(fields.Integer())
    unknown_emails = fields.List(fields.String())


class DecisionRequestSchema(Schema):
    enrolment_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=MAX_PEOPLE))
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "decline"]))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class DecisionResultSchema(Schema):
    decided = fields.Integer()
    still_waiting = fields.Integer()
    skipped = fields.Integer()


class CloseResultSchema(Schema):
    closed = fields.Boolean(metadata={"description": "false: enrolment was closed already"})
    cohort = fields.Nested(CohortSchema)


def _admin_cohort(cohort_id: int) -> Cohort:
    # "Absent" and "another organization's" answer alike: ids of others are not confirmed.
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not has_organization_role(current_user, cohort.organization_id, (Role.ORG_ADMIN,)):
        raise NotFound()
    return cohort


def _change_cohort(cohort_id: int, change: Callable[[Cohort], T]) -> tuple[Cohort, T]:
    """Run `change` (a service call) on the caller's cohort and commit: the cohort and what the service returned."""
    cohort = _admin_cohort(cohort_id)
    result = change(cohort)
    db.session.commit()
    return cohort, result


def _cohort_endpoint(schema, *, conflicts: bool = True) -> Callable:
    """The documentation and the bearer check every cohort endpoint shares: `schema` answers; 404 for a cohort
    that is absent or another organization's; 409 when the service refuses (`conflicts`)."""

    def decorator(view: Callable) -> Callable:
        view = token_required(view)
        if conflicts:
            view = blp.alt_response(409, **ADMIN_ERRORS[409])(view)
        view = blp.alt_response(404, **ADMIN_ERRORS[404])(view)
        view = blp.response(200, schema)(view)
        return blp.doc(security=BEARER)(view)

    return decorator


@blp.get("/organizations/<int:organization_id>/cohorts")
@_cohort_endpoint(CohortSchema(many=True), conflicts=False)
def list_cohorts(organization_id: int):
    """The organization's cohorts, newest first (organization admins)."""
    if db.session.get(Organization, organization_id) is None or not has_organization_role(
        current_user, organization_id, (Role.ORG_ADMIN,)
    ):
        raise NotFound()
    return db.session.execute(
        select(Cohort)
        .join(CourseVersion, Cohort.version_id == CourseVersion.id)
        .join(Course, CourseVersion.course_id == Course.id)
        .where(Course.organization_id == organization_id)
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    ).scalars()


@blp.get("/cohorts/<int:cohort_id>")
@_cohort_endpoint(CohortSchema, conflicts=False)
def get_cohort(cohort_id: int):
    return _admin_cohort(cohort_id)


@blp.patch("/cohorts/<int:cohort_id>")
@blp.arguments(CohortUpdateSchema)
@_cohort_endpoint(CohortSchema)
def update_cohort(changes: dict, cohort_id: int):
    """Change a cohort's details (participants are told when dates, place or mode change)."""
    cohort = _admin_cohort(cohort_id)
    facilitators = cohort.facilitators
    if "facilitator_ids" in changes:
        ids = changes.pop("facilitator_ids")
        facilitators = list(db.session.execute(select(User).where(User.id.in_(ids))).scalars()) if ids else []
        if len(facilitators) != len(set(ids)):
            raise NotFound()
    current = {
        field: getattr(cohort, field)
        for field in ("name", "mode", "place", "starts_on", "ends_on", "enrol_opens_at", "enrol_closes_at",
                      "capacity", "needs_approval")
    }  # fmt: skip
    current.update(changes)
    services.update_cohort(current_user, cohort, services.CohortDetails(**current, facilitators=facilitators))
    db.session.commit()
    return cohort


@blp.post("/cohorts/<int:cohort_id>/close-enrolment")
@_cohort_endpoint(CloseResultSchema)
def close_enrolment(cohort_id: int):
    """Stop taking enrolment requests from now on (idempotent)."""
    cohort, closed = _change_cohort(cohort_id, lambda cohort: services.close_enrolment(current_user, cohort, utcnow()))
    return {"closed": closed, "cohort": cohort}


@blp.post("/cohorts/<int:cohort_id>/cancel")
@blp.arguments(CancelSchema)
@_cohort_endpoint(CohortSchema)
def cancel_cohort(data: dict, cohort_id: int):
    """Cancel the cohort; everyone enrolled, waiting or asking is told the reason. Cancelling twice: 409."""
    cohort, _told = _change_cohort(
        cohort_id, lambda cohort: services.cancel_cohort(current_user, cohort, reason=data["reason"], now=utcnow())
    )
    return cohort


@blp.get("/cohorts/<int:cohort_id>/enrolments")
@blp.arguments(EnrolmentListQuerySchema, location="query")
@_cohort_endpoint(AdminEnrolmentSchema(many=True), conflicts=False)
def list_enrolments(query: dict, cohort_id: int):
    """Everyone who enrolled or asked to, optionally of one status."""
    cohort = _admin_cohort(cohort_id)
    stmt = select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    if query.get("status"):
        stmt = stmt.where(Enrolment.status == query["status"])
    return db.session.execute(stmt).scalars()


@blp.post("/cohorts/<int:cohort_id>/enrolments")
@blp.arguments(BulkEnrolmentRequestSchema)
@_cohort_endpoint(BulkEnrolmentResultSchema)
def enrol_people(data: dict, cohort_id: int):
    """Enrol people by user id or e-mail as active participants. Idempotent: sending the same list again enrols
    nobody twice (they come back under `already`). 409 with nothing written when the seats left are too few."""
    _cohort, result = _change_cohort(
        cohort_id,
        lambda cohort: services.enrol_people(
            current_user, cohort, user_ids=data["user_ids"], emails=data["emails"], now=utcnow()
        ),
    )
    return result


@blp.post("/cohorts/<int:cohort_id>/enrolments/decisions")
@blp.arguments(DecisionRequestSchema)
@_cohort_endpoint(DecisionResultSchema)
def decide(data: dict, cohort_id: int):
    """Approve or decline many requests at once (a reason is required to decline); approvals stop when the
    cohort is full and the rest stay waiting."""
    approve = data["decision"] == "approve"
    _cohort, outcome = _change_cohort(
        cohort_id,
        lambda cohort: services.decide_enrolments(
            current_user, cohort, data["enrolment_ids"], approve=approve, reason=data["reason"]
        ),
    )
    return outcome
