"""Site-wide pages: home and health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from lms.core.home import panels_for
from lms.core.models import utcnow
from lms.core.urls import whatsapp_link

bp = Blueprint("core", __name__)
bp.add_app_template_filter(whatsapp_link, "whatsapp")


@bp.route("/")
def home():
    panels = panels_for(current_user, utcnow()) if current_user.is_authenticated else []
    return render_template("core/home.html", panels=panels)


@bp.route("/healthz")
def healthz():
    # No database work: load balancers call this often.
    return {"status": "ok"}
