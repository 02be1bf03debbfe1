"""`read_one`: one-statement reads outside the request's transaction, surviving a connection the server dropped."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lms.core.database import read_one
from lms.extensions import db


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
