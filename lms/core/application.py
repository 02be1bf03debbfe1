"""The Flask class Lentera runs on: Flask's own, with two things it does on every request made cheaper. An API call
with a bearer token pays them like any page, and a quiz's learners send a few dozen such calls each."""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LenteraSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without the work it did for a request that brings no session cookie (every
    API call with a token): making the cookie signer on the way in, and working out all the cookie's settings on
    the way out before finding there is nothing to write."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if not session and not session.modified:  # empty and untouched: no cookie to write or delete
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


class Lentera(Flask):
    session_interface = LenteraSessionInterface()

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
