"""The bearer token's user: read in one row outside the request's transaction, so a revoked token or a changed role
counts from the very next request; the user is the session's own object, with roles read only when asked for."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import inspect, select

from lms.accounts.login import load_user_from_token
from lms.accounts.models import ApiToken, Membership, Role, User
from lms.extensions import db
from lms.records.standings import PENDING_KEY
from tests.conftest import api_token
from tests.factories import make_organization, make_user
from tests.functional.test_quiz_api_speed import counted_statements


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_revoked_token_or_a_deactivated_account_is_refused_from_the_next_request(app, client):
    """Each request with its own session, as in a server: nothing of the user is kept between requests."""
    with app.app_context():
        make_user("a@example.test")
        make_user("b@example.test")
    first, second = api_token(client, "a@example.test"), api_token(client, "b@example.test")
    assert client.get("/api/v1/me", headers=_bearer(first)).status_code == 200
    with app.app_context():  # another worker revokes it (the profile page, a password reset)
        for token in db.session.execute(select(ApiToken).join(User).where(User.email == "a@example.test")).scalars():
            token.revoked_at = token.created_at
        db.session.commit()
    refused = client.get("/api/v1/me", headers=_bearer(first))
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"

    assert client.get("/api/v1/me", headers=_bearer(second)).status_code == 200
    with app.app_context():
        db.session.execute(select(User).where(User.email == "b@example.test")).scalar_one().is_active_account = False
        db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(second)).status_code == 401


def test_a_role_given_or_taken_after_the_token_was_issued_counts_at_once(app, client):
    with app.app_context():
        organization_id = make_organization(name="PPNI", admins_require_two_factor=True).id
        user_id = make_user("a@example.test").id
    token = api_token(client, "a@example.test")
    assert client.get("/api/v1/me", headers=_bearer(token)).get_json()["memberships"] == []
    with app.app_context():
        db.session.add(Membership(user_id=user_id, organization_id=organization_id, role=Role.FACILITATOR))
        db.session.commit()
    roles = client.get("/api/v1/me", headers=_bearer(token)).get_json()["memberships"]
    assert [(m["organization_name"], m["role"]) for m in roles] == [("PPNI", "facilitator")]

    app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    try:
        with app.app_context():  # an admin of an organization that requires two-factor must enrol first
            role = db.session.execute(select(Membership).where(Membership.user_id == user_id)).scalar_one()
            role.role = Role.ORG_ADMIN
            db.session.commit()
        refused = client.get("/api/v1/me", headers=_bearer(token))
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "two_factor_required"
        with app.app_context():
            db.session.delete(db.session.execute(select(Membership).where(Membership.user_id == user_id)).scalar_one())
            db.session.commit()
        assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    finally:
        app.config["REQUIRE_2FA_FOR_ADMINS"] = False


def test_the_user_is_read_in_one_statement_and_roles_only_for_those_who_hold_some(app, client):
    with app.app_context():
        make_user("learner@example.test")
        make_user("staff@example.test", role=Role.FACILITATOR)
        engine = db.engine
    learner, staff = api_token(client, "learner@example.test"), api_token(client, "staff@example.test")
    for token in (learner, staff):
        client.get("/api/v1/me", headers=_bearer(token))  # the token's first use is recorded once, not counted
    with counted_statements(engine) as statements:
        assert client.get("/api/v1/me", headers=_bearer(learner)).get_json()["memberships"] == []
    assert len(statements) == 1, statements  # the token with its user; no roles to read
    with counted_statements(engine) as statements:
        assert [m["role"] for m in client.get("/api/v1/me", headers=_bearer(staff)).get_json()["memberships"]] == [
            "facilitator"
        ]
    assert len(statements) == 2, statements  # and the roles, with their organizations, when they are shown


def test_the_users_object_is_the_sessions_own_loaded_as_stored_and_changes_to_it_are_kept(app, client):
    with app.app_context():
        make_user("a@example.test", full_name="Siti Aminah", profession_code="bidan")
    token = api_token(client, "a@example.test")
    with app.test_request_context("/api/v1/me", headers=_bearer(token)):
        user = load_user_from_token(None)
        state = inspect(user)
        assert state.persistent and state.session is db.session() and not state.modified
        assert (user.full_name, user.profession_code, user.is_platform_admin) == ("Siti Aminah", "bidan", False)
        assert user.created_at.tzinfo is not None  # the column types apply as the ORM would
        assert PENDING_KEY not in db.session.info  # made without firing attribute events (the SKP target listener)
        assert not db.session.dirty and not db.session.new
        user.full_name = "Siti Aminah Lubis"
        db.session.commit()
    with app.app_context():
        assert db.session.execute(select(User.full_name)).scalar_one() == "Siti Aminah Lubis"


def test_a_fresh_workers_first_request_with_a_token_is_served(app, client, tmp_path):
    """In a new process nothing has set up the models' relationships before the token's user is made from its row
    (the first quiz start of every gunicorn worker failed so)."""
    with app.app_context():
        make_user("a@example.test")
    token = api_token(client, "a@example.test")
    script = (
        "from lms import create_app\n"
        f"app = create_app({{'DATABASE_URL': {app.config['SQLALCHEMY_DATABASE_URI']!r}}})\n"
        f"response = app.test_client().get('/api/v1/me', headers={{'Authorization': 'Bearer {token}'}})\n"
        "print(response.status_code, response.get_json()['memberships'])\n"
    )
    environment = os.environ | {"LMS_SECRET_KEY": "test", "LMS_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "200 []", done.stderr[-2000:]
