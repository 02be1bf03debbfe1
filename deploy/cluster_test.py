"""Two app hosts behind nginx, tested for real: network namespaces, the post-test load, one host killed mid-run.

Run as root (it makes network namespaces): `deploy/cluster-test [--learners 1000] [--concurrency 32]`. Not part of
`make test`. It
1. makes two network namespaces `lentera-app1|2`, each joined to the root namespace by a veth pair on 10.213.N.0/24
   (made and removed by this script; traffic goes only to 127.0.0.0/8 and those namespaces);
2. forwards 10.213.N.1:5432 to the local PostgreSQL (which listens on 127.0.0.1 only) with socat, and starts gunicorn
   in each namespace on 10.213.N.2:8000 with an empty instance folder, files and signing keys in the database
   (LMS_STORAGE=database, LMS_SIGNING_KEYS=database, a fresh LMS_KEY_ENCRYPTION_KEY), the proxy trusted, and its
   report pages' pool on 10.213.N.2:8001 (deploy/lentera-reports.service);
3. starts nginx on 127.0.0.1 with deploy/nginx-lentera.conf (TLS and the redirect removed, these addresses put in),
   or with `--proxy haproxy` HAProxy with deploy/haproxy-lentera.cfg (active health checks on /healthz);
4. runs the post-test load of benchmarks/quiz_load.py through nginx (learners start, save 20 answers, submit; failed
   requests retried like a browser would, a bounded number of times) while certificates are issued through the
   proxy; rotates the signing key on host 2 at 30 % and kills every process of host 1 (SIGKILL) at 50 %;
5. restarts host 1 from another empty instance folder and checks: every acknowledged answer, submission and
   certificate is in the database, none twice; every certificate issued during the run verifies on both hosts; an
   evidence file uploaded through host 1 downloads through host 2; the report paths reach the reports pools.
Prints the figures; exit status 0 only when nothing was lost or doubled and every check passed. What it started is
stopped and the namespaces removed on exit (also on Ctrl-C); every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = str(ROOT)  # `lms init` and gunicorn run this checkout, whichever venv runs the script

from sqlalchemy import bindparam, create_engine, text  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    VENV_BIN,
    HttpClient,
    Latencies,
    app_context,
    bench_instance,
    database_url,
    free_port,
    prepare_database,
    run_jobs,
)
from benchmarks.quiz_load import QUESTIONS, make_data, right_answers  # noqa: E402

SUBNET = "10.213"
HOSTS = (1, 2)
APP_PORT = 8000
REPORTS_PORT = 8001  # the report pages' own pool on each host (deploy/lentera-reports.service)
RETRIES = 8
RETRY_PAUSE = 0.25
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + secrets.token_bytes(2048)


def namespace(n: int) -> str:
    return f"lentera-app{n}"


def host_address(n: int) -> str:
    """Host n's address inside its namespace; `gateway(n)` is the root namespace's end of the same veth pair."""
    return f"{SUBNET}.{n}.2"


def gateway(n: int) -> str:
    return f"{SUBNET}.{n}.1"


class Cluster:
    """Everything the test starts, so that `close()` can undo it (processes by their own group id, namespaces)."""

    def __init__(self, database: str, env: dict[str, str], workers: int):
        self.database, self.env, self.workers = database, env, workers
        self.folder = Path(tempfile.mkdtemp(prefix="lentera-cluster-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.namespaces: list[str] = []
        self.proxy_port = free_port()
        self.proxy_url = f"http://127.0.0.1:{self.proxy_port}"

    # -- network ------------------------------------------------------------------------------------------------

    def make_network(self) -> None:
        for n in HOSTS:
            ns, outside, inside = namespace(n), f"lentera-v{n}", f"lentera-v{n}p"
            if ns in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout:
                self.kill_namespace_processes(ns)  # a leftover of an interrupted run
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            _run("ip", "netns", "add", ns)
            self.namespaces.append(ns)
            _run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", ns)
            _run("ip", "addr", "add", f"{gateway(n)}/24", "dev", outside)
            _run("ip", "link", "set", outside, "up")
            _run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{host_address(n)}/24", "dev", inside)
            _run("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up")
            _run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
            # PostgreSQL listens on 127.0.0.1 only: a forwarder on this side of the veth reaches it.
            self._start(
                f"socat{n}", ["socat", f"TCP-LISTEN:5432,bind={gateway(n)},fork,reuseaddr", "TCP:127.0.0.1:5432"]
            )

    # -- processes ----------------------------------------------------------------------------------------------

    def _start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "ab") as log:
            process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        self.processes[name] = process
        return process

    def host_env(self, n: int) -> dict[str, str]:
        instance = Path(tempfile.mkdtemp(prefix=f"host{n}-", dir=self.folder))  # empty: nothing on this host's disk
        url = self.database.replace("@127.0.0.1:", f"@{gateway(n)}:")
        return self.env | {
            "LMS_DATABASE_URL": url,
            "LMS_INSTANCE_PATH": str(instance),
            "LMS_TRUSTED_PROXIES": gateway(n),
            "PYTHONPATH": str(ROOT),
        }

    def start_host(self, n: int) -> None:
        """The host's web pool and its reports pool (one worker; its access log shows what the proxy sent it)."""
        env = self.host_env(n)
        for name, port, options in (
            (f"host{n}", APP_PORT, ["--workers", str(self.workers), "--log-level", "warning"]),
            (f"reports{n}", REPORTS_PORT, ["--workers", "1", "--access-logfile", "-"]),
        ):
            command = ["ip", "netns", "exec", namespace(n), str(VENV_BIN / "gunicorn"), *options,
                       "--bind", f"{host_address(n)}:{port}", "lms:create_app()"]  # fmt: skip
            _wait_healthy(f"http://{host_address(n)}:{port}", self._start(name, command, env), name)

    @staticmethod
    def kill_namespace_processes(ns: str) -> None:
        """Every process still running in one of this test's namespaces (all started by it) gets SIGKILL."""
        listed = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
        for pid in listed.stdout.split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)

    def kill_host(self, n: int) -> None:
        """SIGKILL to every process of the host (both pools' masters and workers): no graceful anything."""
        for name in (f"host{n}", f"reports{n}"):
            os.killpg(self.processes[name].pid, signal.SIGKILL)
            self.processes[name].wait(timeout=10)

    def start_proxy(self, kind: str) -> None:
        if kind == "haproxy":
            conf = self.folder / "haproxy.cfg"
            conf.write_text(haproxy_config(self.proxy_port), encoding="utf-8")
            _run("haproxy", "-c", "-q", "-f", str(conf))
            process = self._start("proxy", ["haproxy", "-db", "-f", str(conf)])
        else:
            conf = self.folder / "nginx.conf"
            conf.write_text(nginx_config(self.folder, self.proxy_port), encoding="utf-8")
            _run("nginx", "-t", "-q", "-p", str(self.folder), "-c", str(conf))
            process = self._start("proxy", ["nginx", "-p", str(self.folder), "-c", str(conf), "-g", "daemon off;"])
        _wait_healthy(self.proxy_url, process, kind)

    def close(self) -> None:
        for name, process in reversed(self.processes.items()):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM if name == "proxy" else signal.SIGKILL)
                    process.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(process.pid, signal.SIGKILL)
        for ns in self.namespaces:
            self.kill_namespace_processes(ns)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)  # removes the veth pair with it
        self.namespaces.clear()
        if not os.environ.get("LENTERA_CLUSTER_KEEP_LOGS"):  # the processes' logs, kept for a look when asked
            shutil.rmtree(self.folder, ignore_errors=True)


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


