"""The error responses an API operation documents: each status with the one error body every endpoint returns."""

from __future__ import annotations

from collections.abc import Callable

from flask_smorest import Blueprint

from lms.core.api import ApiErrorSchema

ERROR_DESCRIPTIONS = {
    400: "The request was not understood (`bad_request`).",
    401: "No valid bearer token (or browser session) was sent (`unauthorized`).",
    403: "The caller may not do this (`forbidden`).",
    404: "No such object, or not one the caller may see: both answer the same (`not_found`).",
    409: "The object is not in a state that allows this (`conflict`).",
    422: "A field is not valid (`invalid_input`); `details` names the fields for request-validation errors.",
}


def documented_errors(blp: Blueprint, *statuses: int) -> Callable:
    """`@documented_errors(blp, 401, 403, 404)`: list these error responses, with their body, in the OpenAPI
    document."""

    def decorator(view: Callable) -> Callable:
        for status in statuses:
            view = blp.alt_response(status, schema=ApiErrorSchema, description=ERROR_DESCRIPTIONS[status])(view)
        return view

    return decorator
