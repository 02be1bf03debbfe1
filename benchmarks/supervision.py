"""Regional supervision speed: a provincial health office over 200,000 workers in 2,000 facilities, on PostgreSQL.

Run: .venv/bin/python benchmarks/supervision.py [--workers 200000] [--facilities 2000] [--repeat 20] [--reuse]
Target (issue 14): every page or filter of the supervision page, of `GET /api/v1/supervision/workers` and of the
per-regency chart the page embeds (`/supervision/chart.svg`, counts over the whole area) a median under 300 ms:
the first page, a page deep in the alphabet (keyset cursor), short of SKP, SIP renewal within 3 and 12 months, one
facility, one regency, a name search and a combination. Server time is measured in-process through Flask's test
client (request in, response out, no network), SQL statements counted. Data: 200,000 workers, each confirmed staff
of one facility (2% of two), 80% with a SIP of any age, 0-6 ledger entries, spread over 10 regencies of one
province, plus 20,000 workers of another province the office must not see; the cycle totals are computed by the
application's own code (`standings.recompute_rows`). Uses its own database `bench_supervision` (emptied first unless
--reuse; LMS_BENCH_DATABASE_URL overrides), talks only to 127.0.0.1 and stops by itself. Exit 0 only on PASS.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import app_context, bench_instance, database_url, prepare_database, verdict  # noqa: E402
from benchmarks.records_speed import FIRST, LAST, PASSWORD, PROFESSIONS, RANAH, Probe, insert_batches, now  # noqa: E402

TARGET_MS = 300
PROVINCE, OTHER_PROVINCE = "Kalimantan Utara", "Kalimantan Timur"
REGENCIES = [f"Kabupaten Bench {n:02d}" for n in range(1, 10)] + ["Kota Bench"]


def generate(workers: int, facility_count: int, outsiders: int) -> tuple[str, str, str]:
    """The region; returns (supervisor e-mail, a facility code, a regency)."""
    from lms.accounts.models import Facility, FacilityStaff, Membership, Organization, Role, User
    from lms.accounts.services import hash_password
    from lms.extensions import db
    from lms.records.models import PracticeLicence, SkpEntry
    from lms.records.standings import recompute_rows

    rng = random.Random(14)
    office = Organization(slug="dinkes-bench", name="Dinkes (benchmark)", kind="health_office", province=PROVINCE)
    supervisor = User(email="sup@dinkes-bench.test", password_hash=hash_password(PASSWORD), full_name="Supervisor")
    db.session.add_all([office, supervisor])
    db.session.flush()
    db.session.add(Membership(user_id=supervisor.id, organization_id=office.id, role=Role.SUPERVISOR))
    started = time.perf_counter()
    facilities = [
        {"code": f"F{n:05d}", "name": f"{'Puskesmas' if n % 5 else 'RSUD'} Bench {n:05d}",
         "kind": "puskesmas" if n % 5 else "rumah_sakit", "province": PROVINCE,
         "regency": REGENCIES[n % len(REGENCIES)], "created_at": now()}
        for n in range(facility_count)
    ] + [
        {"code": f"X{n:04d}", "name": f"Puskesmas Luar {n:04d}", "kind": "puskesmas", "province": OTHER_PROVINCE,
         "regency": "Kota Samarinda", "created_at": now()}
        for n in range(max(1, facility_count // 10))
    ]  # fmt: skip
    facility_ids = insert_batches(Facility.__table__, facilities)
    ours, theirs = facility_ids[:facility_count], facility_ids[facility_count:]
    total = workers + outsiders
    user_ids = insert_batches(
        User.__table__,
        [{"email": f"w{n}@bench.test", "password_hash": "!",
          "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
          "profession_code": rng.choice(PROFESSIONS), "timezone": "Asia/Makassar", "is_platform_admin": False,
          "is_active_account": True, "created_at": now()} for n in range(total)],
    )  # fmt: skip
    staff = []
    for index, user_id in enumerate(user_ids):
        pool = ours if index < workers else theirs
        places = {rng.choice(pool)} | ({rng.choice(pool)} if rng.random() < 0.02 else set())
        staff += [{"user_id": user_id, "facility_id": f, "status": "confirmed", "decided_at": now(),
                   "created_at": now()} for f in places]  # fmt: skip
    insert_batches(FacilityStaff.__table__, staff)
    today = date.today()
    insert_batches(
        PracticeLicence.__table__,
        [{"user_id": u, "sip_number": f"SIP/{u}", "starts_on": today - timedelta(days=rng.randint(0, 3000)),
          "area": "dtpk" if rng.random() < 0.1 else "normal", "created_at": now()}
         for u in user_ids if rng.random() < 0.8],
    )  # fmt: skip
    entries = [
        {"user_id": u, "source": "activity", "source_id": f"b{u}-{k}", "ranah": rng.choice(RANAH),
         "skp": Decimal(rng.randint(1, 60)) / 4, "jpl": Decimal(0),
         "earned_on": today - timedelta(days=rng.randint(0, 2500)), "title": "Kegiatan", "organizer": "",
         "created_at": now()}
        for u in user_ids
        for k in range(rng.randint(0, 6))
    ]  # fmt: skip
    insert_batches(SkpEntry.__table__, entries)
    inserted = time.perf_counter() - started
    recompute_rows(db.session, user_ids, today)
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    print(
        f"generated {workers} workers in {facility_count} facilities (+{outsiders} in another province), "
        f"{len(staff)} staff rows, {len(entries)} ledger entries in {inserted:.1f} s of inserts, "
        f"cycle totals in {time.perf_counter() - started - inserted:.1f} s"
    )
    return supervisor.email, facilities[7]["code"], REGENCIES[3]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=200_000)
    parser.add_argument("--facilities", type=int, default=2_000)
    parser.add_argument("--outsiders", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="measure the data of the previous run again")
    args = parser.parse_args()

    url = database_url("bench_supervision")
    instance = bench_instance("supervision")
    if not args.reuse:
        prepare_database(url, instance)
    ok = True
    with app_context(url, instance, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False) as app:
        if args.reuse:
            email, facility, regency = "sup@dinkes-bench.test", "F00007", REGENCIES[3]
        else:
            email, facility, regency = generate(args.workers, args.facilities, args.outsiders)
        probe = Probe(app, email)
        # A cursor deep in the alphabet: the API's own cursor after the last "Joko" on a name-filtered page.
        deep = json.loads(probe.measure("/api/v1/supervision/workers?q=joko&limit=500", 1)[2])["next_cursor"]
        filters = {
            "first page": "",
            "deep page (cursor)": f"after={deep}",
            "short of SKP": "short=1",
            "short in pelayanan": "short=pelayanan",
            "short in any ranah": "short=any",
            "renewal within 3 months": "renewal_within_months=3",
            "renewal within 12 months": "renewal_within_months=12",
            "one facility": f"facility={facility}",
            "one regency": f"regency={quote(regency)}",
            "name search": "q=dewi+lestari",
            "regency + short + 6 months": f"regency={quote(regency)}&short=1&renewal_within_months=6",
        }
        print(f"\nsupervision over {args.workers} workers in {args.facilities} facilities, median of {args.repeat}")
        for label, query in filters.items():
            for kind, base in (
                ("page ", "/supervision"),
                ("API  ", "/api/v1/supervision/workers"),
                ("chart", "/supervision/chart.svg"),
            ):
                if kind == "chart" and "after=" in query:
                    continue  # the page shows the chart with the first page only
                ms, queries, body = probe.measure(f"{base}?{query}", args.repeat)
                if kind == "API  ":
                    rows = len(json.loads(body)["workers"])
                else:
                    rows = body.count(b"data-worker=" if kind == "page " else b"data-regency=")
                print(f"    {kind} {label:<28} {ms:6.1f} ms, {queries:2d} SQL statements, {rows} rows")
                ok &= verdict(f"{kind.strip()} {label}", ms < TARGET_MS, f"median {ms:.1f} ms < {TARGET_MS} ms")
        outsiders = probe.measure("/api/v1/supervision/workers?q=luar&limit=500", 1)[2]
        ok &= verdict("no outsider shown", b"Luar" not in outsiders, "another province's staff never listed")
    print("\nPASS" if ok else "\nFAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