def _wait_healthy(base_url: str, process: subprocess.Popen, name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} stopped while starting (exit {process.returncode})")
        try:
            if HttpClient(base_url, timeout=5).request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer /healthz within {timeout:.0f} s")


def nginx_config(folder: Path, port: int) -> str:
    """deploy/nginx-lentera.conf as shipped, with this test's addresses, no TLS, and the paths of a private nginx."""
    shipped = (ROOT / "deploy" / "nginx-lentera.conf").read_text(encoding="utf-8")
    changes = [
        (r"server 10\.0\.0\.21:8000", f"server {host_address(1)}:{APP_PORT}"),
        (r"server 10\.0\.0\.22:8000", f"server {host_address(2)}:{APP_PORT}"),
        (r"server 10\.0\.0\.21:8001", f"server {host_address(1)}:{REPORTS_PORT}"),
        (r"server 10\.0\.0\.22:8001", f"server {host_address(2)}:{REPORTS_PORT}"),
        (r"server \{\n    listen 80;.*?\n\}\n", ""),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{port};"),
        (r"\n    ssl_certificate .*?;", ""),
        (r"\n    ssl_certificate_key .*?;", ""),
    ]
    for pattern, replacement in changes:
        shipped, count = re.subn(pattern, replacement, shipped, count=1, flags=re.DOTALL)
        if count != 1:
            raise RuntimeError(f"deploy/nginx-lentera.conf changed: {pattern!r} not found")
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"user root;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/nginx-error.log warn;\n"
        f"events {{ worker_connections 1024; }}\nhttp {{\n    access_log off;\n{temp}\n{shipped}\n}}\n"
    )


