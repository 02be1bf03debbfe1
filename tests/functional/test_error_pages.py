"""Error pages (404, 429, …): a visitor without a session gets none from them (so a verifier's later scans stay on
the verify page's fast path), and their language buttons work for every visitor."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext

from lms.certificates import services
from lms.extensions import limiter
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.factories.certificates import finished_learner, make_certificate_world

pytestmark = pytest.mark.usefixtures("own_verify_state")


@pytest.fixture
def certificate_path(app_ctx):
    world = make_certificate_world()
    _user, enrolment = finished_learner(world.cohort)
    return "/v/" + services.live_certificate_of(enrolment).token


def _title(app, locale: str, message: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return babel_gettext(message)


def _assert_fast_path_answers(client, path, view_calls):
    """The next scan from this phone is answered before Flask: it sent no cookie of ours."""
    calls = len(view_calls)
    scan = client.get(path)
    assert scan.status_code == 200 and 'data-verdict="valid"' in scan.get_data(as_text=True)
    assert len(view_calls) == calls, "the scan went to the view: the phone holds a cookie of ours"


def test_a_missing_page_makes_no_session_and_later_scans_stay_on_the_fast_path(
    app, client, certificate_path, view_calls
):
    client.get(certificate_path)  # the view renders the page once and keeps it
    missing = client.get("/sertifikat/tidak-ada")
    assert missing.status_code == 404
    assert "Set-Cookie" not in missing.headers
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None
    html = missing.get_data(as_text=True)
    assert _title(app, "id", "Page not found") in html and "csrf_token" not in html
    _assert_fast_path_answers(client, certificate_path, view_calls)


def test_a_rate_limited_scan_makes_no_session_and_the_next_scan_takes_the_fast_path(
    app, client, certificate_path, view_calls, monkeypatch
):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "2 per minute")
    assert [client.get(certificate_path).status_code for _ in range(2)] == [200, 200]
    over = client.get(certificate_path)
    assert over.status_code == 429 and "Retry-After" in over.headers
    assert "Set-Cookie" not in over.headers
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None
    assert _title(app, "id", "Too many attempts") in over.get_data(as_text=True)
    with app.app_context():
        limiter.reset()  # the window has passed
    _assert_fast_path_answers(client, certificate_path, view_calls)


def test_language_buttons_of_an_error_page_without_a_session_reload_it_in_that_language(app, client):
    html = client.get("/tidak-ada").get_data(as_text=True)
    assert '<form method="get" class="language-switch">' in html and 'action="/language"' not in html
    english = client.get("/tidak-ada?locale=en")
    assert english.status_code == 404 and "Set-Cookie" not in english.headers
    page = english.get_data(as_text=True)
    assert '<html lang="en">' in page and "Page not found" in page
    assert '<html lang="id">' in client.get("/tidak-ada?locale=xx").get_data(as_text=True)


def test_a_signed_in_visitor_keeps_the_stored_language_form_on_an_error_page(app, client, auth, app_ctx, monkeypatch):
    make_user("reader@example.test", locale="id")
    auth.login("reader@example.test")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    html = client.get("/tidak-ada").get_data(as_text=True)
    assert 'action="/language"' in html and 'action="/logout"' in html
    # The language form carries a CSRF token the POST needs, and the choice is kept for the next pages.
    assert client.post("/language", data={"locale": "en", "next": "/tidak-ada"}).status_code == 400
    token = csrf_token_from(html)
    changed = client.post("/language", data={"locale": "en", "next": "/tidak-ada", "csrf_token": token})
    assert changed.status_code == 302 and changed.headers["Location"] == "/tidak-ada"
    assert '<html lang="en">' in client.get("/tidak-ada").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/courses").get_data(as_text=True)


def test_an_anonymous_visitor_with_a_session_keeps_the_stored_language_form(app, client):
    client.post("/language", data={"locale": "en", "next": "/"})  # the choice made on a page with a session
    html = client.get("/tidak-ada").get_data(as_text=True)
    assert '<html lang="en">' in html and 'action="/language"' in html and csrf_token_from(html)


@pytest.mark.parametrize(
    "accept",
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*", "", "application/json",
     "Application/JSON", "application/json, text/html", "text/html;q=0.5, application/json",
     "application/json;q=0.9, text/plain;q=0.1", "application/*"],
)  # fmt: skip
def test_wants_json_answers_as_the_parsed_accept_header_does(app, accept):
    """A page asked with an Accept header naming no JSON gets its answer without the header parsed (a browser's
    every page); any other as werkzeug's parsed header says."""
    from unittest.mock import patch

    from flask import request
    from werkzeug.wrappers import Request

    from lms.core.errors import wants_json

    headers = {"Accept": accept} if accept else {}
    with app.test_request_context("/courses", headers=headers):
        parsed = request.accept_mimetypes
        expected = parsed.best == "application/json" and not parsed.accept_html
    with app.test_request_context("/courses", headers=headers):
        if "json" in accept.lower():
            assert wants_json() is expected
        else:
            with patch.object(Request, "accept_mimetypes", property(lambda _request: pytest.fail("parsed"))):
                assert wants_json() is expected is False
