"""Certificate issuance and verification speed on PostgreSQL.

Run: .venv/bin/python benchmarks/certificates.py [--certificates 10000] [--cohorts 10] [--requests 4000]

(a) Issue 10,000 certificates — eligibility from the requirements, numbers from the locked sequence, snapshot, Ed25519
    signature, audit entry and SKP ledger credit each — through the bulk issuance service (`issue_for_cohort`, what
    the cohort page's "issue all" and `lms certificates issue --cohort` run), in-process. Target: under 20 s.
(b) The verify page (GET /v/<token>, tokens of the certificates just issued) against GET /healthz in the same run:
    gunicorn with 4 workers, 32 keep-alive connections. Targets: at least 60% of /healthz's throughput, p99 < 50 ms.

Uses its own PostgreSQL database `bench_certs` (emptied first; LMS_BENCH_DATABASE_URL overrides), talks only to
127.0.0.1, and stops by itself. Prints PASS/FAIL per target; exit status 0 only when every target passes.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (  # noqa: E402
    Latencies,
    app_context,
    bench_instance,
    database_url,
    gunicorn_server,
    prepare_database,
    verdict,
)
from benchmarks.verify_page import measure  # noqa: E402

TARGET_ISSUE_SECONDS = 20
TARGET_RATIO = 0.6
TARGET_P99_MS = 50
VERIFY_SAMPLE = 200


def make_learners(count: int, cohorts: int) -> list[int]:
    """An organization, a published course (lessons required; the post-test and attendance rules off, since this
    course has neither), `cohorts` cohorts and `count` learners who completed every lesson. Bulk inserts: making
    the data is not what is measured. Returns the cohort ids."""
    from sqlalchemy import insert

    from lms.accounts.models import Membership, Organization, OrganizationKind, Role, User
    from lms.accounts.services import hash_password
    from lms.courses import services as course_services
    from lms.courses.models import Cohort, Enrolment, EnrolmentStatus, LessonCompletion
    from lms.extensions import db
    from tests.factories import make_course_spec

    organization = Organization(slug="ppni", name="PPNI", kind=OrganizationKind.PROFESSIONAL)
    admin = User(email="admin@bench.test", password_hash=hash_password("x" * 12), full_name="Admin", locale="en")
    db.session.add_all([organization, admin, Membership(user=admin, organization=organization, role=Role.ORG_ADMIN)])
    db.session.commit()
    spec = make_course_spec("PPI-DASAR", organization="ppni", require_post_test=False, require_attendance=False)
    version = course_services.import_course(spec, publish=True).version
    db.session.commit()
    today = date.today()
    cohort_ids = []
    for n in range(cohorts):
        cohort = Cohort(version=version, name=f"Angkatan {n + 1}", mode="daring", starts_on=today - timedelta(days=30),
                        ends_on=today)  # fmt: skip
        db.session.add(cohort)
        db.session.flush()
        cohort_ids.append(cohort.id)
    password_hash = hash_password("bench-password")
    rng = random.Random(6)
    names = ["Rina Marlina", "Siti Aminah", "Ni Luh Putu Ayu", "Muhammad Rizky", "Dewi Lestari", "Yohanes Tanu"]
    now = datetime.now(UTC)
    user_ids = (
        db.session.execute(
            insert(User).returning(User.id),
            [
                {
                    "email": f"nakes{n}@bench.test",
                    "password_hash": password_hash,
                    "created_at": now,
                    "full_name": f"{rng.choice(names)} {n}, S.Kep., Ns.",
                    "profession_code": "perawat",
                    "timezone": "Asia/Makassar",
                    "is_platform_admin": False,
                    "is_active_account": True,
                }
                for n in range(count)
            ],  # fmt: skip
        )
        .scalars()
        .all()
    )
    enrolment_ids = (
        db.session.execute(
            insert(Enrolment).returning(Enrolment.id),
            [
                {
                    "cohort_id": cohort_ids[n % cohorts],
                    "user_id": user_id,
                    "status": EnrolmentStatus.ACTIVE.value,
                    "created_at": now,
                }
                for n, user_id in enumerate(user_ids)
            ],  # fmt: skip
        )
        .scalars()
        .all()
    )
    lesson_ids = [lesson.id for lesson in version.lessons]
    db.session.execute(
        insert(LessonCompletion),
        [{"enrolment_id": e, "lesson_id": lesson, "completed_at": now} for e in enrolment_ids for lesson in lesson_ids],
    )
    db.session.commit()
    return cohort_ids


def issue_all(cohort_ids: list[int]) -> tuple[float, int, list[str]]:
    """Bulk issuance, one cohort after another as an admin would; returns (seconds, issued, a sample of tokens)."""
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.certificates import services
    from lms.certificates.keys import current_signing_key
    from lms.core.models import utcnow
    from lms.courses.models import Cohort
    from lms.extensions import db

    current_signing_key()  # the first key is made by `lms init`; this only loads it
    issued, tokens = 0, []
    started = time.perf_counter()
    for cohort_id in cohort_ids:
        admin = db.session.execute(select(User).where(User.email == "admin@bench.test")).scalar_one()
        certificates = services.issue_for_cohort(admin, db.session.get(Cohort, cohort_id), utcnow())
        # The sample is read before the commit, which expires the rows (reading after it costs a query each).
        tokens.extend(c.token for c in certificates[: VERIFY_SAMPLE // len(cohort_ids) + 1])
        db.session.commit()
        issued += len(certificates)
        db.session.expunge_all()  # what an admin's request would do: a fresh session each time
    return time.perf_counter() - started, issued, tokens


def check_numbers(expected: int) -> tuple[int, int]:
    from sqlalchemy import func, select

    from lms.certificates.models import Certificate
    from lms.extensions import db

    total, distinct = db.session.execute(
        select(func.count(Certificate.id), func.count(func.distinct(Certificate.number)))
    ).one()
    return total, distinct


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=10_000)
    parser.add_argument("--cohorts", type=int, default=10)
    parser.add_argument("--requests", type=int, default=4000, help="requests per round and path")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    url = database_url("bench_certs")
    instance = bench_instance("certificates")
    prepare_database(url, instance)
    with app_context(url, instance):
        setup_started = time.perf_counter()
        cohort_ids = make_learners(args.certificates, args.cohorts)
        setup_seconds = time.perf_counter() - setup_started
        print(f"set-up: {args.certificates} learners who finished the course in {setup_seconds:.1f} s")
        seconds, issued, tokens = issue_all(cohort_ids)
        total, distinct = check_numbers(args.certificates)
    rate = issued / seconds if seconds else 0
    print(f"issued {issued} certificates in {seconds:.2f} s ({rate:.0f} per second); {distinct} distinct numbers")

    paths = [f"/v/{token}" for token in tokens]
    environment = {"LMS_VERIFY_RATE_LIMIT": "100000000 per minute"}
    with gunicorn_server(url, instance, workers=4, extra_env=environment) as base_url:
        warm = Latencies()
        measure(base_url, ["/healthz"], "warm-up", 400, args.concurrency, warm)
        measure(base_url, paths, "warm-up", 400, args.concurrency, warm)
        latencies = Latencies()
        healthz_rates, verify_rates, failures = [], [], 0
        for _round in range(args.rounds):
            for path_list, name, rates in ((["/healthz"], "GET /healthz", healthz_rates),
                                           (paths, "GET /v/<token>", verify_rates)):  # fmt: skip
                rate_now, outcome = measure(base_url, path_list, name, args.requests, args.concurrency, latencies)
                rates.append(rate_now)
                failures += outcome.failed
                time.sleep(0.5)
    latencies.print_summary()
    healthz, verify = max(healthz_rates), max(verify_rates)
    p99 = latencies.percentile("GET /v/<token>", 99) * 1000
    print(f"throughput: /healthz {healthz:.0f} req/s, /v/<token> {verify:.0f} req/s ({verify / healthz:.0%})")
    results = [
        verdict(
            f"issue {args.certificates} certificates < {TARGET_ISSUE_SECONDS} s",
            issued == args.certificates and seconds < TARGET_ISSUE_SECONDS,
            f"{issued} in {seconds:.2f} s",
        ),
        verdict("every number distinct", total == distinct == issued, f"{distinct} distinct of {total}"),
        verdict("every verify request answered 200", failures == 0, f"{failures} failed"),
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
