"""Site-wide pages: home and health check."""

from __future__ import annotations

from flask import Blueprint, render_template

from lms.core.urls import whatsapp_link

bp = Blueprint("core", __name__)
bp.add_app_template_filter(whatsapp_link, "whatsapp")


@bp.route("/")
def home():
    return render_template("core/home.html")


@bp.route("/healthz")
def healthz():
    # No database work: load balancers call this often.
    return {"status": "ok"}
