"""Competency record: the SKP ledger per ranah over the SIP cycle, self-reported activities, share links."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from lms.records import dashboard_views, views  # noqa: E402,F401
