"""API endpoints for the public course catalog."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.courses import services

blp = Blueprint("courses_api", __name__, description="The public course catalog")


class CatalogQuerySchema(Schema):
    search = fields.String(load_default="")
    profession = fields.String(load_default="")
    organization = fields.String(load_default="", metadata={"description": "organization short name, e.g. ppni"})
    kind = fields.String(load_default="")


class LessonOutlineSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    minutes = fields.Integer()


class SubjectSchema(Schema):
    title = fields.String()
    type = fields.String()
    jpl_t = fields.Integer()
    jpl_p = fields.Integer()
    jpl_pl = fields.Integer()
    objectives = fields.List(fields.String())
    lessons = fields.List(fields.Nested(LessonOutlineSchema))


class CompetencySchema(Schema):
    code = fields.String()
    name = fields.String()


class CourseSummarySchema(Schema):
    code = fields.Function(lambda v: v.course.code)
    version = fields.Integer(attribute="number")
    title = fields.String()
    summary = fields.String()
    kind = fields.String()
    organization = fields.Function(lambda v: {"slug": v.course.organization.slug, "name": v.course.organization.name})
    target_professions = fields.List(fields.String())
    total_jpl = fields.Integer()
    skp = fields.Function(lambda v: str(services.skp_of(v)))
    skp_ranah = fields.String()


class CourseDetailSchema(CourseSummarySchema):
    pass_mark = fields.Integer()
    attendance_threshold = fields.Integer()
    validity_months = fields.Integer()
    accreditation_number = fields.String(allow_none=True)
    competencies = fields.List(fields.Nested(CompetencySchema))
    subjects = fields.List(fields.Nested(SubjectSchema))


@blp.get("/courses")
@blp.arguments(CatalogQuerySchema, location="query")
@blp.response(200, CourseSummarySchema(many=True))
def list_courses(filters):
    """Published courses, newest version of each; filter by text, profession, organization and kind."""
    return services.catalog(**filters)


@blp.get("/courses/<code>")
@blp.response(200, CourseDetailSchema)
def get_course(code: str):
    """A published course with its curriculum (subjects, JPL, lessons outline) and competencies."""
    return services.published_course(code)
