"""`read_one`: one-statement reads outside the request's transaction, surviving a connection the server dropped."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lms.core.database import _autocommit_engine, read_one
from lms.extensions import db
from tests.conftest import TEST_DATABASE_URL


def test_reads_what_is_committed_not_the_open_transaction(app_ctx):
    db.session.execute(text("CREATE TABLE IF NOT EXISTS read_probe (n INTEGER)"))
    db.session.commit()
    try:
        db.session.execute(text("INSERT INTO read_probe (n) VALUES (1)"))
        db.session.flush()
        db.session.commit()
        db.session.execute(text("INSERT INTO read_probe (n) VALUES (2)"))  # not committed
        assert read_one(text("SELECT count(*) FROM read_probe"), {})[0] == 1
        db.session.rollback()
    finally:
        db.session.rollback()
        db.session.execute(text("DROP TABLE read_probe"))
        db.session.commit()


def test_a_connection_the_server_dropped_is_replaced_and_the_read_runs_again(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to drop a connection")
    pid = read_one(text("SELECT pg_backend_pid()"), {})[0]
    with db.engine.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    # The pooled connection is dead now; the read still answers, on a new connection.
    again = read_one(text("SELECT pg_backend_pid()"), {})[0]
    assert again != pid


def test_rows_come_back_as_the_orm_types_them_and_nothing_is_left_open(app_ctx):
    """On PostgreSQL the statement goes straight to the driver: the declared result types must still apply
    (UTCDateTime gives an aware UTC datetime whatever the server's zone), and no transaction stays open."""
    from datetime import UTC, datetime

    from sqlalchemy import String, bindparam, select
    from sqlalchemy.exc import StatementError

    from lms.core.models import UTCDateTime

    moment = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)
    statement = select(
        bindparam("moment", type_=UTCDateTime()).label("moment"),
        bindparam("label", type_=String()).label("label"),
    )
    # the type's own check on what is sent still applies
    with pytest.raises((ValueError, StatementError), match="naive"):
        read_one(statement, {"moment": moment.replace(tzinfo=None), "label": "naive"})
    for label in ("first", "second"):  # the second run uses the statement worked out by the first
        row = read_one(statement, {"moment": moment, "label": label})
        assert row[0] == moment and row[0].tzinfo is not None and row[0].utcoffset().total_seconds() == 0
        assert row[1] == label
    if db.engine.dialect.name == "postgresql":
        reader = read_one(text("SELECT pg_backend_pid()"), {})[0]
        state = db.session.execute(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": reader})
        assert state.scalar() == "idle"  # not "idle in transaction": the read left nothing open


def test_requests_after_the_server_dropped_every_pooled_connection_are_served(app, client):
    """No ping before each use of a pooled connection (a round trip per request): a connection the server closed is
    found at checkout from its socket and replaced, for the request's session and for read_one alike."""
    import time

    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from tests.conftest import api_token
    from tests.factories import make_user

    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL only: SQLite has no server to drop a connection")
    assert not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping")
    with app.app_context():
        make_user("a@example.test")
    headers = {"Authorization": f"Bearer {api_token(client, 'a@example.test')}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # both pools hold a connection now
    with app.app_context():
        admin_engine = create_engine(db.engine.url, poolclass=NullPool)  # not one of the pools' own connections
    with admin_engine.connect() as admin:
        killed = admin.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
        admin.rollback()
    admin_engine.dispose()
    assert killed >= 2  # the app's engine's and read_one's
    time.sleep(0.2)  # the server's goodbye reaches the pooled sockets
    for _ in range(3):
        assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_a_read_is_prepared_on_the_server_at_its_first_run(app_ctx):
    """The statement is prepared once per connection and run by name from then on (the verify page's status read:
    parsing and planning it on every scan cost the server as much as reading the row)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite prepares nothing on a server")
    _autocommit_engine().dispose()  # one connection in its pool from here on: every read below runs on it
    marker = f"read_probe_{id(object())}"
    statement = text(f"SELECT 1 AS {marker}")  # (a name of its own: no other statement is the same text)
    assert read_one(statement, {}) == (1,)
    prepared = text("SELECT count(*) FROM pg_prepared_statements WHERE strpos(statement, :marker) > 0")
    assert read_one(prepared, {"marker": marker}) == (1,)
    for _ in range(3):
        assert read_one(statement, {}) == (1,)
    assert read_one(prepared, {"marker": marker}) == (1,)  # run again by name, not prepared again


def test_results_are_described_as_psycopg_describes_them_with_columns_made_only_when_asked_for(app_ctx):
    """The app's PostgreSQL connections describe each result lazily (lms.core.database.LazyDescriptionCursor):
    SQLAlchemy only asks whether a statement it has run before returned rows, so no Column object is made for it;
    asked for, the description gives what psycopg's own does, for the result it was taken from."""
    from unittest.mock import patch

    import psycopg
    from sqlalchemy import select

    from lms.accounts.models import User

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: psycopg's cursors")
    made = []
    real_init = psycopg.Column.__init__

    def counted_init(self, cursor, index):
        made.append(index)
        real_init(self, cursor, index)

    statement = select(User).where(User.id == -1)
    db.session.execute(statement).all()  # compiled and its result columns kept by SQLAlchemy
    with patch.object(psycopg.Column, "__init__", counted_init):
        assert db.session.execute(statement).all() == []
    assert made == []  # without the lazy description: a Column for each of the user's columns

    dbapi_connection = db.session.connection().connection.dbapi_connection
    lazy, plain = dbapi_connection.cursor(), psycopg.Cursor(dbapi_connection)
    sql = "SELECT 1 AS n, 'x'::text AS word, now() AS moment"
    lazy.execute(sql)
    plain.execute(sql)
    description = lazy.description
    lazy.execute("SELECT 2 AS other")  # the cursor moves on; the description taken before still tells the first
    assert len(description) == 3 and bool(description)
    assert [tuple(column) for column in description] == [tuple(column) for column in plain.description]
    assert [column.name for column in description] == ["n", "word", "moment"]
    assert [column.name for column in lazy.description] == ["other"]
    lazy.execute("SET LOCAL statement_timeout = 0")
    assert lazy.description is None and plain.description is not None
    lazy.close()
    plain.close()
    db.session.rollback()


def test_write_one_commits_at_once_outside_the_open_transaction(app_ctx):
    from sqlalchemy import bindparam

    from lms.core.database import write_one

    db.session.execute(text("CREATE TABLE IF NOT EXISTS write_probe (n INTEGER)"))
    db.session.execute(text("INSERT INTO write_probe (n) VALUES (1)"))
    db.session.commit()
    try:
        db.session.execute(text("SELECT count(*) FROM write_probe")).scalar()  # the session's transaction is open
        write_one(text("UPDATE write_probe SET n = :n").bindparams(bindparam("n")), {"n": 7})
        db.session.rollback()  # the request's transaction ends without committing: the write stays
        assert read_one(text("SELECT n FROM write_probe"), {})[0] == 7
        assert db.session.execute(text("SELECT n FROM write_probe")).scalar() == 7
    finally:
        db.session.rollback()
        db.session.execute(text("DROP TABLE write_probe"))
        db.session.commit()


def test_reads_keep_their_connection_without_a_pool_checkout_each(app_ctx):
    """A read takes a connection kept for reads (no checkout from the engine's pool and back for each: that cost a
    cold verify scan a tenth of its CPU); the same one serves the next read, and a thread reading while another
    holds it gets one of its own."""
    import threading

    from flask import current_app
    from sqlalchemy import event

    from lms.core.database import _driver_connections

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite read_one runs on the app's engine")
    engine = _autocommit_engine()
    first = read_one(text("SELECT pg_backend_pid()"), {})[0]
    checkouts = []

    def count(*_args):
        checkouts.append(1)

    event.listen(engine, "checkout", count)
    try:
        assert {read_one(text("SELECT pg_backend_pid()"), {})[0] for _ in range(5)} == {first}
        assert checkouts == []
        state = db.session.execute(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": first})
        assert state.scalar() == "idle"  # autocommit: nothing left open between reads
        app, seen = current_app._get_current_object(), []

        def read_elsewhere():
            with app.app_context():
                seen.append(read_one(text("SELECT pg_backend_pid()"), {})[0])

        connections = _driver_connections(engine)
        held = connections.take()  # (the one `first` ran on)
        try:
            thread = threading.Thread(target=read_elsewhere)
            thread.start()
            thread.join()
        finally:
            connections.give_back(held)
        assert len(seen) == 1 and seen[0] != first
        assert len(checkouts) == 1  # the new connection came from the pool (its connect events), once
    finally:
        event.remove(engine, "checkout", count)


def test_after_a_fork_the_parents_read_connections_are_neither_used_nor_closed(app_ctx, monkeypatch):
    """A worker forked from a process that read (gunicorn --preload) must not share the parent's server session:
    the child opens its own, and leaves the parent's open for the parent."""
    import os

    from lms.core.database import _driver_connections

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite read_one runs on the app's engine")
    parent = read_one(text("SELECT pg_backend_pid()"), {})[0]
    connections = _driver_connections(_autocommit_engine())
    kept = connections.take()
    connections.give_back(kept)
    parent_pid = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: parent_pid + 1)  # as the child sees it
    child = read_one(text("SELECT pg_backend_pid()"), {})[0]
    assert child != parent
    assert not kept.closed
    connections.close()  # (the child's own)
    monkeypatch.undo()
    kept.close()  # (the parent's)
