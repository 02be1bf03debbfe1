import pytest

from tests.factories import make_user
from tests.statements import counted_statements


def test_form_post_without_csrf_token_is_refused(client, app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    make_user("a@example.test")
    response = client.post("/login", data={"email": "a@example.test", "password": "rahasia-sekali-123"})
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302  # not logged in


def test_form_post_with_csrf_token_is_accepted(client, app, app_ctx, monkeypatch):
    from tests.conftest import csrf_token_from

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    make_user("a@example.test")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": "a@example.test", "password": "rahasia-sekali-123", "csrf_token": token}
    )
    assert response.status_code == 302


def test_cookie_session_api_calls_need_csrf_but_bearer_calls_do_not(client, app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    make_user("a@example.test")
    # The token login trusts no cookie, so mobile clients and integrations need no CSRF token for it.
    response = client.post("/api/v1/auth/token", json={"email": "a@example.test", "password": "rahasia-sekali-123"})
    assert response.status_code == 201, response.get_json()
    # Any other state change without a bearer token is a browser call: it needs the CSRF token.
    response = client.post("/api/v1/cohorts/1/enrol")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    bearer = client.delete("/api/v1/auth/token", headers={"Authorization": "Bearer lnt_nothing"})
    assert bearer.status_code == 401


def test_eleventh_wrong_password_within_a_minute_gets_429(client, app_ctx):
    make_user("a@example.test")
    for _ in range(10):
        response = client.post("/login", data={"email": "a@example.test", "password": "salah-salah-123"})
        assert response.status_code == 200
    response = client.post("/login", data={"email": "a@example.test", "password": "salah-salah-123"})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert "<h1>" in response.get_data(as_text=True)  # the friendly page, not a bare message


def test_token_endpoint_is_rate_limited_with_json_429(client, app_ctx):
    for _ in range(10):
        client.post("/api/v1/auth/token", json={"email": "x@example.test", "password": "salah-salah-123"})
    response = client.post("/api/v1/auth/token", json={"email": "x@example.test", "password": "salah-salah-123"})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"


def test_security_headers_and_cookie_flags(client, app_ctx):
    make_user("a@example.test")
    response = client.post("/login", data={"email": "a@example.test", "password": "rahasia-sekali-123"})
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_when_public_url_is_https(tmp_path):
    from lms import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "PUBLIC_URL": "https://lentera.example",
            "DATABASE_URL": "sqlite://",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("path", ["/nothing-here", "/organizations/999999"])
def test_friendly_error_pages(client, app_ctx, path, auth):
    make_user("a@example.test", is_platform_admin=True)
    auth.login("a@example.test")
    response = client.get(path)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<h1>" in page and 'href="/"' in page


def test_unknown_api_path_gives_json_error(client, app_ctx):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": response.get_json()["error"]["message"]}}


def test_healthz_does_no_database_work(client, app_ctx):
    with counted_statements() as statements:
        assert client.get("/healthz").status_code == 200
        assert statements == []
        client.get("/login")  # the recorder works: a page with a session-less visitor still runs no SQL
        make_user("a@example.test")
        assert statements, "the recorder should see the factory's INSERT"


def test_signed_in_user_is_current_users_object_read_without_the_proxy(app, app_ctx):
    from unittest.mock import patch

    from flask_login import current_user, login_user

    from lms.core.security import signed_in_user

    assert signed_in_user() is None  # no request: as current_user
    nurse = make_user("rina@example.test")
    with app.test_request_context("/"):
        assert not signed_in_user().is_authenticated  # the anonymous user, loaded through the proxy
        login_user(nurse)
        with patch("flask_login.utils._get_user", side_effect=AssertionError("through the proxy")):
            assert signed_in_user() is nurse
        assert signed_in_user() is current_user._get_current_object()
