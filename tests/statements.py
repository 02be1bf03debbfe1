"""What tests count of the SQL a request sends: every engine's statements, and psycopg's transaction commands."""

from __future__ import annotations

from contextlib import contextmanager
from unittest.mock import patch

from sqlalchemy import event
from sqlalchemy.engine import Engine

from lms.core import database


@contextmanager
def counted_statements():
    """The statements every engine sends meanwhile: the app's and the autocommit one (reads outside the request's
    transaction, lms.core.database.outside_transaction), and those of the request's transaction that go to the
    driver directly on PostgreSQL (lms.core.database.rows_in_transaction; on SQLite they run on the app's engine)."""
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        with driver_statements_counted(statements):
            yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


@contextmanager
def driver_statements_counted(statements: list[str], *, every: bool = False):
    """Append to `statements` the SQL of each statement of a transaction sent to the driver directly
    (rows_in_transaction), and with `every`, of the one-statement reads and writes outside it too (read_one,
    write_one): all go through lms.core.database._run_prepared (PostgreSQL only)."""
    run_prepared = database._run_prepared

    def counted(connection, sql, values, *, every_row=False):
        if every_row or every:
            statements.append(sql)
        return run_prepared(connection, sql, values, every_row=every_row)

    with patch.object(database, "_run_prepared", counted):
        yield statements


@contextmanager
def transaction_commands_sent():
    """The commands psycopg sends outside statements meanwhile (BEGIN, COMMIT, ROLLBACK: each a round trip), in
    order. PostgreSQL only."""
    from psycopg._connection_base import BaseConnection

    sent: list[str] = []
    send = BaseConnection._exec_command

    def counted(connection, command, *args, **kwargs):
        sent.append(bytes(command).decode() if isinstance(command, bytes | bytearray) else str(command))
        return send(connection, command, *args, **kwargs)

    BaseConnection._exec_command = counted
    try:
        yield sent
    finally:
        BaseConnection._exec_command = send
