"""Real database failures for tests of retried jobs: a trigger that refuses some inserts into a table, on SQLite and
PostgreSQL alike, dropped when the test is done (the schema outlives the test)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from lms.extensions import db


@contextmanager
def refused_inserts(table: str, condition: str) -> Iterator[None]:
    """While inside, an INSERT into `table` of a row for which `condition` (SQL over NEW.<column>) holds fails
    with "refused by test"."""
    name = f"refuse_{table}"
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF {condition} THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$"
                )
            )
            connection.execute(
                text(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
            )
        else:
            connection.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN {condition} "
                    "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
                )
            )
    try:
        yield
    finally:
        db.session.rollback()
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP TRIGGER {name}" + (f" ON {table}" if _postgres(connection) else "")))
            if _postgres(connection):
                connection.execute(text(f"DROP FUNCTION {name}()"))


def _postgres(connection) -> bool:
    return connection.dialect.name == "postgresql"
