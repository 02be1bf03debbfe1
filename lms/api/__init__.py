"""The /api/v1 JSON API: mounts every feature's endpoints (each feature keeps them in its own `api.py`)."""

from __future__ import annotations

from flask import Flask

from lms.core.api import API_PREFIX, api


def register_api(app: Flask) -> None:
    from lms.accounts.api import blp as accounts_blp
    from lms.accounts.membership_api import blp as memberships_blp
    from lms.accounts.user_admin_api import blp as users_blp
    from lms.attendance.admin_api import blp as attendance_admin_blp
    from lms.attendance.api import blp as attendance_blp
    from lms.attendance.progress_api import blp as cohort_progress_blp
    from lms.certificates.api import blp as certificates_blp
    from lms.certificates.verify_api import blp as verify_blp
    from lms.courses.admin_api import blp as cohorts_admin_blp
    from lms.courses.api import blp as courses_blp
    from lms.instruments.api import blp as instruments_blp
    from lms.jobs.api import blp as jobs_blp
    from lms.notifications.api import blp as notifications_blp
    from lms.quizzes.api import blp as quizzes_blp
    from lms.records.api import blp as records_blp
    from lms.records.dashboard_api import blp as dashboard_blp
    from lms.records.supervision_api import blp as supervision_blp
    from lms.search.api import blp as search_blp

    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    blueprints = (
        accounts_blp,
        memberships_blp,
        users_blp,
        courses_blp,
        cohorts_admin_blp,
        quizzes_blp,
        attendance_blp,
        cohort_progress_blp,
        attendance_admin_blp,
        certificates_blp,
        verify_blp,
        instruments_blp,
        records_blp,
        dashboard_blp,
        supervision_blp,
        search_blp,
        jobs_blp,
        notifications_blp,
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
