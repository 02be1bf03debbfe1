"""HTTP security: CSRF for browser requests, security headers with a Content-Security-Policy."""

from __future__ import annotations

from flask import Flask, request
from flask.globals import _cv_app, _cv_request
from flask_login import current_user
from flask_wtf.csrf import csrf_meta_tag, generate_csrf

from lms.core.lru import LruCache
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


def signed_in_user():
    """`current_user`'s object (the signed-in user, or Flask-Login's anonymous one), read where Flask-Login keeps it
    for the request (the app context's `g`) instead of through the proxy: a dozen calls for each read, and a page
    reads it in many places (language, zone, menu, bell, the view). Through the proxy the first time in a request
    (which loads the user); None outside a request, as the proxy gives."""
    app_context = _cv_app.get(None)
    if app_context is not None and _cv_request.get(None) is not None:
        user = app_context.g.__dict__.get("_login_user")
        if user is not None:
            return user
    return current_user._get_current_object()


UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def uses_bearer_token(req=None) -> bool:
    """Whether the request (this one, or `req` where the caller holds it already) brings a bearer token."""
    return (req or request).headers.get("Authorization", "").lower().startswith("bearer ")


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
    context = _cv_request.get()  # the request's context itself: its app and request, not each through a proxy
    app, req = context.app, context.request
    if not app.config.get("WTF_CSRF_ENABLED", True):
        return
    if getattr(app.view_functions.get(req.endpoint), "csrf_exempt", False):
        return
    if req.method in UNSAFE_METHODS and not uses_bearer_token(req):
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


_SECURITY_HEADERS_BY_KEY = tuple((name.lower(), (name, value)) for name, value in SECURITY_HEADERS)


def add_security_headers(response):
    """Each of SECURITY_HEADERS the response has not set itself (werkzeug's setdefault looked through the headers
    once per name: five times)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    for key, (name, value) in _SECURITY_HEADERS_BY_KEY:
        if key not in present:
            headers.add(name, value)
    if _cv_request.get().request.is_secure:
        headers.setdefault(*STRICT_TRANSPORT_SECURITY)
    return response


def page_csrf_token() -> str:
    """The templates' `csrf_token()`: Flask-WTF's generate_csrf, with the signed token kept per process for each
    session's raw token. Tokens have no time limit here (WTF_CSRF_TIME_LIMIT None: a token is as good as the session
    it belongs to), so the one signed at a session's first page is as good as a fresh one, and signing it again (a
    serializer made, HMAC, base64: about 200 calls) was a twentieth of every signed-in page's calls."""
    context = _cv_request.get(None)  # the request's context itself: not eight times through the proxies
    if context is None:
        return generate_csrf()
    app = context.app
    config = app.config
    if config.get("WTF_CSRF_TIME_LIMIT") is not None or config.get("WTF_CSRF_FIELD_NAME", "csrf_token") != "csrf_token":
        return generate_csrf()
    kept_by = _cv_app.get().g.__dict__  # flask.g's own attributes
    signed = kept_by.get("csrf_token")
    if signed is not None:
        return signed
    raw = context.session.get("csrf_token")
    if raw is None:  # a visitor without a session yet: her raw token is made now (kept from her next page on)
        return generate_csrf()
    key = (config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, raw)
    kept: LruCache[tuple, str] = app.extensions["lentera_csrf_tokens"]
    signed = kept.get(key)
    if signed is None:
        signed = generate_csrf()
        kept.put(key, signed)
    else:
        kept_by["csrf_token"] = signed  # g.csrf_token, where generate_csrf looks first (the forms' own fields)
    return signed


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.extensions["lentera_csrf_tokens"] = LruCache(4096)
    app.jinja_env.globals["csrf_token"] = page_csrf_token
    # Flask-WTF also hands its generate_csrf to every template through a context processor: that one, replaced.
    processors = app.template_context_processors[None]
    for n, processor in enumerate(processors):
        if processor.__module__ == "flask_wtf.csrf":
            processors[n] = lambda: {"csrf_token": page_csrf_token, "csrf_meta_tag": csrf_meta_tag}
    app.before_request(protect_from_csrf)
    app.after_request(add_security_headers)
