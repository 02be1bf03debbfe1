"""The /api/v1 JSON API: the OpenAPI-documenting Api object, bearer-token login and JSON errors.

Each feature keeps its endpoints in its own `api.py` as a flask-smorest Blueprint; `register_api()` mounts them.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask
from flask_login import current_user
from flask_smorest import Api
from marshmallow import Schema, fields

from lms.core.errors import handle_http_exception
from lms.extensions import login_manager

API_PREFIX = "/api/v1"
BEARER = [{"bearerAuth": []}]
"""OpenAPI security requirement for endpoints that need a logged-in caller."""


class ApiErrorDetailSchema(Schema):
    code = fields.String(metadata={"description": "stable machine code, e.g. too_many_requests"})
    message = fields.String(metadata={"description": "in the caller's language"})
    details = fields.Dict(
        metadata={"description": "on 422 for invalid fields only: location (json, query) → field → messages"}
    )


class ApiErrorSchema(Schema):
    error = fields.Nested(ApiErrorDetailSchema)


TOO_MANY_REQUESTS = {
    "schema": ApiErrorSchema,
    "description": "Too many requests from this address in a short time (lms.core.rate_limits): wait and retry.",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}
"""`@blp.alt_response(429, **TOO_MANY_REQUESTS)` on every rate-limited endpoint."""


class LenteraApi(Api):
    def _register_error_handlers(self):
        # One error format for the whole app is installed by lms.core.errors; JSON under /api/.
        pass

    def handle_http_exception(self, error):
        return handle_http_exception(error)


api = LenteraApi(
    spec_kwargs={
        "info": {
            "description": "Lentera JSON API. Authenticate with `POST /api/v1/auth/token`, then send "
            '`Authorization: Bearer <token>`. Errors: `{"error": {"code", "message"}}`.'
        },
    }
)


def token_required(view):
    """An API endpoint for logged-in callers: a bearer token (or the browser's session with a CSRF header)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def register_api(app: Flask) -> None:
    from lms.accounts.api import blp as accounts_blp
    from lms.accounts.membership_api import blp as memberships_blp
    from lms.attendance.api import blp as attendance_blp
    from lms.certificates.api import blp as certificates_blp
    from lms.certificates.verify_api import blp as verify_blp
    from lms.courses.api import blp as courses_blp
    from lms.quizzes.api import blp as quizzes_blp
    from lms.records.api import blp as records_blp
    from lms.records.supervision_api import blp as supervision_blp

    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    blueprints = (
        accounts_blp,
        memberships_blp,
        courses_blp,
        quizzes_blp,
        attendance_blp,
        certificates_blp,
        verify_blp,
        records_blp,
        supervision_blp,
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
