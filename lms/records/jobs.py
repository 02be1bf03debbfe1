"""The records feature's periodic job: keep the dashboard's SKP rows and its member counts true as days pass."""

from __future__ import annotations

from lms.jobs import crontab, periodic_job


@periodic_job(crontab(minute="15", hour="17"))  # 00:15 WIB
def refresh_stale_standings_job() -> int:
    """Nightly: recompute the SKP cycle rows that no longer hold for today (their members are recounted with them),
    so the first dashboard of the day does not pay for it, then reconcile the organizations' member counts with the
    members' states (catches rows written around the listeners). Idempotent: fresh rows are left alone. Today is
    each worker's local date, not UTC's: at 00:15 WIB the UTC date is still yesterday's everywhere in Indonesia."""
    import logging

    from lms.core.models import utcnow
    from lms.extensions import db
    from lms.records.member_counts import reconcile_counts
    from lms.records.standings import local_date_in, refresh_stale_local

    now = utcnow()
    refreshed = refresh_stale_local(now)
    recounted = reconcile_counts(db.session, local_date_in(None, now))
    if recounted:
        logging.getLogger(__name__).warning("member counts: %d members recounted by the nightly check", recounted)
    db.session.commit()
    return refreshed
