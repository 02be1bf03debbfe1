"""Two-factor authentication: enrolment, the code step of login and of the token endpoint, recovery codes, and the
rule that platform admins and organization admins (per organization) must use it."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from lms.accounts import two_factor
from lms.accounts.models import RecoveryCode, Role
from lms.extensions import db
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
