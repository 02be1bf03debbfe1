"""Site-wide pages: home, health check, language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user

from lms.accounts import services as account_services
from lms.core.urls import safe_next_url
from lms.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    return render_template("core/home.html")


@bp.route("/healthz")
def healthz():
    # No database work: load balancers call this often.
    return {"status": "ok"}


@bp.post("/language")
def set_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            account_services.set_locale(current_user, locale)
            db.session.commit()
    return redirect(safe_next_url())
