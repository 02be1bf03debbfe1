"""The /api/v1 plumbing every feature's `api.py` uses: the OpenAPI-documenting Api object, bearer login, errors.

Each feature keeps its endpoints in its own `api.py` as a flask-smorest Blueprint; `lms.api.register_api()` (the top
floor) mounts them.
"""

from __future__ import annotations

from functools import wraps

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
