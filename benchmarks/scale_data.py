"""A national-scale database for the speed benchmarks: organizations of very different sizes, real signed certificates.

Run: .venv/bin/python benchmarks/scale_data.py --certificates 1000000 --learners 200000 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale [--tokens-file /tmp/tokens.txt]

The database is emptied and initialised (`lms init`), then filled in batches: six organizations (28%, 30%, 25%,
12.5%, 4.4% and 0.1% of the learners: at 200,000 learners the first has 56,000 members), ten published courses each
(60 in the catalog) with a cohort each, the learners and their memberships, one enrolment per certificate, and the
certificates themselves. Every certificate is made by the project's own functions: its number from the locked
sequence (`reserve_numbers`), its snapshot (`build_snapshot`), its Ed25519-signed COSE token (`encode_token`) with
the instance's signing key, an audit entry like bulk issuance writes, its SKP ledger credit
(`post_certificate_credits`) and the holders' cycle totals (`refresh_standings`). Making the data is not what the
benchmarks measure, so it is made the way a bulk load is: the main process plans (numbers, row ids) and a pool of
--processes (default: every core) signs and writes batches of 5,000 certificates, each with its enrolments, audit
entries and ledger credits in one transaction, by COPY; the tables' secondary indexes are built once after the load
(the unique and foreign-key constraints are checked row by row throughout); the cycle totals are recomputed by the
pool in chunks of 500 learners.

The instance folder (signing key) is printed at the end: serve the database with that folder
(`LMS_INSTANCE_PATH`) so the tokens verify. Every certificate's token is written to --tokens-file, one a line, for
benchmarks/wrk_bench.py's random scans.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import secrets
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import partial
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from benchmarks.harness import app_context, bench_instance, load_average, prepare_database  # noqa: E402

ORGANIZATION_SHARES = [
    ("ppni-pusat", 0.28),
    ("ibi-jatim", 0.30),
    ("dinkes-jabar", 0.25),
    ("rsup-sanglah", 0.125),
    ("puskesmas-kuta", 0.044),
    ("lpk-mandiri", 0.001),
]
COURSES_PER_ORGANIZATION = 10
BATCH = 5_000
TOTALS_CHUNK = 500
"""Learners per recomputation of cycle totals: at most standings.MAX_ROW_LOCKS, so that two processes lock rows,
not the whole table, and run side by side."""
NAMES = ["Rina Marlina", "Siti Aminah", "Ni Luh Putu Ayu", "Muhammad Rizky", "Dewi Lestari", "Yohanes Tanu",
         "Made Wirawan", "Agustina Simanjuntak", "Fransiska Bria", "Ahmad Fauzi"]  # fmt: skip


@dataclass
class CourseInfo:
    organization: object
    version: object
    cohort_id: int
    settings: object


def make_organizations_and_courses() -> dict[str, list[CourseInfo]]:
    from lms.accounts.models import Membership, Organization, OrganizationKind, Role, User
    from lms.accounts.services import hash_password
    from lms.certificates.services.settings import settings_for
    from lms.courses import services as course_services
    from lms.courses.models import Cohort
    from lms.extensions import db
    from tests.factories import make_course_spec

    today = datetime.now(UTC).date()
    password_hash = hash_password("bench-password")
    courses: dict[str, list[CourseInfo]] = {}
    for slug, _share in ORGANIZATION_SHARES:
        organization = Organization(slug=slug, name=slug.replace("-", " ").upper(), kind=OrganizationKind.PROFESSIONAL)
        admin = User(email=f"admin@{slug}.test", password_hash=password_hash, full_name=f"Admin {slug}", locale="en")
        admin_membership = Membership(user=admin, organization=organization, role=Role.ORG_ADMIN)
        db.session.add_all([organization, admin, admin_membership])
        db.session.flush()
        infos = []
        for n in range(COURSES_PER_ORGANIZATION):
            code = f"{slug[:6].upper()}-{n + 1:02d}"
            spec = make_course_spec(code, organization=slug, require_post_test=False, require_attendance=False)
            version = course_services.import_course(spec, publish=True).version
            cohort = Cohort(version=version, name="Angkatan 1", mode="daring", starts_on=today - timedelta(days=400),
                            ends_on=today - timedelta(days=300))  # fmt: skip
            db.session.add(cohort)
            db.session.flush()
            infos.append(CourseInfo(organization, version, cohort.id, settings_for(organization.id)))
        courses[slug] = infos
    db.session.commit()
    return courses


def organization_sizes(learners: int) -> list[int]:
    sizes = [int(learners * share) for _slug, share in ORGANIZATION_SHARES]
    sizes[0] += learners - sum(sizes)
    return sizes


def copy_rows(table, rows: list[dict]) -> None:
    """COPY `rows` into `table` on the session's connection: the column defaults and bind processing (JSON, UTC
    datetimes) an ORM insert would apply, without building one huge INSERT (its parameters cost more to render than
    the rows do to store)."""
    from lms.extensions import db

    if not rows:
        return
    dialect = db.session.get_bind().dialect
    columns = [c for c in table.columns if c.key in rows[0] or (c.default is not None and not c.primary_key)]
    defaults = {c.key: c.default for c in columns if c.key not in rows[0]}
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    names = ", ".join(f'"{c.name}"' for c in columns)
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = []
            for column, process in zip(columns, processors, strict=True):
                default = defaults.get(column.key)
                if default is None:
                    value = row[column.key]
                else:
                    value = default.arg(None) if default.is_callable else default.arg
                if isinstance(value, Enum):
                    value = value.value
                values.append(process(value) if process is not None and value is not None else value)
            copy.write_row(values)


def next_ids(table, count: int) -> range:
    """`count` ids for rows COPY writes with their ids given (their certificate, enrolment or user rows refer to
    them); the table's sequence is moved past them."""
    from lms.extensions import db

    first = db.session.execute(text(f'SELECT coalesce(max(id), 0) + 1 FROM "{table.name}"')).scalar_one()
    db.session.execute(
        text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"), {"table": table.name, "last": first + count}
    )
    return range(first, first + count)


