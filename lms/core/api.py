"""The /api/v1 plumbing every feature's `api.py` uses: the OpenAPI-documenting Api object, bearer login, errors.

Each feature keeps its endpoints in its own `api.py` as a flask-smorest Blueprint; `lms.api.register_api()` (the top
floor) mounts them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from flask_login import current_user
from flask_smorest import Api
from marshmallow import Schema, fields

from lms.core.errors import handle_http_exception
from lms.extensions import login_manager

API_PREFIX = "/api/v1"
BEARER = [{"bearerAuth": []}]
"""OpenAPI security requirement for endpoints that need a logged-in caller."""


def number_of(value: Decimal | str | int | float | None) -> float | None:
    """A decimal (SKP, JPL, a score) as a JSON number: the API sends every number as a number, with the decimals it
    has (at most two for SKP, JPL and scores), never as a string (README, "API")."""
    return None if value is None else float(Decimal(str(value)))


def computed(openapi_type: str, function: Callable[[Any], Any], *, nullable: bool = False, **metadata) -> fields.Field:
    """A field a function computes, with the OpenAPI type apispec cannot see through the function: "integer",
    "number", "string", "boolean", "object", or "array" (give `items`)."""
    metadata = {"type": openapi_type, **({"nullable": True} if nullable else {}), **metadata}
    return fields.Function(function, allow_none=nullable, metadata=metadata)


class ApiErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "stable machine code, e.g. too_many_requests"})
    message = fields.String(required=True, metadata={"description": "in the caller's language"})
    details = fields.Dict(
        metadata={"description": "on 422 for invalid fields only: location (json, query) → field → messages"}
    )


class ApiErrorSchema(Schema):
    """Every error the API answers: `{"error": {"code", "message"}}`."""

    error = fields.Nested(ApiErrorDetailSchema, required=True)


ERROR_DESCRIPTIONS = {
    400: "The request was not understood.",
    401: "No valid token (or session): log in with POST /api/v1/auth/token.",
    403: "The caller may not do this.",
    404: "Not found, or not the caller's to see (another organization's ids are not confirmed).",
    409: "Refused by the state of the object (e.g. cancelled, full, decided already); nothing changed.",
    422: "Some fields are not valid; nothing changed.",
}


def error_response(status: int) -> dict:
    """`@blp.alt_response(404, **error_response(404))`: an error answer, its body an ApiError."""
    return {"schema": ApiErrorSchema, "description": ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase)}


ADMIN_ERRORS = {status: error_response(status) for status in (400, 404, 409, 422)}


def _inline_error(status: int) -> dict:
    return {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
    }


class OperationContractsPlugin(BasePlugin):
    """What every operation of the document states, written once: an `operationId` (the view's endpoint), and
    for operations that need a token the 401 (no or bad token) and 403 (not allowed) answers."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        base = rule.endpoint.replace(".", "_")
        for method, operation in operations.items():
            if method not in {"get", "put", "post", "patch", "delete", "head", "options"}:
                continue
            operation.setdefault("operationId", base if len(operations) == 1 else f"{base}_{method}")
            if operation.get("security"):
                responses = operation.setdefault("responses", {})
                responses.setdefault("401", _inline_error(401))
                responses.setdefault("403", _inline_error(403))


TOO_MANY_REQUESTS = {
    "schema": ApiErrorSchema,
    "description": "Too many requests from this address in a short time (lms.core.rate_limits): wait and retry.",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}
"""`@blp.alt_response(429, **TOO_MANY_REQUESTS)` on every rate-limited endpoint."""


class LenteraApi(Api):
    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self):
        # One error format for the whole app is installed by lms.core.errors; JSON under /api/.
        pass

    def handle_http_exception(self, error):
        return handle_http_exception(error)


api = LenteraApi(
    spec_kwargs={
        "extra_plugins": [OperationContractsPlugin()],
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
