"""Database connection settings: SQLite gets WAL journaling and enforced foreign keys; PostgreSQL connections are
checked at pool checkout from their socket (no ping round trip), describe their results lazily and read JSON from
its text directly; one-statement reads (and writes) on hot paths, outside the request's transaction, get an
autocommit engine, and hot paths' statements within it can go to the driver directly (rows_in_transaction)."""

from __future__ import annotations

import itertools
import json
import os
import select
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import Any

import psycopg
from flask import Flask, current_app, has_app_context
from flask.globals import _cv_app
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.json import set_json_loads
from sqlalchemy import create_engine, event, text
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect, Engine, Row
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session

from lms.core.errors import TooSlow
from lms.core.lru import LruCache
from lms.extensions import db


def _configure_sqlite(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _refuse_dropped_connection(dbapi_connection, connection_record, connection_proxy) -> None:
    """Pool checkout on PostgreSQL: a connection the server has closed (a restart, pg_terminate_backend, an idle
    timeout) is thrown away and another one checked out, without the round trip of a ping before every request.

    An idle connection has nothing to read: when its socket is readable, the server has sent its goodbye (or the end
    of the stream). Raising DisconnectionError makes the pool discard it and check out a fresh one."""
    if dbapi_connection.closed:
        raise DisconnectionError("closed")
    readable, _writable, _failed = select.select([dbapi_connection.fileno()], [], [], 0)
    if readable:
        raise DisconnectionError("the server closed the connection")


class _Description(Sequence):
    """A cursor's `description` whose Column objects are made when first asked for. SQLAlchemy only asks whether
    there is one for a statement it has run before (it keeps the result's columns with the compiled statement),
    and psycopg made a Column of each column of every result (eight calls each: a submit's row of its attempt, quiz
    and course version cost more than 500 calls). Made from the result they describe, not from the cursor, which
    may have moved on to another result by the time they are asked for."""

    __slots__ = ("_result", "_count", "_columns")

    def __init__(self, result: SimpleNamespace, count: int) -> None:
        self._result, self._count, self._columns = result, count, None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if self._columns is None:
            self._columns = [psycopg.Column(self._result, i) for i in range(self._count)]  # type: ignore[arg-type]
        return self._columns[index]


_ROW_RESULTS = frozenset({pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK})


class LazyDescriptionCursor(psycopg.Cursor):
    """psycopg's client cursor with a `_Description` (the same answers as psycopg's own: None when the result has
    no rows to give)."""

    @property
    def description(self):
        result = self.pgresult
        if result and (result.nfields or result.status in _ROW_RESULTS):
            return _Description(
                SimpleNamespace(pgresult=result, adapters=self.adapters, _encoding=self._encoding), result.nfields
            )
        return None


_json_decoder = json.JSONDecoder()
_decode_json, _scan_json = _json_decoder.decode, _json_decoder.scan_once


def _json_from_text(data: bytes) -> Any:
    """A json or jsonb value from the server's text (UTF-8, the connection's encoding): what json.loads makes of the
    bytes, without its look for which of the five encodings JSON allows they are in, which cost about ten calls a
    value (a submit loads its twenty answers, its attempt's layout and a dozen columns of its quiz and version).
    The decoder's scanner reads a value that fills the text (what the app writes); anything else (white space
    around it, an error) goes through the decoder's own `decode`, which says why."""
    text = str(data, "utf-8")
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        return _decode_json(text)
    return value if end == len(text) else _decode_json(text)


def _configure_psycopg(dbapi_connection, connection_record) -> None:
    """A new psycopg connection: cursors with a lazy description, JSON loaded from UTF-8 text directly."""
    dbapi_connection.cursor_factory = LazyDescriptionCursor
    if dbapi_connection.info.encoding == "utf-8":
        set_json_loads(_json_from_text, dbapi_connection)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _configure_sqlite)
        elif engine.dialect.name == "postgresql":
            if engine.dialect.driver == "psycopg":
                event.listen(engine, "connect", _configure_psycopg)
            if not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
                event.listen(engine, "checkout", _refuse_dropped_connection)


