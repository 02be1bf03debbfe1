"""Notification speed: (a) SIP-renewal reminders to 50,000 members, (b) what a notification adds to the request
that causes it (a certificate revoke), on PostgreSQL.

Run: .venv/bin/python benchmarks/reminders.py [--members 50000] [--revokes 200]
Targets (issue 13): (a) the reminder job finishes in under 2 minutes with a fixed number of SQL statements per batch
of 1,000 members, and a second run sends nothing; (b) a notification written by a domain event adds under 2 ms to
the request that caused it. (a) runs the job's own function (`reminders.renewal_reminders`) in-process: the rows,
the markers and the mail jobs queued (one per 100 notifications, into the job queue's SQLite file; the e-mail itself
is sent later by workers and not timed here). (b) revokes certificates through POST /api/v1/certificates/{id}/revoke
in-process (Flask's test client), alternating with the notifications listener connected and disconnected, and
compares the medians. Uses its own database `bench_reminders` (LMS_BENCH_DATABASE_URL overrides), talks only to
127.0.0.1 and stops by itself. Exit status 0 only on PASS.
"""

from __future__ import annotations

import argparse
import contextvars
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import app_context, bench_instance, database_url, prepare_database, verdict  # noqa: E402

TARGET_SECONDS = 120
TARGET_ADDED_MS = 2.0
BATCH = 5000


def make_members(count: int, today: date) -> list[int]:
    """`count` nurses with a SIP whose 5-year period ends within the next 1..180 days and no SKP yet (all short),
    their cycle rows computed by the application's own code. Bulk inserts: making the data is not measured."""
    from sqlalchemy import insert

    from lms.accounts.models import User
    from lms.accounts.services import hash_password
    from lms.extensions import db
    from lms.records.models import PracticeLicence
    from lms.records.standings import recompute_rows

    password_hash = hash_password("bench-password")
    now = datetime.now(UTC)
    ids: list[int] = []
    for start in range(0, count, BATCH):
        rows = [
            {
                "email": f"anggota{n}@bench.test",
                "password_hash": password_hash,
                "created_at": now,
                "full_name": f"Anggota {n}",
                "profession_code": "perawat",
                "timezone": "Asia/Jakarta",
                "locale": "id" if n % 3 else "en",
                "is_platform_admin": False,
                "is_active_account": True,
            }
            for n in range(start, min(count, start + BATCH))
        ]
        ids.extend(db.session.execute(insert(User).returning(User.id, sort_by_parameter_order=True), rows).scalars())
    licences = []
    for n, user_id in enumerate(ids):
        ends = today + timedelta(days=1 + n % 180)
        licences.append(
            {
                "user_id": user_id,
                "sip_number": f"SIP-{n}",
                "starts_on": ends.replace(year=ends.year - 5) + timedelta(days=1),
                "area": "normal",
                "created_at": now,
            }
        )
    for start in range(0, len(licences), BATCH):
        db.session.execute(insert(PracticeLicence), licences[start : start + BATCH])
    recompute_rows(db.session, ids, today)
    db.session.commit()
    return ids


class StatementCounter:
    """SQL statements per transaction of the job (each batch commits once)."""

    def __init__(self, engine, session):
        from sqlalchemy import event

        self.current = 0
        self.per_commit: list[int] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(session, "after_commit", self._commit)

    def _statement(self, *args):
        self.current += 1

    def _commit(self, session):
        self.per_commit.append(self.current)
        self.current = 0


