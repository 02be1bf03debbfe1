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
    with time_limited(50):  # a report takes one core: no parallel workers
        assert db.session.execute(text("SHOW max_parallel_workers_per_gather")).scalar_one() == "0"
    db.session.rollback()
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


def _plan(query, *, sorting: bool = False) -> str:
    """EXPLAIN of `query` on PostgreSQL with sequential scans (and, unless `sorting`, sorts) discouraged: a plan that
    still sorts, or reads another index than the one meant, shows that the index does not match the query."""
    from sqlalchemy.dialects import postgresql

    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    if not sorting:
        db.session.execute(text("SET LOCAL enable_sort = off"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        return "\n".join(db.session.execute(text(f"EXPLAIN {sql}")).scalars())
    finally:
        db.session.rollback()


def _standings(organization_id: int = 1):
    from datetime import date

    from lms.records.dashboards import _members_of
    from lms.records.standings import standings_subquery

    return standings_subquery(_members_of(organization_id), date.today())


def _national_organization() -> int:
    """An organization holding half of 6,000 users, whose names rarely contain "rina", with the planner's
    statistics taken: what a search plan is chosen for (on empty tables any plan is cheap)."""
    from sqlalchemy import insert

    from lms.accounts.models import MembershipStatus, User, WorkerMembership
    from lms.core.models import utcnow
    from tests.factories import make_organization

    organization = make_organization("national")
    names = ["Siti Aminah", "Made Wirawan", "Dewi Lestari", "Ahmad Fauzi", "Yohanes Tanu", "Agus Salim"]
    users = [
        {"email": f"n{n}@national.test", "password_hash": "x", "full_name": f"{names[n % 6]} {n}",
         "timezone": "Asia/Jakarta", "is_platform_admin": False, "is_active_account": True, "created_at": utcnow()}
        for n in range(6000)
    ]  # fmt: skip
    users[17]["full_name"] = "Rina Marlina"
    ids = db.session.execute(insert(User).returning(User.id), users).scalars().all()
    db.session.execute(
        insert(WorkerMembership),
        [{"user_id": user_id, "organization_id": organization.id, "status": MembershipStatus.CONFIRMED,
          "requested_at": utcnow(), "created_at": utcnow()} for user_id in ids[::2]],
    )  # fmt: skip
    db.session.commit()
    # What autovacuum does on a live database: the trigram indexes' pending entries merged, statistics taken.
    for index in (
        "ix_users_full_name_trgm",
        "ix_users_email_trgm",
        "ix_member_names_name_key_trgm",
        "ix_member_names_email_key_trgm",
    ):
        db.session.execute(text("SELECT gin_clean_pending_list(CAST(:index AS regclass))"), {"index": index})
    for table in ("users", "worker_memberships", "member_names"):
        db.session.execute(text(f"ANALYZE {table}"))
    db.session.commit()
    return organization.id


def test_dashboard_pages_walk_the_name_index_from_the_cursor_on_postgresql(app_ctx):
    """Page 1, a page after a cursor and a page back before one are all served in index order from the cursor: no
    sort of every member, no OFFSET."""
    from sqlalchemy import true

    from lms.core.keyset import encode_cursor
    from lms.records.standing_pages import page_query

    if not _postgresql():
        pytest.skip("EXPLAIN plans are PostgreSQL's")
    standings, cursor = _standings(), encode_cursor("Made Wirawan", 32553)
    for pages in ({}, {"after": cursor}, {"before": cursor}):
        plan = _plan(page_query(standings, true(), 50, **pages))
        assert "ix_users_full_name_id" in plan, (pages, plan)
        assert "Sort" not in plan and "OFFSET" not in plan.upper(), (pages, plan)
    assert "Backward" in _plan(page_query(standings, true(), 50, before=cursor))


def test_a_name_search_reads_the_organizations_member_names_a_bounded_walk_then_the_trigram_index_on_postgresql(
    app_ctx,
):
    """A name search reads `member_names` only (the organization's members, not every user). Three characters or
    more: one statement in two steps: the first WALK_ROWS members by name from the cursor, read from the name index
    alone (its entries hold the keys: an index-only scan, no hash, no other table); when that stretch holds no whole
    page, the organization's matches through the trigram indexes (made by migration 0027 where pg_trgm is available,
    with the organization in them where btree_gin is), of which only the names are sorted. Shorter texts walk the
    name index until the page is full. Either way the cycle totals are read for the page's rows alone; a filter
    besides the name looks up each walked match's standing by itself."""
    from datetime import date

    from lms.core.keyset import encode_cursor
    from lms.records.dashboards import MemberFilters, _conditions
    from lms.records.standing_pages import WALK_ROWS, MemberSearch, page_query, searches_by_trigrams

    if not _postgresql():
        pytest.skip("EXPLAIN plans are PostgreSQL's")
    if db.session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is None:
        pytest.skip("pg_trgm is not installed on this server")
    btree_gin = db.session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")).first()
    organization_id = _national_organization()
    standings = _standings(organization_id)
    assert searches_by_trigrams("rina") and not searches_by_trigrams("ri")

    def query(name: str, matching=None, **pages):
        return page_query(standings, matching, 50, search=MemberSearch(organization_id, name), **pages)

    name_index, in_organization = (
        "ix_member_names_organization_id_full_name_user_id",
        f"(organization_id = {organization_id})",
    )
    for pages in ({}, {"after": encode_cursor("Rina Marlina", 7)}, {"before": encode_cursor("Rina Marlina", 7)}):
        plan = _plan(query("rina", **pages), sorting=True)
        walk, found = _below("CTE walked", plan), _below('Subquery Scan on "*SELECT* 2"', plan)
        assert "Index Only Scan" in walk and name_index in walk and f"rows={WALK_ROWS} " in walk, (pages, plan)
        assert "Hash" not in walk and "trgm" not in walk and "users" not in walk, (pages, plan)
        assert "ix_member_names_name_key_trgm" in found and "ix_member_names_email_key_trgm" in found, (pages, plan)
        assert name_index not in found and "One-Time Filter" in found, (pages, plan)
        assert "users" not in found and "worker_memberships" not in found, (pages, plan)
        assert "skp_cycle_totals" not in walk + found, (pages, plan)
        if btree_gin:  # the index holds the organization: only its matches are read from the table
            assert f"Index Cond: ({in_organization} AND" in found, (pages, plan)
    # Two letters: the name index from the cursor, no sort of the members.
    for pages in ({}, {"after": encode_cursor("Rina Marlina", 7)}, {"before": encode_cursor("Rina Marlina", 7)}):
        plan = _plan(query("ri", **pages))
        assert name_index in plan and "Sort" not in plan and "trgm" not in plan, (pages, plan)
    # Another filter (SKP state): checked on the walked matches one by one, no hash of every member.
    state = _conditions(standings, MemberFilters(state="short"), date.today())[0]
    walk = _below("CTE walked", _plan(query("rina", state), sorting=True))
    assert name_index in walk and "SubPlan" in walk and "Hash" not in walk, walk
    # Run: a search matching everyone ("national": every e-mail), from the Dewis on (all members), is answered by the
    # walk alone; one person ("rina") by the walk falling short, then the trigram indexes.
    broad, narrow = _analyzed(query("national", after=encode_cursor("D", 0))), _analyzed(query("rina"))
    assert "never executed" in _below('Subquery Scan on "*SELECT* 2"', broad), broad
    assert "never executed" not in _below('Subquery Scan on "*SELECT* 2"', narrow), narrow
    assert "CTE Scan on walked (never executed)" in narrow, narrow  # the walk's rows are not used


def _analyzed(query) -> str:
    from sqlalchemy.dialects import postgresql

    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    try:
        return "\n".join(db.session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}")).scalars())
    finally:
        db.session.rollback()


def _below(node: str, plan: str) -> str:
    """The lines of the first `node` of an EXPLAIN and of the nodes under it (indented deeper than it)."""
    lines = plan.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip(" ->").startswith(node))
    depth = len(lines[start]) - len(lines[start].lstrip(" "))
    under = [lines[start]]
    for line in lines[start + 1 :]:
        if len(line) - len(line.lstrip(" ")) <= depth:
            break
        under.append(line)
    return "\n".join(under)


def test_the_dashboard_counts_read_the_summary_not_the_members_on_postgresql(app_ctx):
    from sqlalchemy import true

    from lms.records.dashboards import _counts_query

    if not _postgresql():
        pytest.skip("EXPLAIN plans are PostgreSQL's")
    plan = _plan(_counts_query(1, _standings(), true(), capped=False))
    assert "organization_skp_counts" in plan and "worker_memberships" not in plan and "users" not in plan, plan