def make_learners(learners: int, rng: random.Random) -> list[tuple[int, str, str]]:
    """The learners and their (one) membership, confirmed, with the dashboard's name rows (member_names); returns
    (user id, organization slug, full name) in order."""
    from sqlalchemy import select

    from lms.accounts.models import Membership, MembershipStatus, Organization, Role, User, WorkerMembership
    from lms.accounts.services import hash_password
    from lms.extensions import db

    password_hash = hash_password("bench-password")
    organization_ids = dict(db.session.execute(select(Organization.slug, Organization.id)).all())
    slugs = [slug for (slug, _), size in zip(ORGANIZATION_SHARES, organization_sizes(learners), strict=True)
             for _ in range(size)]  # fmt: skip
    now = datetime.now(UTC)
    ids = next_ids(User.__table__, learners)
    rows = [
        {
            "id": ids[n],
            "email": f"nakes{n}@bench.test",
            "password_hash": password_hash,
            "created_at": now,
            "full_name": f"{rng.choice(NAMES)} {n}, S.Kep., Ns.",
            "profession_code": "perawat",
            "timezone": "Asia/Makassar",
            "is_platform_admin": False,
            "is_active_account": True,
        }
        for n in range(learners)
    ]
    copy_rows(User.__table__, rows)
    memberships = [
        {"user_id": ids[n], "organization_id": organization_ids[slugs[n]], "role": Role.MEMBER.value, "created_at": now}
        for n in range(learners)
    ]  # fmt: skip
    copy_rows(Membership.__table__, memberships)
    # The confirmed membership is what the organization's dashboard lists and counts (counted at the end, with the
    # cycle totals: refresh_standings).
    confirmed = [
        {"user_id": ids[n], "organization_id": organization_ids[slugs[n]], "status": MembershipStatus.CONFIRMED.value,
         "requested_at": now, "decided_at": now, "created_at": now}
        for n in range(learners)
    ]  # fmt: skip
    # The trigger of member_names (migration 0027) would write the dashboard's name row for each membership copied,
    # one at a time: off for the COPY, then every row written by one statement (its indexes are built afterwards).
    trigger = "TRIGGER member_names_membership_written"
    db.session.execute(text(f"ALTER TABLE worker_memberships DISABLE {trigger}"))
    copy_rows(WorkerMembership.__table__, confirmed)
    db.session.execute(text(f"ALTER TABLE worker_memberships ENABLE {trigger}"))
    db.session.execute(
        text(
            "INSERT INTO member_names (user_id, organization_id, full_name, name_key, email_key)"
            " SELECT users.id, worker_memberships.organization_id, full_name, lower(full_name), lower(email)"
            " FROM worker_memberships JOIN users ON users.id = worker_memberships.user_id"
            " WHERE worker_memberships.status = 'confirmed' AND users.id BETWEEN :first AND :last"
        ),
        {"first": ids[0], "last": ids[-1]},
    )
    db.session.commit()
    return [(ids[n], slugs[n], row["full_name"]) for n, row in enumerate(rows)]


