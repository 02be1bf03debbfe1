"""Domain errors raised by services, and the handlers that turn errors into HTML pages or JSON bodies."""

from __future__ import annotations

from contextlib import nullcontext

from flask import Flask, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from lms.core.i18n import chosen_locale, without_session


class DomainError(Exception):
    """A rule of the domain refused the request; `message` is shown to the user (translated lazily)."""

    status_code = 400
    code = "invalid_request"

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message()
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)

    def default_message(self):
        return _l("The request could not be carried out.")


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"


class InvalidField(InvalidInput):
    """A value the form could not judge alone (e.g. a course code already taken), shown beside `field`."""

    def __init__(self, field: str, message) -> None:
        self.field = field
        super().__init__(message)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"

    def default_message(self):
        return _l("Not found.")


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"

    def default_message(self):
        return _l("You do not have permission to do this.")


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class TooSlow(DomainError):
    """A report's query ran past its time limit and was cancelled (lms.core.database.time_limited)."""

    status_code = 503
    code = "too_slow"

    def default_message(self):
        return _l(
            "This report took too long and was stopped so that the site stays quick for everyone. "
            "Narrow it with a filter, or try again later."
        )


ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

ERROR_TITLES = {
    400: _l("Bad request"),
    401: _l("Please log in"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Try again later"),
}

ERROR_EXPLANATIONS = {
    400: _l("The request was not understood. Please go back and try again."),
    401: _l("You need to log in to see this page."),
    403: _l("You do not have permission to open this page."),
    404: _l("The page you asked for does not exist or has been moved."),
    405: _l("This address does not accept that kind of request."),
    413: _l("The upload is larger than allowed."),
    429: _l("Too many attempts in a short time. Please wait a minute and try again."),
    500: _l("An unexpected error happened on our side. It has been logged; please try again later."),
    503: _l("The site is busy. Please try again in a moment."),
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    # A browser's Accept never names JSON: then its best type cannot be JSON, and the header (about forty calls to
    # parse) is not parsed on every page.
    if "application/json" not in request.headers.get("Accept", "").lower():
        return False
    return request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html


def json_error(status: int, message, code: str | None = None, details: dict | None = None):
    body = {"error": {"code": code or ERROR_CODES.get(status, "error"), "message": str(message)}}
    if details:
        body["error"]["details"] = details
    response = jsonify(body)
    response.status_code = status
    return response


def error_page(status: int, message=None):
    """The error page. It has no form of its own: a visitor without a session gets none from it (a verifier's phone
    that met a 404 or a 429 would otherwise leave the verify page's fast path for good), and its language buttons
    reload it with ?locale=, which it honours for anyone."""
    page_status = status if status in ERROR_TITLES else (500 if status >= 500 else 400)
    locale = chosen_locale()
    with force_locale(locale) if locale else nullcontext():
        html = render_template(
            "errors/error.html",
            status=status,
            title=ERROR_TITLES[page_status],
            explanation=message or ERROR_EXPLANATIONS[page_status],
            language_per_page=without_session(),
        )
    return html, status


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    # A 429 tells when to come back, to a page and to the API alike (issue 12: the API's had no Retry-After).
    retry = getattr(error, "retry_after", None) if status == 429 else None
    if wants_json():
        # flask-smorest puts request-validation errors in `error.data["messages"]`.
        field_errors = (getattr(error, "data", None) or {}).get("messages")
        if field_errors:
            return json_error(422, _l("Some fields are not valid."), "invalid_input", field_errors)
        response = json_error(status, ERROR_EXPLANATIONS.get(status) or error.description)
        if retry:
            response.headers["Retry-After"] = str(retry)
        return response
    response = error_page(status)
    if retry:
        return response[0], 429, {"Retry-After": str(retry)}
    return response


def handle_domain_error(error: DomainError):
    if wants_json():
        return json_error(error.status_code, error.message, error.code)
    return error_page(error.status_code, error.message)


def handle_unexpected_error(error: Exception):
    from flask import current_app

    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return json_error(500, ERROR_EXPLANATIONS[500])
    return error_page(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected_error)
