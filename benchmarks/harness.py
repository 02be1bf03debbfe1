"""Shared benchmark plumbing: a fresh PostgreSQL database, gunicorn on a free port, a keep-alive client, latencies.

Every benchmark talks only to 127.0.0.1, is bounded in requests and time, and stops by itself.
Typical use:

    instance = bench_instance("quizzes")
    prepare_database(DATABASE_URL, instance)            # empty schema, `lms init` (migrations + signing key)
    with app_context(DATABASE_URL, instance):           # make the data in-process through the models/services
        ...
    with gunicorn_server(DATABASE_URL, instance) as base_url:
        latencies = Latencies()
        elapsed = run_jobs(jobs, base_url=base_url, concurrency=32, latencies=latencies, time_limit=90)
    latencies.print_summary()
"""

from __future__ import annotations

import http.client
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def database_url(name: str) -> str:
    """The benchmark's own database on the local PostgreSQL (override with LMS_BENCH_DATABASE_URL)."""
    return os.environ.get("LMS_BENCH_DATABASE_URL") or DEFAULT_DATABASE + name


def ensure_database(url: str) -> None:
    """Create the database if it does not exist (connecting to the server's `postgres` database)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = create_engine(parts._replace(path="/postgres").geturl(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def bench_instance(name: str) -> Path:
    """A throw-away instance folder (secret key, signing keys) for one benchmark run."""
    folder = Path(tempfile.mkdtemp(prefix=f"lentera-bench-{name}-"))
    (folder / "config.py").write_text(f"SECRET_KEY = {secrets.token_hex(32)!r}\n", encoding="utf-8")
    return folder


def _environment(url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(LMS_DATABASE_URL=url, LMS_INSTANCE_PATH=str(instance))
    return env


def prepare_database(url: str, instance: Path) -> None:
    """Empty the database (drop the public schema) and run `lms init` on it."""
    ensure_database(url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    subprocess.run(
        [str(VENV_BIN / "lms"), "init"], env=_environment(url, instance), check=True, capture_output=True, cwd=ROOT
    )


@contextmanager
def app_context(url: str, instance: Path, **config: Any) -> Iterator[Any]:
    """The app inside an app context, on the benchmark's database, for making data through models and services."""
    os.environ["LMS_INSTANCE_PATH"] = str(instance)
    from lms import create_app
    from lms.core.database import dispose_engines
    from lms.extensions import db

    app = create_app({"DATABASE_URL": url, **config})
    with app.app_context():
        yield app
        db.session.remove()
        dispose_engines()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn_server(
    url: str,
    instance: Path,
    *,
    workers: int = 4,
    threads: int = 1,
    extra_env: dict[str, str] | None = None,
    startup_timeout: float = 120,
) -> Iterator[str]:
    """gunicorn serving `lms:create_app()` on a free local port; yields the base URL and stops it afterwards."""
    with gunicorn_process(
        url, instance, workers=workers, threads=threads, extra_env=extra_env, startup_timeout=startup_timeout
    ) as (base_url, _process):
        yield base_url


