"""Instruments: skills checklists scored at a station, evaluations of facilitators and organizer, post-training."""

from flask import Blueprint

bp = Blueprint("instruments", __name__)

from lms.instruments import views  # noqa: E402,F401
