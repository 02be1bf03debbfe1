"""API endpoints for the public course catalog."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.core.api import BEARER, token_required
from lms.core.errors import NotFound
from lms.core.models import utcnow
from lms.courses import services
from lms.courses.models import Cohort
from lms.courses.requirements import requirements_for
from lms.extensions import db

blp = Blueprint("courses_api", __name__, description="The public course catalog")


class CatalogQuerySchema(Schema):
    search = fields.String(load_default="")
    profession = fields.String(load_default="")
    organization = fields.String(load_default="", metadata={"description": "organization short name, e.g. ppni"})
    kind = fields.String(load_default="")
    mode = fields.String(load_default="", metadata={"description": "daring (online) or luring (in person)"})


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


class ProgressSchema(Schema):
    done = fields.Integer()
    total = fields.Integer()
    percent = fields.Integer()
    complete = fields.Boolean()
    next_lesson_id = fields.Integer(allow_none=True)


class RequirementSchema(Schema):
    key = fields.String()
    label = fields.String()
    met = fields.Boolean(allow_none=True, metadata={"description": "null: information only"})
    detail = fields.String()
    url = fields.String(allow_none=True)


class EnrolmentSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    decline_reason = fields.String(allow_none=True)
    cohort = fields.Function(
        lambda e: {
            "id": e.cohort.id,
            "name": e.cohort.name,
            "starts_on": e.cohort.starts_on.isoformat(),
            "ends_on": e.cohort.ends_on.isoformat(),
            "mode": e.cohort.mode,
        }
    )
    course = fields.Function(lambda e: {"code": e.cohort.version.course.code, "version": e.cohort.version.number})
    progress = fields.Function(lambda e: ProgressSchema().dump(services.progress(e)))
    completed_lesson_ids = fields.Function(lambda e: sorted(e.completed_lesson_ids))
    resume_lesson_id = fields.Function(lambda e: services.resume_lesson_id(e))
    missing = fields.Function(lambda e: services.missing_for_certificate(e))
    requirements = fields.Function(lambda e: RequirementSchema(many=True).dump(requirements_for(e)))


@blp.post("/cohorts/<int:cohort_id>/enrol")
@blp.doc(security=BEARER)
@blp.response(200, EnrolmentSchema)
@token_required
def enrol(cohort_id: int):
    """Enrol in a cohort (or ask to, or join its waiting list); asking again returns the same enrolment."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound()
    enrolment = services.enrol(current_user, cohort, utcnow())
    db.session.commit()
    return enrolment


@blp.get("/me/enrolments")
@blp.doc(security=BEARER)
@blp.response(200, EnrolmentSchema(many=True))
@token_required
def my_enrolments():
    return services.user_enrolments(current_user)


@blp.get("/enrolments/<int:enrolment_id>")
@blp.doc(security=BEARER)
@blp.response(200, EnrolmentSchema)
@token_required
def get_enrolment(enrolment_id: int):
    """Status, progress, and what is still missing for the certificate."""
    return services.enrolment_of(current_user, enrolment_id)


@blp.post("/lessons/<int:lesson_id>/complete")
@blp.doc(security=BEARER)
@blp.response(200, EnrolmentSchema)
@token_required
def complete_lesson(lesson_id: int):
    """Mark a lesson complete (idempotent); refused while an earlier lesson of a sequential course is open."""
    enrolment, _lesson = services.complete_lesson(current_user, lesson_id)
    db.session.commit()
    return enrolment