def haproxy_config(port: int) -> str:
    """deploy/haproxy-lentera.cfg as shipped, with this test's addresses and no TLS."""
    shipped = (ROOT / "deploy" / "haproxy-lentera.cfg").read_text(encoding="utf-8")
    changes = [
        (r"server app1 10\.0\.0\.21:8000", f"server app1 {host_address(1)}:{APP_PORT}"),
        (r"server app2 10\.0\.0\.22:8000", f"server app2 {host_address(2)}:{APP_PORT}"),
        (r"server app1 10\.0\.0\.21:8001", f"server app1 {host_address(1)}:{REPORTS_PORT}"),
        (r"server app2 10\.0\.0\.22:8001", f"server app2 {host_address(2)}:{REPORTS_PORT}"),
        (r"    bind :443 ssl crt \S+\n", ""),
        (r"    bind :80\n", f"    bind 127.0.0.1:{port}\n"),
        (r"    http-request redirect scheme https code 301 unless \{ ssl_fc \}\n", ""),
    ]
    for pattern, replacement in changes:
        shipped, count = re.subn(pattern, replacement, shipped, count=1)
        if count != 1:
            raise RuntimeError(f"deploy/haproxy-lentera.cfg changed: {pattern!r} not found")
    return shipped


# --- the data ------------------------------------------------------------------------------------------------------


def make_cluster_data(url: str, instance: Path, certificates: int) -> dict:
    """Besides the quiz load's data: an organization admin's token, learners who finished a course whose certificates
    wait for approval (issued through the proxy during the run), and a learner who will upload evidence."""
    with app_context(url, instance):
        from lms.accounts.services import create_api_token
        from lms.extensions import db
        from tests.factories import PASSWORD, make_user
        from tests.factories.certificates import finished_learner, make_certificate_world

        world = make_certificate_world(slug="ibi", code="CLUSTER-CERT")
        world.version.certificate_needs_approval = True
        db.session.commit()
        enrolments = [finished_learner(world.cohort, f"lulus{i}@cluster.test")[1].id for i in range(certificates)]
        admin_token = create_api_token(world.admin, "cluster test")[1]
        uploader = make_user("bukti@cluster.test")
        db.session.commit()
        return {
            "enrolments": enrolments,
            "admin_token": admin_token,
            "uploader": (uploader.email, PASSWORD),
            "organization_id": world.organization.id,
        }


# --- the load ------------------------------------------------------------------------------------------------------


