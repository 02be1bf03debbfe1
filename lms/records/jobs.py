"""The records feature's periodic job: keep the dashboard's SKP rows true as days pass."""

from __future__ import annotations

from lms.jobs import crontab, periodic_job


@periodic_job(crontab(minute="15", hour="17"))  # 00:15 WIB
def refresh_stale_standings_job() -> int:
    """Nightly: recompute the SKP cycle rows that no longer hold for today, so the first dashboard of the day does
    not pay for it (idempotent: fresh rows are left alone)."""
    from lms.core.models import utcnow
    from lms.extensions import db
    from lms.records.standings import refresh_stale

    refreshed = refresh_stale(utcnow().date())
    db.session.commit()
    return refreshed
