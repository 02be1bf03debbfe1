"""The admin's search page: one box, results grouped by kind, each linking to where it is managed."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from lms.search import bp, services


@bp.route("/search")
@login_required
def search_page():
    if not services.may_search(current_user):
        abort(403)
    results = services.search(current_user, request.args.get("q", ""))
    return render_template("search/results.html", results=results, min_length=services.MIN_LENGTH)
