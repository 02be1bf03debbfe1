"""Two-factor authentication: enrolment, the code step of login and of the token endpoint, recovery codes, and the
rule that platform admins and organization admins (per organization) must use it."""

from __future__ import annotations

import base64
import re
import time

import pyotp
import pytest
from sqlalchemy import inspect, select, text

from lms.accounts import two_factor
from lms.accounts.models import RecoveryCode, Role
from lms.core import secret_box
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import PASSWORD, make_organization, make_user


@pytest.fixture
def enforced(app):
    app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    yield
    app.config["REQUIRE_2FA_FOR_ADMINS"] = False


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/profile/two-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code, inline
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = client.post("/profile/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.get_data(as_text=True))
    return secret, codes


def _code_after(secret: str, used: str) -> str:
    """A code the server still accepts after `used` was taken this step: the next time step's."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_pure_rules_accept_a_code_once_and_only_near_now():
    secret = pyotp.random_base32()
    now = 1_800_000_000
    code = pyotp.TOTP(secret).at(now)
    step = two_factor.accepted_time_step(secret, code, None, now)
    assert step == now // 30
    assert two_factor.accepted_time_step(secret, code, step, now) is None  # replay
    assert two_factor.accepted_time_step(secret, code, None, now + 31) == step  # one step of drift
    assert two_factor.accepted_time_step(secret, code, None, now + 95) is None
    assert two_factor.accepted_time_step(secret, "12a456", None, now) is None
    codes = two_factor.new_recovery_codes()
    assert len(set(codes)) == 10 and all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    assert two_factor.recovery_digest(codes[0].upper().replace("-", " ")) == two_factor.recovery_digest(codes[0])


def test_enrol_then_login_asks_for_the_code(app, client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    secret, codes = _enrol(client)
    assert len(codes) == 10
    stored = db.session.execute(select(RecoveryCode.digest)).scalars().all()
    assert len(stored) == 10 and codes[0] not in stored  # hashed only
    auth.logout()

    response = auth.login("a@example.test")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/two-factor")
    assert client.get("/profile").status_code == 302  # not logged in yet
    wrong = client.post("/login/two-factor", data={"code": "000000"})
    assert wrong.status_code == 200 and 'class="error"' in wrong.get_data(as_text=True)
    # The code used to enrol is spent (each code works once): the app's next code is accepted a little early.
    ok = client.post("/login/two-factor", data={"code": _code_after(secret, pyotp.TOTP(secret).now())})
    assert ok.status_code == 302
    assert client.get("/profile").status_code == 200


def test_a_recovery_code_works_once(client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    _secret, codes = _enrol(client)
    auth.logout()
    auth.login("a@example.test")
    assert client.post("/login/two-factor", data={"code": codes[3].upper()}).status_code == 302
    auth.logout()
    auth.login("a@example.test")
    assert client.post("/login/two-factor", data={"code": codes[3]}).status_code == 200  # spent
    assert client.get("/profile").status_code == 302


def test_the_code_step_without_a_password_first_is_refused(client, app_ctx):
    response = client.post("/login/two-factor", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_token_endpoint_needs_the_code_when_two_factor_is_on(client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    secret, _codes = _enrol(client)
    used = pyotp.TOTP(secret).now()
    missing = client.post("/api/v1/auth/token", json={"email": "a@example.test", "password": PASSWORD})
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "two_factor_required"
    ok = client.post(
        "/api/v1/auth/token",
        json={"email": "a@example.test", "password": PASSWORD, "otp": _code_after(secret, used)},
    )
    assert ok.status_code == 201


def test_admins_must_enrol_before_anything_else_when_enforced(client, auth, app_ctx, enforced):
    organization = make_organization()
    make_user("admin@example.test", role=Role.ORG_ADMIN, organization=organization)
    auth.login("admin@example.test")
    response = client.get(f"/organizations/{organization.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/profile/two-factor"
    api = client.get("/api/v1/organizations", headers={"Accept": "application/json"})
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "two_factor_required"
    token = client.post("/api/v1/auth/token", json={"email": "admin@example.test", "password": PASSWORD})
    assert token.status_code == 403
    _enrol(client)
    assert client.get(f"/organizations/{organization.id}").status_code == 200
    # Once required, it cannot be turned off.
    client.post("/profile/two-factor/disable", data={"disable-code": "000000"})
    assert db.session.execute(select(RecoveryCode)).first() is not None


def test_platform_admins_must_enrol_and_learners_are_never_forced(client, auth, app_ctx, enforced):
    make_user("root@example.test", is_platform_admin=True)
    make_user("learner@example.test")
    auth.login("learner@example.test")
    assert client.get("/profile").status_code == 200
    auth.logout()
    auth.login("root@example.test")
    assert client.get("/organizations").headers["Location"] == "/profile/two-factor"


def test_an_organization_can_be_set_not_to_require_it_by_the_platform_admin(client, auth, app_ctx, enforced):
    organization = make_organization(admins_require_two_factor=False)
    make_user("admin@example.test", role=Role.ORG_ADMIN, organization=organization)
    auth.login("admin@example.test")
    assert client.get(f"/organizations/{organization.id}").status_code == 200
    # The org admin cannot switch the rule (the form does not offer it; the service refuses).
    edit = client.get(f"/organizations/{organization.id}/edit").get_data(as_text=True)
    assert "admins_require_two_factor" not in edit


def test_turning_it_off_needs_a_code_when_not_required(client, auth, app_ctx):
    user = make_user("a@example.test")
    auth.login("a@example.test")
    secret, _codes = _enrol(client)
    client.post("/profile/two-factor/disable", data={"disable-code": "000000"})
    db.session.refresh(user)
    assert user.has_two_factor
    client.post("/profile/two-factor/disable", data={"disable-code": _code_after(secret, "")})
    db.session.refresh(user)
    assert not user.has_two_factor


# --- the secret at rest, tokens from before two-factor, sessions after turning it off ------------------------------


def _stored_secret_column(user_id: int) -> str | None:
    return db.session.execute(text("SELECT totp_secret_sealed FROM users WHERE id = :id"), {"id": user_id}).scalar_one()


def test_the_secret_is_stored_encrypted_and_login_with_a_code_still_works(app, client, auth, app_ctx):
    user = make_user("a@example.test")
    auth.login("a@example.test")
    secret, _codes = _enrol(client)
    stored = _stored_secret_column(user.id)
    assert stored and secret not in stored and secret.lower() not in stored.lower()
    assert "totp_secret" not in {column["name"] for column in inspect(db.engine).get_columns("users")}
    # Sealed under the key derived from SECRET_KEY (no LMS_KEY_ENCRYPTION_KEY in the tests), bound to this user:
    assert stored.startswith("s1:")
    assert secret_box.open_sealed(stored, f"lentera-totp:{user.id}", app.config) == secret
    with pytest.raises(secret_box.SecretBoxError):
        secret_box.open_sealed(stored, f"lentera-totp:{user.id + 1}", app.config)  # moved to another row
    auth.logout()
    auth.login("a@example.test")
    ok = client.post("/login/two-factor", data={"code": _code_after(secret, "")})
    assert ok.status_code == 302 and client.get("/profile").status_code == 200


def test_setting_a_key_encryption_key_later_keeps_secrets_readable_and_reseals_them(app, client, auth, app_ctx):
    user = make_user("a@example.test")
    auth.login("a@example.test")
    secret, _codes = _enrol(client)
    auth.logout()
    app.config["KEY_ENCRYPTION_KEY"] = base64.b64encode(b"k" * 32).decode()
    try:
        auth.login("a@example.test")
        assert client.post("/login/two-factor", data={"code": _code_after(secret, "")}).status_code == 302
        db.session.expire_all()
        stored = _stored_secret_column(user.id)
        assert stored.startswith("k1:") and secret not in stored
        assert secret_box.open_sealed(stored, f"lentera-totp:{user.id}", app.config) == secret
    finally:
        app.config["KEY_ENCRYPTION_KEY"] = ""


def test_enrolling_revokes_the_tokens_issued_before_and_says_so(client, auth, app_ctx):
    make_user("a@example.test")
    old = api_token(client, "a@example.test")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    auth.login("a@example.test")
    page = client.get("/profile/two-factor").get_data(as_text=True)
    assert 'data-testid="totp-enrol-effects"' in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = client.post("/profile/two-factor", data={"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    assert "1 token API dicabut" in done
    refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert refused.status_code == 401
    fresh = client.post(
        "/api/v1/auth/token", json={"email": "a@example.test", "password": PASSWORD, "otp": _code_after(secret, "")}
    )
    assert fresh.status_code == 201
    headers = {"Authorization": f"Bearer {fresh.get_json()['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_a_token_of_someone_required_to_use_two_factor_but_not_enrolled_is_refused(client, auth, app_ctx, enforced):
    organization = make_organization(admins_require_two_factor=False)
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=organization)
    token = api_token(client, "admin@example.test")  # issued while the organization did not require it
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    organization.admins_require_two_factor = True
    db.session.commit()
    refused = client.get(f"/api/v1/organizations/{organization.id}", headers=headers)
    assert refused.status_code == 403
    error = refused.get_json()["error"]
    assert error["code"] == "two_factor_required" and "dua faktor" in error["message"]
    # The same for a platform admin whose token predates the flag.
    organization.admins_require_two_factor = False
    admin.is_platform_admin = True
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).get_json()["error"]["code"] == "two_factor_required"
    # The token can still be revoked by its holder.
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204


def test_turning_two_factor_off_ends_every_other_session(app, client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    secret, codes = _enrol(client)
    other = app.test_client()
    other.post("/login", data={"email": "a@example.test", "password": PASSWORD})
    assert other.post("/login/two-factor", data={"code": _code_after(secret, "")}).status_code == 302
    assert other.get("/profile").status_code == 200
    client.post("/profile/two-factor/disable", data={"disable-code": codes[0]})  # the app's codes are used up
    assert client.get("/profile").status_code == 200  # this device stays logged in
    assert other.get("/profile").status_code == 302  # the other one is thrown out
