"""API endpoints of courses: the public catalog, enrolment and study, and publishing a reviewed draft."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.core.api import BEARER, ApiErrorSchema, computed, number_of, token_required
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
    skp = computed("number", lambda v: number_of(services.skp_of(v)), description="SKP a certificate credits")
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
    progress = computed(
        "object",
        lambda e: ProgressSchema().dump(services.progress(e)),
        description="lessons done, total, percent (integers), complete, next_lesson_id",
    )
    completed_lesson_ids = computed("array", lambda e: sorted(e.completed_lesson_ids), items={"type": "integer"})
    resume_lesson_id = computed("integer", lambda e: services.resume_lesson_id(e), nullable=True)
    missing = computed(
        "array", lambda e: services.missing_for_certificate(e), items={"type": "string"}, description="in words"
    )
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


# Publishing (organization admins): the review of what changes, then the confirmation


class ChangeSchema(Schema):
    area = fields.String(metadata={"description": "course, certificate, competency, subject, lesson or item (a quiz)"})
    kind = fields.String(metadata={"description": "added, removed, renamed or changed"})
    name = fields.String(metadata={"description": "the subject, lesson, competency or quiz; empty for course settings"})
    aspect = fields.Function(
        lambda c: str(c.aspect.label if hasattr(c.aspect, "label") else c.aspect) if c.aspect else None,
        allow_none=True,
        metadata={"description": "what changed (kind changed), in the caller's language"},
    )
    before = fields.String()
    after = fields.String()
    within = fields.String(metadata={"description": "the subject of a lesson"})


class PublishReviewSchema(Schema):
    code = fields.Function(lambda r: r.draft.course.code)
    draft_version = computed("integer", lambda r: r.draft.number)
    published_version = computed(
        "integer",
        lambda r: r.published.number if r.published else None,
        nullable=True,
        description="null: first version",
    )
    changes = fields.Function(lambda r: ChangeSchema(many=True).dump(r.diff.changes))
    removals = computed(
        "integer",
        lambda r: len(r.diff.removals),
        description="changes that leave out something the published version has (it keeps them)",
    )
    problems = fields.Function(lambda r: [str(p.message) for p in r.problems])
    reviewed = fields.String(
        attribute="token", metadata={"description": "send back to POST .../publish to confirm exactly this review"}
    )


class PublishConfirmationSchema(Schema):
    reviewed = fields.String(required=True, metadata={"description": "the `reviewed` token of the review confirmed"})


class PublishedSchema(Schema):
    code = fields.Function(lambda v: v.course.code)
    version = fields.Integer(attribute="number")
    status = fields.String()
    published_at = fields.DateTime()


def _course(code: str):
    course = services.course_by_code(code)
    if course is None:
        raise NotFound()
    return course


@blp.get("/courses/<code>/publication")
@blp.doc(security=BEARER)
@blp.response(200, PublishReviewSchema)
@blp.alt_response(401, schema=ApiErrorSchema, description="no valid token")
@blp.alt_response(403, schema=ApiErrorSchema, description="not an admin of the course's organization")
@blp.alt_response(404, schema=ApiErrorSchema, description="no such course")
@blp.alt_response(409, schema=ApiErrorSchema, description="the course has no draft version")
@token_required
def review_publication(code: str):
    """What publishing the course's draft changes against its published version, and what keeps it from being
    published; confirm with `POST /courses/{code}/publish`."""
    return services.review_publication(current_user, _course(code))


@blp.post("/courses/<code>/publish")
@blp.doc(security=BEARER)
@blp.arguments(PublishConfirmationSchema)
@blp.response(200, PublishedSchema)
@blp.alt_response(401, schema=ApiErrorSchema, description="no valid token")
@blp.alt_response(403, schema=ApiErrorSchema, description="not an admin of the course's organization")
@blp.alt_response(404, schema=ApiErrorSchema, description="no such course")
@blp.alt_response(
    409, schema=ApiErrorSchema, description="no draft, or the draft changed after the review (review_outdated)"
)
@blp.alt_response(
    422, schema=ApiErrorSchema, description="the draft has problems, or no review was confirmed (confirmation_required)"
)
@token_required
def publish(confirmation, code: str):
    """Publish the course's draft as reviewed: `reviewed` must be the token of its current review."""
    version = services.publish_draft(current_user, _course(code), reviewed=confirmation["reviewed"])
    db.session.commit()
    return version