class Run:
    """What the clients were told (acknowledged), and the timing split at the kill."""

    def __init__(self):
        self.lock = threading.Lock()
        self.saved: dict[tuple[int, int], object] = {}
        self.submitted: dict[int, Decimal] = {}
        self.issued: dict[int, str] = {}  # enrolment id -> verify URL
        self.finished = 0
        self.killed_at: float | None = None
        self.retried = 0
        self.load_done = threading.Event()

    def phase(self) -> str:
        return " (one host)" if self.killed_at is not None else ""


def call(run: Run, client: HttpClient, latencies: Latencies, name: str, method: str, path: str, body=None, *,
         token: str, ok=(200,)):  # fmt: skip
    """One request as a patient client makes it: retried on a proxy error or a dropped connection, a bounded number
    of times; the latency counted is the whole wait, under the phase (both hosts up, or one) it started in."""
    phase = run.phase()
    started = time.perf_counter()
    for attempt in range(RETRIES):
        try:
            status, answer, _ = client.request(method, path, body, token=token)
        except (OSError, http.client.HTTPException):
            status, answer = 0, None
        if status not in (0, 502, 503, 504):
            break
        with run.lock:
            run.retried += 1
        time.sleep(RETRY_PAUSE * (attempt + 1))
    latencies.add(name + phase, time.perf_counter() - started, status in ok)
    if status not in ok:
        raise RuntimeError(f"{name}: {status} {answer}")
    return status, answer


def learner_job(run: Run, latencies: Latencies, learner: int, user_id: int, token: str, quiz_id: int, rank: dict):
    def job(client: HttpClient) -> None:
        _, body = call(run, client, latencies, "start", "POST", f"/api/v1/quizzes/{quiz_id}/attempts", {},
                       token=token, ok=(200, 201))  # fmt: skip
        attempt_id, right = body["id"], right_answers(learner)
        for shown in body["questions"]:
            question_id = shown["question_id"]
            is_right = rank[question_id] < right
            response = is_right if shown["kind"] == "true_false" else (0 if is_right else 1)
            path = f"/api/v1/attempts/{attempt_id}/answers/{question_id}"
            call(run, client, latencies, "save answer", "PUT", path, {"response": response}, token=token)
            with run.lock:
                run.saved[(user_id, question_id)] = response
        _, result = call(run, client, latencies, "submit", "POST", f"/api/v1/attempts/{attempt_id}/submit", {},
                         token=token)  # fmt: skip
        with run.lock:
            run.submitted[user_id] = Decimal(result["score"])
            run.finished += 1

    return job


def issue_certificates(run: Run, proxy_url: str, data: dict, stop: threading.Event, learners: int) -> None:
    """Issue the waiting certificates through the proxy, spread over the load (the n-th once n/count of the learners
    are done), so that some are signed before the key rotation, some after, some after the kill."""
    client, latencies = HttpClient(proxy_url), Latencies()
    count = len(data["enrolments"])
    for n, enrolment_id in enumerate(data["enrolments"]):
        while run.finished < learners * n / count and not run.load_done.is_set() and not stop.wait(0.2):
            pass
        if stop.is_set():
            return
        path = f"/api/v1/enrolments/{enrolment_id}/certificate"
        try:
            _, body = call(run, client, latencies, "issue", "POST", path, {}, token=data["admin_token"], ok=(201,))
        except RuntimeError:
            continue  # not acknowledged (e.g. issued by a request whose answer was lost): checked in the database
        with run.lock:
            run.issued[enrolment_id] = body["verify_url"]


# --- checks --------------------------------------------------------------------------------------------------------


