"""lms.core.application: what Flask does on every request, made cheaper without changing what it answers."""

from __future__ import annotations

from unittest.mock import patch

from flask.sessions import SecureCookieSessionInterface

from lms.core import application
from lms.core.templating import LenteraCodeGenerator
from tests.conftest import api_token
from tests.factories import make_user


def test_a_request_without_a_session_cookie_makes_no_cookie_signer_and_sets_no_cookie(app, client, app_ctx):
    make_user("reader@example.test")
    headers = {"Authorization": f"Bearer {api_token(client, 'reader@example.test')}"}
    fresh = app.test_client()  # no cookie at all, as an app calling the API
    with patch.object(
        SecureCookieSessionInterface, "get_signing_serializer", side_effect=AssertionError("signer made")
    ):
        response = fresh.get("/api/v1/me", headers=headers)
    assert response.status_code == 200 and response.get_json()["email"] == "reader@example.test"
    assert "Set-Cookie" not in response.headers


def test_a_session_cookie_is_still_read_and_written(client, auth, app_ctx):
    make_user("page@example.test")
    auth.login("page@example.test")  # the login writes the session cookie
    page = client.get("/")
    assert page.status_code == 200 and "page@example.test" not in page.headers.get("Set-Cookie", "")
    assert client.get("/api/v1/me").get_json()["email"] == "page@example.test"  # the cookie's user, read back


def test_an_emptied_session_still_deletes_its_cookie_and_an_empty_one_read_still_varies_by_cookie(app):
    interface = app.session_interface
    with app.test_request_context("/"):
        emptied = interface.session_class({"_user_id": "1"})
        emptied.clear()
        response = app.response_class()
        interface.save_session(app, emptied, response)
        assert "Expires=Thu, 01 Jan 1970" in response.headers["Set-Cookie"]
        read = interface.session_class()
        read.accessed = True  # as reading it through flask.session marks it
        response = app.response_class()
        interface.save_session(app, read, response)
        assert "Set-Cookie" not in response.headers and "Cookie" in response.vary


def test_whether_a_hook_or_view_is_a_coroutine_is_asked_once_per_function(app, client):
    asked = []

    def counted(func):
        asked.append(func)
        return False

    app._coroutine_functions.clear()
    with patch.object(application, "iscoroutinefunction", counted):
        client.get("/healthz")
        first = len(asked)
        client.get("/healthz")
        client.get("/healthz")
    assert first > 0 and len(asked) == first


def test_pages_render_with_lentera_template_code(app, client):
    """Jinja's code for the app's templates yields each output node once (lms.core.templating): a page arrives whole."""
    assert app.jinja_env.code_generator_class is LenteraCodeGenerator
    page = client.get("/login")
    assert page.status_code == 200 and page.text.startswith("<!doctype html>")
