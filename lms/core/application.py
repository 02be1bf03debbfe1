"""The Flask class Lentera runs on: Flask's own, with two things it does on every request made cheaper, and the
login manager, with its loading of a token's user made cheaper. An API call with a bearer token pays them like any
page, and a quiz's learners send a few dozen such calls each."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from inspect import iscoroutinefunction
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask
from flask.globals import _cv_request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import LoginManager, user_accessed
from itsdangerous import BadSignature

from lms.core.lru import LruCache
from lms.core.templating import LenteraEnvironment


@dataclass(frozen=True)
class _VerifiedCookie:
    secret_key: Any  # the key it was verified with
    data: str  # its session data, as JSON (every request gets objects of its own)
    signed_at: float  # its signature's time (seconds since the epoch)


class LenteraSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without the work it did for a request that brings no session cookie (every
    API call with a token): making the cookie signer on the way in, and working out all the cookie's settings on
    the way out before finding there is nothing to write.

    And a browser sends the same cookie with every page until the session changes: a cookie's signature is checked
    (and its data unpacked) once, then the cookie is known in this process until it expires. Checking it was a
    tenth of a signed-in page's calls (a signer made, base64, HMAC, zlib, JSON)."""

    verified_cookies = 4096
    """Cookies known per process (a few hundred bytes each)."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if not app.secret_key:
            return super().open_session(app, request)
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        known = app.extensions.get("lentera_verified_cookies")
        if known is None:
            known = app.extensions.setdefault("lentera_verified_cookies", LruCache(self.verified_cookies))
        verified = known.get(value)
        if verified is None or verified.secret_key != app.secret_key:
            verified = self._verify(app, value)
            if verified is None:
                return self.session_class()
            known.put(value, verified)
        age = time.time() - verified.signed_at
        if not 0 <= age <= app.permanent_session_lifetime.total_seconds():
            return self.session_class()  # expired (as the signer refuses it)
        return self.session_class(self.serializer.loads(verified.data))

    def _verify(self, app: Flask, value: str) -> _VerifiedCookie | None:
        """The cookie's data and signature time when its signature is good (and not expired); None if not."""
        signer = self.get_signing_serializer(app)
        try:
            data, signed_at = signer.loads(  # type: ignore[union-attr]
                value, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True
            )
        except BadSignature:
            return None
        return _VerifiedCookie(app.secret_key, self.serializer.dumps(data), signed_at.timestamp())

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if not session and not session.modified:  # empty and untouched: no cookie to write or delete
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


class Lentera(Flask):
    session_interface = LenteraSessionInterface()
    jinja_environment = LenteraEnvironment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._coroutine_functions: WeakKeyDictionary[Callable[..., Any], bool] = WeakKeyDictionary()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's, with whether a function is a coroutine function remembered (weakly: a request's own
        `after_this_request` functions come and go): Flask asked `inspect` for each hook and the view on every
        request, a dozen calls each."""
        try:
            is_coroutine = self._coroutine_functions.get(func)
            if is_coroutine is None:
                is_coroutine = self._coroutine_functions[func] = iscoroutinefunction(func)
        except TypeError:  # a callable that cannot be weakly referenced
            return super().ensure_sync(func)
        return self.async_to_sync(func) if is_coroutine else func


class LenteraLoginManager(LoginManager):
    """Flask-Login's manager, loading the user of a request that brings no cookie and has nothing in its session
    (every API call with a bearer token) in the steps Flask-Login takes for it, without the rest: its session
    protection (a digest of the caller's address and agent, compared with nothing) and its look for a remember
    cookie. The same user, signals and session access (the session is read, so the response still varies by
    Cookie)."""

    def _load_user(self):
        context = _cv_request.get(None)
        if context is None or context.session or context.request.cookies or self._request_callback is None:
            return super()._load_user()
        user_accessed.send(context.app)
        if context.session.get("_user_id") is not None:  # never: the session is empty (read as Flask-Login reads it)
            return super()._load_user()
        return self._update_request_context_with_user(self._load_user_from_request(context.request))
