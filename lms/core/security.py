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


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(protect_from_csrf)
    app.after_request(add_security_headers)
