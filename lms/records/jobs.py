"""The records feature's periodic job: keep the dashboard's SKP rows true as days pass."""

from __future__ import annotations

from lms.jobs import crontab, periodic_job


@periodic_job(crontab(minute="15", hour="17"))  # 00:15 WIB
def refresh_stale_standings_job() -> int:
    """Nightly: recompute the SKP cycle rows that no longer hold for today, so the first dashboard of the day does
    not pay for it (idempotent: fresh rows are left alone). Today is each worker's local date, not UTC's: at
    00:15 WIB the UTC date is still yesterday's everywhere in Indonesia."""
    from lms.core.models import utcnow
    from lms.extensions import db
    from lms.records.standings import refresh_stale_local

    refreshed = refresh_stale_local(utcnow())
    db.session.commit()
    return refreshed
