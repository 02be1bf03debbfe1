"""/api/v1 endpoints of the attendance feature: sessions, the facilitator's codes, check-in, marks (bulk, offline)."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from lms.attendance import services
from lms.attendance.checkin_rules import ROTATION_SECONDS, CheckinRefused
from lms.attendance.client import client_from_request
from lms.attendance.models import AttendanceStatus
from lms.core.api import BEARER, token_required
from lms.core.models import utcnow
from lms.courses.services import user_enrolments
from lms.extensions import db

blp = Blueprint("attendance_api", __name__, description="Attendance: sessions, check-in and marks")


class SessionSchema(Schema):
    id = fields.Integer()
    cohort_id = fields.Integer()
    title = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    jpl = fields.Integer()
    mode = fields.String(metadata={"description": "luring (in a room) or daring (online)"})
    place = fields.String(allow_none=True)
    geofence = fields.Function(
        lambda s: (
            {"latitude": float(s.latitude), "longitude": float(s.longitude), "radius_m": s.radius_m}
            if s.has_geofence
            else None
        )
    )
    facilitators = fields.Function(lambda s: [{"id": u.id, "name": u.full_name} for u in s.facilitators])


class MarkSchema(Schema):
    session_id = fields.Integer()
    user_id = fields.Integer()
    status = fields.String(metadata={"description": "hadir, terlambat, izin, sakit or alfa"})
    method = fields.String(metadata={"description": "rotating_qr, personal_qr, webinar_code or manual"})
    marked_at = fields.DateTime()


class SessionDetailSchema(Schema):
    session = fields.Nested(SessionSchema)
    my_mark = fields.Nested(MarkSchema, allow_none=True, metadata={"description": "the caller's own mark, if any"})
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        allow_none=True,
        metadata={"description": "runners only: participants, refused tries, and marks per status"},
    )


@blp.get("/sessions/<int:session_id>")
@blp.doc(security=BEARER)
@blp.response(200, SessionDetailSchema)
@token_required
def get_session(session_id: int):
    """A session the caller takes part in or runs; runners also get the counts of marks."""
    session, _enrolment = services.learner_session(current_user, session_id)
    counts = None
    if services.can_run(current_user, session):
        report = services.session_report(current_user, session)
        counts = {"participants": len(report.rows), "refused": len(report.refused)}
        for status in AttendanceStatus:
            counts[status.value] = sum(1 for _, m in report.rows if m is not None and m.status == status)
    return {"session": session, "my_mark": services.mark_of(session.id, current_user.id), "counts": counts}


class CodeSchema(Schema):
    code = fields.String()
    label = fields.String()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()


class CheckinCodeSchema(Schema):
    rotating_qr = fields.String(metadata={"description": "the text of the room QR now (changes every 15 s)"})
    valid_for_seconds = fields.Integer()
    codes = fields.List(fields.Nested(CodeSchema), metadata={"description": "webinar codes open now"})


@blp.get("/sessions/<int:session_id>/checkin-code")
@blp.doc(security=BEARER)
@blp.response(200, CheckinCodeSchema)
@token_required
def get_checkin_code(session_id: int):
    """Facilitator: the current room QR text and the webinar codes open now."""
    session = services.session_for_runner(current_user, session_id)
    now = utcnow()
    return {
        "rotating_qr": services.rotating_qr_text(session, now),
        "valid_for_seconds": ROTATION_SECONDS - int(now.timestamp()) % ROTATION_SECONDS,
        "codes": services.active_codes(session, now),
    }


class CheckinSchema(Schema):
    code = fields.String(metadata={"description": "a webinar code"})
    qr = fields.String(metadata={"description": "the text scanned from the room QR"})
    latitude = fields.Float(validate=validate.Range(-90, 90))
    longitude = fields.Float(validate=validate.Range(-180, 180))
    accuracy = fields.Float(validate=validate.Range(0), metadata={"description": "metres"})

    @validates_schema
    def one_of(self, data, **kwargs):
        if bool(data.get("code")) == bool(data.get("qr")):
            raise ValidationError("Send either code or qr.")


class CheckinResultSchema(Schema):
    recorded = fields.Boolean(metadata={"description": "false: already checked in, nothing changed"})
    mark = fields.Nested(MarkSchema)


@blp.post("/sessions/<int:session_id>/checkin")
@blp.doc(security=BEARER)
@blp.arguments(CheckinSchema)
@blp.response(200, CheckinResultSchema)
@token_required
def checkin(payload, session_id: int):
    """Learner: check in with a webinar code or the scanned room QR. Refused tries answer 4xx with the reason's
    code and are kept for the facilitator. Send `X-Device-Id` to identify the device."""
    session, enrolment = services.learner_session(current_user, session_id)
    method = "webinar_code" if payload.get("code") else "rotating_qr"
    client = client_from_request(payload)
    try:
        result = services.check_in(current_user, session, method, payload, utcnow(), client, enrolment)
    except CheckinRefused:
        db.session.commit()  # keep the refused try
        raise
    # Read before the commit expires it: saves reloading the mark in thousands of check-ins.
    mark = {field: getattr(result.mark, field) for field in MarkSchema().fields}
    db.session.commit()
    return {"recorded": result.recorded, "mark": mark}


class MarkItemSchema(Schema):
    scan_id = fields.String(validate=validate.Length(max=64), metadata={"description": "client-generated, per scan"})
    qr = fields.String(metadata={"description": "a learner's personal QR text"})
    scanned_at = fields.AwareDateTime(metadata={"description": "when the scan was made (offline scans)"})
    user_id = fields.Integer(metadata={"description": "marking by hand: the learner"})
    status = fields.String(validate=validate.OneOf([s.value for s in AttendanceStatus]))

    @validates_schema
    def one_of(self, data, **kwargs):
        if not data.get("qr") and not (data.get("user_id") and data.get("status")):
            raise ValidationError("Send qr, or user_id with status.")


class MarksSchema(Schema):
    marks = fields.List(fields.Nested(MarkItemSchema), required=True, validate=validate.Length(min=1, max=500))


class ScanOutcomeSchema(Schema):
    scan_id = fields.String(allow_none=True)
    result = fields.String(metadata={"description": "recorded, already or refused"})
    user_id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    code = fields.String(allow_none=True, metadata={"description": "why refused"})
    message = fields.String(allow_none=True)


class MarksResultSchema(Schema):
    results = fields.List(fields.Nested(ScanOutcomeSchema))


@blp.post("/sessions/<int:session_id>/marks")
@blp.doc(security=BEARER)
@blp.arguments(MarksSchema)
@blp.response(200, MarksResultSchema)
@token_required
def post_marks(payload, session_id: int):
    """Facilitator: personal-QR scans (also ones kept offline) and marks by hand, many at once. Idempotent: a
    learner already marked is answered "already"; sending the same scans twice records them once."""
    session = services.session_for_runner(current_user, session_id)
    results = services.sync_scans(current_user, session, payload["marks"], utcnow(), client_from_request({}))
    db.session.commit()
    return {"results": results}


class SessionMarkSchema(Schema):
    session = fields.Nested(SessionSchema)
    status = fields.String(allow_none=True)
    method = fields.String(allow_none=True)
    marked_at = fields.DateTime(allow_none=True)


class AttendanceRecordSchema(Schema):
    enrolment_id = fields.Integer()
    cohort = fields.String()
    course = fields.String()
    share_percent = fields.Integer()
    threshold = fields.Integer()
    met = fields.Boolean()
    sessions = fields.List(fields.Nested(SessionMarkSchema))


def _record_json(record: services.LearnerRecord) -> dict:
    return {
        "enrolment_id": record.enrolment.id,
        "cohort": record.enrolment.cohort.name,
        "course": record.enrolment.cohort.version.course.code,
        "share_percent": record.percent,
        "threshold": record.threshold,
        "met": record.met,
        "sessions": [
            {
                "session": s,
                "status": getattr(record.marks.get(s.id), "status", None),
                "method": getattr(record.marks.get(s.id), "method", None),
                "marked_at": getattr(record.marks.get(s.id), "marked_at", None),
            }
            for s in record.sessions
        ],
    }


@blp.get("/me/attendance")
@blp.doc(security=BEARER)
@blp.response(200, AttendanceRecordSchema(many=True))
@token_required
def my_attendance():
    """The caller's own attendance per enrolment: each session's status and the attendance share."""
    return [_record_json(services.learner_record(e)) for e in user_enrolments(current_user)]


@blp.get("/enrolments/<int:enrolment_id>/attendance")
@blp.doc(security=BEARER)
@blp.response(200, AttendanceRecordSchema)
@token_required
def enrolment_attendance(enrolment_id: int):
    """The caller's own attendance in one enrolment."""
    return _record_json(services.learner_record(services.own_enrolment(current_user, enrolment_id)))
