"""GET /v/<token> for a visitor without a session, answered in front of Flask from the pages the view keeps.

A QR scan is the request the platform gets most, nearly always from a phone with no cookie of ours. Its page is
already kept by the view (verify_views: this certificate's page, or its values filled into its shape's skeleton);
yet around the view, Flask's request machinery (request context, session and Flask-Login, before- and after-request
hooks, the response object and its headers) cost half as much CPU again as the verdict and the page
(benchmarks/verify_cold.py), and most of a scan seen before. This WSGI middleware answers the requests that nothing
about the visitor can change: a GET of /v/<token> (or /V/) with no session or remember-me cookie, no Authorization
header and no query but the language buttons' `?locale=…`. It counts the request in the verify budget, judges the
token with the same `verify_qr` as every verification surface (one verdict), and sends the page verify_views keeps,
with the headers and the gzip the view's response gets. Everything else goes on to Flask unchanged: a signed-in
visitor, another method or path, a request over its budget (the view answers 429), a page not kept yet (the view
renders it and keeps it for the next scan), an error. tests/functional/test_verify_fast_path.py compares the two
answers byte for byte.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from contextlib import nullcontext

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from werkzeug.exceptions import TooManyRequests

from lms.certificates.verification import verify_qr
from lms.certificates.verify_skeleton import Viewer, viewer
from lms.certificates.verify_views import (
    RESULT_HEADERS,
    VERIFY_LIMIT_SCOPE,
    kept_page_without_session,
    verify_rate_limit,
)
from lms.core.compression import MIN_BYTES, accepts_gzip, gzip_bytes
from lms.core.rate_limits import mark_counted, parse_rate
from lms.core.security import SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY
from lms.extensions import limiter

logger = logging.getLogger(__name__)

ENDPOINT = "certificates.verify_page"
RULES = frozenset({"/v/<token>", "/V/<token>"})
# Printable ASCII without "/": what the view's `<token>` matches, decoded the same way by WSGI and by Werkzeug.
_PATH = re.compile(r"/[vV]/([!-.0-~]+)\Z")
CONTENT_TYPE = ("Content-Type", "text/html; charset=utf-8")
# The view reads the session (for its language), so Flask adds Cookie; compression adds Accept-Encoding.
VARY = ("Vary", "Accept-Encoding, Cookie")

StartResponse = Callable[..., object]


class VerifyFastPath:
    """WSGI middleware in front of the Flask app (inside the trusted proxies, which set the client's address)."""

    def __init__(self, app: Flask, wsgi_app: Callable[[dict, StartResponse], Iterable[bytes]]):
        self.app = app
        self.wsgi_app = wsgi_app
        self._knows_the_url: bool | None = None  # checked against the app's routes on the first scan
        self._viewers: dict[tuple, Viewer] = {}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        scan = self._scan(environ)
        answer = self._answer(environ, *scan) if scan is not None else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        headers, body = answer
        start_response("200 OK", headers)
        return [body]

    def _scan(self, environ: dict) -> tuple[str, str | None] | None:
        """(token, chosen language or None) of a request this path may answer; None for any other."""
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" in environ:
            return None  # (a bearer token's user may have a language and zone of their own)
        match = _PATH.match(environ.get("PATH_INFO", ""))
        if match is None:
            return None
        config = self.app.config
        if not config.get("VERIFY_FAST_PATH", True) or config.get("SERVER_NAME") or config.get("TRUSTED_HOSTS"):
            return None  # (Flask would check the Host header first)
        cookies = environ.get("HTTP_COOKIE", "")
        if cookies and (
            config["SESSION_COOKIE_NAME"] in cookies or config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies
        ):
            return None  # a session (or what may be one): the view decides
        query = environ.get("QUERY_STRING", "")
        locale = None
        if query:
            name, _, locale = query.partition("=")
            if name != "locale" or locale not in config["LANGUAGES"]:
                return None
        if self._knows_the_url is None:
            # Should the view move, this path would answer a URL that is no longer the verify page's.
            self._knows_the_url = {rule.rule for rule in self.app.url_map.iter_rules(ENDPOINT)} == RULES
        if not self._knows_the_url:
            return None
        return match.group(1), locale

    def _answer(self, environ: dict, token: str, locale: str | None) -> tuple[list, bytes] | None:
        """(headers, body) of the page the view would send; None to let the view answer."""
        # Within the app's context as the view's request would be (Flask reuses one already pushed for this app).
        pushed = None
        if not has_app_context() or current_app._get_current_object() is not self.app:
            pushed = self.app.app_context()
            pushed.push()
        try:
            if self.app.config.get("RATELIMIT_ENABLED", True):
                try:
                    who = environ.get("REMOTE_ADDR") or "-"  # request.remote_addr, as the view's limit counts it
                    limiter.hit(VERIFY_LIMIT_SCOPE, parse_rate(verify_rate_limit()), who=who)
                except TooManyRequests:
                    return None  # the view counts it again and answers 429 (over the budget stays over it)
                mark_counted(environ, VERIFY_LIMIT_SCOPE)
            # Without a request context the language and zone selectors give the defaults, as they give a visitor
            # without a session; the language buttons' choice is forced as the view forces it.
            with force_locale(locale) if locale else nullcontext():
                page = kept_page_without_session(verify_qr(token), self._viewer(locale))
        except Exception:
            if self.app.testing:
                raise
            logger.warning("The verify page's fast path failed; the view answers instead", exc_info=True)
            return None
        finally:
            if pushed is not None:
                pushed.pop()
        if page is None:
            return None
        return self._response(environ, page.encode())

    def _viewer(self, locale: str | None) -> Viewer:
        """The language and zone of the page: without a request context Flask-Babel's selectors give the defaults
        (or the language forced), so every such request has the same; looked up once per language and defaults
        (through Flask-Babel's context each lookup cost a tenth of a cold scan's own work)."""
        config = self.app.config
        key = (locale, config["BABEL_DEFAULT_LOCALE"], config["BABEL_DEFAULT_TIMEZONE"])
        where = self._viewers.get(key)
        if where is None:
            where = self._viewers[key] = viewer()
        return where

    @staticmethod
    def _response(environ: dict, body: bytes) -> tuple[list, bytes]:
        """The headers the view's response gets from Flask and the app's after-request hooks, in their order."""
        headers = [CONTENT_TYPE, ("Content-Length", ""), *RESULT_HEADERS, *SECURITY_HEADERS]
        if environ.get("wsgi.url_scheme") == "https":
            headers.append(STRICT_TRANSPORT_SECURITY)
        headers.append(VARY)
        if len(body) >= MIN_BYTES and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            body = gzip_bytes(body)
            headers.append(("Content-Encoding", "gzip"))
        headers[1] = ("Content-Length", str(len(body)))
        return headers, body
