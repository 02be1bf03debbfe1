"""What tests count of the SQL a request sends: every engine's statements, and psycopg's transaction commands."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def counted_statements():
    """The statements every engine sends meanwhile: the app's and the autocommit one (reads outside the request's
    transaction, lms.core.database.outside_transaction)."""
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


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
