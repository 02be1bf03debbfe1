"""Evaluations under load: 500 learners submit a 20-item facilitator evaluation through the API within one minute
(gunicorn, PostgreSQL), checked in the database (one response and 20 answers each, none lost or doubled); then the
organization's course report over 10,000 responses: its time and its number of queries (which must not grow with
the responses).

Run: .venv/bin/python benchmarks/evaluations.py [--learners 500] [--burst-seconds 60] [--report-responses 10000]
Targets (issue 15): submit p95 < 200 ms; report < 300 ms with a fixed number of queries. Uses its own PostgreSQL
database `bench_evaluations` (emptied first; LMS_BENCH_DATABASE_URL overrides), talks only to 127.0.0.1 and stops by
itself. Exit status 0 only on PASS. The admins' second login step (REQUIRE_2FA_FOR_ADMINS) is off: the
report is read with the password's session alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, insert, text  # noqa: E402

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

TARGET_SUBMIT_P95_MS = 200
TARGET_REPORT_MS = 300
ITEMS = 20
COHORT_SIZE = 500


def instrument_yaml() -> str:
    items = "".join(
        f"  - {{id: b{n:02d}, type: likert, scale: 5, text: Butir penilaian fasilitator nomor {n}}}\n"
        for n in range(1, ITEMS)
    )
    items += "  - {id: saran, type: text, text: Saran, required: false}\n"
    return (
        "key: evaluasi-fasilitator\ntitle: Evaluasi fasilitator (20 butir)\npurpose: facilitator_evaluation\nitems:\n"
        + items
    )


def make_data(url: str, instance: Path, learners: int) -> dict:
    """An organization with its 20-item facilitator evaluation, a course, one cohort whose `learners` attended a
    session that ended an hour ago (each with an API token), an org admin with a token."""
    with app_context(url, instance):
        from lms.accounts.models import Membership, Organization, OrganizationKind, Role, User
        from lms.accounts.services import create_api_token, hash_password
        from lms.attendance import services as attendance
        from lms.attendance.models import AttendanceMark
        from lms.core.models import utcnow
        from lms.courses import services as course_services
        from lms.courses.files import read_course
        from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
        from lms.extensions import db
        from lms.instruments import services
        from lms.instruments.files import parse_instrument

        organization = Organization(slug="ppni", name="PPNI", kind=OrganizationKind.PROFESSIONAL)
        db.session.add(organization)
        db.session.flush()
        version = course_services.import_course(read_course(ROOT / "courses" / "ppi-dasar"), publish=True).version
        password_hash = hash_password("not-used-by-the-benchmark")
        facilitator = User(email="fasilitator@bench.test", password_hash=password_hash, full_name="Fasilitator")
        admin = User(email="admin@bench.test", password_hash=password_hash, full_name="Admin")
        db.session.add_all([Membership(user=facilitator, organization=organization, role=Role.FACILITATOR),
                            Membership(user=admin, organization=organization, role=Role.ORG_ADMIN)])  # fmt: skip
        instrument, _ = services.save_spec(None, organization.id, parse_instrument(instrument_yaml()))
        today = date.today()
        cohort = Cohort(version=version, name="Angkatan beban", mode="luring", starts_on=today - timedelta(days=1),
                        ends_on=today + timedelta(days=30), facilitators=[facilitator])  # fmt: skip
        db.session.add(cohort)
        users = [User(email=f"peserta{i}@bench.test", password_hash=password_hash, full_name=f"Peserta {i}",
                      profession_code="perawat") for i in range(learners)]  # fmt: skip
        db.session.add_all(users)
        db.session.flush()
        enrolments = [Enrolment(cohort=cohort, user=u, status=EnrolmentStatus.ACTIVE) for u in users]
        db.session.add_all(enrolments)
        now = utcnow()
        session = attendance.create_session(
            None, cohort, attendance.SessionFields(title="Sesi 1", starts_at=now - timedelta(hours=3),
                                                   ends_at=now - timedelta(hours=1), jpl=2),
        )  # fmt: skip
        db.session.flush()
        db.session.add_all(
            AttendanceMark(session_id=session.id, user_id=u.id, status="hadir", method="manual", marked_at=now)
            for u in users
        )
        tokens = [create_api_token(user, "benchmark")[1] for user in users]
        admin_token = create_api_token(admin, "benchmark")[1]
        db.session.commit()
        return {
            "organization_id": organization.id,
            "course_id": version.course_id,
            "version_id": version.id,
            "instrument_id": instrument.id,
            "facilitator_id": facilitator.id,
            "session_id": session.id,
            "keys": [f"e{e.id}-s{session.id}-f{facilitator.id}" for e in enrolments],
            "tokens": tokens,
            "admin_token": admin_token,
            "admin_email": admin.email,
        }


def answers(n: int) -> dict:
    values = {f"b{i:02d}": 1 + (n + i) % 5 for i in range(1, ITEMS)}
    if n % 4 == 0:
        values["saran"] = f"Saran peserta {n}: contoh kasus lebih banyak."
    return values


def learner_job(n: int, token: str, key: str, instrument_id: int, start_at: float, latencies: Latencies):
    def job(client: HttpClient) -> None:
        delay = start_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status, body, seconds = client.request(
            "POST",
            f"/api/v1/evaluations/{key}/responses",
            {"instrument_id": instrument_id, "answers": answers(n)},
            token=token,
        )
        latencies.add("submit", seconds, status == 201)
        if status != 201 or not body.get("recorded"):
            raise RuntimeError(f"submit: {status} {body}")

    return job


def add_responses(url: str, data: dict, total: int) -> None:
    """Bring the course to `total` facilitator-evaluation responses: more cohorts of 500 learners who answered,
    written in bulk (the speed of writing them is not what is measured here)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        have = connection.execute(text("SELECT count(*) FROM instrument_responses")).scalar_one()
        user_id = connection.execute(text("SELECT max(id) FROM users")).scalar_one()
        cohort_number = 0
        while have < total:
            cohort_number += 1
            size = min(COHORT_SIZE, total - have)
            start = date.today() - timedelta(days=30 * cohort_number)
            cohort_id = connection.execute(
                text("INSERT INTO cohorts (version_id, name, mode, starts_on, ends_on, needs_approval, created_at) "
                     "VALUES (:v, :n, 'luring', :s, :e, false, now()) RETURNING id"),
                {"v": data["version_id"], "n": f"Angkatan lalu {cohort_number}", "s": start,
                 "e": start + timedelta(days=5)},
            ).scalar_one()  # fmt: skip
            connection.execute(text("INSERT INTO cohort_facilitators VALUES (:c, :f)"),
                               {"c": cohort_id, "f": data["facilitator_id"]})  # fmt: skip
            users = [{"id": user_id + i + 1, "email": f"lalu{cohort_number}-{i}@bench.test", "password_hash": "x",
                      "full_name": f"Alumni {i}", "timezone": "Asia/Jakarta", "is_platform_admin": False,
                      "is_active_account": True} for i in range(size)]  # fmt: skip
            user_id += size
            connection.execute(
                text("INSERT INTO users (id, email, password_hash, full_name, timezone, is_platform_admin, "
                     "is_active_account, created_at) VALUES (:id, :email, :password_hash, :full_name, :timezone, "
                     ":is_platform_admin, :is_active_account, now())"),
                users,
            )  # fmt: skip
            enrolment_ids = connection.execute(
                text("INSERT INTO enrolments (cohort_id, user_id, status, created_at) "
                     "SELECT :c, id, 'active', now() FROM users WHERE email LIKE :p RETURNING id"),
                {"c": cohort_id, "p": f"lalu{cohort_number}-%"},
            ).scalars().all()  # fmt: skip
            response_ids = connection.execute(
                text("INSERT INTO instrument_responses (instrument_id, purpose, enrolment_id, dedupe_key, "
                     "respondent_role, facilitator_id, answered_at, received_at, remarks) "
                     "SELECT :i, 'facilitator_evaluation', id, 's0-f' || :f, 'learner', :f, now(), now(), '' "
                     "FROM enrolments WHERE cohort_id = :c RETURNING id"),
                {"i": data["instrument_id"], "f": data["facilitator_id"], "c": cohort_id},
            ).scalars().all()  # fmt: skip
            rows = []
            for n, response_id in enumerate(response_ids):
                for item_id, value in answers(n + cohort_number).items():
                    rows.append({"response_id": response_id, "item_id": item_id,
                                 "value": value if isinstance(value, int) else None,
                                 "text": value if isinstance(value, str) else None})  # fmt: skip
            from lms.instruments.models import InstrumentAnswer

            connection.execute(insert(InstrumentAnswer.__table__), rows)
            have += len(response_ids)
            assert len(enrolment_ids) == size
        connection.execute(text("ANALYZE"))
    engine.dispose()


