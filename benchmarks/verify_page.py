"""Verify page throughput: GET /v/<token> against GET /healthz in the same run, gunicorn (4 workers), 32 connections.

Run: .venv/bin/python benchmarks/verify_page.py [--requests 4000] [--concurrency 32] [--rounds 2]
Targets (issue 6): the verify page's throughput at least 60% of /healthz's, p99 under 50 ms. Rounds alternate
healthz and verify so both see the same machine state; the throughput of each is its best round. Also prints the
token figures (COSE bytes, upper-case URL length, QR version at Q) for a 60-character holder name. Uses the
PostgreSQL database `bench_certs` (emptied first; shared with certificates.py, so run one at a time;
LMS_BENCH_DATABASE_URL overrides), talks only to 127.0.0.1 and stops by itself. The rate limit is raised for the run
(it would otherwise answer 429 after 60 requests). Exit status 0 only on PASS.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (  # noqa: E402
    Latencies,
    app_context,
    bench_instance,
    database_url,
    gunicorn_server,
    prepare_database,
    run_jobs,
    verdict,
)

TARGET_RATIO = 0.6
TARGET_P99_MS = 50
CERTIFICATES = 20
NAME_60 = "Ni Luh Putu Ayu Kusumawardhani Sastrawinata Prameswari, Dewi"


def make_certificates(url: str, instance: Path) -> list[str]:
    """Certificates issued the real way (course finished, issued by the rules); returns their tokens."""
    with app_context(url, instance):
        from lms.certificates import services
        from tests.factories.certificates import finished_learner, issue, make_certificate_world

        world = make_certificate_world()
        tokens = []
        for n in range(CERTIFICATES):
            _user, enrolment = finished_learner(world.cohort, f"verify-bench-{n}@example.test", full_name=NAME_60)
            certificate = services.live_certificate_of(enrolment) or issue(world.admin, enrolment)
            tokens.append(certificate.token)
        return tokens


def token_figures(url: str, instance: Path) -> None:
    import qrcode

    with app_context(url, instance) as app:
        from lms.certificates.keys import current_signing_key
        from lms.certificates.token import encode_cose, encode_token
        from tests.unit.test_certificate_token import make_claims

        claims = make_claims(holder_name=NAME_60)
        key = current_signing_key()
        token = encode_token(claims, key)
        public_url = app.config["PUBLIC_URL"].rstrip("/")
        qr_text = f"{public_url}/V/{token}".upper()
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q)
        qr.add_data(qrcode.util.QRData(qr_text.encode("ascii"), mode=qrcode.util.MODE_ALPHA_NUM))
        qr.make(fit=True)
        print(
            f"token (60-character name): COSE {len(encode_cose(claims, key))} bytes, Base32 {len(token)} characters,"
            f" URL {len(qr_text)} characters with {public_url}, QR version {qr.version} at Q"
        )


def measure(base_url: str, paths: list[str], name: str, requests: int, concurrency: int, latencies: Latencies):
    def job_for(path: str):
        def job(client):
            status, _body, seconds = client.request("GET", path, headers={"Accept": "text/html"})
            latencies.add(name, seconds, ok=status == 200)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")

        return job

    jobs = [job_for(path) for path, _ in zip(itertools.cycle(paths), range(requests), strict=False)]
    outcome = run_jobs(jobs, base_url=base_url, concurrency=concurrency, time_limit=120)
    return outcome.finished / outcome.elapsed, outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per round and path")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    args = parser.parse_args()

    url = database_url("bench_certs")
    instance = bench_instance("verify")
    prepare_database(url, instance)
    tokens = make_certificates(url, instance)
    token_figures(url, instance)
    paths = [f"/v/{token}" for token in tokens]

    environment = {"LMS_VERIFY_RATE_LIMIT": "100000000 per minute"}
    with gunicorn_server(url, instance, workers=args.workers, threads=args.threads, extra_env=environment) as base_url:
        warm = Latencies()
        measure(base_url, ["/healthz"], "warm-up", 400, args.concurrency, warm)
        measure(base_url, paths, "warm-up", 400, args.concurrency, warm)
        latencies = Latencies()
        healthz_rates, verify_rates, failures = [], [], 0
        for _round in range(args.rounds):
            rate, outcome = measure(base_url, ["/healthz"], "GET /healthz", args.requests, args.concurrency, latencies)
            healthz_rates.append(rate)
            failures += outcome.failed
            time.sleep(0.5)
            rate, outcome = measure(base_url, paths, "GET /v/<token>", args.requests, args.concurrency, latencies)
            verify_rates.append(rate)
            failures += outcome.failed
            time.sleep(0.5)

    latencies.print_summary()
    healthz, verify = max(healthz_rates), max(verify_rates)
    p99 = latencies.percentile("GET /v/<token>", 99) * 1000
    print(f"throughput: /healthz {healthz:.0f} req/s, /v/<token> {verify:.0f} req/s ({verify / healthz:.0%})")
    results = [
        verdict("every request answered 200", failures == 0, f"{failures} failed"),
        verdict(
            f"verify throughput >= {TARGET_RATIO:.0%} of /healthz",
            verify >= TARGET_RATIO * healthz,
            f"{verify:.0f} / {healthz:.0f} req/s = {verify / healthz:.0%}",
        ),
        verdict(f"verify p99 < {TARGET_P99_MS} ms", p99 < TARGET_P99_MS, f"{p99:.1f} ms"),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
