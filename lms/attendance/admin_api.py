"""/api/v1 endpoints for those who run a cohort's attendance: its sessions, every participant's mark, all present."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.attendance import services
from lms.attendance.api import SessionSchema
from lms.attendance.models import AttendanceStatus
from lms.core.api import ADMIN_ERRORS, BEARER, token_required
from lms.core.models import utcnow
from lms.extensions import db

blp = Blueprint("attendance_admin_api", __name__, description="Attendance for organization admins and facilitators")


class ParticipantMarkSchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    status = fields.String(allow_none=True, validate=validate.OneOf([s.value for s in AttendanceStatus]),
                           metadata={"description": "null: not marked"})  # fmt: skip
    method = fields.String(allow_none=True)
    marked_at = fields.DateTime(allow_none=True)


class MarkedSchema(Schema):
    marked = fields.Integer(metadata={"description": "participants marked present by this call"})


def _runner_session(session_id: int):
    return services.session_for_runner(current_user, session_id)


@blp.get("/cohorts/<int:cohort_id>/sessions")
@blp.doc(security=BEARER)
@blp.response(200, SessionSchema(many=True))
@blp.alt_response(404, **ADMIN_ERRORS[404])
@token_required
def list_sessions(cohort_id: int):
    """The cohort's sessions in time order (organization admins and the cohort's facilitators)."""
    cohort = services.cohort_for_runner(current_user, cohort_id)
    return services.sessions_of(cohort.id)


@blp.get("/sessions/<int:session_id>/marks")
@blp.doc(security=BEARER)
@blp.response(200, ParticipantMarkSchema(many=True))
@blp.alt_response(404, **ADMIN_ERRORS[404])
@token_required
def list_marks(session_id: int):
    """Every active participant of the session's cohort with their mark (null when not marked)."""
    report = services.session_report(current_user, _runner_session(session_id))
    return [
        {
            "user_id": user.id,
            "full_name": user.full_name,
            "status": mark.status if mark else None,
            "method": mark.method if mark else None,
            "marked_at": mark.marked_at if mark else None,
        }
        for user, mark in report.rows
    ]


@blp.post("/sessions/<int:session_id>/marks/all-present")
@blp.doc(security=BEARER)
@blp.response(200, MarkedSchema)
@blp.alt_response(404, **ADMIN_ERRORS[404])
@token_required
def mark_all_present(session_id: int):
    """Mark every participant not marked yet as present (hadir); marks already set stay. Idempotent."""
    marked = services.mark_all_present(current_user, _runner_session(session_id), utcnow())
    db.session.commit()
    return {"marked": marked}
