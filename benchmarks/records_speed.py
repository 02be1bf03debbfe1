"""Competency-record speed: (a) the record page of a worker with 500 certificates and activities, (b) the
organization dashboard over 50,000 members, on PostgreSQL.

Run: .venv/bin/python benchmarks/records_speed.py [--members 50000] [--repeat 30]
Targets (issue 7): (a) a fixed number of SQL queries (the same with 5 and with 500 items) and a median under 100 ms;
(b) every dashboard page (first, deep — after the cursor at member 25,000 by name —, filtered by state, "renewal
due", name search, profession) a median under 300 ms with the same number of queries. Server time is measured
in-process through Flask's test client (request in, response out, no network), with SQL statements counted by an
engine listener. Data is made by `generate_*` below with bulk inserts (executemany batches), not ORM objects one by
one; the cycle totals the dashboard reads are computed by the application's own code (`standings.recompute_rows`).
Uses its own database `bench_records` (emptied first; LMS_BENCH_DATABASE_URL overrides), talks only to 127.0.0.1
and stops by itself. Exit status 0 only on PASS. The admins' second login step (REQUIRE_2FA_FOR_ADMINS) is off: the
benchmark logs in with the password alone.
"""

from __future__ import annotations

import argparse
import contextvars
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import app_context, bench_instance, database_url, prepare_database, verdict  # noqa: E402

RECORD_TARGET_MS = 100
DASHBOARD_TARGET_MS = 300
PASSWORD = "bench-password-123"
BATCH = 5000
RANAH = ("pembelajaran", "pelayanan", "pengabdian")
PROFESSIONS = ("perawat", "bidan", "dokter", "apoteker", "perawat", "bidan")
FIRST = ("Ayu", "Budi", "Citra", "Dewi", "Eko", "Fajar", "Gita", "Hadi", "Intan", "Joko", "Kadek", "Lina", "Made")
LAST = ("Lestari", "Santoso", "Wulandari", "Pratama", "Siregar", "Manurung", "Tanjung", "Saputra", "Rahayu")


def now() -> datetime:
    return datetime.now(UTC)


def insert_batches(table, rows: list[dict]) -> list:
    """executemany in batches; returns the primary keys when the table has an integer `id`."""
    from sqlalchemy import insert

    from lms.extensions import db

    ids = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        if "id" in table.c and "id" not in chunk[0]:
            result = db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk)
            ids.extend(row[0] for row in result)
        else:
            db.session.execute(insert(table), chunk)
    return ids


# --- data -----------------------------------------------------------------------------------------------------------


