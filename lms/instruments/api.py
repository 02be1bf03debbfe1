"""/api/v1 endpoints of the instruments feature: what the caller is asked to evaluate, responses, checklist scores
from a facilitator's phone (with client-made ids), and aggregates."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from lms.core.api import BEARER, computed, number_of, token_required
from lms.core.i18n import local_today
from lms.core.models import utcnow
from lms.extensions import db
from lms.instruments import services

blp = Blueprint("instruments_api", __name__, description="Instruments: checklists, evaluations, post-training")


class ItemSchema(Schema):
    id = fields.String()
    type = fields.String(attribute="kind", metadata={"description": "likert, step, yes_no, number or text"})
    text = fields.String()
    critical = fields.Boolean()
    required = fields.Boolean()
    choices = fields.Function(
        lambda item: [{"value": value, "label": label} for value, label in item.choices()],
        metadata={"description": "the allowed values of a scale item, lowest first; empty for number and text"},
    )


class InstrumentSchema(Schema):
    id = fields.Integer(metadata={"description": "this version's id: send it back with the answers"})
    key = fields.String()
    version = fields.Integer()
    purpose = fields.String()
    title = fields.String()
    description = fields.String()
    pass_percent = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(ItemSchema))


class AskedSchema(Schema):
    id = fields.Function(lambda a: str(a.key), metadata={"description": "evaluation id, e.g. e12-s3-f7"})
    purpose = fields.String()
    title = fields.String()
    session_id = computed("integer", lambda a: a.session.id if a.session else None, nullable=True)
    facilitator = fields.Function(
        lambda a: {"id": a.facilitator.id, "name": a.facilitator.full_name} if a.facilitator else None
    )
    instrument = fields.Nested(InstrumentSchema)
    submit_url = fields.Function(lambda a: url_for("instruments_api.post_response", evaluation_id=str(a.key)))


@blp.get("/me/evaluations")
@blp.doc(security=BEARER)
@blp.response(200, AskedSchema(many=True))
@token_required
def my_evaluations():
    """What the caller is asked to evaluate now and has not answered: each with its instrument and where to submit."""
    pending = services.pending_for(current_user, utcnow())
    for asked in pending:
        _ = asked.instrument  # an organization's first evaluation copies the shipped instrument in
    db.session.commit()
    return pending


class ResponseInSchema(Schema):
    instrument_id = fields.Integer(
        metadata={"description": "the instrument version answered; refused (409) if it is no longer the current one"}
    )
    answers = fields.Dict(keys=fields.String(), required=True, metadata={"description": "item id → value"})


class ResponseOutSchema(Schema):
    id = fields.Integer()
    recorded = fields.Boolean(metadata={"description": "false: answered before; the first answer is kept"})


@blp.post("/evaluations/<evaluation_id>/responses")
@blp.doc(security=BEARER)
@blp.arguments(ResponseInSchema)
@blp.response(201, ResponseOutSchema)
@token_required
def post_response(payload, evaluation_id: str):
    """Answer an evaluation. Values outside an item's scale, items of another instrument (version) or a missing
    required answer: 422 and nothing recorded. Sent twice: the first answer is kept (`recorded: false`)."""
    response, recorded = services.submit(
        current_user, evaluation_id, payload["answers"], utcnow(), instrument_id=payload.get("instrument_id")
    )
    result = {"id": response.id, "recorded": recorded}
    db.session.commit()
    return result


class ScoreInSchema(Schema):
    client_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "made by the phone, once per scoring"},
    )
    instrument_id = fields.Integer(required=True)
    learner_id = fields.Integer(required=True)
    answers = fields.Dict(keys=fields.String(), required=True)
    remarks = fields.String(load_default="", validate=validate.Length(max=2000))
    scored_at = fields.AwareDateTime(metadata={"description": "when it was scored (offline scores keep it)"})


class ScoresInSchema(Schema):
    scores = fields.List(fields.Nested(ScoreInSchema), required=True, validate=validate.Length(min=1, max=200))


class ScoreOutcomeSchema(Schema):
    client_id = fields.String()
    result = fields.String(metadata={"description": "recorded, already or refused"})
    learner_id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    passed = fields.Boolean(allow_none=True)
    percent = fields.Integer(allow_none=True)
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)


class ScoresOutSchema(Schema):
    results = fields.List(fields.Nested(ScoreOutcomeSchema))


@blp.post("/cohorts/<int:cohort_id>/checklist-scores")
@blp.doc(security=BEARER)
@blp.arguments(ScoresInSchema)
@blp.response(200, ScoresOutSchema)
@token_required
def post_checklist_scores(payload, cohort_id: int):
    """Facilitator: checklist scores, also ones kept offline, many at once. Idempotent by `client_id`: a score sent
    twice is recorded once (answered "already"); each refused score says why."""
    cohort = services.cohort_for_assessor(current_user, cohort_id)
    results = services.sync_scores(current_user, cohort, payload["scores"])
    db.session.commit()
    return {"results": results}


class ChecklistResultSchema(Schema):
    id = fields.Integer()
    checklist = fields.Function(lambda r: r.instrument.title)
    key = fields.Function(lambda r: r.instrument.key)
    scored_at = fields.DateTime(attribute="answered_at")
    points = fields.Integer()
    max_points = fields.Integer()
    percent = fields.Integer()
    passed = fields.Boolean()
    remarks = fields.String()


@blp.get("/me/checklist-results")
@blp.doc(security=BEARER)
@blp.response(200, ChecklistResultSchema(many=True))
@token_required
def my_checklist_results():
    """The caller's own checklist scorings with the facilitator's remarks, repeats included, newest first."""
    return services.learner_results(current_user)


class DistributionSchema(Schema):
    item = computed("string", lambda d: d.item.id)
    text = computed("string", lambda d: d.item.text)
    counts = computed(
        "array",
        lambda d: [{"value": v, "label": label, "count": n} for v, label, n in d.counts],
        items={
            "type": "object",
            "properties": {"value": {}, "label": {"type": "string"}, "count": {"type": "integer"}},
        },
    )
    mean = fields.Float(allow_none=True)


class FacilitatorSummarySchema(Schema):
    course = fields.Function(lambda s: s.course.code)
    responses = fields.Integer()
    visible = fields.Boolean(metadata={"description": "false below 5 responses: no distributions are given"})
    distributions = fields.List(fields.Nested(DistributionSchema))


@blp.get("/me/facilitator-evaluations")
@blp.doc(security=BEARER)
@blp.response(200, FacilitatorSummarySchema(many=True))
@token_required
def my_facilitator_evaluations():
    """Facilitator: aggregates of what learners said about the caller, per course, only from 5 responses on."""
    return services.facilitator_summary(current_user)


class FacilitatorRowSchema(Schema):
    facilitator = fields.Function(lambda r: {"id": r.facilitator.id, "name": r.facilitator.full_name})
    responses = fields.Integer()
    mean = fields.Float(allow_none=True)
    trend = computed(
        "array",
        lambda r: [{"cohort": c.name, "mean": number_of(mean), "responses": n} for c, mean, n in r.trend],
        items={
            "type": "object",
            "properties": {
                "cohort": {"type": "string"},
                "mean": {"type": "number", "nullable": True},
                "responses": {"type": "integer"},
            },
        },
    )


class CourseReportSchema(Schema):
    course = fields.Function(lambda r: r.course.code)
    responses = fields.Dict(keys=fields.String(), values=fields.Integer())
    facilitators = fields.List(fields.Nested(FacilitatorRowSchema))
    distributions = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(DistributionSchema)))
    comments = fields.Function(
        lambda r: [
            {"purpose": c.purpose.value, "cohort": c.cohort.name, "item": c.item_text, "about": c.about, "text": c.text}
            for c in r.comments
        ]
    )


@blp.get("/courses/<int:course_id>/evaluation-report")
@blp.doc(security=BEARER)
@blp.response(200, CourseReportSchema)
@token_required
def course_evaluation_report(course_id: int):
    """Organization admin: a course's evaluations per facilitator (with the trend across cohorts), distributions
    per item, and the comments (never the learner who wrote them)."""
    course = services.course_for_author(current_user, course_id)
    return services.course_report(course, local_today(), with_learning=False)