def check_database(url: str, quiz_id: int, run: Run, data: dict) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        answers = connection.execute(
            text("SELECT at.user_id, an.question_id, an.response FROM answers an "
                 "JOIN attempts at ON at.id = an.attempt_id WHERE at.quiz_id = :quiz"), {"quiz": quiz_id}
        ).all()  # fmt: skip
        attempts = connection.execute(
            text("SELECT user_id, state, score FROM attempts WHERE quiz_id = :quiz"), {"quiz": quiz_id}
        ).all()
        certificates = connection.execute(
            text(
                "SELECT enrolment_id, count(*) FROM certificates WHERE enrolment_id IN :ids GROUP BY enrolment_id"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": data["enrolments"]},
        ).all()
    engine.dispose()
    stored: dict[tuple[int, int], list] = {}
    for user_id, question_id, response in answers:
        stored.setdefault((user_id, question_id), []).append(
            json.loads(response) if isinstance(response, str) else response
        )
    per_user: dict[int, list] = {}
    for attempt in attempts:
        per_user.setdefault(attempt.user_id, []).append(attempt)
    certificate_counts = dict(certificates)
    return {
        "acknowledged answers": len(run.saved),
        "lost answers": sum(1 for key, response in run.saved.items() if response not in stored.get(key, [])),
        "doubled answers": sum(len(values) - 1 for values in stored.values()),
        "acknowledged submissions": len(run.submitted),
        "lost submissions": sum(
            1
            for user_id, score in run.submitted.items()
            if not any(a.state == "graded" and Decimal(a.score) == score for a in per_user.get(user_id, []))
        ),  # fmt: skip
        "doubled attempts": sum(len(rows) - 1 for rows in per_user.values()),
        "acknowledged certificates": len(run.issued),
        "lost certificates": sum(1 for enrolment_id in run.issued if certificate_counts.get(enrolment_id, 0) < 1),
        "doubled certificates": sum(count - 1 for count in certificate_counts.values() if count > 1),
    }


def verify_everywhere(run: Run) -> tuple[int, int, set[str]]:
    """Every certificate issued during the run, verified on each host directly: (checked, valid on both, kids)."""
    valid, kids = 0, set()
    clients = [HttpClient(f"http://{host_address(n)}:{APP_PORT}") for n in HOSTS]
    for verify_url in run.issued.values():
        answers = [client.request("POST", "/api/v1/verify", {"qr": verify_url})[:2] for client in clients]
        valid += all(status == 200 and body["verdict"] == "valid" for status, body in answers)
        kids |= {body["key"]["kid"] for status, body in answers if status == 200 and body.get("key")}
    return len(run.issued), valid, kids


class Browser:
    """Cookie-keeping form posts to one host at a time (the session cookie is carried to the other host by hand)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, host: str, method: str, path: str, body: bytes | None = None, content_type: str = ""):
        connection = http.client.HTTPConnection(host, APP_PORT, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        headers |= {"Content-Type": content_type} if content_type else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, data

    def csrf(self, host: str, path: str) -> str:
        status, page = self.request(host, "GET", path)
        match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"no form at {path} on {host}: {status}")
        return match.group(1).decode()


def evidence_crosses_hosts(url: str, data: dict) -> bool:
    """Upload evidence through host 1 (the browser form), download it through host 2 with the same session."""
    from urllib.parse import urlencode

    browser, first, second = Browser(), host_address(1), host_address(2)
    email, password = data["uploader"]
    form = urlencode({"csrf_token": browser.csrf(first, "/login"), "email": email, "password": password})
    status, _ = browser.request(first, "POST", "/login", form.encode(), "application/x-www-form-urlencoded")
    if status != 302:
        raise RuntimeError(f"login on host 1: {status}")
    fields = {
        "csrf_token": browser.csrf(first, "/my/record/activities/new"), "kind": "seminar", "ranah": "pembelajaran",
        "title": "Webinar klaster", "organizer": "RSUD", "held_on": (date.today() - timedelta(days=3)).isoformat(),
        "skp_claimed": "1", "organization_id": str(data["organization_id"]),
    }  # fmt: skip
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    header = f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="bukti.pdf"\r\n'
    parts.append(f"{header}Content-Type: application/pdf\r\n\r\n".encode() + PDF + f"\r\n--{boundary}--\r\n".encode())
    status, page = browser.request(first, "POST", "/my/record/activities/new", b"".join(parts),
                                   f"multipart/form-data; boundary={boundary}")  # fmt: skip
    if status != 302:
        raise RuntimeError(f"evidence upload on host 1: {status} {page[:300]!r}")
    engine = create_engine(url)
    with engine.connect() as connection:
        activity_id = connection.execute(
            text("SELECT a.id FROM external_activities a JOIN users u ON u.id = a.user_id WHERE u.email = :e"),
            {"e": email},
        ).scalar_one()
    engine.dispose()
    status, downloaded = browser.request(second, "GET", f"/records/activities/{activity_id}/evidence")
    return status == 200 and downloaded == PDF


def reports_go_to_their_pool(cluster: Cluster, data: dict) -> bool:
    """The report paths reach a host's reports pool through the proxy (in its access log), other pages do not."""
    org, client = data["organization_id"], HttpClient(cluster.proxy_url)
    paths = [f"/api/v1/organizations/{org}/member-standings?limit=5", "/api/v1/supervision/workers", "/api/v1/me"]
    answers = [client.request("GET", path, token=data["admin_token"])[0] for path in paths]
    time.sleep(0.5)  # the access log line is written after the answer
    logged = "".join((cluster.folder / f"reports{n}.log").read_text(errors="replace") for n in HOSTS)
    routed = [f"GET {path}" in logged for path in paths]
    return answers == [200, 403, 200] and routed == [True, True, False]


# --- main ----------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per host")
    parser.add_argument("--certificates", type=int, default=20, help="certificates issued during the run")
    parser.add_argument("--kill-at", type=float, default=0.5, help="share of learners done when host 1 is killed")
    parser.add_argument("--time-limit", type=float, default=400, help="abandon learners not started by then")
    parser.add_argument("--proxy", choices=["nginx", "haproxy"], default="nginx", help="the shipped config to test")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("deploy/cluster-test makes network namespaces: run it as root.", file=sys.stderr)
        return 2
    for tool in ("ip", args.proxy, "socat"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing: deploy/install cluster-test (apt: iproute2 nginx socat).", file=sys.stderr)
            return 2

    url = database_url("cluster_test")
    env = dict(os.environ) | {
        "LMS_SECRET_KEY": secrets.token_hex(32),
        "LMS_STORAGE": "database",
        "LMS_SIGNING_KEYS": "database",
        "LMS_KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "LMS_VERIFY_RATE_LIMIT": "100000 per minute",
        # The organization admin issues certificates and reads reports with a bearer token made for her: without
        # this, her role's two-factor requirement refuses the token (403) and no certificate is issued.
        "LMS_REQUIRE_2FA_FOR_ADMINS": "false",
    }
    os.environ.update({k: env[k] for k in ("LMS_STORAGE", "LMS_SIGNING_KEYS", "LMS_KEY_ENCRYPTION_KEY")})
    cluster = Cluster(url, env, args.workers)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        return _test(cluster, url, args)
    finally:
        cluster.close()


def _test(cluster: Cluster, url: str, args) -> int:
    started = time.perf_counter()
    instance = bench_instance("cluster")
    prepare_database(url, instance)
    quiz_id, tokens, question_ids = make_data(url, instance, args.learners)
    data = make_cluster_data(url, instance, args.certificates)
    shutil.rmtree(instance, ignore_errors=True)
    rank = {question_id: n for n, question_id in enumerate(question_ids)}
    seconds = time.perf_counter() - started
    print(f"data: {args.learners} learners, {args.certificates} certificates to issue ({seconds:.1f} s)")
    cluster.env["LMS_PUBLIC_URL"] = cluster.proxy_url
    cluster.make_network()
    for n in HOSTS:
        cluster.start_host(n)
    cluster.start_proxy(args.proxy)
    print(f"hosts: {', '.join(host_address(n) for n in HOSTS)} ({args.workers} gunicorn workers each), "
          f"{args.proxy} on {cluster.proxy_url}")  # fmt: skip

    run, latencies, stop = Run(), Latencies(), threading.Event()
    jobs = [learner_job(run, latencies, i, user_id, token, quiz_id, rank) for i, (user_id, token) in enumerate(tokens)]
    rotated: list[str] = []

    def rotate() -> None:
        command = ["ip", "netns", "exec", namespace(2), str(VENV_BIN / "lms"), "keys", "rotate"]
        result = subprocess.run(command, env=cluster.host_env(2), cwd=ROOT, capture_output=True, text=True, timeout=60)
        rotated.append(result.stdout.strip() or result.stderr.strip())

    def events() -> None:
        """Rotate the key on host 2 at 30 % (in a thread of its own: it takes a while), kill host 1 at `kill_at`;
        bounded by the time limit."""
        deadline = time.monotonic() + args.time_limit
        rotation = threading.Thread(target=rotate, daemon=True)
        while not stop.is_set() and time.monotonic() < deadline:
            done = run.finished / len(tokens)
            if rotation.ident is None and done >= 0.3:
                rotation.start()
            if done >= args.kill_at:
                run.killed_at = time.perf_counter()
                cluster.kill_host(1)
                break
            time.sleep(0.1)
        if rotation.ident is not None:
            rotation.join(timeout=60)

    issuing = (run, cluster.proxy_url, data, stop, len(tokens))
    helpers = [
        threading.Thread(target=events, daemon=True),
        threading.Thread(target=issue_certificates, args=issuing, daemon=True),
    ]
    load_started = time.perf_counter()
    for helper in helpers:
        helper.start()
    outcome = run_jobs(jobs, base_url=cluster.proxy_url, concurrency=args.concurrency, time_limit=args.time_limit)
    run.load_done.set()
    helpers[1].join(timeout=120)
    stop.set()
    helpers[0].join(timeout=30)
    total = time.perf_counter() - load_started

    print(f"\nload through {args.proxy}: {outcome.finished} learners finished, {outcome.failed} failed, {total:.1f} s; "
          f"{run.retried} requests retried by the clients")  # fmt: skip
    if outcome.first_error:
        print(f"first error: {outcome.first_error}")
    print(f"key rotation on host 2 at 30 %: {rotated[0] if rotated else 'not reached'}")
    if run.killed_at is not None:
        print(f"host 1 killed (SIGKILL, every process) at {run.killed_at - load_started:.1f} s")
    latencies.print_summary()

    cluster.start_host(1)  # back, from another empty instance folder
    figures = check_database(url, quiz_id, run, data)
    checked, valid, kids = verify_everywhere(run)
    evidence_ok = evidence_crosses_hosts(url, data)
    reports_ok = reports_go_to_their_pool(cluster, data)
    both_up = {name: latencies.percentile(name, 95) * 1000 for name in ("save answer", "submit")}
    print("\nfigures")
    print(f"  total time (load, {args.learners} learners x {QUESTIONS} answers + submit): {total:.1f} s")
    print(f"  p95 save with both hosts up: {both_up['save answer']:.0f} ms; p95 submit: {both_up['submit']:.0f} ms")
    print("".join(f"  {name}: {value}\n" for name, value in figures.items()), end="")
    lost_or_doubled = sum(v for k, v in figures.items() if k.startswith(("lost", "doubled")))
    print(f"  lost or doubled rows after the kill: {lost_or_doubled}")
    print(
        f"  certificates issued during the run that verify on both hosts: {valid}/{checked} (signing keys: {len(kids)})"
    )
    print(f"  evidence uploaded through host 1 downloads through host 2: {'yes' if evidence_ok else 'NO'}")
    print(f"  a dashboard page and the API's report list answered by the reports pool: {'yes' if reports_ok else 'NO'}")
    ok = lost_or_doubled == 0 and valid == checked > 0 and evidence_ok and reports_ok and run.killed_at is not None
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