def run_reminders(members: int) -> bool:
    from sqlalchemy import func, select

    from lms.extensions import db
    from lms.jobs import huey
    from lms.notifications.models import Notification
    from lms.notifications.reminders import renewal_reminders

    today = datetime.now(UTC).date()
    started = time.perf_counter()
    make_members(members, today)
    print(f"made {members:,} members with a SIP ending within 180 days in {time.perf_counter() - started:.1f} s")
    db.session.remove()
    counter = StatementCounter(db.engine, db.session)
    started = time.perf_counter()
    sent = renewal_reminders(today)
    first_run = time.perf_counter() - started
    batches = counter.per_commit[1:]  # the first commit is refresh_stale's
    started = time.perf_counter()
    again = renewal_reminders(today)
    second_run = time.perf_counter() - started
    rows = db.session.execute(select(func.count()).select_from(Notification)).scalar_one()
    queued = huey.pending_count()
    print(f"reminder job: {sent:,} reminders in {first_run:.1f} s ({sent / first_run:,.0f}/s); {rows:,} notification "
          f"rows; {queued:,} mail jobs queued (100 notifications each)")  # fmt: skip
    print(f"statements per batch of 1,000: {dict(Counter(batches))} (count of batches with that many)")
    print(f"second run: {again} sent in {second_run:.1f} s")
    ok = verdict(
        "reminders to 50,000 members",
        first_run < TARGET_SECONDS and sent == members,
        f"{first_run:.1f} s (target < 120 s)",
    )
    full = batches[:-1]  # the last batch may be short, and its candidate query finds the end
    # One batch only (fewer than 1,000 members): nothing to compare, the count is what it is.
    ok &= verdict("fixed statements per batch", len(set(full)) <= 1, f"{sorted(set(batches))}")
    ok &= verdict("sent once", again == 0, f"{again} on the second run")
    return ok


def run_revoke_cost(revokes: int) -> bool:
    from sqlalchemy import select

    from benchmarks.certificates import issue_all, make_learners
    from lms.certificates.events import certificate_status_changed
    from lms.certificates.models import Certificate
    from lms.extensions import db
    from lms.notifications.listeners import on_certificate_status_changed

    issue_all(make_learners(revokes, 1))
    public_ids = list(db.session.execute(select(Certificate.public_id).order_by(Certificate.id)).scalars())
    db.session.remove()
    from flask import current_app

    # Each request in a context of its own, as a server runs it (tests/conftest.py's IsolatedClient): otherwise
    # Flask reuses this app context, and the first request's anonymous user stays in `g` for all the others.
    client = current_app.test_client()
    opened = client.open
    client.open = lambda *args, **kwargs: contextvars.Context().run(opened, *args, **kwargs)
    token = client.post("/api/v1/auth/token", json={"email": "admin@bench.test", "password": "x" * 12}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    timings: dict[bool, list[float]] = {True: [], False: []}
    for n, public_id in enumerate(public_ids):
        notify = n % 2 == 0
        if notify:
            certificate_status_changed.connect(on_certificate_status_changed)
        else:
            certificate_status_changed.disconnect(on_certificate_status_changed)
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/certificates/{public_id}/revoke", json={"reason": "Benchmark."}, headers=headers
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.get_json()
        if n >= 10:  # warm-up
            timings[notify].append(elapsed)
    certificate_status_changed.connect(on_certificate_status_changed)
    with_notification, without = statistics.median(timings[True]), statistics.median(timings[False])
    added = with_notification - without
    print(f"revoke via API, median of {len(timings[True])} each: {without:.2f} ms without the notification, "
          f"{with_notification:.2f} ms with it (row written + mail job queued after commit)")  # fmt: skip
    return verdict(
        "cost a notification adds to the revoke", added < TARGET_ADDED_MS, f"{added:+.2f} ms (target < 2 ms)"
    )


def _queue_override() -> dict:
    """LMS_REDIS_URL in the environment puts the job queue in Redis (as in production)."""
    import os

    url = os.environ.get("LMS_REDIS_URL")
    return {"REDIS_URL": url, "JOBS_QUEUE_NAME": "lentera-bench"} if url else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--revokes", type=int, default=200)
    args = parser.parse_args()
    url = database_url("bench_reminders")
    instance = bench_instance("reminders")
    prepare_database(url, instance)
    # A real queue file (not immediate mode): mail jobs are queued for workers, as in production without Redis.
    config = {"JOBS_IMMEDIATE": False, "JOBS_SQLITE_PATH": str(instance / "jobs.sqlite"), **_queue_override()}
    with app_context(url, instance, **config):
        ok = run_reminders(args.members)
    prepare_database(url, instance)
    # The benchmark's organization admin logs in for an API token with a password only (no authenticator app).
    with app_context(url, instance, WTF_CSRF_ENABLED=False, REQUIRE_2FA_FOR_ADMINS=False, **config):
        ok &= run_revoke_cost(args.revokes)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