@dataclass(frozen=True)
class CourseFacts:
    """What a certificate of one course prints and records, read once in the main process for the workers."""

    organization_id: int
    organization_name: str
    cohort_id: int
    version_id: int
    code: str
    version_number: int
    title: str
    kind: str
    accreditation_number: str | None
    validity_months: int | None
    jpl: Decimal
    skp: Decimal
    ranah: str
    competencies: list
    logo_key: str | None
    signatories: list
    place: str
    layout: str
    primary_colour: str
    accent_colour: str


def course_facts(info: CourseInfo) -> CourseFacts:
    from lms.courses.services import skp_of

    version, organization, settings = info.version, info.organization, info.settings
    return CourseFacts(
        organization_id=organization.id, organization_name=organization.name, cohort_id=info.cohort_id,
        version_id=version.id, code=version.course.code, version_number=version.number, title=version.title,
        kind=version.kind, accreditation_number=version.accreditation_number, validity_months=version.validity_months,
        jpl=Decimal(version.total_jpl), skp=skp_of(version), ranah=version.skp_ranah,
        competencies=list(version.competencies), logo_key=settings.logo_key, signatories=list(settings.signatories),
        place=settings.place or "Jakarta", layout=settings.layout, primary_colour=settings.primary_colour,
        accent_colour=settings.accent_colour,
    )  # fmt: skip


_worker: dict = {}
"""The worker process's app (pushed) and the courses' facts, set by _start_worker."""


def _start_worker(url: str, instance: str, facts: dict[tuple[str, int], CourseFacts]) -> None:
    """A pool process: its own app and database connection (the signing key is read from the instance folder)."""
    import os

    os.environ["LMS_INSTANCE_PATH"] = instance
    from lms import create_app

    app = create_app({"DATABASE_URL": url})
    context = app.app_context()
    context.push()
    _worker.update(app=app, context=context, facts=facts)


def certificate_rows(batch, facts, key, now):
    """(certificate row, enrolment row) for each planned certificate
    (user id, slug, name, course index, issued at, enrolment id, certificate row id, number)."""
    from lms.accounts.identity import professions
    from lms.certificates import numbering
    from lms.certificates.models import CertificateStatus
    from lms.certificates.services.number_sequence import _local_now
    from lms.certificates.snapshot import build_snapshot
    from lms.certificates.token import RANAH_CODES, CertificateClaims, encode_token
    from lms.courses.curriculum import Ranah
    from lms.courses.models import EnrolmentStatus

    profession = professions().get("perawat")
    certificates, enrolments = [], []
    for user_id, slug, full_name, course_index, issued_at, enrolment_id, row_id, number in batch:
        course = facts[(slug, course_index)]
        ranah = Ranah(course.ranah)
        certificate_id = secrets.token_bytes(12)
        verification_code = numbering.new_verification_code()
        expires_at = numbering.expiry(issued_at, course.validity_months)
        completed_on = _local_now(issued_at).date()
        snapshot = build_snapshot(
            number=number, verification_code=verification_code, holder_name=full_name, profession_code="perawat",
            profession_name=profession.name if profession else "",
            profession_number=profession.number if profession else 0,
            course_title=course.title, course_code=course.code, course_version=course.version_number,
            course_kind=course.kind, accreditation_number=course.accreditation_number, completed_on=completed_on,
            issued_on=completed_on, expires_on=_local_now(expires_at).date() if expires_at else None, jpl=course.jpl,
            skp=course.skp, ranah=ranah.value, ranah_code=RANAH_CODES[ranah], competencies=course.competencies,
            organization_name=course.organization_name, organization_logo_key=course.logo_key,
            signatories=course.signatories, place=course.place, layout=course.layout,
            primary_colour=course.primary_colour, accent_colour=course.accent_colour,
        )  # fmt: skip
        claims = CertificateClaims(
            certificate_id=certificate_id, number=number, holder_name=full_name,
            profession_code=profession.number if profession else 0, course_code=course.code,
            course_version=course.version_number, completed_on=completed_on, jpl=course.jpl, skp=course.skp,
            ranah_code=RANAH_CODES[ranah], issued_at=issued_at, expires_at=expires_at,
        )  # fmt: skip
        enrolments.append(
            {"id": enrolment_id, "cohort_id": course.cohort_id, "user_id": user_id,
             "status": EnrolmentStatus.ACTIVE.value, "created_at": now}
        )  # fmt: skip
        certificates.append(
            {
                "id": row_id,
                "public_id": certificate_id.hex(),
                "number": number,
                "verification_code": verification_code,
                "enrolment_id": enrolment_id,
                "user_id": user_id,
                "organization_id": course.organization_id,
                "version_id": course.version_id,
                "issued_at": issued_at,
                "completed_on": completed_on,
                "expires_at": expires_at,
                "status": CertificateStatus.VALID.value,
                "signing_key_id": key.kid.hex(),
                "token": encode_token(claims, key),
                "snapshot": snapshot,
                "created_at": now,
            }  # fmt: skip
        )
    return certificates, enrolments