@contextmanager
def gunicorn_process(
    url: str,
    instance: Path,
    *,
    workers: int = 4,
    threads: int = 1,
    extra_env: dict[str, str] | None = None,
    startup_timeout: float = 120,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Like gunicorn_server, but yields (base URL, the gunicorn master process) for reading its workers' CPU."""
    port = free_port()
    env = _environment(url, instance) | (extra_env or {})
    command = [
        str(VENV_BIN / "gunicorn"),
        "--workers", str(workers),
        "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
        "lms:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                status, _, _ = HttpClient(base_url).request("GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield base_url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def traced_url(url: str) -> tuple[str, str]:
    """`url` with an application_name of its own (for finding the server's PostgreSQL backends); returns both."""
    application_name = f"lentera-bench-{secrets.token_hex(4)}"
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}application_name={application_name}", application_name


def process_cpu(pid: int) -> float | None:
    """utime + stime of a process in seconds (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            data = stat.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(parent: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    data = stat.read()
            except OSError:
                continue
            if int(data[data.rindex(")") + 2 :].split()[1]) == parent:
                children.append(int(entry))
    return children


def machine_speed() -> str:
    """The machine's speed at plain Python, to compare figures taken on different machines: the best of five times
    of a fixed loop (the development machines seen so far took 7-17 microseconds; CPU per request scales with it)."""
    import timeit

    best = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000
    return f"machine speed: sum(range(1000)) in {best * 1e6:.1f} us (best of 5)"


def load_average() -> str:
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        return " ".join(loadavg.read().split()[:3])


class ServerCpu:
    """CPU of the workers of one or more gunicorn masters and of the PostgreSQL backends whose application_name is
    `application_name`."""

    def __init__(self, master_pids: int | list[int], database_url: str, application_name: str):
        self.master_pids = [master_pids] if isinstance(master_pids, int) else list(master_pids)
        self.application_name = application_name
        admin_url = urlsplit(database_url)._replace(path="/postgres", query="").geturl()
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def backends(self) -> list[int]:
        with self.engine.connect() as connection:
            return list(
                connection.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": self.application_name},
                ).scalars()
            )

    def snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        workers = {pid: process_cpu(pid) for master in self.master_pids for pid in children_of(master)}
        backends = {pid: process_cpu(pid) for pid in self.backends()}
        return (
            {pid: cpu for pid, cpu in workers.items() if cpu is not None},
            {pid: cpu for pid, cpu in backends.items() if cpu is not None},
        )

    def wait_until_idle(self, workers: int, quiet: float = 1.0, timeout: float = 180) -> float:
        """Wait until every worker has started and none spends CPU for `quiet` seconds; returns the seconds waited.

        /healthz answers as soon as one worker is up: the others may still be importing the app (a second or more
        of CPU each on a busy machine), which the first phase measured would otherwise count as its own."""
        started = time.monotonic()
        previous: dict[int, float] = {}
        while time.monotonic() - started < timeout:
            now = self.snapshot()[0]
            if len(now) >= workers and now.keys() == previous.keys() and self.spent(previous, now) < 0.01:
                return time.monotonic() - started
            previous = now
            time.sleep(quiet)
        return time.monotonic() - started

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU spent between two snapshots (a process new in `after` counts from zero)."""
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


class HttpClient:
    """A keep-alive HTTP/1.1 connection to one server (one per thread); reconnects when the server closes it."""

    def __init__(self, base_url: str, timeout: float = 30):
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: Any = None, *, token: str | None = None, headers: dict | None = None
    ) -> tuple[int, Any, float]:
        """Send one request; returns (status, parsed JSON body or raw bytes, seconds taken)."""
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Accept": "application/json"} | (headers or {})
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=payload, headers=all_headers)
                response = self.connection.getresponse()
                raw = response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - started
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            content_type = response.getheader("Content-Type", "")
            return response.status, (json.loads(raw) if "json" in content_type and raw else raw), seconds
        raise AssertionError("unreachable")


class Latencies:
    """Request durations by name (thread-safe), with nearest-rank percentiles."""

    def __init__(self):
        self._lock = threading.Lock()
        self._seconds: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def add(self, name: str, seconds: float, ok: bool = True) -> None:
        with self._lock:
            self._seconds[name].append(seconds)
            if not ok:
                self.errors[name] += 1

    def count(self, name: str) -> int:
        return len(self._seconds[name])

    def percentile(self, name: str, p: float) -> float:
        values = sorted(self._seconds[name])
        if not values:
            return math.nan
        return values[max(0, math.ceil(p / 100 * len(values)) - 1)]

    def print_summary(self) -> None:
        print(f"{'request':<22}{'count':>8}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
        for name in self._seconds:
            p50, p95, p99, p100 = (self.percentile(name, p) * 1000 for p in (50, 95, 99, 100))
            count, errors = self.count(name), self.errors[name]
            print(f"{name:<22}{count:>8}{errors:>8}{p50:>10.1f}{p95:>10.1f}{p99:>10.1f}{p100:>10.1f}")


@dataclass
class Outcome:
    finished: int
    failed: int
    elapsed: float
    first_error: str | None = None


def run_jobs(
    jobs: Sequence[Callable[[HttpClient], None]], *, base_url: str, concurrency: int, time_limit: float
) -> Outcome:
    """Run each job (a function of a keep-alive client) on `concurrency` threads; jobs not started by
    `time_limit` seconds are abandoned, so a slow server cannot keep the benchmark running."""
    local = threading.local()
    started = time.perf_counter()
    lock = threading.Lock()
    outcome = Outcome(0, 0, 0.0)

    def run(job: Callable[[HttpClient], None]) -> None:
        if time.perf_counter() - started > time_limit:
            with lock:
                outcome.failed += 1
            return
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = HttpClient(base_url)
        try:
            job(client)
        except Exception as error:  # a benchmark counts failures instead of stopping at the first
            with lock:
                outcome.failed += 1
                outcome.first_error = outcome.first_error or repr(error)
        else:
            with lock:
                outcome.finished += 1

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(run, jobs))
    outcome.elapsed = time.perf_counter() - started
    return outcome


def verdict(label: str, ok: bool, figure: str) -> bool:
    """Print one target line: PASS/FAIL, what was measured and the target; returns ok."""
    print(f"{'PASS' if ok else 'FAIL'}  {label}: {figure}")
    return ok
