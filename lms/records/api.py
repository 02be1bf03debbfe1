"""/api/v1/me/record: the worker's SKP standing and ledger as JSON, and its signed exports (CLR, Open Badges)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.core.api import BEARER, token_required
from lms.core.i18n import local_today
from lms.core.models import utcnow
from lms.records import badges, personal_data, services

blp = Blueprint("records_api", __name__, description="The worker's competency record")


class RanahSchema(Schema):
    ranah = fields.String()
    earned = fields.Float()
    minimum = fields.Float()
    missing = fields.Float()
    share_percent = fields.Integer()


class StandingSchema(Schema):
    cycle = fields.Function(
        lambda s: {"starts_on": s.cycle.starts_on.isoformat(), "ends_on": s.cycle.ends_on.isoformat()}
    )
    target = fields.Float()
    earned = fields.Float()
    missing = fields.Float()
    state = fields.String(metadata={"description": "short, on_track or complete"})
    ranah = fields.List(fields.Nested(RanahSchema))


class EntrySchema(Schema):
    source = fields.String()
    source_id = fields.String()
    ranah = fields.String()
    skp = fields.Float()
    jpl = fields.Float()
    earned_on = fields.Date()
    title = fields.String()
    organizer = fields.String()
    counts = fields.Boolean()
    reversed_at = fields.DateTime(allow_none=True)
    reversal_reason = fields.String(allow_none=True)


class PracticeEvidenceSchema(Schema):
    course_title = fields.String()
    respondent = fields.String(metadata={"description": "learner (self-evaluation) or supervisor"})
    answered_on = fields.Date()


class RecordSchema(Schema):
    standing = fields.Nested(StandingSchema)
    jpl_total = fields.Float()
    sip = fields.Function(
        lambda r: (
            {"number": r.licence.sip_number, "starts_on": r.licence.starts_on.isoformat(), "area": r.licence.area}
            if r.licence
            else None
        )
    )
    entries = fields.List(fields.Nested(EntrySchema))
    rules_sources = fields.Dict(attribute="sources")
    practice = fields.List(
        fields.Nested(PracticeEvidenceSchema),
        metadata={"description": "Evidence of practice: post-training evaluations answered at work (no SKP)"},
    )


@blp.get("/me/record")
@blp.doc(security=BEARER)
@blp.response(200, RecordSchema)
@token_required
def my_record():
    """SKP per ranah against the target of the current SIP cycle, and every ledger entry."""
    return services.record_of(current_user, local_today())


SIGNED_JSON = {
    "content": {"application/json": {"schema": {"type": "object"}}},
}
ERROR_JSON = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}
"""The body of an error answer, as every error of the API: {"error": {"code", "message"}}."""


@blp.get("/me/record/clr")
@blp.doc(
    security=BEARER,
    responses={
        "200": {
            "description": "A CLR 2.0 ClrCredential holding an Open Badges 3.0 AchievementCredential for each "
            "certificate valid now; every credential carries a Data Integrity proof (eddsa-jcs-2022, did:key)",
            **SIGNED_JSON,
        },
        "404": {"description": "No valid certificate to export yet", **ERROR_JSON},
    },
)
@token_required
def my_record_clr():
    """The caller's record as a signed CLR 2.0 credential (valid certificates only)."""
    return jsonify(badges.clr_for(current_user, utcnow()))


@blp.get("/me/certificates/<public_id>/badge")
@blp.doc(
    security=BEARER,
    responses={
        "200": {
            "description": "An Open Badges 3.0 AchievementCredential with a Data Integrity proof (eddsa-jcs-2022, "
            "did:key); it validates against 1EdTech's JSON Schema",
            **SIGNED_JSON,
        },
        "404": {"description": "Not one of the caller's certificates", **ERROR_JSON},
        "409": {"description": "The certificate is revoked, suspended or expired", **ERROR_JSON},
    },
)
@token_required
def my_certificate_badge(public_id: str):
    """One of the caller's valid certificates as a signed Open Badge."""
    return jsonify(badges.badge_for(current_user, public_id, utcnow()))


@blp.get("/me/data")
@blp.doc(security=BEARER)
@blp.response(200)
@token_required
def my_data():
    """Everything Lentera holds about the caller (UU 27/2022 PDP): profile (NIK masked), roles, consents, enrolments,
    quiz attempts with answers, attendance, certificates, SKP ledger, activities, share links, API tokens, correction
    requests and the audit entries about her (each with `sentence`, what happened in her language). The same as the
    "My data" page's JSON download."""
    return jsonify(personal_data.held_data(current_user).sections)
