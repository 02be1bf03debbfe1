"""CPU of a cold verify scan in one process: the app's WSGI call plus its PostgreSQL backend, per request.

Run (after benchmarks/scale_data.py, which prints the instance folder and writes the tokens file):

    .venv/bin/python benchmarks/verify_cold.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale \
        --instance /tmp/lentera-bench-scale-XXXX --tokens-file /tmp/lentera-bench-tokens.txt

wrk_bench.py measures the whole server, but on a shared machine its figures move with the load by ±30%. This one
calls the app in-process (no HTTP, no gunicorn: what is left is the app's own work and the database's), scanning
tokens this process has never seen (status not cached, page not kept), and alternates the fast path
(lms.certificates.verify_fast_path) with the view (VERIFY_FAST_PATH off) round by round, so both see the same load.
Each figure is the least of --rounds rounds: the one the rest of the machine disturbed least. Run it against a
10,000- and a 1,000,000-certificate database to see whether a scan stays flat with the data.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import load_average, machine_speed, process_cpu, traced_url  # noqa: E402


def scan_environ(token: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/v/{token}",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": None,
        "wsgi.errors": sys.stderr,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--instance", required=True, help="the instance folder scale_data.py printed (signing key)")
    parser.add_argument("--tokens-file", required=True, help="tokens, one a line (scale_data.py writes it)")
    parser.add_argument("--scans", type=int, default=1500, help="cold scans per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each path; the least is reported")
    args = parser.parse_args()
    speed = machine_speed()

    os.environ["LMS_INSTANCE_PATH"] = args.instance
    from sqlalchemy import create_engine, text

    from lms import create_app

    url, application_name = traced_url(args.database)
    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False})
    needed = 2 * args.rounds * args.scans + 100
    with open(args.tokens_file, encoding="ascii") as lines:
        tokens = [line.strip() for line, _ in zip(lines, range(needed * 20), strict=False) if line.strip()]
    tokens = random.Random(19).sample(tokens, min(needed, len(tokens)))
    if len(tokens) < needed:
        raise SystemExit(f"{args.tokens_file} holds {len(tokens)} tokens; {needed} are needed")
    admin = create_engine(args.database, isolation_level="AUTOCOMMIT")

    def backend_cpu() -> float:
        with admin.connect() as connection:
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": application_name}
            ).scalars()
            return sum(process_cpu(pid) or 0.0 for pid in pids)

    def scan(batch: list[str]) -> tuple[float, float]:
        """(app ms, PostgreSQL ms) per scan of `batch`; refuses a batch that is not all VALID."""
        environs = [scan_environ(token) for token in batch]
        answers = []
        backend_before, started = backend_cpu(), time.process_time()
        for environ in environs:
            answers.append(b"".join(app(environ, lambda status, headers, exc_info=None: None)))
        app_ms = (time.process_time() - started) * 1000 / len(batch)
        backend_ms = (backend_cpu() - backend_before) * 1000 / len(batch)
        if not all(b'data-verdict="valid"' in answer for answer in answers):
            raise SystemExit("a scan was not VALID: wrong instance folder (signing keys) for this database?")
        return app_ms, backend_ms

    scan(tokens[:100])  # the first scan of each kind of page renders it; the database connection opens
    figures: dict[str, list[tuple[float, float]]] = {"fast path": [], "view": []}
    position = 100
    for _round in range(args.rounds):
        for name, fast in (("fast path", True), ("view", False)):
            app.config["VERIFY_FAST_PATH"] = fast
            figures[name].append(scan(tokens[position : position + args.scans]))
            position += args.scans
    print(f"cold verify scans in one process ({args.scans} a round, the least of {args.rounds} rounds);"
          f" load {load_average()}")  # fmt: skip
    print(speed)
    for name, rounds in figures.items():
        app_ms, backend_ms = min(r[0] for r in rounds), min(r[1] for r in rounds)
        print(f"{name:<10} {app_ms + backend_ms:6.3f} ms CPU per scan (app {app_ms:.3f} + PG {backend_ms:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
