"""/api/v1 endpoint of the job queue: the progress of a long job (polled by the page that started it)."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.core.api import BEARER, token_required
from lms.jobs.runs import run_visible_to

blp = Blueprint("jobs_api", __name__, description="Long jobs started from a page: their progress")


class JobRunSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "the job, e.g. certificates.issue_cohort"})
    state = fields.String(metadata={"description": "queued, running, finished or failed"})
    state_label = fields.Function(
        lambda run: str(run.state_label), metadata={"description": "in the caller's language"}
    )
    total = fields.Integer()
    done = fields.Integer()
    percent = fields.Integer()
    outcome = fields.Dict(metadata={"description": "counts, once finished"})
    error = fields.String(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


@blp.get("/jobs/<int:run_id>")
@blp.doc(security=BEARER)
@blp.response(200, JobRunSchema)
@token_required
def job_progress(run_id: int):
    """How far a long job has got; for the user who started it (or a platform admin)."""
    return run_visible_to(current_user, run_id)
