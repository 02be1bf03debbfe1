"""Function calls and SQL statements per request of signed-in pages in one process: the noise-free companion of
wrk_bench.py --login, whose CPU figures move with the machine's load.

Run (on the database scale_data.py made; it only reads it):

    .venv/bin/python benchmarks/page_calls.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale \\
        --instance /tmp/lentera-bench-scale-XXXX --login nakes0@bench.test:bench-password \\
        --path /courses --path /my/record [--anonymous /courses] [--profile /courses [--inclusive]] [--cpu]

The session cookie is made in-process as a browser has it after logging in and opening its first page (the
password is checked, but nothing is written: the login page would record the login). Then each --path is asked
--warm-up times (a worker's first requests read what it keeps afterwards) and --requests times counted, each a WSGI
GET of the app as gunicorn makes it (the environ is built outside what is counted), in turns (path after path), per
request: every function call cProfile sees (C functions too), the Python function calls alone, and the statements
sent. Each --anonymous PATH is asked without the cookie (counted as "PATH anonymous"). A page that does
not answer 200 stops the run (a redirect to the login page is never counted as a cheap page). The counting is
benchmarks/call_counts.py's (shared with quiz_calls.py): --profile PATH, --inclusive, --cpu, --statements as there.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.call_counts import RequestCounter, add_arguments  # noqa: E402

HEADERS = {"User-Agent": "lentera-page-calls", "Accept": "text/html"}
ENVIRON = {"REMOTE_ADDR": "127.0.0.1"}  # as gunicorn behind nothing has it: Flask-Login's session protection reads it


def signed_in_cookie(app, email: str, password: str, user_agent: str = HEADERS["User-Agent"]) -> str:
    """The session cookie of `email` (checked against `password`) as her browser has it after logging in and
    opening its first page (which puts the form token into the session), made without writing to the database;
    `name=value`. `user_agent` is the browser's (Flask-Login's session protection compares it), and the address
    127.0.0.1."""
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    from werkzeug.security import check_password_hash

    from lms.accounts.services import find_user_by_email

    headers = {**HEADERS, "User-Agent": user_agent}
    with app.test_request_context("/login", method="POST", headers=headers, environ_base=ENVIRON):
        user = find_user_by_email(email)
        if user is None or not check_password_hash(user.password_hash, password):
            raise SystemExit(f"could not log in as {email}: no such user or a wrong password")
        login_user(user)
        if user.locale:
            session["locale"] = user.locale
        generate_csrf()
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
    name = app.config["SESSION_COOKIE_NAME"]
    for header in response.headers.getlist("Set-Cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            return f"{name}={rest.split(';', 1)[0]}"
    raise SystemExit("the login made no session cookie")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="the database URL (only read)")
    parser.add_argument("--instance", required=True, help="the instance folder of the database (secret key)")
    parser.add_argument("--login", required=True, metavar="EMAIL:PASSWORD")
    parser.add_argument("--path", action="append", required=True, help="a page to ask (GET); repeat for more")
    parser.add_argument("--anonymous", action="append", default=[], help="a page to ask without the session cookie")
    parser.add_argument("--warm-up", type=int, default=20, help="requests of each path before counting")
    parser.add_argument("--requests", type=int, default=30, help="counted requests of each path")
    add_arguments(parser)
    args = parser.parse_args()

    os.environ["LMS_INSTANCE_PATH"] = args.instance
    from werkzeug.test import EnvironBuilder

    from lms import create_app
    from lms.core.database import dispose_engines

    app = create_app({"DATABASE_URL": args.database})
    counter = RequestCounter(app, args)
    email, password = args.login.split(":", 1)
    cookie = signed_in_cookie(app, email, password)
    kinds = [(path, path, cookie) for path in args.path]
    kinds += [(f"{path} anonymous", path, None) for path in args.anonymous]

    def call(kind: str | None, path: str, cookie: str | None) -> None:
        headers = {**HEADERS, **({"Cookie": cookie} if cookie else {})}
        environ = EnvironBuilder(path=path, headers=headers, environ_base=ENVIRON).get_environ()
        response = counter.call(kind, environ)
        if not response.status.startswith("200"):
            raise SystemExit(f"GET {path}: {response.status} (not 200): {response.body[:200]!r}")
        if cookie and any(name.lower() == "set-cookie" for name, _value in response.headers):
            raise SystemExit(f"GET {path} wrote the session cookie again: a browser's later requests do not")

    try:
        for round_ in range(args.warm_up + args.requests):
            for kind, path, with_cookie in kinds:
                call(kind if round_ >= args.warm_up else None, path, with_cookie)
    finally:
        with app.app_context():
            dispose_engines()
    counter.print_report(f"signed in as {email}; {args.requests} counted requests of each page after {args.warm_up}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