def generate_worker(items: int) -> tuple[str, str]:
    """A worker holding `items` * 3/5 certificates (with their ledger entries) and `items` * 2/5 approved activities;
    returns (worker e-mail, small worker e-mail) — the small one holds 5 items, for the query-count comparison."""
    from lms.accounts.services import hash_password
    from lms.certificates.models import Certificate
    from lms.extensions import db
    from lms.records.models import ExternalActivity, SkpEntry
    from lms.records.standings import recompute_rows
    from tests.factories.certificates import finished_learner, make_certificate_world

    world = make_certificate_world("ppni", "PPI-DASAR")
    emails = []
    for email, count in (("worker500@bench.test", items), ("worker5@bench.test", 5)):
        worker, _ = finished_learner(world.cohort, email, full_name="Rina Marlina, A.Md.Kep.")
        worker.password_hash = hash_password(PASSWORD)
        template = db.session.execute(db.select(Certificate).where(Certificate.user_id == worker.id)).scalar_one()
        certificates = count * 3 // 5 - 1
        activities = count - certificates - 1
        cohort_ids = insert_batches(
            db.metadata.tables["cohorts"],
            [{"version_id": world.version.id, "name": f"Angkatan {worker.id}-{n}", "mode": "daring",
              "starts_on": date.today() - timedelta(days=n), "ends_on": date.today() - timedelta(days=n),
              "needs_approval": False, "created_at": now()} for n in range(certificates)],
        )  # fmt: skip
        enrolment_ids = insert_batches(
            db.metadata.tables["enrolments"],
            [{"cohort_id": c, "user_id": worker.id, "status": "active", "created_at": now()} for c in cohort_ids],
        )
        rows, entries = [], []
        for n, enrolment_id in enumerate(enrolment_ids):
            public_id = f"{worker.id:08x}{n:016x}"
            completed = date.today() - timedelta(days=3 * n)
            number = f"PPNI/BENCH/{worker.id}/{n:06d}"
            expires = (
                completed.replace(year=completed.year + 3) if (completed.month, completed.day) != (2, 29) else None
            )
            snapshot = template.snapshot | {
                "number": number, "completed_on": completed.isoformat(),
                "expires_on": expires.isoformat() if expires else None,
                "competencies": [{"code": f"KOMP-{n % 40}", "name": f"Kompetensi {n % 40}"}],
            }  # fmt: skip
            rows.append(
                {"public_id": public_id, "number": number, "verification_code": "BNCH-0000",
                 "enrolment_id": enrolment_id, "user_id": worker.id, "organization_id": world.organization.id,
                 "version_id": world.version.id, "issued_at": now(), "completed_on": completed,
                 "expires_at": datetime(expires.year, expires.month, expires.day, tzinfo=UTC) if expires else None,
                 "status": "valid", "signing_key_id": template.signing_key_id, "token": template.token,
                 "snapshot": snapshot, "created_at": now()}
            )  # fmt: skip
            entries.append(
                {"user_id": worker.id, "source": "certificate", "source_id": public_id, "ranah": RANAH[n % 3],
                 "skp": Decimal("2.50"), "jpl": Decimal(10), "earned_on": completed,
                 "title": f"Pelatihan {n} ({number})", "organizer": "PPNI", "created_at": now()}
            )  # fmt: skip
        insert_batches(Certificate.__table__, rows)
        activity_ids = insert_batches(
            ExternalActivity.__table__,
            [{"user_id": worker.id, "organization_id": world.organization.id, "kind": "seminar",
              "ranah": RANAH[n % 3], "title": f"Webinar {n}", "organizer": "RSUD Tarakan",
              "held_on": date.today() - timedelta(days=2 * n), "skp_claimed": Decimal("1.50"),
              "evidence_key": "evidence/none.pdf", "evidence_name": "bukti.pdf", "evidence_type": "application/pdf",
              "status": "approved", "skp_granted": Decimal("1.50"), "reviewed_at": now(), "created_at": now()}
             for n in range(activities)],
        )  # fmt: skip
        entries += [
            {"user_id": worker.id, "source": "activity", "source_id": str(a), "ranah": RANAH[n % 3],
             "skp": Decimal("1.50"), "jpl": Decimal(0), "earned_on": date.today() - timedelta(days=2 * n),
             "title": f"Webinar {n}", "organizer": "RSUD Tarakan", "created_at": now()}
            for n, a in enumerate(activity_ids)
        ]  # fmt: skip
        insert_batches(SkpEntry.__table__, entries)
        recompute_rows(db.session, [worker.id], date.today())
        emails.append(email)
    db.session.commit()
    return emails[0], emails[1]


def generate_organization(members: int) -> tuple[int, str]:
    """An organization of `members` members: 80% with a SIP of any age, 0 to 6 ledger entries each, a spread of
    professions and names. Returns (organization id, admin e-mail)."""
    from lms.accounts.models import Membership, Organization, Role, User, WorkerMembership
    from lms.accounts.services import hash_password
    from lms.extensions import db
    from lms.records.models import PracticeLicence, SkpEntry
    from lms.records.standings import recompute_rows

    rng = random.Random(7)
    organization = Organization(slug="ppni-besar", name="PPNI (benchmark)", kind="professional")
    db.session.add(organization)
    admin = User(email="admin@ppni-besar.test", password_hash=hash_password(PASSWORD), full_name="Admin PPNI Besar")
    db.session.add(admin)
    db.session.flush()
    db.session.add(Membership(user_id=admin.id, organization_id=organization.id, role=Role.ORG_ADMIN))
    started = time.perf_counter()
    user_ids = insert_batches(
        User.__table__,
        [{"email": f"m{n}@ppni-besar.test", "password_hash": "!",
          "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
          "profession_code": rng.choice(PROFESSIONS), "timezone": "Asia/Makassar", "is_platform_admin": False,
          "is_active_account": True, "created_at": now()} for n in range(members)],
    )  # fmt: skip
    insert_batches(
        WorkerMembership.__table__,
        [{"user_id": u, "organization_id": organization.id, "status": "confirmed", "requested_at": now(),
          "created_at": now()} for u in user_ids],
    )  # fmt: skip
    today = date.today()
    insert_batches(
        PracticeLicence.__table__,
        [{"user_id": u, "sip_number": f"SIP/{u}", "starts_on": today - timedelta(days=rng.randint(0, 3000)),
          "area": "dtpk" if rng.random() < 0.1 else "normal", "created_at": now()}
         for u in user_ids if rng.random() < 0.8],
    )  # fmt: skip
    entries = []
    for u in user_ids:
        for k in range(rng.randint(0, 6)):
            entries.append(
                {"user_id": u, "source": "activity", "source_id": f"b{u}-{k}", "ranah": rng.choice(RANAH),
                 "skp": Decimal(rng.randint(1, 60)) / 4, "jpl": Decimal(0),
                 "earned_on": today - timedelta(days=rng.randint(0, 2500)), "title": "Kegiatan", "organizer": "",
                 "created_at": now()}
            )  # fmt: skip
    insert_batches(SkpEntry.__table__, entries)
    inserted = time.perf_counter() - started
    recompute_rows(db.session, [*user_ids, admin.id], today)
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    print(
        f"generated {members} members, {len(entries)} ledger entries in {inserted:.1f} s of inserts, "
        f"cycle totals in {time.perf_counter() - started - inserted:.1f} s"
    )
    return organization.id, admin.email


