"""Site-wide pages: home and health check."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    return render_template("core/home.html")


@bp.route("/healthz")
def healthz():
    # No database work: load balancers call this often.
    return {"status": "ok"}
