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


def test_a_dashboard_page_walks_the_name_index_on_postgresql(app_ctx):
    """The page query is served in index order (no sort of every member); with the sort disabled, a plan that still
    sorts would show the index does not match the query's order."""
    from datetime import date

    from sqlalchemy import true
    from sqlalchemy.dialects import postgresql

    from lms.accounts.models import Membership, User
    from lms.records.dashboards import member_page_query
    from lms.records.standings import standings_subquery

    if not _postgresql():
        pytest.skip("EXPLAIN plans are PostgreSQL's")
    standings = standings_subquery(
        User.id.in_(db.select(Membership.user_id).where(Membership.organization_id == 1)), date.today()
    )
    query = member_page_query(standings, true(), 50, 0)
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    db.session.execute(text("SET LOCAL enable_sort = off"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.execute(text(f"EXPLAIN {sql}")).scalars())
    db.session.rollback()
    assert "ix_users_full_name_id" in plan, plan
    assert "Sort" not in plan, plan
