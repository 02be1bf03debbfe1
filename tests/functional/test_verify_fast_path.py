"""The verify page's fast path (lms.certificates.verify_fast_path) answers exactly what the view answers."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta

import pytest

from lms.certificates import keys, services, verification, verify_skeleton
from lms.certificates.token import SigningKey, encode_token
from lms.extensions import db
from tests.factories import make_user
from tests.factories.certificates import finished_learner, issue, make_certificate_world
from tests.unit.test_certificate_token import make_claims

pytestmark = pytest.mark.usefixtures("own_verify_state")


@pytest.fixture
def frozen_clock(monkeypatch):
    """One moment of the check for every request: the page shows it to the microsecond (in the browser check)."""

    class Frozen(datetime):
        moment = datetime.now(UTC).replace(microsecond=123456)

        @classmethod
        def now(cls, tz=None):
            return cls.moment

    monkeypatch.setattr(verification, "datetime", Frozen)
    return Frozen


@pytest.fixture
def world(app_ctx):
    return make_certificate_world()


def _certificate(world, email: str, name: str = "Siti Rahmawati, S.Kep., Ns."):
    _user, enrolment = finished_learner(world.cohort, email, full_name=name)
    return services.live_certificate_of(enrolment) or issue(world.admin, enrolment)


def _get(app, client, path, *, fast: bool, **kwargs):
    app.config["VERIFY_FAST_PATH"] = fast
    try:
        return client.get(path, **kwargs)
    finally:
        app.config["VERIFY_FAST_PATH"] = True


def _answer(response) -> tuple:
    return response.status_code, list(response.headers.items()), response.get_data()


def _tokens(world, frozen_clock) -> dict[str, str]:
    """A token of each kind of answer the page gives."""
    valid = _certificate(world, "valid@example.test")
    quoted = _certificate(world, "quoted@example.test", name='Ni Luh "Ayu" <b>&amp;</b> O\'Brien')
    revoked = _certificate(world, "revoked@example.test")
    services.revoke_certificate(world.admin, revoked, "Nama salah ketik", datetime.now(UTC))
    suspended = _certificate(world, "suspended@example.test")
    services.suspend_certificate(world.admin, suspended, "Sedang ditinjau", datetime.now(UTC))
    corrected = _certificate(world, "corrected@example.test")
    services.reissue_certificate(world.admin, corrected, "Gelar salah", datetime.now(UTC))
    expired = _certificate(world, "expired@example.test")
    expired.expires_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    raw = bytearray(base64.b32decode(valid.token + "=" * (-len(valid.token) % 8)))
    raw[len(raw) // 2] ^= 0x01
    unknown_id = make_claims(certificate_id=b"\x07" * 12, issued_at=datetime.now(UTC) - timedelta(days=1))
    return {
        "valid": valid.token,
        "valid, in lower case": valid.token.lower(),
        "valid, names to escape": quoted.token,
        "revoked": revoked.token,
        "suspended": suspended.token,
        "revoked by a re-issue": corrected.token,
        "expired (status)": expired.token,
        "tampered": base64.b32encode(bytes(raw)).decode().rstrip("="),
        "unknown key": encode_token(make_claims(certificate_id=valid.certificate_id), SigningKey.generate()),
        "unknown certificate": encode_token(unknown_id, keys.current_signing_key()),
        "malformed": "ABCDEFGH",
        "malformed, not Base32": "not-a-token!",
    }


LANGUAGES = {
    "Indonesian": ("", {}),
    "English (buttons)": ("?locale=en", {}),
    "Indonesian (buttons)": ("?locale=id", {}),
    "Accept-Language: en": ("", {"Accept-Language": "en"}),
}
ENCODINGS = {"plain": {}, "gzip": {"Accept-Encoding": "gzip, deflate, br"}}


def test_every_answer_is_the_views_byte_for_byte(app, client, world, frozen_clock, view_calls, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "10000 per minute")
    tokens = _tokens(world, frozen_clock)
    compared = 0
    for kind, token in tokens.items():
        for later in (False, True):  # the signed expiry passed: EXPIRED (from the skeleton of another shape)
            frozen_clock.moment = datetime.now(UTC).replace(microsecond=123456) + timedelta(days=365 * 40 * later)
            for language, (query, language_headers) in LANGUAGES.items():
                for prefix in ("/v/", "/V/"):
                    path = f"{prefix}{token}{query}"
                    for encoding, encoding_headers in ENCODINGS.items():
                        headers = language_headers | encoding_headers
                        view = _get(app, client, path, fast=False, headers=headers)
                        calls = len(view_calls)
                        fast = _get(app, client, path, fast=True, headers=headers)
                        assert _answer(fast) == _answer(view), (kind, later, language, prefix, encoding)
                        compared += 1
                        # The view kept the page (or its shape's skeleton): the fast path answered alone.
                        assert len(view_calls) == calls, (kind, later, language, encoding)
    assert compared == len(tokens) * 2 * len(LANGUAGES) * 2 * len(ENCODINGS)


def test_the_pages_say_what_each_case_is(app, client, world, frozen_clock):
    tokens = _tokens(world, frozen_clock)
    expected = {
        "valid": "valid",
        "revoked": "revoked",
        "suspended": "suspended",
        "revoked by a re-issue": "revoked",
        "expired (status)": "expired",
        "tampered": "invalid",
        "unknown key": "invalid",
        "unknown certificate": "invalid",
        "malformed": "invalid",
    }
    for kind, verdict in expected.items():
        for _ in range(2):  # rendered by the view, then from what it kept
            html = client.get("/v/" + tokens[kind]).get_data(as_text=True)
            assert f'data-verdict="{verdict}"' in html, kind
    english = client.get(f"/v/{tokens['revoked by a re-issue']}?locale=en", headers={"Accept-Encoding": "gzip"})
    html = gzip.decompress(english.get_data()).decode()
    assert "REVOKED" in html and "Replaced by" in html and "Digantikan" not in html
    indonesian = client.get(f"/v/{tokens['revoked by a re-issue']}").get_data(as_text=True)
    assert "DICABUT" in indonesian and "Digantikan oleh" in indonesian


def test_a_revocation_shows_at_once_on_the_fast_path(app, client, world, frozen_clock, view_calls):
    certificate = _certificate(world, "later@example.test")
    for _ in range(2):
        assert 'data-verdict="valid"' in client.get("/v/" + certificate.token).get_data(as_text=True)
    calls = len(view_calls)
    services.revoke_certificate(world.admin, certificate, "Data salah", datetime.now(UTC))
    db.session.commit()
    assert 'data-verdict="revoked"' in client.get("/v/" + certificate.token).get_data(as_text=True)
    assert len(view_calls) == calls + 1  # a new state: rendered by the view, then kept
    assert 'data-verdict="revoked"' in client.get("/v/" + certificate.token).get_data(as_text=True)
    assert len(view_calls) == calls + 1


def test_https_gets_the_same_headers_as_from_the_view(app, client, world, frozen_clock, view_calls):
    token = _certificate(world, "secure@example.test").token
    https = {"base_url": "https://localhost"}
    view = _get(app, client, "/v/" + token, fast=False, **https)
    calls = len(view_calls)
    fast = _get(app, client, "/v/" + token, fast=True, **https)
    assert len(view_calls) == calls
    assert _answer(fast) == _answer(view)
    assert fast.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(
    ("name", "request_kwargs"),
    [
        ("another query", {"query_string": {"utm_source": "qr"}}),
        ("an unknown language", {"query_string": {"locale": "fr"}}),
        ("a bearer token", {"headers": {"Authorization": "Bearer nothing"}}),
        ("a session cookie", {"cookie": "session"}),
        ("a remember-me cookie", {"cookie": "remember_token"}),
    ],
)
def test_other_requests_go_to_the_view_and_get_its_answer(
    app, client, world, frozen_clock, view_calls, name, request_kwargs
):
    token = _certificate(world, "other@example.test").token
    client.get("/v/" + token)  # the page is kept: only the request's own details send it to the view
    if "cookie" in request_kwargs:
        client.set_cookie(request_kwargs.pop("cookie"), "forged")
    view = _get(app, client, "/v/" + token, fast=False, **request_kwargs)
    calls = len(view_calls)
    fast = _get(app, client, "/v/" + token, fast=True, **request_kwargs)
    assert len(view_calls) == calls + 1, name
    if "cookie" in name:  # the full page, with a CSRF token of its own each time
        assert fast.status_code == view.status_code == 200
        assert 'action="/language"' in fast.get_data(as_text=True)
    else:
        assert _answer(fast) == _answer(view), name


def test_head_and_paths_that_are_not_the_page_go_to_flask(app, client, world, frozen_clock, view_calls):
    token = _certificate(world, "paths@example.test").token
    client.get("/v/" + token)
    calls = len(view_calls)
    assert client.head("/v/" + token).status_code == 200
    assert len(view_calls) == calls + 1
    for path in (f"/v/{token}/", f"/v//{token}", f"/x/v/{token}", "/v/", f"/v/{token[:10]}%2F{token[10:]}"):
        # (Flask's error pages carry a CSRF token of their own each time: the status is compared.)
        view = _get(app, app.test_client(use_cookies=False), path, fast=False)
        fast = _get(app, app.test_client(use_cookies=False), path, fast=True)
        assert fast.status_code == view.status_code, path
        assert fast.status_code in (404, 308), path
    assert len(view_calls) == calls + 1
    assert client.post("/v/" + token).status_code == 405


def test_a_signed_in_visitor_gets_the_full_page(app, client, auth, world, frozen_clock, view_calls):
    token = _certificate(world, "signed-in@example.test").token
    anonymous = client.get("/v/" + token).get_data(as_text=True)
    make_user("reader@example.test", locale="en")
    auth.login("reader@example.test")
    calls = len(view_calls)
    html = client.get("/v/" + token).get_data(as_text=True)
    assert len(view_calls) == calls + 1
    assert "My certificates" in html and 'action="/logout"' in html and 'data-verdict="valid"' in html
    assert 'action="/logout"' not in anonymous and 'action="/language"' not in anonymous
    # The language chosen through the session's language setting is the view's to apply.
    auth.logout()
    client.post("/language", data={"locale": "en", "next": "/"})
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is not None
    calls = len(view_calls)
    assert "VALID" in client.get("/v/" + token).get_data(as_text=True)
    assert len(view_calls) == calls + 1


def test_the_budget_counts_each_scan_once_whoever_answers(app, client, world, frozen_clock, view_calls):
    first, second = (_certificate(world, f"budget-{n}@example.test").token for n in range(2))
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    try:
        # Rendered by the view (nothing kept yet), then from what it kept, then a shape the skeleton knows.
        answers = [client.get("/v/" + token) for token in (first, first, second)]
        over = client.get("/v/" + first)
        calls = len(view_calls)
        api = client.post("/api/v1/verify", json={"qr": first})
        other_address = client.get("/v/" + first, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    finally:
        app.config["VERIFY_RATE_LIMIT"] = "60 per minute"
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert calls == 2  # the first scan, and the 429 (the view's error page)
    assert over.status_code == 429 and "Retry-After" in over.headers
    assert api.status_code == 429  # one budget for every way of asking
    assert other_address.status_code == 200


def test_the_language_and_zone_are_looked_up_once_not_on_every_scan(app, client, world, frozen_clock, view_calls):
    """A visitor without a session gets the default language and zone (or the language chosen on the page): the fast
    path asks Flask-Babel for them once, not on every scan."""
    tokens = [_certificate(world, f"scan{number}@example.test").token for number in range(3)]
    for token in tokens:
        client.get("/v/" + token)  # rendered by the view, then kept
    asked = []
    get_locale = verify_skeleton.get_locale

    def counted():
        asked.append(1)
        return get_locale()

    calls = len(view_calls)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify_skeleton, "get_locale", counted)
        for token in tokens:
            assert 'data-verdict="valid"' in client.get("/v/" + token).get_data(as_text=True)
    assert len(view_calls) == calls  # answered by the fast path
    assert asked == []