def check_database(url: str, learners: int) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        responses, answers_count = connection.execute(
            text("SELECT count(DISTINCT r.id), count(a.id) FROM instrument_responses r "
                 "JOIN instrument_answers a ON a.response_id = r.id")
        ).one()  # fmt: skip
    engine.dispose()
    return responses, answers_count


def report_figures(url: str, instance: Path, data: dict, rounds: int) -> tuple[list[float], list[int]]:
    """Render the HTML course report in-process (`rounds` times) with a query counter on the engine."""
    with app_context(url, instance, WTF_CSRF_ENABLED=False, TESTING=True, REQUIRE_2FA_FOR_ADMINS=False) as app:
        from lms.extensions import db

        client = app.test_client()
        client.post("/login", data={"email": data["admin_email"], "password": "not-used-by-the-benchmark"})
        counts: list[int] = []
        seconds: list[float] = []
        current = [0]

        def count(*args):
            current[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        for _ in range(rounds):
            current[0] = 0
            started = time.perf_counter()
            response = client.get(f"/instruments/courses/{data['course_id']}/report")
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            counts.append(current[0])
        event.remove(db.engine, "before_cursor_execute", count)
        return seconds, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--burst-seconds", type=float, default=60)
    parser.add_argument("--report-responses", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    url = database_url("bench_evaluations")
    instance = bench_instance("evaluations")
    started = time.perf_counter()
    prepare_database(url, instance)
    data = make_data(url, instance, args.learners)
    print(f"data: {args.learners} learners asked to rate one facilitator on {ITEMS} items "
          f"({time.perf_counter() - started:.1f} s)")  # fmt: skip

    latencies = Latencies()
    with gunicorn_server(url, instance, workers=args.workers) as base_url:
        warm = HttpClient(base_url)
        for _ in range(args.workers * 4):
            warm.request("GET", "/api/v1/me/evaluations", token=data["tokens"][-1])
        begin = time.perf_counter() + 0.5
        spacing = args.burst_seconds / args.learners
        jobs = [
            learner_job(n, token, key, data["instrument_id"], begin + n * spacing, latencies)
            for n, (token, key) in enumerate(zip(data["tokens"], data["keys"], strict=True))
        ]
        outcome = run_jobs(jobs, base_url=base_url, concurrency=args.concurrency, time_limit=args.burst_seconds + 60)
        # A second sending of the first 50 (a client retrying): the first answers must stay the only ones.
        for token, key in list(zip(data["tokens"], data["keys"], strict=True))[:50]:
            status, body, _ = warm.request("POST", f"/api/v1/evaluations/{key}/responses",
                                           {"answers": answers(1)}, token=token)  # fmt: skip
            assert status == 201 and body["recorded"] is False, (status, body)
    print(f"\ngunicorn: {args.workers} workers; arrivals evenly over {args.burst_seconds:.0f} s")
    latencies.print_summary()
    responses, answers_count = check_database(url, args.learners)
    expected_answers = sum(len(answers(n)) for n in range(args.learners))

    small_seconds, small_counts = report_figures(url, instance, data, 5)
    add_responses(url, data, args.report_responses)
    big_seconds, big_counts = report_figures(url, instance, data, 10)
    big_responses, _ = check_database(url, args.learners)
    median_ms = statistics.median(big_seconds) * 1000
    worst_ms = max(big_seconds) * 1000
    print(f"report over {responses} responses: median {statistics.median(small_seconds) * 1000:.0f} ms, "
          f"{small_counts[-1]} queries")  # fmt: skip
    print(f"report over {big_responses} responses: median {median_ms:.0f} ms, max {worst_ms:.0f} ms, "
          f"{big_counts[-1]} queries")  # fmt: skip

    p95 = latencies.percentile("submit", 95) * 1000
    ok = [
        verdict("all submissions answered 201", outcome.failed == 0, f"{outcome.finished}/{args.learners}"
                + (f" first error {outcome.first_error}" if outcome.first_error else "")),
        verdict("database", (responses, answers_count) == (args.learners, expected_answers),
                f"{responses} responses, {answers_count} answers (expected {args.learners}, {expected_answers})"),
        verdict("p95 submit", p95 < TARGET_SUBMIT_P95_MS, f"{p95:.0f} ms (target < {TARGET_SUBMIT_P95_MS} ms)"),
        verdict("report time", median_ms < TARGET_REPORT_MS,
                f"median {median_ms:.0f} ms over {big_responses} responses (target < {TARGET_REPORT_MS} ms)"),
        verdict("report queries fixed", big_counts[-1] == small_counts[-1],
                f"{small_counts[-1]} queries at {responses} responses, {big_counts[-1]} at {big_responses}"),
    ]  # fmt: skip
    print("PASS" if all(ok) else "FAIL")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
