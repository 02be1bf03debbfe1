"""Bulk enrolment speed: an organization admin enrols 1,000 people in one action, on PostgreSQL.

Run: .venv/bin/python benchmarks/cohort_enrolment.py [--people 1000]

One `POST /api/v1/cohorts/{id}/enrolments` with 1,000 e-mails (what the cohort page's "enrol the chosen people" and
an import's "enrol them into a cohort" call), through the Flask test client in this process, timed end to end
(request parsing, look-up, inserts, audit, commit, response). Then the same call again: idempotent, nothing new.
Counts the SQL statements of each call: fixed whatever the number of people (one look-up per 500 e-mails).
Target (issue 14): under 5 s.

Uses its own PostgreSQL database `bench_enrolment` (emptied first; LMS_BENCH_DATABASE_URL overrides), talks only to
127.0.0.1, and stops by itself. Prints PASS/FAIL per target; exit status 0 only when every target passes.
The admins' second step (REQUIRE_2FA_FOR_ADMINS) is off: the admin's API token is used without it.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import app_context, bench_instance, database_url, prepare_database, verdict  # noqa: E402

TARGET_SECONDS = 5.0


def make_people(count: int) -> tuple[int, str]:
    """An organization with an admin (and an API token), a published course, an open cohort, `count` accounts.
    Returns the cohort id and the admin's token."""
    from sqlalchemy import insert

    from lms.accounts.models import Membership, Organization, OrganizationKind, Role, User
    from lms.accounts.services import create_api_token, hash_password
    from lms.courses import services as course_services
    from lms.courses.models import Cohort
    from lms.extensions import db
    from tests.factories import make_course_spec

    organization = Organization(slug="ppni", name="PPNI", kind=OrganizationKind.PROFESSIONAL)
    admin = User(email="admin@bench.test", password_hash=hash_password("x" * 12), full_name="Admin", locale="en")
    db.session.add_all([organization, admin, Membership(user=admin, organization=organization, role=Role.ORG_ADMIN)])
    db.session.commit()
    version = course_services.import_course(make_course_spec("PPI-DASAR", organization="ppni"), publish=True).version
    today = date.today()
    cohort = Cohort(version=version, name="Angkatan 1", mode="daring", starts_on=today + timedelta(days=7),
                    ends_on=today + timedelta(days=10), needs_approval=True)  # fmt: skip
    db.session.add(cohort)
    now = datetime.now(UTC)
    db.session.execute(
        insert(User),
        [
            {
                "email": f"nakes{n}@bench.test",
                "password_hash": "x",
                "created_at": now,
                "full_name": f"Nakes {n}",
                "profession_code": "perawat",
                "timezone": "Asia/Makassar",
                "is_platform_admin": False,
                "is_active_account": True,
            }
            for n in range(count)
        ],  # fmt: skip
    )
    _token, plaintext = create_api_token(admin, "bench")
    db.session.commit()
    return cohort.id, plaintext


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args()

    from sqlalchemy import event, func, select

    url = database_url("bench_enrolment")
    instance = bench_instance("enrolment")
    prepare_database(url, instance)
    with app_context(url, instance, REQUIRE_2FA_FOR_ADMINS=False) as app:
        from lms.courses.models import Enrolment
        from lms.extensions import db

        cohort_id, token = make_people(args.people)
        client = app.test_client()
        body = {"emails": [f"nakes{n}@bench.test" for n in range(args.people)]}
        headers = {"Authorization": f"Bearer {token}"}
        statements = []
        engine = db.engine
        event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
        started = time.perf_counter()
        first = client.post(f"/api/v1/cohorts/{cohort_id}/enrolments", json=body, headers=headers)
        seconds = time.perf_counter() - started
        first_statements = len(statements)
        statements.clear()
        started = time.perf_counter()
        second = client.post(f"/api/v1/cohorts/{cohort_id}/enrolments", json=body, headers=headers)
        again_seconds = time.perf_counter() - started
        second_statements = len(statements)
        rows = db.session.execute(select(func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort_id)).scalar()
    enrolled = len(first.get_json().get("enrolled", []))
    already = len(second.get_json().get("already", []))
    print(f"first call: {enrolled} enrolled in {seconds:.2f} s, {first_statements} SQL statements; "
          f"again: {already} already enrolled, nothing new, in {again_seconds:.2f} s, {second_statements} statements; "
          f"{rows} enrolment rows")  # fmt: skip
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        print(f"machine load (1, 5, 15 min): {' '.join(loadavg.read().split()[:3])}")
    results = [
        verdict(
            f"enrol {args.people} people in one action < {TARGET_SECONDS:.0f} s",
            first.status_code == 200 and enrolled == args.people and seconds < TARGET_SECONDS,
            f"{enrolled} in {seconds:.2f} s",
        ),
        verdict("idempotent", second.status_code == 200 and already == args.people == rows, f"{rows} rows"),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