def write_certificates(batch: list[tuple], now: datetime) -> list[str]:
    """In a pool process: one batch's enrolments, signed certificates, audit entries (as bulk issuance writes them)
    and ledger credits, in one transaction. Returns the tokens in the batch's order."""
    from lms.certificates.keys import current_signing_key
    from lms.certificates.models import Certificate
    from lms.core.audit import AuditEntry
    from lms.courses.models import Enrolment
    from lms.extensions import db
    from lms.records.services import post_certificate_credits
    from lms.records.standings import PENDING_KEY

    certificates, enrolments = certificate_rows(batch, _worker["facts"], current_signing_key(), now)
    copy_rows(Enrolment.__table__, enrolments)
    copy_rows(Certificate.__table__, certificates)
    audit = [
        {
            "at": now,
            "actor_id": None,
            "action": "certificate.issue",
            "object_type": "Certificate",
            "object_id": str(row["id"]),
            "organization_id": row["organization_id"],
            "details": {
                "number": row["number"],
                "enrolment_id": row["enrolment_id"],
                "user_id": row["user_id"],
                "bulk": True,
            },
        }  # fmt: skip
        for row in certificates
    ]
    copy_rows(AuditEntry.__table__, audit)
    post_certificate_credits([SimpleNamespace(**row) for row in certificates])
    db.session.info.pop(PENDING_KEY, None)  # the cycle totals are recomputed once at the end, by refresh_totals
    db.session.commit()
    return [row["token"] for row in certificates]


def refresh_totals(user_ids: list[int], today) -> int:
    """In a pool process: the cycle totals of these learners, by the project's own recomputation (the
    organizations' member counts are made once afterwards: two processes moving the same few count rows in
    parallel chunks would wait on each other, or deadlock)."""
    from lms.extensions import db
    from lms.records.standings import recompute_rows

    recompute_rows(db.session, user_ids, today)
    db.session.commit()
    return len(user_ids)


def make_cycle_totals(learners: list, pool) -> None:
    """Every learner's cycle totals, recomputed from the ledger by the pool in chunks; then the organizations'
    member counts from them, in this process (`reconcile_counts`, what the nightly job runs)."""
    from lms.extensions import db
    from lms.records.member_counts import reconcile_counts

    today = datetime.now(UTC).date()
    user_ids = sorted(user_id for user_id, _slug, _name in learners)
    chunks = [user_ids[start : start + TOTALS_CHUNK] for start in range(0, len(user_ids), TOTALS_CHUNK)]
    sum(pool.imap_unordered(partial(refresh_totals, today=today), chunks))
    reconcile_counts(db.session, today)
    db.session.commit()


LOADED_TABLES = (
    "users",
    "memberships",
    "member_names",
    "enrolments",
    "certificates",
    "audit_entries",
    "skp_entries",
)


