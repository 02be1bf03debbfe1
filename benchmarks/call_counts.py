"""Function calls and SQL statements per request, counted in one process: the noise-free figures beside the CPU ones.

Shared by quiz_calls.py (the quiz API) and page_calls.py (signed-in pages). A `RequestCounter` makes each request a
WSGI call of the app as gunicorn makes it (the environ is built outside what is counted) and counts, per request
and per kind of request: every function call cProfile sees (C functions too), the Python function calls alone, and
the statements sent (the app's engine; other statements by `counter.note(...)`). Or, with --inclusive, the calls
made within each function (its callees' too: where a request's calls go); or, with --cpu, this process's CPU per
request (the median; no profiler, but as noisy as the machine).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from statistics import mean, median
from typing import Any


def add_arguments(parser: argparse.ArgumentParser, kinds: Sequence[str] | None = None) -> None:
    """The options every calls benchmark takes: what to print beside the table, or CPU instead of calls."""
    parser.add_argument("--profile", choices=kinds, metavar="KIND", help="print the profile of this kind of request")
    parser.add_argument("--top", type=int, default=40, help="rows of the printed profile")
    parser.add_argument("--sort", default="tottime", help="pstats sort key of the printed profile")
    parser.add_argument("--callers", help="print the callers of the functions matching this in the profile")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="measure the app's CPU per request (this process, no profiler; noisy on a busy machine) instead",
    )
    parser.add_argument("--python-only", action="store_true", help="with --inclusive: count Python functions only")
    parser.add_argument(
        "--inclusive", action="store_true", help="with --profile: calls made within each function, its callees' too"
    )
    parser.add_argument("--statements", action="store_true", help="print the statements of each kind's last request")
    parser.add_argument(
        "--cpu-timer",
        action="store_true",
        help="the profile's times in this process's CPU time (cProfile's default is the wall clock, which counts the "
        "waits for the database)",
    )


@dataclass
class Response:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Figure:
    measure: float  # function calls, or CPU µs with --cpu
    statements: int
    commands: int  # BEGIN, COMMIT, ROLLBACK
    python_calls: int | None


@dataclass
class RequestCounter:
    """Counts what each request of `app` costs; `args` are the options of `add_arguments`."""

    app: Any
    args: argparse.Namespace
    around: Callable[[], AbstractContextManager[Any]] = nullcontext
    """Entered around every request, counted or not (e.g. patches that `note` statements sent outside the engine)."""
    statements: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    """BEGIN, COMMIT and ROLLBACK sent by psycopg: round trips of their own, beside the statements."""
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    last_statements: dict[str, list[str]] = field(default_factory=dict)
    profiles: dict[str, pstats.Stats] = field(default_factory=dict)
    inclusive: Counter = field(default_factory=Counter)
    inclusive_runs: int = 0

    def __post_init__(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        # Every engine's: the app's, and the autocommit one of lms.core.database (reads outside the transaction).
        event.listen(Engine, "before_cursor_execute", lambda *a: self.statements.append(a[2]))
        _count_transaction_commands(self.commands)

    def note(self, statement: str) -> None:
        """Count a statement sent outside the app's engine (by a patched function)."""
        self.statements.append(statement)

    def call(self, kind: str | None, environ: dict[str, Any]) -> Response:
        """One WSGI call of the app; counted as `kind` (None: a warm-up request, not counted)."""
        chunks: list[bytes] = []
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status_line, headers, exc_info=None):
            started.append((status_line, headers))

        def run():
            result = self.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()

        self.statements.clear()
        self.commands.clear()
        args = self.args
        with self.around():
            if kind is None:
                run()
            elif args.inclusive and kind == args.profile:
                calls = self._inclusive_run(run)
                self._add(kind, Figure(calls, len(self.statements), len(self.commands), None))
            elif args.cpu:
                before = time.process_time()
                run()
                spent = time.process_time() - before
                self._add(kind, Figure(spent * 1e6, len(self.statements), len(self.commands), None))
            else:
                profile = cProfile.Profile(time.process_time) if args.cpu_timer else cProfile.Profile()
                profile.enable()
                run()
                profile.disable()
                stats = pstats.Stats(profile)
                rows = stats.stats.items()  # type: ignore[attr-defined]
                python_calls = sum(row[1] for (filename, _line, _name), row in rows if filename != "~")
                figure = Figure(stats.total_calls, len(self.statements), len(self.commands), python_calls)  # type: ignore[attr-defined]
                self._add(kind, figure)
                if kind == args.profile:
                    self.profiles[kind] = stats if kind not in self.profiles else self.profiles[kind].add(profile)
        status, headers = started[0]
        return Response(status, headers, b"".join(chunks))

    def _add(self, kind: str, figure: Figure) -> None:
        self.figures.setdefault(kind, []).append(figure)
        self.last_statements[kind] = [*self.statements, *self.commands]

    def _inclusive_run(self, run: Callable[[], None]) -> int:
        """Run with every call counted in each function on the stack (instead of cProfile); returns the calls."""
        calls = [0]
        python_only = self.args.python_only
        inclusive = self.inclusive

        def tracer(frame, event, arg):
            if event == "call" or (event == "c_call" and not python_only):
                calls[0] += 1
                seen = set()
                if event == "c_call":
                    seen.add(f"<{getattr(arg, '__qualname__', arg)}>")
                while frame is not None:
                    code = frame.f_code
                    seen.add(f"{code.co_filename.split('site-packages/')[-1]}:{code.co_firstlineno}({code.co_name})")
                    frame = frame.f_back
                inclusive.update(seen)

        self.inclusive_runs += 1
        sys.setprofile(tracer)
        try:
            run()
        finally:
            sys.setprofile(None)
        return calls[0] - 1  # less the call of sys.setprofile itself

    def print_report(self, title: str, kinds: Iterable[str] | None = None) -> None:
        """The table (one row per kind of request), then what --inclusive, --profile and --statements ask for."""
        args = self.args
        average = "median" if args.cpu else "mean"
        print(f"{title}; per request, {average} and range")
        measure = "CPU µs" if args.cpu else "calls"
        width = max([16, *(len(kind) + 2 for kind in self.figures)])
        print(
            f"{'request':<{width}}{'count':>7}{measure:>9}{'min':>8}{'max':>8}{'statements':>12}{'+BEGIN/END':>12}"
            f"{'Python calls':>14}"
        )
        for kind in kinds or self.figures:
            rows = self.figures[kind]
            calls = [row.measure for row in rows]
            sent = sorted({row.statements for row in rows})
            commands = sorted({row.commands for row in rows})
            python = [row.python_calls for row in rows if row.python_calls is not None]
            middle = (median if args.cpu else mean)(calls)
            print(
                f"{kind:<{width}}{len(rows):>7}{middle:>9.0f}{min(calls):>8.0f}{max(calls):>8.0f}"
                f"{'/'.join(map(str, sent)):>12}{'/'.join(map(str, commands)):>12}"
                f"{f'{mean(python):.0f}' if python else '-':>14}"
            )
        if self.inclusive_runs:
            print(f"\ncalls within each function (its callees' too), per {args.profile}:")
            for name, count in self.inclusive.most_common(args.top):
                print(f"{count / self.inclusive_runs:>9.0f}  {name}")
        for kind, stats in self.profiles.items():
            print(f"\nprofile of every counted {kind}, by {args.sort}:")
            stats.sort_stats(args.sort).print_stats(args.top)
            if args.callers:
                stats.print_callers(args.callers)
        if args.statements:
            for kind, sent in self.last_statements.items():
                print(f"\nstatements (then BEGIN, COMMIT, ROLLBACK) of the last {kind}:")
                for number, statement in enumerate(sent, 1):
                    print(f"{number:>3}. {' '.join(statement.split())}")


def _count_transaction_commands(commands: list[str]) -> None:
    """Note each command psycopg sends of its own (BEGIN, COMMIT, ROLLBACK: a round trip each) in `commands`."""
    try:
        from psycopg._connection_base import BaseConnection
    except ImportError:  # no psycopg: SQLite only
        return
    send = BaseConnection._exec_command
    if getattr(send, "counted", False):
        return

    def counted(connection, command, *args, **kwargs):
        commands.append(command.decode() if isinstance(command, bytes) else str(command))
        return send(connection, command, *args, **kwargs)

    counted.counted = True  # type: ignore[attr-defined]
    BaseConnection._exec_command = counted  # type: ignore[method-assign]