def _autocommit_engine() -> Engine:
    app_context = _cv_app.get(None)  # the app itself, not through the proxy: once for each statement of a page
    extensions = (app_context.app if app_context is not None else current_app).extensions
    engine = extensions.get("lentera_autocommit_engine")
    if engine is None:
        if db.engine.dialect.name == "sqlite":
            engine = db.engine  # a file, no server: nothing to save
        else:
            # No rollback when a connection goes back to the pool: in autocommit no transaction is ever left open.
            engine = create_engine(
                db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, pool_reset_on_return=None
            )
            event.listen(engine, "checkout", _refuse_dropped_connection)
            if engine.dialect.driver == "psycopg":
                event.listen(engine, "connect", _configure_psycopg)  # the session's reads (outside_transaction)
        extensions["lentera_autocommit_engine"] = engine
    return engine


def outside_transaction() -> dict[str, Any]:
    """`bind_arguments` for `db.session.execute` that run one read outside the request's transaction, on the
    autocommit engine: no BEGIN before it and no ROLLBACK at the request's end (two round trips), and the statement
    stays prepared on its connection (a ROLLBACK makes psycopg forget the ones it prepared). What it loads is in the
    session as usual (its later lazy loads and writes go through the transaction).

    For a read that must not see the request's own uncommitted writes, or need not: the signed-in user, read before
    the view runs, and a page's reads when it writes nothing. On SQLite it is the app's engine (a file, nothing to
    save)."""
    return {"bind": _autocommit_engine()}


def outside_idle_transaction() -> dict[str, Any]:
    """`bind_arguments` for a read that may be run by a request that wrote before it: outside the transaction
    (`outside_transaction`) while the session holds no transaction on the database — there is nothing uncommitted
    to see — and within it when it does (the caller's own writes stay visible). The record page's reads: a page view
    opens none before them (the signed-in user is read outside one), a service that posted a credit and then reads
    the record sees its credit."""
    if db.session.registry.has() and db.session().info.get(_HOLDS_TRANSACTION):
        return {}
    return outside_transaction()


_HOLDS_TRANSACTION = "lentera_holds_transaction"
"""Set in a session's info while its transaction holds a connection of the app's engine (not the autocommit one:
the session's own transaction object begins with any read, `outside_transaction`'s too)."""


@event.listens_for(Session, "after_begin")
def _note_transaction_begun(session: Session, _transaction, connection) -> None:
    autocommit = current_app.extensions.get("lentera_autocommit_engine") if has_app_context() else None
    if connection.engine is not autocommit:
        session.info[_HOLDS_TRANSACTION] = True


_TRANSACTION_CONNECTION = "lentera_transaction_connection"
"""(the session's transaction, its connection) in the session's info, kept by rows_in_transaction for the
transaction's next statements."""


@event.listens_for(Session, "after_transaction_end")
def _note_transaction_ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HOLDS_TRANSACTION, None)
        session.info.pop(_TRANSACTION_CONNECTION, None)


@dataclass(frozen=True)
class _CompiledRead:
    statement: Any  # kept so that its id() stays its own
    sql: str  # PostgreSQL's own placeholders ($1, $2 …), in the order of `names`
    names: tuple[str, ...]
    fixed_parameters: dict[str, Any]
    bind_processors: dict[str, Callable[[Any], Any]]
    processors: tuple[Callable[[Any], Any] | None, ...]
    conversions: tuple[tuple[int, Callable[[Any], Any]], ...] = field(init=False)
    """(position, processor) of the columns that have one: most have none, and a wide row (a submit's attempt with
    its quiz and course version: sixty columns) cost a call per column when every value went through a loop."""

    def __post_init__(self) -> None:
        conversions = tuple((n, process) for n, process in enumerate(self.processors) if process is not None)
        object.__setattr__(self, "conversions", conversions)

    def parameters(self, given: dict[str, Any]) -> list[Any]:
        values = {**self.fixed_parameters, **given}
        for name, process in self.bind_processors.items():
            values[name] = process(values[name])
        return [values[name] for name in self.names]

    def row(self, values: tuple) -> tuple:
        if not self.processors:  # a text() statement: no declared result types
            return tuple(values)
        if len(values) != len(self.processors):
            raise ValueError(f"{len(values)} values for {len(self.processors)} columns")
        if not self.conversions:
            return tuple(values)
        converted = list(values)
        for n, process in self.conversions:
            converted[n] = process(converted[n])
        return tuple(converted)


_compiled_reads: LruCache[Any, _CompiledRead] = LruCache(64)


