"""Revocable sessions: a copied session cookie stops working after logout, a password change or reset, "log out of
all devices" and a role taken away."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.accounts.models import ApiToken, Membership, Role
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import PASSWORD, make_organization, make_user
from tests.functional.test_accounts import _outbox_to

NEW_PASSWORD = "baru-sekali-2026"


def _copy_session(app, client):
    """A second browser holding a copy of `client`'s session cookie (what a thief would take)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _reset_link(email: str) -> str:
    """The reset link of the last mail to `email` (kept in the outbox: the tests have no SMTP server)."""
    mail = _outbox_to(email)[-1]
    return re.search(r"http://localhost(/password/reset/\S+)", mail.text).group(1)


def _logged_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_a_copied_cookie_is_refused_after_logout(app, client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    thief = _copy_session(app, client)
    assert _logged_in(thief)
    auth.logout()
    assert not _logged_in(client)
    assert not _logged_in(thief)


def test_a_session_opened_before_a_reset_ends_with_the_reset_and_tokens_can_be_revoked(
    app, client, auth, app_ctx, caplog
):
    user = make_user("a@example.test")
    token = api_token(client, "a@example.test")
    auth.login("a@example.test")
    thief = _copy_session(app, client)
    other = app.test_client()
    other.post("/password/forgot", data={"email": "a@example.test"})
    link = _reset_link("a@example.test")
    form = other.get(link).get_data(as_text=True)
    assert 'name="revoke_api_tokens"' in form and "checked" in form
    response = other.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "revoke_api_tokens": "y"})
    assert response.status_code == 302
    assert not _logged_in(thief)
    assert not _logged_in(client)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    db.session.expire_all()
    assert all(t.revoked_at is not None for t in db.session.execute(select(ApiToken)).scalars())
    assert auth.login("a@example.test", NEW_PASSWORD).status_code == 302
    assert _logged_in(client)
    assert user.id


def test_a_reset_may_keep_api_tokens(client, app_ctx, caplog):
    make_user("a@example.test")
    token = api_token(client, "a@example.test")
    client.post("/password/forgot", data={"email": "a@example.test"})
    link = _reset_link("a@example.test")
    client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})  # box left unticked
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    thief = _copy_session(app, client)
    response = client.post(
        "/profile/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(thief)


def test_log_out_of_all_other_devices_from_the_profile(app, client, auth, app_ctx):
    make_user("a@example.test")
    auth.login("a@example.test")
    phone = app.test_client()
    phone.post("/login", data={"email": "a@example.test", "password": PASSWORD})
    assert _logged_in(phone)
    assert "/profile/sessions/end" in client.get("/profile").get_data(as_text=True)
    assert client.post("/profile/sessions/end").status_code == 302
    assert _logged_in(client)
    assert not _logged_in(phone)


def test_taking_a_role_away_ends_the_sessions_that_had_it(app, client, auth, app_ctx):
    organization = make_organization()
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=organization)
    facilitator = make_user("fas@example.test", role=Role.FACILITATOR, organization=organization)
    theirs = app.test_client()
    theirs.post("/login", data={"email": "fas@example.test", "password": PASSWORD})
    assert _logged_in(theirs)
    auth.login("admin@example.test")
    membership = db.session.execute(select(Membership).where(Membership.user_id == facilitator.id)).scalar_one()
    response = client.post(f"/organizations/{organization.id}/members/{membership.id}/remove")
    assert response.status_code == 302
    assert not _logged_in(theirs)
    assert _logged_in(client) and admin.id


def test_a_session_cookie_from_before_versions_is_refused(app, client, auth, app_ctx):
    user = make_user("a@example.test")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not _logged_in(client)
