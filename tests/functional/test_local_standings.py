"""The SKP cycle rows follow each worker's own calendar day (WIB/WITA/WIT), not UTC's: around midnight in Makassar
or Jayapura the UTC date is still yesterday's, and a cycle that ended at local midnight must roll over then — in the
nightly job and when a ledger change is committed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lms.core.i18n import TimeZone
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records import services
from lms.records.jobs import refresh_stale_standings_job
from lms.records.models import EntrySource, SkpCycleTotal
from tests.factories import make_user

SIP_DAY = date(2021, 4, 1)  # the first cycle runs to 31 March 2026, the second starts on 1 April 2026
BEFORE = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
JAYAPURA_MIDNIGHT = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 00:30 WIT on 1 April; 23:30 WITA, 22:30 WIB
MAKASSAR_MIDNIGHT = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 00:30 WITA on 1 April; 01:30 WIT, 23:30 WIB


@pytest.fixture
def clock(monkeypatch):
    """Sets the instant the job and the commit hook read."""

    def set_to(instant: datetime) -> None:
        monkeypatch.setattr("lms.core.models.utcnow", lambda: instant)
        monkeypatch.setattr("lms.records.standings.utcnow", lambda: instant)

    return set_to


def worker_in(zone: TimeZone, clock):
    """A nurse whose first cycle is complete (30 + 18 + 3 SKP of 50), committed the day before it ends."""
    clock(BEFORE)
    worker = make_user(timezone=zone.value)
    services.set_licence(worker, sip_number="SIP/1", starts_on=SIP_DAY, area="normal", today=BEFORE.date())
    for skp, ranah in ((30, Ranah.PEMBELAJARAN), (18, Ranah.PELAYANAN), (3, Ranah.PENGABDIAN)):
        credit(worker, skp, ranah)
    db.session.commit()
    return worker


def credit(worker, skp, ranah, earned_on=date(2025, 6, 1)):
    services.post_entry(
        worker.id,
        source=EntrySource.ACTIVITY,
        source_id=f"{worker.id}-{ranah}-{skp}-{earned_on}",
        ranah=ranah,
        skp=Decimal(skp),
        earned_on=earned_on,
        title="Kegiatan",
    )


def cycle_start(worker) -> date:
    db.session.expire_all()
    return db.session.get(SkpCycleTotal, worker.id).cycle_starts_on


def test_the_nightly_job_rolls_each_worker_over_at_their_own_midnight(app_ctx, clock):
    jayapura, makassar, jakarta = (worker_in(zone, clock) for zone in (TimeZone.WIT, TimeZone.WITA, TimeZone.WIB))
    assert {cycle_start(w) for w in (jayapura, makassar, jakarta)} == {SIP_DAY}

    clock(JAYAPURA_MIDNIGHT)  # the UTC date is 31 March: a job on the UTC date would leave every row alone
    assert refresh_stale_standings_job.call_local() == 1
    assert cycle_start(jayapura) == date(2026, 4, 1)
    assert db.session.get(SkpCycleTotal, jayapura.id).state == "short"  # nothing earned yet in the new cycle
    assert cycle_start(makassar) == SIP_DAY and cycle_start(jakarta) == SIP_DAY
    assert refresh_stale_standings_job.call_local() == 0  # idempotent

    clock(MAKASSAR_MIDNIGHT)
    assert refresh_stale_standings_job.call_local() == 1
    assert cycle_start(makassar) == date(2026, 4, 1)
    assert cycle_start(jakarta) == SIP_DAY


def test_a_ledger_change_is_counted_in_the_workers_local_day(app_ctx, clock):
    jayapura, makassar = (worker_in(zone, clock) for zone in (TimeZone.WIT, TimeZone.WITA))
    clock(JAYAPURA_MIDNIGHT)
    for worker in (jayapura, makassar):
        credit(worker, 2, Ranah.PELAYANAN, earned_on=date(2026, 3, 20))
    db.session.commit()
    assert cycle_start(jayapura) == date(2026, 4, 1)  # already 1 April in Jayapura
    assert cycle_start(makassar) == SIP_DAY  # still 31 March in Makassar
    assert db.session.get(SkpCycleTotal, makassar.id).pelayanan_cents == 2000
