"""Search across what an admin may see: people, certificates, courses and cohorts (a top floor: it reads them all)."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from lms.search import views  # noqa: E402,F401
