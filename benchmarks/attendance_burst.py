"""Webinar burst: 5,000 learners check in with the webinar code within 60 s through the API, against gunicorn
(4 workers) and PostgreSQL; then checks in the database that no check-in was lost or doubled.

Run: .venv/bin/python benchmarks/attendance_burst.py [--learners 5000] [--burst-seconds 60] [--concurrency 64]
Target (issue 5): exactly one mark per learner, p95 < 200 ms. Arrivals are spread evenly over the burst (an open
load, as when a code appears on thousands of screens at once and people type it in over a minute), not as fast as
the server answers. Uses its own PostgreSQL database `bench_attendance` (emptied first; LMS_BENCH_DATABASE_URL
overrides), talks only to 127.0.0.1 and stops by itself. Exit status 0 only on PASS.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    ROOT,
    HttpClient,
    Latencies,
    app_context,
    bench_instance,
    database_url,
    gunicorn_server,
    prepare_database,
    run_jobs,
    verdict,
)

TARGET_P95_MS = 200


def make_data(url: str, instance: Path, learners: int, tokens_used_now: bool) -> tuple[int, str, list[str]]:
    """A course, a cohort with a facilitator, `learners` enrolled users with API tokens (made directly, no
    password logins), a webinar session that started five minutes ago and an open code.
    Returns (session id, code, tokens)."""
    with app_context(url, instance):
        from lms.accounts.models import Membership, Organization, OrganizationKind, Role, User
        from lms.accounts.services import create_api_token, hash_password
        from lms.attendance import services
        from lms.core.models import utcnow
        from lms.courses import services as course_services
        from lms.courses.files import read_course
        from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
        from lms.extensions import db

        organization = Organization(slug="ppni", name="PPNI", kind=OrganizationKind.PROFESSIONAL)
        db.session.add(organization)
        db.session.flush()
        version = course_services.import_course(read_course(ROOT / "courses" / "ppi-dasar"), publish=True).version
        password_hash = hash_password("not-used-by-the-benchmark")  # one hash for all: no logins are made
        facilitator = User(email="fasilitator@bench.test", password_hash=password_hash, full_name="Fasilitator")
        db.session.add(Membership(user=facilitator, organization=organization, role=Role.FACILITATOR))
        today = date.today()
        cohort = Cohort(version=version, name="Webinar beban", mode="daring", starts_on=today,
                        ends_on=today + timedelta(days=30), facilitators=[facilitator])  # fmt: skip
        db.session.add(cohort)
        users = [
            User(email=f"peserta{i}@bench.test", password_hash=password_hash, full_name=f"Peserta {i}",
                 profession_code="perawat")
            for i in range(learners)
        ]  # fmt: skip
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(Enrolment(cohort=cohort, user=u, status=EnrolmentStatus.ACTIVE) for u in users)
        made = [create_api_token(user, "benchmark") for user in users]
        tokens = [plaintext for _, plaintext in made]
        now = utcnow()
        if tokens_used_now:  # as if each learner's app had just opened the session page with its token
            for token, _ in made:
                token.last_used_at = now
        session = services.create_session(
            None,
            cohort,
            services.SessionFields(
                title="Webinar PPI", starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2), jpl=2,
                mode="daring",
            ),
        )  # fmt: skip
        code = services.create_code(facilitator, session, now - timedelta(minutes=1), minutes=30, label="awal")
        db.session.commit()
        return session.id, code.code, tokens


def learner_job(n: int, token: str, session_id: int, code: str, start_at: float, latencies: Latencies):
    """One learner types the code at their moment in the burst (some in lower case, as people do)."""
    typed = code.lower() if n % 3 == 0 else code

    def job(client: HttpClient) -> None:
        delay = start_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        else:
            latencies.add("late start", -delay)
        status, body, seconds = client.request(
            "POST",
            f"/api/v1/sessions/{session_id}/checkin",
            {"code": typed},
            token=token,
            headers={"X-Device-Id": f"bench-device-{n:06d}"},
        )
        latencies.add("checkin", seconds, status == 200)
        if status != 200 or not body.get("recorded"):
            raise RuntimeError(f"checkin: {status} {body}")

    return job


def check_database(url: str, session_id: int, learners: int) -> tuple[list[str], tuple]:
    engine = create_engine(url)
    with engine.connect() as connection:
        marks = connection.execute(
            text(
                "SELECT count(*), count(DISTINCT user_id), count(*) FILTER (WHERE status = 'hadir') "
                "FROM attendance_marks WHERE session_id = :s"
            ),
            {"s": session_id},
        ).one()
        entries = connection.execute(
            text(
                "SELECT count(*) FROM attendance_code_entries e JOIN attendance_checkin_codes c ON c.id = e.code_id "
                "WHERE c.session_id = :s"
            ),
            {"s": session_id},
        ).scalar_one()
        refused = connection.execute(
            text("SELECT count(*) FROM attendance_refused_checkins WHERE session_id = :s"), {"s": session_id}
        ).scalar_one()
    engine.dispose()
    problems = []
    if tuple(marks) != (learners, learners, learners):
        problems.append(f"marks {marks[0]}, distinct learners {marks[1]}, hadir {marks[2]}; expected {learners} each")
    if entries != learners:
        problems.append(f"code entries {entries}; expected {learners}")
    if refused:
        problems.append(f"{refused} refused check-ins; expected none")
    return problems, (marks[0], entries, refused)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--burst-seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=64, help="client threads (more than are ever busy)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    parser.add_argument(
        "--tokens-used-now",
        action="store_true",
        help="tokens marked as used a moment ago, so the check-in does not also record the token's first use "
        "(to tell the cost of that bookkeeping apart)",
    )
    args = parser.parse_args()

    url = database_url("bench_attendance")
    instance = bench_instance("attendance")
    started = time.perf_counter()
    prepare_database(url, instance)
    session_id, code, tokens = make_data(url, instance, args.learners, args.tokens_used_now)
    # Fresh statistics, as autovacuum gives a live database within a minute of a bulk insert: without them the
    # planner looks up one learner's enrolment by scanning the whole cohort.
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    print(f"data: {args.learners} enrolled learners with tokens, 1 webinar session, code {code} "
          f"({time.perf_counter() - started:.1f} s)")  # fmt: skip

    latencies = Latencies()
    with gunicorn_server(url, instance, workers=args.workers, threads=args.threads) as base_url:
        # Warm each worker (imports, first connections) before the clock starts, as a running server would be.
        warm = HttpClient(base_url)
        for _ in range(args.workers * 4):
            warm.request("GET", f"/api/v1/sessions/{session_id}", token=tokens[0])
        begin = time.perf_counter() + 0.5
        spacing = args.burst_seconds / args.learners
        jobs = [
            learner_job(n, token, session_id, code, begin + n * spacing, latencies) for n, token in enumerate(tokens)
        ]
        outcome = run_jobs(jobs, base_url=base_url, concurrency=args.concurrency, time_limit=args.burst_seconds + 60)

    print(f"\ngunicorn: {args.workers} workers x {args.threads} threads; arrivals evenly over "
          f"{args.burst_seconds:.0f} s, up to {args.concurrency} in flight")  # fmt: skip
    latencies.print_summary()
    count = latencies.count("checkin")
    elapsed = outcome.elapsed - 0.5
    print(f"check-ins ok {outcome.finished}, failed {outcome.failed}; {count} requests in {elapsed:.1f} s = "
          f"{count / elapsed:.0f} requests/s")  # fmt: skip
    if latencies.count("late start"):
        print(f"{latencies.count('late start')} check-ins started late (all client threads busy); p95 lateness "
              f"{latencies.percentile('late start', 95) * 1000:.0f} ms")  # fmt: skip
    if outcome.first_error:
        print(f"first error: {outcome.first_error}")
    problems, (marks, entries, refused) = check_database(url, session_id, args.learners)
    for problem in problems:
        print(f"database: {problem}")

    p95 = latencies.percentile("checkin", 95) * 1000
    ok = [
        verdict("all check-ins answered 200", outcome.failed == 0, f"{outcome.finished}/{args.learners}"),
        verdict(
            "database",
            not problems,
            f"{marks} marks, {entries} code entries, {refused} refused (expected {args.learners}, {args.learners}, 0)",
        ),
        verdict("within the burst", elapsed < args.burst_seconds + 5, f"{elapsed:.1f} s"),
        verdict("p95 check-in", p95 < TARGET_P95_MS, f"{p95:.0f} ms (target < {TARGET_P95_MS} ms)"),
    ]
    print("PASS" if all(ok) else "FAIL")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
