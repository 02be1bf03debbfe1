"""HTTP security: CSRF for browser requests, security headers with a Content-Security-Policy."""

from __future__ import annotations

from flask import Flask, current_app, request

from lms.extensions import csrf

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def uses_bearer_token() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def bearer_token() -> str:
    return request.headers.get("Authorization", "").split(" ", 1)[-1].strip()


def csrf_exempt(view):
    """Mark a view that trusts no cookie, so a forged cross-site request gains nothing: public certificate
    verification, and the API's token login (a mobile client has no CSRF token to send)."""
    view.csrf_exempt = True
    return view


def protect_from_csrf() -> None:
    # Browsers never attach an Authorization header on their own, so bearer-token calls cannot be forged
    # cross-site; everything else (forms, cookie-authenticated scripts) must carry the CSRF token.
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if getattr(current_app.view_functions.get(request.endpoint), "csrf_exempt", False):
        return
    if request.method in UNSAFE_METHODS and not uses_bearer_token():
        csrf.protect()


# Every response's, in this order (verify_fast_path sends the same list without a response object).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"),
)
# Only over HTTPS.
STRICT_TRANSPORT_SECURITY = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def add_security_headers(response):
    headers = response.headers
    for name, value in SECURITY_HEADERS:
        headers.setdefault(name, value)
    if request.is_secure:
        headers.setdefault(*STRICT_TRANSPORT_SECURITY)
    return response


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(protect_from_csrf)
    app.after_request(add_security_headers)
