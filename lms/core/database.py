"""Database connection settings: SQLite gets WAL journaling and enforced foreign keys; one-statement reads on hot
public paths get an autocommit engine without a ping before each use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import DBAPIError, OperationalError

from lms.core.errors import TooSlow
from lms.extensions import db


def _configure_sqlite(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def init_app(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine
        event.listen(engine, "connect", _configure_sqlite)


def _autocommit_engine() -> Engine:
    engine = current_app.extensions.get("lentera_autocommit_engine")
    if engine is None:
        if db.engine.dialect.name == "sqlite":
            engine = db.engine  # a file, no server: nothing to save
        else:
            engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
        current_app.extensions["lentera_autocommit_engine"] = engine
    return engine


def read_one(statement: Any, parameters: dict[str, Any]) -> Row | None:
    """The first row of one read-only statement, outside the request's transaction: one round trip.

    The app's engine pings the server before every checkout (two more round trips with BEGIN/ROLLBACK around a
    read); for the verify page, scanned far more than any other, that was a third of its cost. This engine skips
    the ping: a connection the server dropped (a restart) fails once, is thrown away, and the read runs again on a
    fresh one.
    """
    engine = _autocommit_engine()
    for attempt in (1, 2):
        try:
            with engine.connect() as connection:
                return connection.execute(statement, parameters).first()
        except DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
    raise AssertionError("unreachable")


def dispose_engines() -> None:
    """Close every pooled connection of the app (its engine and the autocommit one): tests and scripts at their end."""
    engine = current_app.extensions.pop("lentera_autocommit_engine", None)
    if engine is not None and engine is not db.engine:
        engine.dispose()
    db.engine.dispose()


@contextmanager
def time_limited(milliseconds: int) -> Iterator[None]:
    """On PostgreSQL, every statement of the current transaction from here on is cancelled after `milliseconds`
    (SET LOCAL: the transaction's end restores the server's setting), and a cancelled one raises TooSlow after the
    transaction is rolled back. The statements also run without parallel workers: a report takes one core at most,
    whatever its plan, so the requests beside it keep the others (and the workers' CPU is counted where the
    benchmarks read it, in the one backend). One statement more; nothing on SQLite, or with 0."""
    if not milliseconds or db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    db.session.execute(
        text(
            "SELECT set_config('statement_timeout', :limit, true),"
            " set_config('max_parallel_workers_per_gather', '0', true)"
        ),
        {"limit": str(milliseconds)},
    )
    try:
        yield
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != "57014":  # query_canceled
            raise
        db.session.rollback()
        raise TooSlow() from None


def dialect_insert(session, table):
    """An INSERT with the database's ON CONFLICT clauses (PostgreSQL or SQLite) for `table`."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
