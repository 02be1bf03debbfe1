"""lms.core.application: what Flask does on every request, made cheaper without changing what it answers."""

from __future__ import annotations

from unittest.mock import patch

from flask.sessions import SecureCookieSessionInterface

from lms.core import application
from lms.core.templating import LenteraCodeGenerator
from lms.extensions import login_manager
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


def test_a_cookieless_token_call_loads_its_user_as_flask_login_would_without_its_session_protection(app, app_ctx):
    """LenteraLoginManager: a caller with no cookie (an app calling the API) gets the token's user, the signals
    Flask-Login sends, and a response that varies by Cookie (the session was read); the digest of address and agent
    that Flask-Login's session protection makes (and compares with nothing, the session being empty) is not made."""
    from flask_login import user_accessed, user_loaded_from_request

    make_user("caller@example.test")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, 'caller@example.test')}"}
    fresh = app.test_client()  # no cookie at all
    heard = []
    with (
        user_accessed.connected_to(lambda sender: heard.append("accessed")),
        user_loaded_from_request.connected_to(lambda sender, user: heard.append(user.email)),
        patch.object(login_manager, "_session_identifier_generator", side_effect=AssertionError("digest made")),
    ):
        response = fresh.get("/api/v1/me", headers=headers)
        refused = fresh.get("/api/v1/me", headers={"Authorization": "Bearer lnt_not-a-token"})
    assert response.status_code == 200 and response.get_json()["email"] == "caller@example.test"
    assert "Cookie" in response.vary and "Set-Cookie" not in response.headers
    assert heard == ["accessed", "caller@example.test", "accessed"]
    assert refused.status_code == 401


def test_a_token_call_with_a_cookie_takes_flask_logins_own_way(app, client, auth, app_ctx):
    """With a cookie (a browser's session), Flask-Login's own loading: its session protection runs, and a request
    bringing a token is judged by the token alone (lms.accounts.login.load_user)."""
    make_user("browser@example.test")
    make_user("token@example.test")
    token = api_token(client, "token@example.test")
    auth.login("browser@example.test")
    with patch.object(login_manager, "_session_identifier_generator", wraps=lambda: "same") as digest:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["email"] == "token@example.test" and digest.called
