"""Verify page, manual form and API: every verdict end to end, the key set document, rate limits, nasty inputs."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.certificates import keys, services
from lms.certificates.token import SigningKey, encode_token
from lms.extensions import db
from tests.factories.certificates import finished_learner, issue, make_certificate_world
from tests.unit.test_certificate_token import make_claims


@pytest.fixture(autouse=True)
def own_key_store(app, tmp_path, monkeypatch):
    """A key store of this test's own: rotations and withdrawals here must not touch other tests' keys."""
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


@pytest.fixture
def world(app_ctx):
    return make_certificate_world()


@pytest.fixture
def certificate(world):
    _user, enrolment = finished_learner(world.cohort, full_name="Siti Rahmawati, S.Kep., Ns.")
    return services.live_certificate_of(enrolment) or issue(world.admin, enrolment)


def verdict_of(response) -> str:
    html = response.get_data(as_text=True)
    marker = 'data-testid="verdict" data-verdict="'
    assert marker in html, html[:500]
    return html.split(marker, 1)[1].split('"', 1)[0]


def api_verify(client, text):
    return client.post("/api/v1/verify", json={"qr": text})


def test_valid_certificate_page_shows_the_verdict_and_signed_fields(client, certificate):
    url = services.verify_url(certificate)
    assert url.isupper() and "/V/" in url
    response = client.get(url.split("LOCALHOST", 1)[1])
    assert response.status_code == 200
    assert verdict_of(response) == "valid"
    html = response.get_data(as_text=True)
    assert certificate.number in html
    assert "Siti Rahmawati, S.Kep., Ns." in html
    assert certificate.snapshot["course_title"] in html
    assert certificate.signing_key_id in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert 'data-token="' + certificate.token + '"' in html
    # Either case of the path works, and the lower-case share link too.
    assert verdict_of(client.get("/v/" + certificate.token.lower())) == "valid"


def test_api_valid_answer(client, certificate):
    response = api_verify(client, services.verify_url(certificate))
    assert response.status_code == 200
    body = response.get_json()
    assert body["verdict"] == "valid"
    assert body["signature"] == {"genuine": True, "reason_code": None}
    assert body["fields"]["number"] == certificate.number
    assert body["fields"]["course_title"] == certificate.snapshot["course_title"]
    assert body["fields"]["profession"] == "Perawat"
    assert body["key"]["kid"] == certificate.signing_key_id
    assert body["checked_at"]


def test_revoked_certificate_shows_reason_and_date_at_once(client, world, certificate):
    services.revoke_certificate(world.admin, certificate, "Nama salah ketik", datetime.now(UTC))
    db.session.commit()
    response = client.get("/v/" + certificate.token)
    assert verdict_of(response) == "revoked"
    html = response.get_data(as_text=True)
    assert "Nama salah ketik" in html and 'data-testid="verdict-date"' in html
    body = api_verify(client, certificate.token).get_json()
    assert body["verdict"] == "revoked" and "Nama salah ketik" in body["reason"] and body["changed_at"]


def test_suspended_then_reinstated(client, world, certificate):
    services.suspend_certificate(world.admin, certificate, "Sedang ditinjau", datetime.now(UTC))
    db.session.commit()
    assert verdict_of(client.get("/v/" + certificate.token)) == "suspended"
    assert api_verify(client, certificate.token).get_json()["verdict"] == "suspended"
    services.reinstate_certificate(world.admin, certificate, "Selesai ditinjau", datetime.now(UTC))
    db.session.commit()
    assert verdict_of(client.get("/v/" + certificate.token)) == "valid"


def test_expired_certificate(client, certificate):
    certificate.expires_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    assert verdict_of(client.get("/v/" + certificate.token)) == "expired"
    assert api_verify(client, certificate.token).get_json()["verdict"] == "expired"


def test_one_bit_changed_is_invalid(client, certificate):
    raw = bytearray(base64.b32decode(certificate.token + "=" * (-len(certificate.token) % 8)))
    raw[len(raw) // 2] ^= 0x01
    forged = base64.b32encode(bytes(raw)).decode().rstrip("=")
    assert verdict_of(client.get("/v/" + forged)) == "invalid"
    body = api_verify(client, forged).get_json()
    assert body["verdict"] == "invalid" and body["fields"] is None and body["signature"]["genuine"] is False


def test_unknown_key_is_invalid(client, certificate):
    stranger = encode_token(make_claims(certificate_id=certificate.certificate_id), SigningKey.generate())
    body = api_verify(client, stranger).get_json()
    assert (body["verdict"], body["reason_code"]) == ("invalid", "unknown_key")
    assert verdict_of(client.get("/v/" + stranger)) == "invalid"


def test_genuine_signature_on_an_unknown_id_is_invalid(client, certificate):
    # Signed with the platform's own key but for an id that was never issued.
    claims = make_claims(certificate_id=b"\x07" * 12, issued_at=datetime.now(UTC), expires_at=None)
    token = encode_token(claims, keys.current_signing_key())
    body = api_verify(client, token).get_json()
    assert (body["verdict"], body["reason_code"]) == ("invalid", "unknown_certificate")


def test_after_rotation_the_old_certificate_is_still_valid(client, world, certificate):
    keys.rotate(actor=None)
    db.session.commit()
    assert keys.current_signing_key().kid.hex() != certificate.signing_key_id
    assert verdict_of(client.get("/v/" + certificate.token)) == "valid"
    body = api_verify(client, certificate.token).get_json()
    assert body["verdict"] == "valid" and body["key"]["retired"] is True


def test_withdrawn_key_makes_its_certificates_invalid(client, certificate):
    keys.withdraw(certificate.signing_key_id, "kunci bocor", actor=None)
    db.session.commit()
    body = api_verify(client, certificate.token).get_json()
    assert (body["verdict"], body["reason_code"]) == ("invalid", "key_withdrawn")
    assert "kunci bocor" in body["reason"]
    assert verdict_of(client.get("/v/" + certificate.token)) == "invalid"


def test_manual_form_needs_number_and_code(client, certificate):
    page = client.get("/verify")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)
    found = client.post("/verify", data={"number": certificate.number, "code": certificate.verification_code})
    assert found.status_code == 200 and verdict_of(found) == "valid"
    assert certificate.snapshot["course_title"] in found.get_data(as_text=True)
    lower = client.post("/verify", data={"number": certificate.number, "code": certificate.verification_code.lower()})
    assert verdict_of(lower) == "valid"
    wrong = client.post("/verify", data={"number": certificate.number, "code": "AAAA-AAAA"})
    assert verdict_of(wrong) == "invalid"
    assert certificate.snapshot["course_title"] not in wrong.get_data(as_text=True)
    alone = client.post("/verify", data={"number": certificate.number})
    assert alone.status_code == 422 and 'data-testid="verdict"' not in alone.get_data(as_text=True)


def test_manual_form_shows_revocation(client, world, certificate):
    services.revoke_certificate(world.admin, certificate, "Diganti", datetime.now(UTC))
    db.session.commit()
    response = client.post("/verify", data={"number": certificate.number, "code": certificate.verification_code})
    assert verdict_of(response) == "revoked"


def test_published_key_set(client, certificate):
    keys.rotate(actor=None)
    db.session.commit()
    response = client.get("/.well-known/lentera-keys.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # Revalidated on every use (issue 12: an hour-long cache hid a rotated key from returning browsers).
    assert response.headers["Cache-Control"] == "no-cache"
    etag = response.headers["ETag"]
    assert client.get("/.well-known/lentera-keys.json", headers={"If-None-Match": etag}).status_code == 304
    keys.rotate(actor=None)
    db.session.commit()
    assert client.get("/.well-known/lentera-keys.json", headers={"If-None-Match": etag}).status_code == 200
    document = response.get_json()
    assert document["issuer"] == {"name": "Lentera", "url": "http://localhost"}
    assert document["token"]["claim"] == -65537 and document["token"]["fields"][0] == "format_version"
    by_kid = {key["kid"]: key for key in document["keys"]}
    old = by_kid[certificate.signing_key_id]
    assert old["alg"] == "EdDSA" and old["retired"] is True and old["valid_until"] and old["withdrawn"] is False
    assert len(base64.urlsafe_b64decode(old["public_key"] + "==")) == 32
    assert sum(not key["retired"] for key in document["keys"]) == 1
    assert document["codes"]["profession"]["20"] == "Perawat"
    assert document["codes"]["ranah"] == {"1": "Pembelajaran", "2": "Pelayanan", "3": "Pengabdian"}
    assert "private" not in response.get_data(as_text=True)


def test_service_worker_and_offline_shell_are_served(client):
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["Content-Type"]
    assert "/verify/offline" in worker.get_data(as_text=True)
    shell = client.get("/verify/offline")
    assert shell.status_code == 200 and 'data-offline="true"' in shell.get_data(as_text=True)


def test_api_needs_a_qr_text(client):
    assert client.post("/api/v1/verify", json={}).status_code == 422
    assert client.post("/api/v1/verify").status_code == 422
    assert client.post("/api/v1/verify", json={"qr": ""}).status_code == 422
    assert client.post("/api/v1/verify", json={"qr": "A" * 5000}).status_code == 422
    huge = client.post("/api/v1/verify", data="x" * 100_000, content_type="application/json")
    assert huge.status_code == 422 and huge.get_json()["error"]["code"] == "invalid_input"


def test_api_needs_no_csrf_token_or_account(app, certificate):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/api/v1/verify", json={"qr": certificate.token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200 and response.get_json()["verdict"] == "valid"


NASTY = [
    "",
    " ",
    "%00",
    "A",
    "AAAAAAA",
    "=" * 40,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "Z" * 3000,
    "7" * 10_000,
    "ÄÖÜ" * 50,
    "\u202e\u0000\ufeff",
    "https://evil.example/v/" + "A" * 50,
    base64.b32encode(b"\xff" * 100).decode(),
    base64.b32encode(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"", b""]))).decode(),
    base64.b32encode(
        cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -8, 4: b"12345678"}), {}, b"", b"x" * 64]))
    ).decode(),  # noqa: E501
    base64.b32encode(b"\x9f" * 2000).decode()[:2000],
    base64.b32encode(b"\x81" * 1000).decode(),
]


@pytest.mark.parametrize("text", NASTY)
def test_nasty_inputs_never_give_a_server_error(client, certificate, text):
    page = client.get("/v/" + text.replace("/", "%2F").replace("?", "%3F").replace("#", "%23"))
    assert page.status_code in (200, 404), page.status_code
    if page.status_code == 200:
        assert verdict_of(page) == "invalid"
    answer = api_verify(client, text)
    assert answer.status_code in (200, 422)
    if answer.status_code == 200:
        assert answer.get_json()["verdict"] == "invalid"
    form = client.post("/verify", data={"number": text, "code": text})
    assert form.status_code in (200, 422)


def test_nasty_json_bodies_never_give_a_server_error(client):
    for body in ('{"qr": 12}', '{"qr": null}', "[1,2]", "not json", '{"qr": ["a"]}', '{"qr": {"a": 1}}', '"qr"'):
        response = client.post("/api/v1/verify", data=body, content_type="application/json")
        assert response.status_code in (400, 422), (body, response.status_code)


def test_rate_limit_answers_429_page_and_json(app, client, certificate):
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    try:
        for _ in range(3):
            assert client.get("/v/" + certificate.token).status_code == 200
        page = client.get("/v/" + certificate.token)
        api = api_verify(client, certificate.token)
        form = client.post("/verify", data={"number": certificate.number, "code": certificate.verification_code})
    finally:
        app.config["VERIFY_RATE_LIMIT"] = "60 per minute"
    assert page.status_code == 429 and "Retry-After" in page.headers
    assert "429" in page.get_data(as_text=True)
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "too_many_requests"
    # Issue 12: the API's 429 carries Retry-After exactly like the page's.
    assert int(api.headers["Retry-After"]) >= 1
    assert abs(int(api.headers["Retry-After"]) - int(page.headers["Retry-After"])) <= 1
    assert form.status_code == 429
    # The key set and the service worker stay reachable for offline use.
    assert client.get("/.well-known/lentera-keys.json").status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=600))
def test_fuzzed_qr_texts_get_an_answer_never_a_server_error(client, text):
    response = api_verify(client, text)
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.get_json()["verdict"] == "invalid"


def test_environment_key_signs_and_is_published(app, client, world):
    from lms.certificates.token import SigningKey

    signing = SigningKey.generate()
    app.config["SIGNING_KEY"] = base64.b64encode(signing.raw_private).decode()
    try:
        assert keys.current_signing_key().kid == signing.kid
        _user, enrolment = finished_learner(world.cohort)
        certificate = services.live_certificate_of(enrolment) or issue(world.admin, enrolment)
        assert certificate.signing_key_id == signing.kid.hex()
        published = client.get("/.well-known/lentera-keys.json").get_json()
        assert signing.kid.hex() in [key["kid"] for key in published["keys"]]
        assert api_verify(client, certificate.token).get_json()["verdict"] == "valid"
    finally:
        app.config["SIGNING_KEY"] = ""
    # Back on the key store, the environment key is retired and what it signed still verifies.
    assert keys.current_signing_key().kid != signing.kid
    published = {key["kid"]: key for key in client.get("/.well-known/lentera-keys.json").get_json()["keys"]}
    assert published[signing.kid.hex()]["retired"] is True
    assert sum(not key["retired"] for key in published.values()) == 1
    assert api_verify(client, certificate.token).get_json()["verdict"] == "valid"
