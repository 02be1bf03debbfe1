"""A report query past its time limit is cancelled on PostgreSQL and answered with a clear 503, the site unharmed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lms.core.database import time_limited
from lms.core.errors import TooSlow
from lms.extensions import db


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_a_statement_past_the_limit_is_cancelled_and_the_session_usable(app_ctx):
    if not _postgresql():
        pytest.skip("statement_timeout is PostgreSQL's")
    with pytest.raises(TooSlow), time_limited(50):
        db.session.execute(text("SELECT pg_sleep(2)"))
    assert db.session.execute(text("SELECT 1")).scalar_one() == 1
    # The limit was the transaction's own: the next one has none.
    assert db.session.execute(text("SHOW statement_timeout")).scalar_one() == "0"


def test_quick_statements_pass_and_sqlite_has_no_limit(app_ctx):
    with time_limited(5000):
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1


def test_the_dashboard_answers_503_with_a_message_when_its_query_is_cancelled(client, auth, app_ctx, monkeypatch):
    from lms.accounts.models import Role
    from lms.records import dashboards
    from tests.factories import make_organization, make_user

    organization = make_organization("ppni")
    admin = make_user("admin@ppni.test", role=Role.ORG_ADMIN, organization=organization)
    db.session.commit()

    def too_slow(*_args, **_kwargs):
        raise TooSlow()

    monkeypatch.setattr(dashboards, "member_standings", too_slow)
    auth.login(admin.email)
    response = client.get(f"/organizations/{organization.id}/dashboard")
    assert response.status_code == 503
    assert "took too long" in response.get_data(as_text=True) or "terlalu lama" in response.get_data(as_text=True)
