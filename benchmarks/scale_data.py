"""A national-scale database for the speed benchmarks: organizations of very different sizes, real signed certificates.

Run: .venv/bin/python benchmarks/scale_data.py --certificates 1000000 --learners 200000 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale [--tokens-file /tmp/tokens.txt]

The database is emptied and initialised (`lms init`), then filled in batches: six organizations (28%, 30%, 25%,
12.5%, 4.4% and 0.1% of the learners: at 200,000 learners the first has 56,000 members), ten published courses each
(60 in the catalog) with a cohort each, the learners and their memberships, one enrolment per certificate, and the
certificates themselves. Every certificate is made by the project's own functions: its number from the locked
sequence (`reserve_numbers`), its snapshot (`build_snapshot`), its Ed25519-signed COSE token (`encode_token`) with
the instance's signing key, an audit entry like bulk issuance writes, its SKP ledger credit
(`post_certificate_credits`) and the holders' cycle totals (`refresh_standings`). Rows are inserted with multi-row
inserts, not one ORM object at a time: making the data is not what the benchmarks measure.

The instance folder (signing key) is printed at the end: serve the database with that folder
(`LMS_INSTANCE_PATH`) so the tokens verify. Every certificate's token is written to --tokens-file, one a line, for
benchmarks/wrk_bench.py's random scans.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from benchmarks.harness import app_context, bench_instance, prepare_database  # noqa: E402

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


def make_learners(learners: int, rng: random.Random) -> list[tuple[int, str, str]]:
    """The learners and their (one) membership, confirmed; returns (user id, organization slug, full name) in order."""
    from sqlalchemy import insert, select

    from lms.accounts.models import Membership, MembershipStatus, Organization, Role, User, WorkerMembership
    from lms.accounts.services import hash_password
    from lms.extensions import db

    password_hash = hash_password("bench-password")
    organization_ids = dict(db.session.execute(select(Organization.slug, Organization.id)).all())
    slugs = [slug for (slug, _), size in zip(ORGANIZATION_SHARES, organization_sizes(learners), strict=True)
             for _ in range(size)]  # fmt: skip
    now = datetime.now(UTC)
    result = []
    for start in range(0, learners, BATCH):
        rows = [
            {
                "email": f"nakes{n}@bench.test",
                "password_hash": password_hash,
                "created_at": now,
                "full_name": f"{rng.choice(NAMES)} {n}, S.Kep., Ns.",
                "profession_code": "perawat",
                "timezone": "Asia/Makassar",
                "is_platform_admin": False,
                "is_active_account": True,
            }
            for n in range(start, min(learners, start + BATCH))
        ]
        ids = db.session.execute(insert(User).returning(User.id, sort_by_parameter_order=True), rows).scalars().all()
        db.session.execute(
            insert(Membership),
            [
                {
                    "user_id": user_id,
                    "organization_id": organization_ids[slugs[start + i]],
                    "role": Role.MEMBER.value,
                    "created_at": now,
                }  # fmt: skip
                for i, user_id in enumerate(ids)
            ],
        )
        # The confirmed membership is what the organization's dashboard lists and counts (counted at the end, with
        # the cycle totals: refresh_standings).
        db.session.execute(
            insert(WorkerMembership),
            [
                {
                    "user_id": user_id,
                    "organization_id": organization_ids[slugs[start + i]],
                    "status": MembershipStatus.CONFIRMED.value,
                    "requested_at": now,
                    "decided_at": now,
                    "created_at": now,
                }  # fmt: skip
                for i, user_id in enumerate(ids)
            ],
        )
        pairs = enumerate(zip(ids, rows, strict=True))
        result.extend((user_id, slugs[start + i], row["full_name"]) for i, (user_id, row) in pairs)
        db.session.commit()
    return result


def certificate_rows(batch, courses, key, now, numbers_by_course):
    """(certificate row, claims-derived snapshot) for each (user id, slug, name, course index, enrolment id, issued)."""
    from lms.accounts.identity import professions
    from lms.certificates import numbering
    from lms.certificates.models import CertificateStatus
    from lms.certificates.services.number_sequence import _local_now
    from lms.certificates.snapshot import build_snapshot
    from lms.certificates.token import RANAH_CODES, CertificateClaims, encode_token
    from lms.courses.curriculum import Ranah
    from lms.courses.services import skp_of

    profession = professions().get("perawat")
    rows = []
    for user_id, slug, full_name, course_index, enrolment_id, issued_at in batch:
        info = courses[slug][course_index]
        version, organization, settings = info.version, info.organization, info.settings
        number = numbers_by_course[(slug, course_index)].pop()
        ranah = Ranah(version.skp_ranah)
        jpl, skp = Decimal(version.total_jpl), skp_of(version)
        certificate_id = secrets.token_bytes(12)
        verification_code = numbering.new_verification_code()
        expires_at = numbering.expiry(issued_at, version.validity_months)
        completed_on = _local_now(issued_at).date()
        snapshot = build_snapshot(
            number=number, verification_code=verification_code, holder_name=full_name, profession_code="perawat",
            profession_name=profession.name if profession else "",
            profession_number=profession.number if profession else 0,
            course_title=version.title, course_code=version.course.code, course_version=version.number,
            course_kind=version.kind, accreditation_number=version.accreditation_number, completed_on=completed_on,
            issued_on=completed_on, expires_on=_local_now(expires_at).date() if expires_at else None, jpl=jpl, skp=skp,
            ranah=ranah.value, ranah_code=RANAH_CODES[ranah], competencies=list(version.competencies),
            organization_name=organization.name, organization_logo_key=settings.logo_key,
            signatories=list(settings.signatories), place=settings.place or "Jakarta", layout=settings.layout,
            primary_colour=settings.primary_colour, accent_colour=settings.accent_colour,
        )  # fmt: skip
        claims = CertificateClaims(
            certificate_id=certificate_id, number=number, holder_name=full_name,
            profession_code=profession.number if profession else 0, course_code=version.course.code,
            course_version=version.number, completed_on=completed_on, jpl=jpl, skp=skp, ranah_code=RANAH_CODES[ranah],
            issued_at=issued_at, expires_at=expires_at,
        )  # fmt: skip
        rows.append(
            {
                "public_id": certificate_id.hex(),
                "number": number,
                "verification_code": verification_code,
                "enrolment_id": enrolment_id,
                "user_id": user_id,
                "organization_id": organization.id,
                "version_id": version.id,
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
    return rows


def make_certificates(certificates: int, learners: list, courses, rng: random.Random, tokens_out) -> None:
    """Certificate i goes to learner i mod M, in their organization's course (i div M): no enrolment twice."""
    from sqlalchemy import insert

    from lms.certificates.keys import current_signing_key, key_store
    from lms.certificates.models import Certificate
    from lms.certificates.services.number_sequence import reserve_numbers
    from lms.core.audit import AuditEntry
    from lms.courses.models import Enrolment, EnrolmentStatus
    from lms.extensions import db
    from lms.records.services import post_certificate_credits
    from lms.records.standings import PENDING_KEY, refresh_standings

    if certificates > len(learners) * COURSES_PER_ORGANIZATION:
        raise SystemExit(f"at most {COURSES_PER_ORGANIZATION} certificates per learner")
    now = datetime.now(UTC)
    # Certificates issued over the last three years need a key valid since then (a verifier refuses a token signed
    # before its key's valid_from): a rotation dated four years back, as the key store itself records one.
    key_store().rotate(now=now - timedelta(days=4 * 365))
    key = current_signing_key()
    for start in range(0, certificates, BATCH):
        plan = []
        for i in range(start, min(certificates, start + BATCH)):
            user_id, slug, full_name = learners[i % len(learners)]
            course_index = i // len(learners)
            issued_at = (now - timedelta(seconds=rng.randrange(3 * 365 * 86400))).replace(microsecond=0)
            plan.append((user_id, slug, full_name, course_index, issued_at))
        enrolment_ids = (
            db.session.execute(
                insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True),
                [
                    {
                        "cohort_id": courses[slug][c].cohort_id,
                        "user_id": u,
                        "status": EnrolmentStatus.ACTIVE.value,
                        "created_at": now,
                    }  # fmt: skip
                    for u, slug, _n, c, _at in plan
                ],
            )
            .scalars()
            .all()
        )
        wanted: dict[tuple[str, int], int] = {}
        for _u, slug, _n, c, _at in plan:
            wanted[(slug, c)] = wanted.get((slug, c), 0) + 1
        numbers_by_course = {}
        for (slug, c), count in wanted.items():
            info = courses[slug][c]
            numbers = reserve_numbers(info.organization, info.version.course.code, info.settings.number_pattern, now,
                                      count)  # fmt: skip
            numbers_by_course[(slug, c)] = list(reversed(numbers))
        batch = [(u, slug, n, c, e, at) for (u, slug, n, c, at), e in zip(plan, enrolment_ids, strict=True)]
        rows = certificate_rows(batch, courses, key, now, numbers_by_course)
        ids = (
            db.session.execute(insert(Certificate).returning(Certificate.id, sort_by_parameter_order=True), rows)
            .scalars()
            .all()
        )
        db.session.execute(
            AuditEntry.__table__.insert(),
            [
                {
                    "at": now,
                    "actor_id": None,
                    "action": "certificate.issue",
                    "object_type": "Certificate",
                    "object_id": str(certificate_id),
                    "organization_id": row["organization_id"],
                    "details": {
                        "number": row["number"],
                        "enrolment_id": row["enrolment_id"],
                        "user_id": row["user_id"],
                        "bulk": True,
                    },
                }  # fmt: skip
                for certificate_id, row in zip(ids, rows, strict=True)
            ],
        )
        post_certificate_credits([SimpleNamespace(**row) for row in rows])
        db.session.info.pop(PENDING_KEY, None)  # the cycle totals are recomputed once at the end, below
        tokens_out.writelines(row["token"] + "\n" for row in rows)
        db.session.commit()
        if (start // BATCH) % 20 == 0:
            print(f"  {start + len(rows):,} certificates", flush=True)
    user_ids = [user_id for user_id, _slug, _name in learners]
    for start in range(0, len(user_ids), 20_000):
        refresh_standings(user_ids[start : start + 20_000], now.date())
        db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--database", required=True, help="a PostgreSQL URL; the database is emptied first")
    parser.add_argument("--tokens-file", default="/tmp/lentera-bench-tokens.txt")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    instance = bench_instance("scale")
    started = time.perf_counter()
    cpu_started = time.process_time()
    prepare_database(args.database, instance)
    with app_context(args.database, instance), open(args.tokens_file, "w", encoding="ascii") as tokens_out:
        courses = make_organizations_and_courses()
        learners = make_learners(args.learners, rng)
        print(f"{len(learners):,} learners in {time.perf_counter() - started:.1f} s; sizes "
              f"{organization_sizes(args.learners)}", flush=True)  # fmt: skip
        make_certificates(args.certificates, learners, courses, rng, tokens_out)
    # Statistics as autovacuum would have gathered them on a live database (without, the planner guesses that an
    # organization has a few hundred members and picks nested loops over 56,000).
    engine = create_engine(args.database, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    seconds = time.perf_counter() - started
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    print(f"{args.certificates:,} certificates, {args.learners:,} learners in {seconds:.1f} s "
          f"({time.process_time() - cpu_started:.1f} s CPU in this process; load {load})")  # fmt: skip
    print(f"tokens: {args.tokens_file}")
    print(f"instance: {instance}  (serve with LMS_INSTANCE_PATH={instance})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
