"""Public catalog and course pages."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from lms.accounts.identity import profession_choices
from lms.accounts.models import Organization
from lms.courses import bp, services
from lms.courses.curriculum import CourseKind
from lms.extensions import db


@bp.route("/courses")
def catalog():
    filters = {key: request.args.get(key, "").strip() for key in ("search", "profession", "organization", "kind")}
    versions = services.catalog(**filters)
    organizations = db.session.execute(select(Organization).order_by(Organization.name)).scalars().all()
    return render_template(
        "courses/catalog.html",
        versions=versions,
        filters=filters,
        professions=profession_choices(),
        organizations=organizations,
        kinds=list(CourseKind),
        skp_of=services.skp_of,
    )


@bp.route("/courses/<code>")
def course(code: str):
    version = services.published_course(code)
    return render_template("courses/course.html", version=version, skp=services.skp_of(version))
