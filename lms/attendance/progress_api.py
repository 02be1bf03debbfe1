"""API of cohort progress for facilitators: `GET /cohorts/{id}/progress`, who is behind and what is still open."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.attendance import services
from lms.core.api import BEARER, token_required
from lms.core.api_errors import documented_errors
from lms.core.i18n import local_today

blp = Blueprint("cohort_progress_api", __name__, description="Who in a cohort is behind (facilitators)")


class OpenRequirementSchema(Schema):
    key = fields.String(metadata={"description": "lessons, pre_test, post_test, attendance, ..."})
    label = fields.String()
    detail = fields.String()


class LearnerProgressSchema(Schema):
    enrolment_id = fields.Integer()
    user_id = fields.Integer()
    full_name = fields.String()
    email = fields.String()
    lessons_done = fields.Integer()
    lessons_total = fields.Integer()
    lessons_expected = fields.Integer(metadata={"description": "lessons done by now at the cohort's pace"})
    behind = fields.Boolean()
    open = fields.List(fields.Nested(OpenRequirementSchema))


@blp.get("/cohorts/<int:cohort_id>/progress")
@blp.doc(security=BEARER, operationId="getCohortProgress")
@blp.response(200, LearnerProgressSchema(many=True))
@documented_errors(blp, 401, 404)
@token_required
def cohort_progress(cohort_id: int):
    """Each active learner of a cohort the caller runs (its facilitator, or the organization's admin): lessons
    against the cohort's pace and the certificate's rules still open; those behind first. Another cohort: 404."""
    _cohort, learners = services.cohort_progress(current_user, cohort_id, local_today())
    return [
        {
            "enrolment_id": p.enrolment_id,
            "user_id": p.user_id,
            "full_name": p.full_name,
            "email": p.email,
            "lessons_done": p.lessons_done,
            "lessons_total": p.lessons_total,
            "lessons_expected": p.lessons_expected,
            "behind": p.behind,
            "open": [{"key": r.key, "label": str(r.label), "detail": str(r.detail)} for r in p.open],
        }
        for p in learners
    ]
