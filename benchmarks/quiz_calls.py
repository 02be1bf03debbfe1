"""Function calls and SQL statements per request of the post-test's quiz path (start, save, submit) in one process,
on PostgreSQL: the noise-free companion of quiz_load.py, whose CPU figures move with the machine's load.

Run: .venv/bin/python benchmarks/quiz_calls.py [--learners 60] [--profile submit [--inclusive [--python-only]]] [--cpu]
Makes the same data as quiz_load.py (its own database `bench_quiz_calls`, emptied first; LMS_BENCH_DATABASE_URL
overrides), then has every learner start, save each answer and submit, each request a WSGI call of the app as
gunicorn makes it (the environ is built outside what is counted). The first half of the learners warm the process
(a worker's first requests read what it keeps afterwards); the second half is counted, per request: every function
call cProfile sees (C functions too), the Python function calls alone, and the statements sent (the app's engine,
and the token's raw read and write, lms.core.database.read_one/write_one; a start is each token's first use, so it
also records the token's use, as in quiz_load.py). A third of the learners pass the post-test, whose submit also asks
the certificate rules: those submits are counted apart.
--profile KIND prints cProfile's table for that kind; with --inclusive, the calls made within each function instead
(its callees' too: where a request's calls go). --cpu measures this process's CPU per request instead (the median;
no profiler, but as noisy as the machine).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections import Counter
from pathlib import Path
from statistics import mean, median
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import bench_instance, database_url, prepare_database  # noqa: E402
from benchmarks.quiz_load import QUESTIONS, make_data, right_answers  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=60)
    parser.add_argument("--profile", choices=["start", "save", "submit", "passed submit"], help="print the profile")
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
    args = parser.parse_args()

    url = database_url("bench_quiz_calls")
    instance = bench_instance("quiz-calls")
    prepare_database(url, instance)
    quiz_id, tokens, question_ids = make_data(url, instance, args.learners)
    rank = {question_id: n for n, question_id in enumerate(question_ids)}

    import os

    os.environ["LMS_INSTANCE_PATH"] = str(instance)
    from sqlalchemy import event
    from werkzeug.test import EnvironBuilder

    from lms import create_app
    from lms.accounts import api_tokens
    from lms.core.database import dispose_engines, read_one, write_one
    from lms.extensions import db

    app = create_app({"DATABASE_URL": url})
    statements: list[str] = []

    def counted_read_one(statement, parameters):
        statements.append("the token and its user (read_one)")  # not str(statement): compiling it would count
        return read_one(statement, parameters)

    def counted_write_one(statement, parameters):
        statements.append("the token's last use (write_one)")
        return write_one(statement, parameters)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    figures: dict[str, list[tuple[float, int, int | None]]] = {}  # (calls or CPU µs, statements, Python calls)
    inclusive: Counter = Counter()
    inclusive_runs = [0]

    def inclusive_run(run) -> int:
        """Run with every call counted in each function on the stack (instead of cProfile); returns the calls."""
        calls = [0]

        def tracer(frame, event, arg):
            if event == "call" or (event == "c_call" and not args.python_only):
                calls[0] += 1
                seen = set()
                if event == "c_call":
                    seen.add(f"<{getattr(arg, '__qualname__', arg)}>")
                while frame is not None:
                    code = frame.f_code
                    seen.add(f"{code.co_filename.split('site-packages/')[-1]}:{code.co_firstlineno}({code.co_name})")
                    frame = frame.f_back
                inclusive.update(seen)

        inclusive_runs[0] += 1
        sys.setprofile(tracer)
        try:
            run()
        finally:
            sys.setprofile(None)
        return calls[0] - 1  # less the call of sys.setprofile itself

    profiles: dict[str, pstats.Stats] = {}

    def call(kind: str | None, method: str, path: str, token: str, body: object = None) -> dict:
        environ = EnvironBuilder(
            path=path,
            method=method,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "quiz_calls"},
            json=body if body is not None else {},
        ).get_environ()
        chunks: list[bytes] = []
        status: list[str] = []

        def start_response(status_line, headers, exc_info=None):
            status.append(status_line)

        def run():
            result = app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()

        statements.clear()
        if kind is None:
            with patch.multiple(api_tokens, read_one=counted_read_one, write_one=counted_write_one):
                run()
        else:
            if args.inclusive and kind == args.profile:
                with patch.multiple(api_tokens, read_one=counted_read_one, write_one=counted_write_one):
                    calls = inclusive_run(run)
                figures.setdefault(kind, []).append((calls, len(statements), None))
                return json.loads(b"".join(chunks))
            if args.cpu:
                with patch.multiple(api_tokens, read_one=counted_read_one, write_one=counted_write_one):
                    before = time.process_time()
                    run()
                    spent = time.process_time() - before
                figures.setdefault(kind, []).append((spent * 1e6, len(statements), None))
                return json.loads(b"".join(chunks))
            profile = cProfile.Profile()
            with patch.multiple(api_tokens, read_one=counted_read_one, write_one=counted_write_one):
                profile.enable()
                run()
                profile.disable()
            stats = pstats.Stats(profile)
            python_calls = sum(row[1] for (filename, _line, _name), row in stats.stats.items() if filename != "~")  # type: ignore[attr-defined]
            figures.setdefault(kind, []).append((stats.total_calls, len(statements), python_calls))  # type: ignore[attr-defined]
            if kind == args.profile:
                profiles[kind] = stats if kind not in profiles else profiles[kind].add(profile)
        if not status[0].startswith("20"):
            raise RuntimeError(f"{method} {path}: {status[0]} {b''.join(chunks)[:300]!r}")
        return json.loads(b"".join(chunks))

    started_bodies: dict[int, dict] = {}
    try:
        for phase in ("start", "save", "submit"):
            for number, (_user_id, token) in enumerate(tokens):
                counted = number >= len(tokens) // 2
                if phase == "start":
                    path = f"/api/v1/quizzes/{quiz_id}/attempts"
                    started_bodies[number] = call("start" if counted else None, "POST", path, token)
                elif phase == "save":
                    started = started_bodies[number]
                    for shown in started["questions"]:
                        is_right = rank[shown["question_id"]] < right_answers(number)
                        response = is_right if shown["kind"] == "true_false" else (0 if is_right else 1)
                        path = f"/api/v1/attempts/{started['id']}/answers/{shown['question_id']}"
                        call("save" if counted else None, "PUT", path, token, {"response": response})
                else:
                    started = started_bodies[number]
                    passes = right_answers(number) * 100 // QUESTIONS >= 70  # the course's pass mark
                    kind = ("passed submit" if passes else "submit") if counted else None
                    result = call(kind, "POST", f"/api/v1/attempts/{started['id']}/submit", token)
                    if result["passed"] != passes:
                        raise RuntimeError(f"learner {number}: passed {result['passed']}, expected {passes}")
    finally:
        with app.app_context():
            dispose_engines()

    average = "median" if args.cpu else "mean"
    print(
        f"{args.learners} learners, {QUESTIONS} questions; counted: the second half (per request, {average} and range)"
    )
    measure = "CPU µs" if args.cpu else "calls"
    print(f"{'request':<16}{'count':>7}{measure:>9}{'min':>8}{'max':>8}{'statements':>12}{'Python calls':>14}")
    for kind, rows in figures.items():
        calls = [c for c, _s, _p in rows]
        sent = sorted({s for _c, s, _p in rows})
        python = [p for _c, _s, p in rows if p is not None]
        print(
            f"{kind:<16}{len(rows):>7}{(median if args.cpu else mean)(calls):>9.0f}{min(calls):>8.0f}{max(calls):>8.0f}"
            f"{'/'.join(map(str, sent)):>12}{f'{mean(python):.0f}' if python else '-':>14}"
        )
    if inclusive_runs[0]:
        print(f"\ncalls within each function (its callees' too), per {args.profile}:")
        for name, count in inclusive.most_common(args.top):
            print(f"{count / inclusive_runs[0]:>9.0f}  {name}")
    for kind, stats in profiles.items():
        print(f"\nprofile of every counted {kind}, by {args.sort}:")
        stats.sort_stats(args.sort).print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
