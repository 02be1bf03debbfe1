"""`rows_in_transaction`: Core statements of the session's transaction sent to the driver directly on PostgreSQL,
with the session's transaction (its writes, its row locks), SQLAlchemy's result types, and statements prepared once
per connection that survive psycopg's own DEALLOCATE ALL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Numeric, Table, bindparam, insert, select, text, update

from lms.core.database import rows_in_transaction
from lms.core.models import UTCDateTime
from lms.extensions import db

_probes = Table(
    "transaction_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("n", Integer),
    Column("amount", Numeric(6, 5)),
    Column("data", JSON(none_as_null=True)),
    Column("at", UTCDateTime()),
)
_INSERT = insert(_probes).returning(_probes.c.id, _probes.c.amount, _probes.c.data, _probes.c.at)
_LOCKED = select(_probes.c.n).where(_probes.c.id == bindparam("probe_id")).with_for_update()
_SET_N = update(_probes).where(_probes.c.id == bindparam("probe_id")).values(n=bindparam("new_n"))
AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def probes(app_ctx):
    _probes.create(db.engine)
    try:
        yield _probes
    finally:
        db.session.rollback()
        db.session.remove()
        _probes.drop(db.engine)


def _on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_rows_are_typed_as_the_session_types_them_and_belong_to_its_transaction(probes):
    values = {"id": 1, "n": 5, "amount": Decimal("0.33333"), "data": {"chosen": [0, 2]}, "at": AT}
    (inserted,) = rows_in_transaction(_INSERT, values)
    assert inserted == (1, Decimal("0.33333"), {"chosen": [0, 2]}, AT)
    (cleared,) = rows_in_transaction(_INSERT, {**values, "id": 2, "data": None})
    assert cleared[2] is None  # none_as_null: SQL NULL, as the session stores it
    # The session sees them in its transaction, as it types them; a rollback takes them away.
    read = db.session.execute(select(probes.c.id, probes.c.amount, probes.c.data, probes.c.at)).all()
    assert sorted(tuple(row) for row in read) == sorted([inserted, cleared])
    assert rows_in_transaction(select(probes.c.id).order_by(probes.c.id), {}) == [(1,), (2,)]
    assert rows_in_transaction(_SET_N, {"probe_id": 1, "new_n": 6}) == []  # no RETURNING: no rows
    db.session.rollback()
    assert db.session.execute(select(probes.c.id)).all() == []


def test_a_row_locked_here_stays_locked_until_the_transaction_ends(probes):
    """psycopg sends BEGIN before a cursor's first statement; libpq's own calls do not: without one, the lock
    would end with the statement (and a save made during a submit could be lost)."""
    if not _on_postgresql():
        pytest.skip("PostgreSQL only: SQLite serializes writers itself")
    with db.engine.begin() as connection:
        connection.execute(insert(probes).values(id=1, n=1))
    db.session.remove()
    assert rows_in_transaction(_LOCKED, {"probe_id": 1}) == [(1,)]  # the session's first statement
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("SELECT n FROM transaction_probe WHERE id = 1 FOR UPDATE NOWAIT")
        db.session.commit()
        assert other.execute("SELECT n FROM transaction_probe WHERE id = 1 FOR UPDATE NOWAIT").fetchone() == (1,)
        # The session's next transaction (its connection kept for the statements of one transaction only).
        assert rows_in_transaction(_LOCKED, {"probe_id": 1}) == [(1,)]
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("SELECT n FROM transaction_probe WHERE id = 1 FOR UPDATE NOWAIT")
        db.session.rollback()
        assert other.execute("SELECT n FROM transaction_probe WHERE id = 1 FOR UPDATE NOWAIT").fetchone() == (1,)


def test_statements_run_again_after_psycopg_deallocated_every_prepared_one(probes):
    """psycopg answers a ROLLBACK (here of a savepoint) with DEALLOCATE ALL when it has prepared statements of its
    own: ours are dropped with them on the server, and must be prepared again, not run by a name that is gone."""
    if not _on_postgresql():
        pytest.skip("PostgreSQL only: SQLite prepares nothing on a server")
    with db.engine.begin() as connection:
        connection.execute(insert(probes).values(id=1, n=1))
    db.session.remove()
    assert rows_in_transaction(_LOCKED, {"probe_id": 1}) == [(1,)]
    driver = db.session.connection().connection.driver_connection
    savepoint = f"probe_{uuid.uuid4().hex}"  # a command psycopg has not seen yet: it looks at what it answers
    driver.execute(f"SAVEPOINT {savepoint}")
    driver.execute("SELECT 1", prepare=True)  # psycopg prepares a statement of its own
    driver.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")  # psycopg then sends DEALLOCATE ALL (as after a ROLLBACK)
    names = [row[0] for row in driver.execute("SELECT name FROM pg_prepared_statements").fetchall()]
    assert not [name for name in names if name.startswith("lentera_")]
    assert rows_in_transaction(_LOCKED, {"probe_id": 1}) == [(1,)]
    assert db.session.connection().connection.driver_connection is driver  # the same connection throughout


def test_a_failed_statement_raises_sqlalchemys_error(probes):
    from sqlalchemy.exc import IntegrityError

    rows_in_transaction(_INSERT, {"id": 1, "n": 1, "amount": None, "data": None, "at": AT})
    with pytest.raises(IntegrityError):
        rows_in_transaction(_INSERT, {"id": 1, "n": 2, "amount": None, "data": None, "at": AT})
    db.session.rollback()
    assert db.session.execute(text("SELECT count(*) FROM transaction_probe")).scalar() == 0