@contextmanager
def indexes_built_afterwards(url: str, tables: tuple[str, ...]):
    """The tables' secondary indexes (those not behind a constraint) are dropped for the load and built again
    after it, as pg_restore does: one sort per index instead of an index insert per row. The unique and foreign-key
    constraints stay and are checked row by row; a partial unique index rebuilt afterwards checks its rows then."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        indexes = connection.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(:tables)"
                " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            ),
            {"tables": list(tables)},
        ).all()
        for name, _definition in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
    try:
        yield
    finally:
        with engine.connect() as connection:
            for _name, definition in indexes:
                connection.execute(text(definition))
        engine.dispose()


def make_certificates(certificates: int, learners: list, courses, rng: random.Random, tokens_out, pool) -> None:
    """Certificate i goes to learner i mod M, in their organization's course (i div M): no enrolment twice. The
    main process plans (numbers from the locked sequence, row ids); the pool signs and writes, batch by batch."""
    from lms.certificates.keys import key_store
    from lms.certificates.models import Certificate
    from lms.certificates.services.number_sequence import reserve_numbers
    from lms.courses.models import Enrolment
    from lms.extensions import db

    if certificates > len(learners) * COURSES_PER_ORGANIZATION:
        raise SystemExit(f"at most {COURSES_PER_ORGANIZATION} certificates per learner")
    now = datetime.now(UTC)
    # Certificates issued over the last three years need a key valid since then (a verifier refuses a token signed
    # before its key's valid_from): a rotation dated four years back, as the key store itself records one.
    key_store().rotate(now=now - timedelta(days=4 * 365))
    plan = []
    for i in range(certificates):
        user_id, slug, full_name = learners[i % len(learners)]
        issued_at = (now - timedelta(seconds=rng.randrange(3 * 365 * 86400))).replace(microsecond=0)
        plan.append((user_id, slug, full_name, i // len(learners), issued_at))
    wanted: dict[tuple[str, int], int] = {}
    for _u, slug, _n, c, _at in plan:
        wanted[(slug, c)] = wanted.get((slug, c), 0) + 1
    numbers_by_course = {}
    for (slug, c), count in wanted.items():
        info = courses[slug][c]
        numbers = reserve_numbers(info.organization, info.version.course.code, info.settings.number_pattern, now,
                                  count)  # fmt: skip
        numbers_by_course[(slug, c)] = iter(numbers)
    enrolment_ids = next_ids(Enrolment.__table__, certificates)
    certificate_ids = next_ids(Certificate.__table__, certificates)
    db.session.commit()
    batches = [
        [
            (*plan[i], enrolment_ids[i], certificate_ids[i], next(numbers_by_course[(plan[i][1], plan[i][3])]))
            for i in range(start, min(certificates, start + BATCH))
        ]
        for start in range(0, certificates, BATCH)
    ]
    del plan
    done = 0
    for tokens in pool.imap(partial(write_certificates, now=now), batches):
        tokens_out.writelines(token + "\n" for token in tokens)
        done += len(tokens)
        if (done // BATCH) % 20 == 1:
            print(f"  {done:,} certificates at {time.strftime('%H:%M:%S')} (load {load_average()})", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--database", required=True, help="a PostgreSQL URL; the database is emptied first")
    parser.add_argument("--tokens-file", default="/tmp/lentera-bench-tokens.txt")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--processes", type=int, default=os.cpu_count(), help="signing and writing processes")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    instance = bench_instance("scale")
    started = time.perf_counter()
    cpu_started = time.process_time()
    prepare_database(args.database, instance)
    with app_context(args.database, instance), open(args.tokens_file, "w", encoding="ascii") as tokens_out:
        courses = make_organizations_and_courses()
        facts = {(slug, n): course_facts(info) for slug, infos in courses.items() for n, info in enumerate(infos)}
        # Spawned, not forked: each process opens its own connections (the workers start while the learners load).
        context = multiprocessing.get_context("spawn")
        with context.Pool(args.processes, _start_worker, (args.database, str(instance), facts)) as pool:
            with indexes_built_afterwards(args.database, LOADED_TABLES):
                learners = make_learners(args.learners, rng)
                print(f"{len(learners):,} learners in {time.perf_counter() - started:.1f} s (load {load_average()});"
                      f" sizes {organization_sizes(args.learners)}", flush=True)  # fmt: skip
                make_certificates(args.certificates, learners, courses, rng, tokens_out, pool)
                print(f"certificates at {time.perf_counter() - started:.1f} s", flush=True)
            print(f"indexes built at {time.perf_counter() - started:.1f} s", flush=True)
            make_cycle_totals(learners, pool)
            print(f"cycle totals at {time.perf_counter() - started:.1f} s", flush=True)
            pool.close()
            pool.join()
    # Statistics as autovacuum would have gathered them on a live database (without, the planner guesses that an
    # organization has a few hundred members and picks nested loops over 56,000).
    engine = create_engine(args.database, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    seconds = time.perf_counter() - started
    load = load_average()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{args.certificates:,} certificates, {args.learners:,} learners in {seconds:.1f} s "
          f"({time.process_time() - cpu_started:.1f} s CPU in this process, "
          f"{children.ru_utime + children.ru_stime:.1f} s in its {args.processes} workers; load {load})")  # fmt: skip
    print(f"tokens: {args.tokens_file}")
    print(f"instance: {instance}  (serve with LMS_INSTANCE_PATH={instance})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
