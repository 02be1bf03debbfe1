"""Pages against /healthz in the same run with wrk, and the server CPU each request costs (workers + PostgreSQL).

Run (after benchmarks/scale_data.py, which prints the instance folder and writes the tokens file):

    .venv/bin/python benchmarks/wrk_bench.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale \
        --instance /tmp/lentera-bench-scale-XXXX --tokens-file /tmp/lentera-bench-tokens.txt [--path /courses ...]

Needs wrk (Debian: `apt-get install wrk`). Starts gunicorn (4 sync workers by default) on the database, with an
`application_name` of its own in the database URL so that its PostgreSQL backends can be found in
pg_stat_activity, and runs wrk (--latency) for each target after a warm-up of the same target:

- `/healthz`, the floor every other figure is compared with;
- `verify random`: GET /v/<token> with a token drawn at random, per request, from a sample of --sample tokens of the
  file (at least 100,000 for the figure the issue asks for): nearly every scan is cold (status not cached, page not
  rendered before in that worker);
- before the verify runs, the certificates table and its indexes read into the file cache (pg_prewarm; --cold-files
  not): a database server whose RAM holds them;
- `verify hot`: the same 20 tokens over and over (what the old benchmark measured: the caches at work);
- each --path (a GET; logged in with --login EMAIL:PASSWORD, the session cookie made in-process as a browser has it
  after its first page; a path that does not answer 200 stops the run, so a redirect to the login page is never
  measured as a cheap page);
- with --storm PATH, last: a storm of report pages (wrk -c --storm-connections on PATH, logged in) and, in the same
  seconds, wrk on /healthz: does a quick page still answer while reports run? With --report-workers N the report page
  is served by a gunicorn pool of its own (as deploy/ routes the report paths to lentera-reports.service).

For each it prints requests/s, p50 and p99, the ratio of its throughput to /healthz's, and the server CPU per
request: utime + stime from /proc of the gunicorn workers and of their PostgreSQL backends, read before and after the
run, divided by the requests wrk counted. CPU per request is the figure that survives a busy machine; throughput and
latency do not (the machine's load average is printed beside every row: re-measure those on a quiet machine).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from benchmarks.harness import (  # noqa: E402
    HttpClient,
    ServerCpu,
    gunicorn_process,
    load_average,
    machine_speed,
    traced_url,
)

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_paths.lua"
HOT_TOKENS = 20
USER_AGENT = "lentera-wrk-bench"
"""Sent by wrk and by the in-process login that makes the session cookie: one browser, as a real visitor is."""


@dataclass
class WrkResult:
    requests: int
    rate: float
    p50_ms: float
    p99_ms: float
    bad: int
    errors: str


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS[unit]


def start_wrk(
    base_url: str, paths_file: Path, seconds: int, connections: int, threads: int, cookie: str | None = None
) -> subprocess.Popen:
    cookie_header = ["-H", f"User-Agent: {USER_AGENT}", *(["-H", f"Cookie: {cookie}"] if cookie else [])]
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
               *cookie_header, "-s", str(LUA_SCRIPT), base_url, "--", str(paths_file)]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wrk_result(process: subprocess.Popen) -> WrkResult:
    output, errors_out = process.communicate()
    if process.returncode:
        raise SystemExit(f"wrk failed: {errors_out}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return WrkResult(requests, rate, p50, p99, int(bad.group(1)) if bad else 0, errors.group(1) if errors else "")


def run_wrk(
    base_url: str, paths_file: Path, seconds: int, connections: int, threads: int, cookie: str | None = None
) -> WrkResult:
    return wrk_result(start_wrk(base_url, paths_file, seconds, connections, threads, cookie))


def check_verdicts(base_url: str, tokens: list[str]) -> None:
    """Refuse to measure pages that say INVALID (a token the served key set does not accept costs less to answer)."""
    client = HttpClient(base_url)
    for token in tokens:
        _status, body, _seconds = client.request("GET", f"/v/{token}", headers={"Accept": "text/html"})
        if b'data-verdict="valid"' not in body:
            raise SystemExit(f"/v/{token[:12]}... is not VALID on this server: wrong instance folder (signing keys)?")


def session_cookie(database: str, instance: Path, email: str, password: str) -> str:
    """A logged-in session cookie for `email`, made in-process as the browser that goes on has it after logging in
    and opening its first page (the server shares the instance's secret key, so it accepts the cookie); for measuring
    pages behind a login. Made without writing to the database (the login page would record the login), so a
    shared benchmark database stays as it was."""
    from benchmarks.harness import app_context
    from benchmarks.page_calls import signed_in_cookie

    # The browser that logs in is the one that goes on (Flask-Login's session protection compares the user agent):
    # with another, the server marks the session not fresh and writes it again on every request. The form token is
    # in it, as after a first page: without it the server would write the session on every request.
    with app_context(database, instance, REQUIRE_2FA_FOR_ADMINS=False) as app:
        return signed_in_cookie(app, email, password, USER_AGENT)


WARMED_RELATIONS = ("certificates", "uq_certificates_public_id", "ix_certificates_replaces_id")


def warm_certificates(database: str) -> str:
    """Read the relations a scan reads into memory (the operating system's file cache, pg_prewarm's `read` mode):
    the steady state of a database server whose RAM holds the certificates table (1.3 GB at 1M certificates).
    Without it, random scans measure the disk: the table left the file cache while other work ran, and scans waited
    on reads (p99 350 ms, a third of the throughput). Needs the pg_prewarm extension (PostgreSQL's contrib)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database, isolation_level="AUTOCOMMIT")
    started = time.monotonic()
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
            pages = sum(
                connection.execute(text("SELECT pg_prewarm(:relation, 'read')"), {"relation": name}).scalar_one()
                for name in WARMED_RELATIONS
            )
    finally:
        engine.dispose()
    return f"warmed {', '.join(WARMED_RELATIONS)}: {pages:,} pages in {time.monotonic() - started:.1f} s"


def paths_file(paths: list[str]) -> Path:
    descriptor, name = tempfile.mkstemp(prefix="lentera-wrk-", suffix=".txt")
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.writelines(path + "\n" for path in paths)
    return Path(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--instance", required=True, help="the instance folder scale_data.py printed (signing key)")
    parser.add_argument("--tokens-file", help="tokens, one a line (scale_data.py writes it); omit to skip verify")
    parser.add_argument("--sample", type=int, default=100_000, help="random-scan tokens drawn from the file")
    parser.add_argument("--path", action="append", default=[], help="another page to measure (anonymous GET)")
    parser.add_argument("--login", metavar="EMAIL:PASSWORD", help="measure the --path pages logged in as this user")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warm-up", type=int, default=3, help="seconds of the same target before each run")
    parser.add_argument(
        "--cold-files",
        action="store_true",
        help="do not read the certificates table into the file cache before the verify runs (measure the disk)",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (more than 1: gthread)")
    parser.add_argument(
        "--storm", metavar="PATH", help="then: wrk on PATH (logged in) and on /healthz at once, the same seconds"
    )
    parser.add_argument("--storm-connections", type=int, default=16, help="connections of the storm on PATH")
    parser.add_argument("--healthz-connections", type=int, default=2, help="connections on /healthz in the storm")
    parser.add_argument(
        "--report-workers",
        type=int,
        default=0,
        help="serve the storm's report page from a pool of its own with this many sync workers (as deploy/ routes "
        "the report pages to lentera-reports); 0: the one pool serves everything",
    )
    args = parser.parse_args()
    speed = machine_speed()

    targets: list[tuple[str, Path]] = [("/healthz", paths_file(["/healthz"]))]
    if args.tokens_file:
        tokens = [line.strip() for line in Path(args.tokens_file).read_text(encoding="ascii").splitlines() if line]
        sample = random.Random(19).sample(tokens, min(args.sample, len(tokens)))
        targets.append((f"verify random ({len(sample):,} tokens)", paths_file([f"/v/{t}" for t in sample])))
        targets.append((f"verify hot ({HOT_TOKENS} tokens)", paths_file([f"/v/{t}" for t in sample[:HOT_TOKENS]])))
    targets += [(path, paths_file([path])) for path in args.path]
    headers = {}
    if args.login:
        email, password = args.login.split(":", 1)
        cookie = session_cookie(args.database, Path(args.instance), email, password)
        headers = dict.fromkeys([*args.path, *([args.storm] if args.storm else [])], cookie)

    served_url, application_name = traced_url(args.database)
    # The session cookie is made without the second step, which the admins' login asks for (REQUIRE_2FA_FOR_ADMINS):
    # the server must not send the admin back to it.
    environment = {"LMS_VERIFY_RATE_LIMIT": "100000000 per minute", "LMS_REQUIRE_2FA_FOR_ADMINS": "false"}
    rows, storm = [], None
    with ExitStack() as servers:
        base_url, process = servers.enter_context(
            gunicorn_process(
                served_url,
                Path(args.instance),
                workers=args.workers,
                threads=args.threads,
                extra_env=environment,
                startup_timeout=120,  # four workers importing the app on a busy machine
            )
        )
        masters, report_url = [process.pid], base_url
        if args.storm and args.report_workers:
            report_url, report_process = servers.enter_context(
                gunicorn_process(
                    served_url,
                    Path(args.instance),
                    workers=args.report_workers,
                    extra_env=environment,
                    startup_timeout=120,
                )
            )
            masters.append(report_process.pid)
        cpu = ServerCpu(masters, args.database, application_name)
        if args.tokens_file:
            check_verdicts(base_url, sample[:5])
            warmed = "files not warmed (--cold-files)" if args.cold_files else warm_certificates(args.database)
        for path in [*args.path, *([args.storm] if args.storm else [])]:  # a redirect (to the login page) would
            # be measured as a cheap success
            sent = {"Accept": "text/html", "User-Agent": USER_AGENT}
            if path in headers:
                sent["Cookie"] = headers[path]
            status, _body, _seconds = HttpClient(base_url).request("GET", path, headers=sent)
            if status != 200:
                raise SystemExit(f"{path} answered {status}, not 200")
        for name, file in targets:
            cookie = headers.get(name)
            if args.warm_up:
                run_wrk(base_url, file, args.warm_up, args.connections, args.wrk_threads, cookie)
            workers_before, backends_before = cpu.snapshot()
            result = run_wrk(base_url, file, args.seconds, args.connections, args.wrk_threads, cookie)
            workers_after, backends_after = cpu.snapshot()
            worker_ms = ServerCpu.spent(workers_before, workers_after) * 1000 / max(result.requests, 1)
            backend_ms = ServerCpu.spent(backends_before, backends_after) * 1000 / max(result.requests, 1)
            rows.append((name, result, worker_ms, backend_ms, f"{load_average()}  ({len(backends_after)} backends)"))
        if args.storm:
            storm = run_storm(args, base_url, report_url, cpu, headers[args.storm] if headers else None, rows[0])

    healthz_rate = rows[0][1].rate
    model = f"{args.workers} sync workers" if args.threads == 1 else f"{args.workers} gthread workers × {args.threads}"
    print(f"gunicorn {model}, wrk -t{args.wrk_threads} -c{args.connections} -d{args.seconds}s;"
          f" CPU per request = (utime+stime of workers and their PostgreSQL backends) / requests")  # fmt: skip
    print(speed)
    if args.tokens_file:
        print(warmed)
    header = f"{'target':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>7}{'CPU ms/req':>12}"
    print(header + f"{'(app':>7}{'+ PG)':>7}{'non-2xx':>9}  load (1, 5, 15 min)")
    for name, result, worker_ms, backend_ms, load in rows:
        print(f"{name:<32}{result.rate:>9.0f}{result.p50_ms:>9.1f}{result.p99_ms:>9.1f}"
              f"{result.rate / healthz_rate:>7.2f}{worker_ms + backend_ms:>12.2f}{worker_ms:>7.2f}{backend_ms:>7.2f}"
              f"{result.bad:>9}  {load}" + (f"  socket errors: {result.errors}" if result.errors else ""))  # fmt: skip
    if storm:
        print(storm)
    print("Throughput, latency and ratios depend on the machine's load: re-measure them on a quiet machine.")
    return 0 if all(result.bad == 0 for _name, result, _w, _b, _l in rows) else 1


def run_storm(args, base_url: str, report_url: str, cpu: ServerCpu, cookie: str | None, healthz_row) -> str:
    """wrk on the report page with --storm-connections and, in the same seconds, wrk on /healthz (a load balancer's
    probe, or anyone's quick page): does the quick page still answer while the workers are busy with reports?
    The report page's CPU per request is the server's CPU over the run less what the /healthz requests cost
    (at their own CPU per request, measured alone above)."""
    report_file, healthz_file = paths_file([args.storm]), paths_file(["/healthz"])
    workers_before, backends_before = cpu.snapshot()
    report = start_wrk(report_url, report_file, args.seconds, args.storm_connections, args.wrk_threads, cookie)
    healthz = start_wrk(base_url, healthz_file, args.seconds, args.healthz_connections, 1)
    healthz_result, report_result = wrk_result(healthz), wrk_result(report)
    workers_after, backends_after = cpu.snapshot()
    _name, _result, healthz_worker_ms, healthz_backend_ms, _load = healthz_row
    healthz_cpu = healthz_result.requests * (healthz_worker_ms + healthz_backend_ms) / 1000
    total = ServerCpu.spent(workers_before, workers_after) + ServerCpu.spent(backends_before, backends_after)
    report_ms = (total - healthz_cpu) * 1000 / max(report_result.requests, 1)
    lines = [
        f"storm: wrk -c{args.storm_connections} on {args.storm} and wrk -c{args.healthz_connections} on /healthz"
        f" at once, {args.seconds}s; load {load_average()}"
        + (
            f"; the report page served by a pool of {args.report_workers} workers of its own"
            if report_url != base_url
            else ""
        ),
        f"{'':<32}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}{'non-2xx':>9}",
    ]
    for name, result, cpu_ms in (("report page", report_result, report_ms), ("/healthz", healthz_result, None)):
        cpu_text = f"{cpu_ms:>12.2f}" if cpu_ms is not None else f"{'(alone)':>12}"
        errors = f"  socket errors: {result.errors}" if result.errors else ""
        lines.append(f"{name:<32}{result.requests:>9}{result.rate:>9.0f}{result.p50_ms:>9.1f}{result.p99_ms:>9.1f}"
                     f"{cpu_text}{result.bad:>9}{errors}")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