@cache
def _numbered_dialect(dialect_class: type[Dialect]) -> Dialect:
    """The engine's dialect writing $1, $2 … (what a prepared statement takes) instead of the driver's %(name)s."""
    return dialect_class(paramstyle="numeric_dollar")


def _compiled_read(statement: Any, dialect: Dialect, column_keys: tuple[str, ...] | None = None) -> _CompiledRead:
    """The statement's SQL text and result conversions, worked out once per statement (the verify page's read is
    built once and run on every scan: compiling and result handling were most of SQLAlchemy's share of it). An
    INSERT without values of its own inserts the columns `column_keys` (the parameters' names)."""
    key = id(statement) if column_keys is None else (id(statement), column_keys)
    compiled = _compiled_reads.get(key)
    if compiled is None or compiled.statement is not statement:
        sql = statement.compile(dialect=_numbered_dialect(type(dialect)), column_keys=column_keys)
        columns = getattr(statement, "selected_columns", None)
        if columns is None:  # an INSERT, UPDATE or DELETE: its RETURNING columns, if any
            columns = getattr(statement, "exported_columns", ())
        processors = tuple(
            (impl := column.type.dialect_impl(dialect)).result_processor(dialect, _result_type_code(impl))
            for column in columns
        )
        bind_processors = {
            name: process
            for bind, name in sql.bind_names.items()
            if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        names = tuple(sql.positiontup or ())
        compiled = _CompiledRead(statement, sql.string, names, dict(sql.params), bind_processors, processors)
        _compiled_reads.put(key, compiled)
    return compiled


def _result_type_code(impl: Any) -> int | None:
    """The type code (PostgreSQL's type oid) a cursor would describe the column with, where the result conversion
    depends on it: a numeric column comes as `numeric`, a float one as `double precision`."""
    if isinstance(impl, sqltypes.Float):
        return 701  # float8
    if isinstance(impl, sqltypes.Numeric):
        return 1700  # numeric
    return None


def read_one(statement: Any, parameters: dict[str, Any]) -> Row | tuple | None:
    """The first row of one read-only statement, outside the request's transaction: one round trip.

    The app's engine pings the server before every checkout (two more round trips with BEGIN/ROLLBACK around a
    read); for the verify page, scanned far more than any other, that was a third of its cost. This engine skips
    the ping: a connection the server dropped (a restart) fails once, is thrown away, and the read runs again on a
    fresh one. On PostgreSQL the statement is prepared once per connection and run through libpq directly (see
    `_run_prepared`) on a connection kept by `_DriverConnections` (not checked out of the pool for each read),
    with the result types converted as SQLAlchemy would: a plain tuple.
    """
    engine = _autocommit_engine()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            return connection.execute(statement, parameters).first()
    return _run_on_driver(engine, statement, parameters, fetch=True)


def write_one(statement: Any, parameters: dict[str, Any]) -> None:
    """Run one statement that changes rows outside the request's transaction, committed at once (as read_one runs
    a read: one round trip on PostgreSQL, no BEGIN and COMMIT of their own; it may run twice, so make it one that
    can, such as an UPDATE setting values)."""
    engine = _autocommit_engine()
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.execute(statement, parameters)
        return
    _run_on_driver(engine, statement, parameters, fetch=False)


def _run_on_driver(engine: Engine, statement: Any, parameters: dict[str, Any], *, fetch: bool) -> tuple | None:
    compiled = _compiled_read(statement, engine.dialect)
    values = compiled.parameters(parameters)
    connections = _driver_connections(engine)
    for attempt in (1, 2):
        connection = connections.take()
        try:
            row = _run_prepared(connection, compiled.sql, values)
        except psycopg.OperationalError:
            connection.close()  # the server dropped it (a restart): a fresh connection runs it again
            if attempt == 2:
                raise
            continue
        except psycopg.Error:
            connections.give_back(connection)  # the statement failed; the connection (in autocommit) is sound
            raise
        except BaseException:
            connection.close()  # stopped mid-statement: nobody knows what the connection still holds
            raise
        connections.give_back(connection)
        return None if row is None or not fetch else compiled.row(row)
    raise AssertionError("unreachable")


class _DriverConnections:
    """The autocommit engine's driver connections for `read_one` and `write_one`, kept here instead of being checked
    out of the engine's pool and back for each statement.

    A checkout and checkin (the pool's bookkeeping, its checkout event's look at the socket) cost a cold verify scan
    20 to 40 us of the app's 450 (benchmarks/verify_cold.py); here it is a list's pop and append under a lock. Each
    connection is made by the engine's pool (its connect events: autocommit, the dialect's adapters) and then
    detached from it. No look at the socket before each use: a connection the server dropped fails its statement
    with OperationalError, is closed, and the statement runs again on a fresh one (`_run_on_driver`). After a fork
    the parent's connections are neither used nor closed by the child (closing would end the parent's session)."""

    KEEP = 5  # idle connections kept (the pool's default size); more threads at once open and close their own

    def __init__(self, engine: Engine):
        self.engine = engine
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def take(self) -> psycopg.Connection:
        """A connection no other thread uses until it is given back (or closed)."""
        with self._lock:
            if self._pid != os.getpid():
                self._idle, self._pid = [], os.getpid()
            connection = self._idle.pop() if self._idle else None
        if connection is not None and not connection.closed:
            return connection
        pooled = self.engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()  # ours from now on: the pool neither counts nor closes it
        return connection

    def give_back(self, connection: psycopg.Connection) -> None:
        with self._lock:
            if self._pid == os.getpid() and len(self._idle) < self.KEEP:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Close every idle connection (the engine's disposal)."""
        with self._lock:
            idle, self._idle = (self._idle if self._pid == os.getpid() else []), []
        for connection in idle:
            connection.close()


_driver_connections_of: weakref.WeakKeyDictionary[Engine, _DriverConnections] = weakref.WeakKeyDictionary()


def _driver_connections(engine: Engine) -> _DriverConnections:
    connections = _driver_connections_of.get(engine)
    if connections is None:
        connections = _driver_connections_of.setdefault(engine, _DriverConnections(engine))
    return connections


@dataclass
class _PreparedReads:
    """What one driver connection keeps for `read_one` and `rows_in_transaction`: its adapters, and the statements
    prepared on its server."""

    transformer: Any  # psycopg.adapt.Transformer
    names: dict[tuple[str, tuple[int, ...]], bytes]


_prepared_reads: weakref.WeakKeyDictionary[Any, _PreparedReads] = weakref.WeakKeyDictionary()
_statement_numbers = itertools.count()
"""Our prepared statements' names (lentera_0, lentera_1 …), never the same twice in a process."""


def _prepared_reads_of(connection: Any) -> _PreparedReads:
    """What `_run_prepared` keeps for the connection, made on its first use there.

    psycopg sends DEALLOCATE ALL, which drops our statements too, when it clears the statements it prepared itself
    (after a ROLLBACK, or ROLLBACK TO SAVEPOINT, on a connection whose cursors had some prepared): the session's
    connections (rows_in_transaction) see rollbacks. Its clearing is therefore watched (once per connection), and
    what is kept here is forgotten with it: the next use prepares its statement again."""
    reads = _prepared_reads.get(connection)
    if reads is None:
        manager = getattr(connection, "_prepared", None)
        if manager is not None and not getattr(manager.clear, "forgets_ours", False):
            manager.clear = _clear_forgetting_ours(manager.clear, weakref.ref(connection))
        reads = _prepared_reads[connection] = _PreparedReads(Transformer.from_context(connection), {})
    return reads


def _clear_forgetting_ours(clear: Callable[[], bool], connection: weakref.ref) -> Callable[[], bool]:
    def clear_and_forget() -> bool:
        cleared = clear()
        if cleared:  # DEALLOCATE ALL follows
            held = connection()
            if held is not None:
                _prepared_reads.pop(held, None)
        return cleared

    clear_and_forget.forgets_ours = True  # type: ignore[attr-defined]
    return clear_and_forget


def rows_in_transaction(statement: Any, parameters: dict[str, Any]) -> list[tuple]:
    """Every row of one Core statement run in the session's transaction (begun here if the session has none), as
    plain tuples of the values SQLAlchemy would give (an INSERT, UPDATE or DELETE: its RETURNING rows, or none).

    For the hot paths that run a statement built once with plain columns (a learner's save and submit): through
    `db.session.execute`, SQLAlchemy's execution machinery cost more calls than the statement's own sending. On
    PostgreSQL with psycopg the statement is compiled once per process and prepared once per connection, as
    `read_one` runs its reads, on the session's own connection (its transaction, its row locks); a driver error
    comes as SQLAlchemy's exception of the same kind, and a connection the server dropped is invalidated. Pending
    changes of the session are flushed first, as `db.session.execute` would. Elsewhere it is the session's
    `execute`. No engine event sees the statement (tests count them through `_run_prepared`)."""
    session = db.session()
    if session.autoflush:
        session.flush()  # nothing to do, at once, when nothing is pending
    transaction = session.get_transaction()
    kept = session.info.get(_TRANSACTION_CONNECTION)
    if kept is not None and kept[0] is transaction and transaction.is_active:
        connection = kept[1]  # the session's own, as its connection() gives it, without its ten calls
    else:
        connection = session.connection()
        session.info[_TRANSACTION_CONNECTION] = (session.get_transaction(), connection)
    dialect = connection.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        result = connection.execute(statement, parameters)
        return [tuple(row) for row in result.all()] if result.returns_rows else []
    bare_insert = statement.is_insert and not statement._values and statement.select is None
    column_keys = tuple(parameters) if bare_insert else None
    compiled = _compiled_read(statement, dialect, column_keys)
    values = compiled.parameters(parameters)
    driver_connection = connection.connection.driver_connection
    try:
        idle = driver_connection.pgconn.transaction_status == pq.TransactionStatus.IDLE
        if idle and not driver_connection.autocommit:
            # psycopg sends BEGIN before a cursor's first statement; libpq's own calls below would not, and the
            # statement would run, and its row locks end, in a transaction of its own.
            with driver_connection.lock:
                driver_connection.wait(driver_connection._start_query())
        rows = _run_prepared(driver_connection, compiled.sql, values, every_row=True)
    except psycopg.Error as error:
        dropped = dialect.is_disconnect(error, driver_connection, None)
        if dropped:
            connection.invalidate(error)
        raise DBAPIError.instance(
            compiled.sql, values, error, psycopg.Error, connection_invalidated=dropped, dialect=dialect
        ) from error
    row_of = compiled.row
    return [row_of(row) for row in rows]


def _run_prepared(connection: Any, sql: str, values: list[Any], *, every_row: bool = False) -> Any:
    """The first row (or with `every_row`, the list of every row) of `sql` on a psycopg connection, through libpq's
    PQexecPrepared.

    A cursor's execute (query conversion, prepare bookkeeping, a generator per wait) cost the verify page more CPU
    than the statement itself; here the parameters are adapted as a cursor adapts them, the statement is prepared on
    the server on its first run on this connection (the plan is kept; a ROLLBACK keeps it too), and the rows are
    loaded by the connection's own loaders. The connection is one no other thread uses meanwhile: taken from
    `_DriverConnections` (in autocommit), or the session's own (`rows_in_transaction`, in its transaction)."""
    reads = _prepared_reads_of(connection)
    transformer = reads.transformer
    parameters = transformer.dump_sequence(values, [PyFormat.AUTO] * len(values))
    types = tuple(transformer.types or ())
    pgconn = connection.pgconn
    name = reads.names.get((sql, types))
    if name is None:
        name = f"lentera_{next(_statement_numbers)}".encode()
        _checked(connection, pgconn.prepare(name, sql.encode(), types))
        reads.names[(sql, types)] = name
    result = _checked(connection, pgconn.exec_prepared(name, parameters, transformer.formats))
    count = result.ntuples
    if count == 0:
        return [] if every_row else None
    transformer.set_pgresult(result)
    if every_row:  # every row (rows_in_transaction) rather than the first
        return transformer.load_rows(0, count, tuple)
    return transformer.load_row(0, tuple)


_SUCCEEDED = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)


def _checked(connection: Any, result: Any) -> Any:
    """`result` when it succeeded; else the error a cursor would raise (OperationalError for a lost connection)."""
    if result.status in _SUCCEEDED:
        return result
    encoding = connection.info.encoding
    if connection.pgconn.status != pq.ConnStatus.OK:
        raise psycopg.OperationalError(result.get_error_message(encoding) or "the connection was lost")
    raise psycopg.errors.error_from_result(result, encoding=encoding)


def dispose_engines() -> None:
    """Close every pooled connection of the app (its engine and the autocommit one): tests and scripts at their end."""
    engine = current_app.extensions.pop("lentera_autocommit_engine", None)
    if engine is not None and engine is not db.engine:
        connections = _driver_connections_of.pop(engine, None)
        if connections is not None:
            connections.close()
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
