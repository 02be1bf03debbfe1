"""Function calls and SQL statements per request of the post-test's quiz path (start, save, submit) in one process,
on PostgreSQL: the noise-free companion of quiz_load.py, whose CPU figures move with the machine's load.

Run: .venv/bin/python benchmarks/quiz_calls.py [--learners 60] [--profile submit [--inclusive [--python-only]]] [--cpu]
Makes the same data as quiz_load.py (its own database `bench_quiz_calls`, emptied first; LMS_BENCH_DATABASE_URL
overrides), then has every learner start, save each answer and submit, each request a WSGI call of the app as
gunicorn makes it (the environ is built outside what is counted). The first half of the learners warm the process
(a worker's first requests read what it keeps afterwards); the second half is counted, per request: every function
call cProfile sees (C functions too), the Python function calls alone, and the statements sent (the app's engine,
the token's raw read and write, lms.core.database.read_one/write_one, and the statements run in the request's
transaction through the driver, rows_in_transaction; a start is each token's first use, so it
also records the token's use, as in quiz_load.py). A third of the learners pass the post-test, whose submit also asks
the certificate rules: those submits are counted apart.
--profile KIND prints cProfile's table for that kind; with --inclusive, the calls made within each function instead
(its callees' too: where a request's calls go). --cpu measures this process's CPU per request instead (the median;
no profiler, but as noisy as the machine).
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.call_counts import RequestCounter, add_arguments  # noqa: E402
from benchmarks.harness import bench_instance, database_url, prepare_database  # noqa: E402
from benchmarks.quiz_load import QUESTIONS, make_data, right_answers  # noqa: E402

KINDS = ("start", "save", "submit", "passed submit")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=60)
    add_arguments(parser, KINDS)
    args = parser.parse_args()

    url = database_url("bench_quiz_calls")
    instance = bench_instance("quiz-calls")
    prepare_database(url, instance)
    quiz_id, tokens, question_ids = make_data(url, instance, args.learners)
    rank = {question_id: n for n, question_id in enumerate(question_ids)}

    import os

    os.environ["LMS_INSTANCE_PATH"] = str(instance)
    from werkzeug.test import EnvironBuilder

    from lms import create_app
    from lms.accounts import api_tokens
    from lms.core import database
    from lms.core.database import dispose_engines, read_one, write_one

    app = create_app({"DATABASE_URL": url})

    def counted_read_one(statement, parameters):
        counter.note("the token and its user (read_one)")  # not str(statement): compiling it would count
        return read_one(statement, parameters)

    def counted_write_one(statement, parameters):
        counter.note("the token's last use (write_one)")
        return write_one(statement, parameters)

    run_prepared = database._run_prepared

    def counted_run_prepared(connection, sql, values, *, every_row=False):
        if every_row:  # a statement of the request's transaction (rows_in_transaction); read_one's are noted above
            counter.note(sql)
        return run_prepared(connection, sql, values, every_row=every_row)

    def patched():
        stack = ExitStack()
        stack.enter_context(patch.multiple(api_tokens, read_one=counted_read_one, write_one=counted_write_one))
        stack.enter_context(patch.object(database, "_run_prepared", counted_run_prepared))
        return stack

    counter = RequestCounter(app, args, around=patched)

    def call(kind: str | None, method: str, path: str, token: str, body: object = None) -> dict:
        environ = EnvironBuilder(
            path=path,
            method=method,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "quiz_calls"},
            json=body if body is not None else {},
        ).get_environ()
        response = counter.call(kind, environ)
        if not response.status.startswith("20"):
            raise RuntimeError(f"{method} {path}: {response.status} {response.body[:300]!r}")
        return json.loads(response.body)

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

    counter.print_report(f"{args.learners} learners, {QUESTIONS} questions; counted: the second half")
    return 0


if __name__ == "__main__":
    sys.exit(main())