def deep_cursor(organization_id: int, position: int) -> str:
    """The dashboard's `after` cursor of the confirmed member at `position` by name: a page that deep, reached as
    the "next" links reach it (the pages go by keyset cursors, not by page numbers)."""
    from lms.accounts.models import User, WorkerMembership
    from lms.core.keyset import encode_cursor
    from lms.extensions import db

    name, user_id = db.session.execute(
        db.select(User.full_name, User.id)
        .join(WorkerMembership, WorkerMembership.user_id == User.id)
        .where(WorkerMembership.organization_id == organization_id, WorkerMembership.status == "confirmed")
        .order_by(User.full_name, User.id)
        .offset(position - 1)
        .limit(1)
    ).one()
    return encode_cursor(name, user_id)


# --- measuring ------------------------------------------------------------------------------------------------------


class Probe:
    """GETs through the test client, each in its own context like a server request, timing and counting SQL."""

    def __init__(self, app, email: str):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.client = app.test_client()
        self.statements = 0
        # Every engine's: the record's reads run outside the request's transaction, on the autocommit engine.
        event.listen(Engine, "before_cursor_execute", self._count)
        response = self._run("post", "/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code

    def _count(self, *args) -> None:
        self.statements += 1

    def _run(self, method: str, path: str, **kwargs):
        return contextvars.Context().run(getattr(self.client, method), path, **kwargs)

    def measure(self, path: str, repeat: int) -> tuple[float, int, bytes]:
        """(median ms, SQL statements per request, last body)."""
        self._run("get", path)  # warm-up (templates, statement cache)
        times, counts = [], set()
        for _ in range(repeat):
            before = self.statements
            started = time.perf_counter()
            response = self._run("get", path)
            times.append((time.perf_counter() - started) * 1000)
            counts.add(self.statements - before)
            assert response.status_code == 200, (path, response.status_code)
        assert len(counts) == 1, f"{path}: query count varies between requests: {counts}"
        return statistics.median(times), counts.pop(), response.data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    url = database_url("bench_records")
    instance = bench_instance("records")
    prepare_database(url, instance)
    ok = True
    with app_context(
        url, instance, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False, REQUIRE_2FA_FOR_ADMINS=False
    ) as app:
        big, small = generate_worker(args.items)
        organization_id, admin = generate_organization(args.members)

        print(f"\n(a) record page /my/record, {args.items} certificates and activities, median of {args.repeat}")
        big_ms, big_queries, body = Probe(app, big).measure("/my/record", args.repeat)
        small_ms, small_queries, _ = Probe(app, small).measure("/my/record", args.repeat)
        print(f"    500 items: {big_ms:6.1f} ms, {big_queries} SQL statements, {len(body) // 1024} KB of HTML")
        print(f"    5 items:   {small_ms:6.1f} ms, {small_queries} SQL statements")
        ok &= verdict(
            "record page queries", 0 < big_queries == small_queries, f"{big_queries} with 500 = {small_queries} with 5"
        )
        ok &= verdict("record page time", big_ms < RECORD_TARGET_MS, f"median {big_ms:.1f} ms < {RECORD_TARGET_MS} ms")

        print(f"\n(b) organization dashboard, {args.members} members, pages of 50, median of {args.repeat}")
        probe = Probe(app, admin)
        base = f"/organizations/{organization_id}/dashboard"
        deep = deep_cursor(organization_id, min(25_000, args.members))
        pages = {
            "first page": base,
            "member 25000": f"{base}?after={deep}",
            "state short": f"{base}?state=short&after={deep}",
            "renewal due": f"{base}?renewal=1",
            "name search": f"{base}?q=dewi+lestari",
            "profession": f"{base}?profession=bidan&state=on_track",
        }
        counts = set()
        for label, path in pages.items():
            ms, queries, body = probe.measure(path, args.repeat)
            counts.add(queries)
            rows = body.count(b"data-member=")
            print(f"    {label:<12} {ms:6.1f} ms, {queries} SQL statements, {rows} rows shown")
            ok &= verdict(
                f"dashboard {label}", ms < DASHBOARD_TARGET_MS, f"median {ms:.1f} ms < {DASHBOARD_TARGET_MS} ms"
            )
        ok &= verdict("dashboard queries", len(counts) == 1, f"{sorted(counts)} statements per page")
    print("\nPASS" if ok else "\nFAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
