"""Instruments: skills checklists scored at a station, evaluations of facilitators and organizer, post-training."""

from flask import Blueprint

bp = Blueprint("instruments", __name__)

from lms.instruments import views  # noqa: E402,F401


def connect() -> None:
    """Register this feature's certificate requirements: passed checklists (40) and filled-in evaluations (50)."""
    from lms.courses.requirements import register_requirement_provider
    from lms.instruments import audit_sentences  # noqa: F401  (registers this feature's audit log sentences)
    from lms.instruments.services.checklists import checklist_requirements
    from lms.instruments.services.evaluations import evaluation_requirements

    register_requirement_provider(checklist_requirements, order=40)
    register_requirement_provider(evaluation_requirements, order=50)
