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

This file runs the steps; their parts live in deploy/cluster/: `addresses` (namespaces, addresses, ports),
`proxy_configs` (the shipped configurations rewritten for them), `hosts` (namespaces, forwarders, gunicorn hosts, the
proxy, teardown), `load` (the data, the clients, the certificates issued meanwhile) and `checks` (after the run).
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = str(ROOT)  # `lms init` and gunicorn run this checkout, whichever venv runs the script

from benchmarks.harness import VENV_BIN, Latencies, bench_instance, database_url, prepare_database, run_jobs  # noqa: E402
from benchmarks.quiz_load import QUESTIONS, make_data  # noqa: E402
from deploy.cluster.addresses import HOSTS, host_address, namespace  # noqa: E402
from deploy.cluster.checks import (  # noqa: E402
    check_database,
    evidence_crosses_hosts,
    reports_go_to_their_pool,
    verify_everywhere,
)
from deploy.cluster.hosts import Cluster  # noqa: E402
from deploy.cluster.load import Run, issue_certificates, learner_job, make_cluster_data  # noqa: E402


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
