"""GET /api/v1/search: the admin's search as JSON (people with masked NIK, certificates, courses, cohorts)."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.core.api import BEARER, token_required
from lms.search import services

blp = Blueprint("search_api", __name__, description="Search across what an admin may see")


class SearchQuerySchema(Schema):
    q = fields.String(required=True, validate=validate.Length(max=100))


class PersonSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()
    email = fields.String()
    str_number = fields.String(allow_none=True)
    nik_masked = fields.String(attribute="masked_nik", metadata={"description": "never the whole NIK"})
    profession_code = fields.String(allow_none=True)


class CertificateHitSchema(Schema):
    public_id = fields.String()
    number = fields.String()
    holder_name = fields.Function(lambda c: c.holder.full_name, metadata={"type": "string"})
    organization_id = fields.Integer()
    status = fields.String()
    issued_at = fields.DateTime()


class CourseHitSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.Function(lambda c: c.latest_version.title if c.latest_version else "", metadata={"type": "string"})
    organization_id = fields.Integer()


class CohortHitSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    course_code = fields.Function(lambda c: c.version.course.code, metadata={"type": "string"})
    organization_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()


class SearchResultSchema(Schema):
    people = fields.List(fields.Nested(PersonSchema))
    certificates = fields.List(fields.Nested(CertificateHitSchema))
    courses = fields.List(fields.Nested(CourseHitSchema))
    cohorts = fields.List(fields.Nested(CohortHitSchema))


@blp.get("/search")
@blp.doc(security=BEARER)
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, SearchResultSchema)
@token_required
def search(query: dict):
    """Up to 20 of each kind matching `q` (at least 2 characters) among what the caller administers; people by
    name, e-mail, STR number or whole NIK. Organization admins and platform admins only (403 otherwise)."""
    return services.search(current_user, query["q"])
