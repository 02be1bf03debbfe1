"""Certificate issuance speed on PostgreSQL.

Run: .venv/bin/python benchmarks/certificates.py [--certificates 10000] [--cohorts 10]

Issue 10,000 certificates — eligibility from the requirements, numbers from the locked sequence, snapshot, Ed25519
signature, audit entry and SKP ledger credit each — through the bulk issuance service (`issue_for_cohort`, what the
cohort page's "issue all" and `lms certificates issue --cohort` run), in-process. Target (issue 6): under 20 s.
Then checks the rows: every number distinct, one audit entry and one ledger credit per certificate.
The verify page's throughput is measured by benchmarks/verify_page.py.

Uses its own PostgreSQL database `bench_certs` (emptied first; shared with verify_page.py, so run one at a time;
LMS_BENCH_DATABASE_URL overrides), talks only to 127.0.0.1, and stops by itself. Prints PASS/FAIL per target; exit
status 0 only when every target passes.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import app_context, bench_instance, database_url, prepare_database, verdict  # noqa: E402

TARGET_ISSUE_SECONDS = 20


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


def issue_all(cohort_ids: list[int]) -> tuple[float, int]:
    """Bulk issuance, one cohort after another as an admin would; returns (seconds, issued)."""
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.certificates import services
    from lms.certificates.keys import current_signing_key
    from lms.core.models import utcnow
    from lms.courses.models import Cohort
    from lms.extensions import db

    current_signing_key()  # the first key is made by `lms init`; this only loads it
    issued = 0
    started = time.perf_counter()
    for cohort_id in cohort_ids:
        admin = db.session.execute(select(User).where(User.email == "admin@bench.test")).scalar_one()
        certificates = services.issue_for_cohort(admin, db.session.get(Cohort, cohort_id), utcnow())
        db.session.commit()
        issued += len(certificates)
        db.session.expunge_all()  # what an admin's request would do: a fresh session each time
    return time.perf_counter() - started, issued


def check_rows() -> tuple[int, int, int, int]:
    """(certificates, distinct numbers, their issue audit entries, their ledger credits)."""
    from sqlalchemy import func, select

    from lms.certificates.models import Certificate
    from lms.core.audit import AuditEntry
    from lms.extensions import db
    from lms.records.models import EntrySource, SkpEntry

    total, distinct = db.session.execute(
        select(func.count(Certificate.id), func.count(func.distinct(Certificate.number)))
    ).one()
    audits = db.session.execute(
        select(func.count(func.distinct(AuditEntry.object_id))).where(AuditEntry.action == "certificate.issue")
    ).scalar_one()
    credits = db.session.execute(
        select(func.count(func.distinct(SkpEntry.source_id))).where(SkpEntry.source == EntrySource.CERTIFICATE)
    ).scalar_one()
    return total, distinct, audits, credits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=10_000)
    parser.add_argument("--cohorts", type=int, default=10)
    args = parser.parse_args()

    url = database_url("bench_certs")
    instance = bench_instance("certificates")
    prepare_database(url, instance)
    with app_context(url, instance):
        setup_started = time.perf_counter()
        cohort_ids = make_learners(args.certificates, args.cohorts)
        setup_seconds = time.perf_counter() - setup_started
        print(f"set-up: {args.certificates} learners who finished the course in {setup_seconds:.1f} s")
        cpu_started = time.process_time()
        seconds, issued = issue_all(cohort_ids)
        cpu = time.process_time() - cpu_started
        total, distinct, audits, credits = check_rows()
    rate = issued / seconds if seconds else 0
    print(f"issued {issued} certificates in {seconds:.2f} s ({rate:.0f} per second, {cpu:.2f} s CPU in this process); "
          f"{distinct} distinct numbers, {audits} audit entries, {credits} ledger credits")  # fmt: skip
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        print(f"machine load (1, 5, 15 min): {' '.join(loadavg.read().split()[:3])}")
    results = [
        verdict(
            f"issue {args.certificates} certificates < {TARGET_ISSUE_SECONDS} s",
            issued == args.certificates and seconds < TARGET_ISSUE_SECONDS,
            f"{issued} in {seconds:.2f} s",
        ),
        verdict("every number distinct", total == distinct == issued, f"{distinct} distinct of {total}"),
        verdict(
            "one audit entry and one ledger credit each",
            audits == credits == issued,
            f"{audits} audit entries, {credits} ledger credits for {issued} certificates",
        ),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
