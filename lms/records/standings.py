"""Per-worker SKP cycle totals (skp_cycle_totals), kept exact on every ledger or SIP change, and the SQL that turns
them into the same short / on track / complete state as `skp.skp_standing` for thousands of members at once.

Why a copy of the ledger: an organization of 50,000 members must be filtered by SKP state in one query; summing the
ledger per member and cycle on every page view does not fit in 300 ms. The copy stays exact because:
- the services mark the worker (`mark_changed`) whenever a ledger entry is posted or reversed or the SIP is set, and
  the marked workers are recomputed from the ledger with the pure rules just before the transaction commits
  (under a per-worker advisory lock on PostgreSQL, so two concurrent commits cannot both write a stale sum);
- time moving on changes the cycle: each row says for which days it holds (`fresh_from`..`fresh_until`), and the
  dashboard refreshes the rows that do not hold for today before reading (`refresh_stale`).
"Today" is a local date: the reader's (WIB/WITA/WIT) on a dashboard; the worker's own on a commit and in the nightly
job (`refresh_stale_local`), since from midnight to 07:00 WIB (08:00 WITA, 09:00 WIT) the UTC date is yesterday's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    String,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, object_session

from lms.accounts.models import User, WorkerMembership
from lms.core.i18n import TimeZone
from lms.core.models import utcnow
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records.models import PracticeLicence, SkpCycleTotal, SkpEntry
from lms.records.skp import (
    Credit,
    Cycle,
    PracticeArea,
    SkpRules,
    SkpState,
    cycle_containing,
    empty_ledger_states,
    ranah_minimum,
    skp_rules,
    skp_standing,
)

PENDING_KEY = "records.skp_standings_changed"
LOCK_KEY = 0x534B50  # "SKP": the advisory-lock namespace of these rows
CHUNK = 5000
MAX_ROW_LOCKS = 500
EARNED_COLUMNS = {
    Ranah.PEMBELAJARAN: SkpCycleTotal.pembelajaran_cents,
    Ranah.PELAYANAN: SkpCycleTotal.pelayanan_cents,
    Ranah.PENGABDIAN: SkpCycleTotal.pengabdian_cents,
}


def cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


# --- keeping the rows exact ---------------------------------------------------------------------------------------


def mark_changed(user_id: int) -> None:
    """The worker's ledger or SIP changed in this transaction: recompute their row before it commits."""
    db.session.info.setdefault(PENDING_KEY, set()).add(user_id)


def refresh_pending(today: date | None = None) -> None:
    """Recompute the rows of the workers marked in this transaction (readers call it to see their own changes)."""
    pending = db.session.info.pop(PENDING_KEY, None)
    if pending:
        update_rows(db.session, pending, today)  # the rows, and the member counts they move


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    session.flush()  # the flush's listeners (memberships written) mark workers too
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        update_rows(session, pending, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction) -> None:
    # A rolled-back transaction took its ledger changes with it; nothing is left to recompute.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


@event.listens_for(User.profession_code, "set")
def _profession_changed(user: User, value, previous, initiator) -> None:
    # The SKP target follows the profession, so the stored state does too.
    if user.id is not None and value != previous:
        mark_changed(user.id)


@event.listens_for(WorkerMembership, "after_insert")
@event.listens_for(WorkerMembership, "after_update")
@event.listens_for(WorkerMembership, "after_delete")
def _membership_written(mapper, connection, membership: WorkerMembership) -> None:
    # Confirmed, left, declined…: the organizations' member counts follow (lms.records.member_counts).
    session = object_session(membership)
    if membership.user_id is not None and session is not None:
        session.info.setdefault(PENDING_KEY, set()).add(membership.user_id)


def refresh_standings(user_ids: Iterable[int], today: date) -> None:
    update_rows(db.session, user_ids, today)


def update_rows(session: Session, user_ids: Iterable[int], today: date | None) -> None:
    """Recompute the standing rows of `user_ids` (for `today`, or each worker's own local date when None), then move
    the organizations' member counts by what changed (counted for `today`, or WIB's date: the nightly
    reconciliation settles a worker further east whose day turned earlier)."""
    from lms.records.member_counts import recount_members  # it reads the state through this module

    ids = sorted(set(user_ids))
    recompute_rows(session, ids, today)
    recount_members(session, ids, today or local_date_in(None, utcnow()))


def local_date_in(zone: str | None, now: datetime) -> date:
    """The calendar date at `now` in a worker's zone (WIB when none is set)."""
    return now.astimezone(ZoneInfo(zone or TimeZone.WIB)).date()


def recompute_rows(session: Session, user_ids: Iterable[int], today: date | None = None) -> None:
    """Recompute the rows of `user_ids` for `today` from the ledger and the SIP, with the pure rules; without
    `today`, for each worker's own local date now."""
    ids = sorted(set(user_ids))
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        # Serialize recomputations of one worker: the second waits, then its sum sees the first one's entries.
        if len(ids) <= MAX_ROW_LOCKS:
            session.execute(
                text("SELECT pg_advisory_xact_lock(:key, id) FROM unnest(CAST(:ids AS integer[])) AS id"),
                {"key": LOCK_KEY, "ids": ids},
            )
        else:
            # Thousands of advisory locks would fill the server's lock table: lock the table instead (the per-worker
            # writers wait for it, and their own recomputation, done after ours, wins).
            session.execute(text("LOCK TABLE skp_cycle_totals IN SHARE ROW EXCLUSIVE MODE"))
    rules = skp_rules()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        licences = {
            row.user_id: row
            for row in session.execute(
                select(PracticeLicence.user_id, PracticeLicence.starts_on, PracticeLicence.area).where(
                    PracticeLicence.user_id.in_(chunk)
                )
            )
        }
        people = {
            row.id: row
            for row in session.execute(select(User.id, User.profession_code, User.timezone).where(User.id.in_(chunk)))
        }
        entries = defaultdict(list)
        for row in session.execute(
            select(SkpEntry.user_id, SkpEntry.ranah, SkpEntry.skp, SkpEntry.earned_on, SkpEntry.reversed_at).where(
                SkpEntry.user_id.in_(chunk)
            )
        ):
            entries[row.user_id].append(row)
        rows = []
        for user_id in chunk:
            person = people.get(user_id)
            profession = person.profession_code if person else None
            day = today or local_date_in(person.timezone if person else None, now)
            rows.append(_row(user_id, profession, licences.get(user_id), entries[user_id], day, rules))
        session.execute(delete(SkpCycleTotal).where(SkpCycleTotal.user_id.in_(chunk)))
        rows = [row for row in rows if row is not None]
        if rows:
            session.execute(insert(SkpCycleTotal), rows)


def _row(user_id: int, profession: str | None, licence, entries: list, today: date, rules: SkpRules) -> dict | None:
    """The row of one worker on `today`, by the same rules as `services.record_of`."""
    if licence is None and not entries:
        return None  # no row: a cycle from today with nothing earned
    credits = [Credit(Ranah(e.ranah), e.skp, e.earned_on) for e in entries if e.reversed_at is None]
    if licence is not None:
        cycle = cycle_containing(licence.starts_on, today, rules.cycle_years)
        # Before the SIP date the first period still applies, so only a later period has a first day.
        fresh_from = cycle.starts_on if cycle.starts_on > licence.starts_on else None
        fresh_until = cycle.ends_on
    else:
        first = min(e.earned_on for e in entries)
        cycle = cycle_containing(min(first, today), today, rules.cycle_years)
        # Without a SIP the cycle counts from the first entry, or from today while that entry is still ahead.
        fresh_from, fresh_until = (today, today) if first > today else (cycle.starts_on, cycle.ends_on)
    area = PracticeArea(licence.area) if licence is not None else PracticeArea.NORMAL
    target, shares = rules.target_for(profession), rules.shares[area]
    standing = skp_standing(credits, target=target, shares=shares, cycle=cycle, today=today)
    if standing.state != SkpState.COMPLETE:
        # Short or on track depends on the day: the row holds until the state would change, and from today (before
        # the cycle starts no day has elapsed, so every earlier day is the same).
        fresh_until = min(fresh_until, state_holds_until(credits, target, shares, cycle, today))
        if today >= cycle.starts_on:
            fresh_from = today
    earned = {r.ranah: r.earned for r in standing.ranah}
    return {
        "user_id": user_id,
        "has_licence": licence is not None,
        "area": area.value,
        "state": standing.state.value,
        "cycle_starts_on": cycle.starts_on,
        "cycle_ends_on": cycle.ends_on,
        "fresh_from": fresh_from,
        "fresh_until": fresh_until,
        "cycle_start_day": cycle.starts_on.toordinal(),
        "cycle_days": cycle.days,
        **{column.key: cents(earned[ranah]) for ranah, column in EARNED_COLUMNS.items()},
    }


def state_holds_until(credits: list[Credit], target: Decimal, shares: dict, cycle: Cycle, today: date) -> date:
    """The last day of `cycle` on which the worker's state is still today's, the ledger unchanged. With the same
    credits, "complete" and "short" last the whole cycle and "on track" turns "short" once (the expected share only
    grows), so a binary search over the days finds it."""
    state = skp_standing(credits, target=target, shares=shares, cycle=cycle, today=today).state
    low, high = today, cycle.ends_on  # the state holds on `low`; find the last such day
    while low < high:
        middle = date.fromordinal((low.toordinal() + high.toordinal() + 1) // 2)
        if skp_standing(credits, target=target, shares=shares, cycle=cycle, today=middle).state == state:
            low = middle
        else:
            high = date.fromordinal(middle.toordinal() - 1)
    return low


def refresh_stale(today: date) -> int:
    """Recompute the rows that do not hold for `today` (a cycle ended); returns how many. Normally none: one
    indexed query."""
    refresh_pending(today)
    stale = list(
        db.session.execute(
            select(SkpCycleTotal.user_id).where(
                or_(SkpCycleTotal.fresh_until < today, SkpCycleTotal.fresh_from > today)
            )
        ).scalars()
    )
    if stale:
        refresh_standings(stale, today)
    return len(stale)


def refresh_stale_local(now: datetime) -> int:
    """Recompute the rows that do not hold for their worker's own date at `now` (the nightly job); returns how many.
    One indexed query per zone: at 00:30 WIT a worker in Jayapura is on the new day while UTC is still on the old."""
    refresh_pending()
    refreshed = 0
    for zone in TimeZone:
        today = local_date_in(zone, now)
        in_zone = User.timezone == zone.value
        if zone == TimeZone.WIB:
            in_zone = or_(in_zone, User.timezone.is_(None))
        stale = list(
            db.session.execute(
                select(SkpCycleTotal.user_id)
                .join(User, User.id == SkpCycleTotal.user_id)
                .where(in_zone, or_(SkpCycleTotal.fresh_until < today, SkpCycleTotal.fresh_from > today))
            ).scalars()
        )
        if stale:
            refresh_standings(stale, today)
            refreshed += len(stale)
    return refreshed


# --- the state in SQL ---------------------------------------------------------------------------------------------


def empty_state_expression(today: date, rules: SkpRules | None = None):
    """The state of a worker without a row (no SIP, no ledger) on `today`: an empty ledger for their profession's
    target, as SQL (a constant unless some profession's empty state differs; then a CASE on User.profession_code)."""
    empty = empty_ledger_states(rules or skp_rules(), today)
    default_state = empty.pop("default").value
    exceptions = [
        (User.profession_code == code, state.value) for code, state in empty.items() if state != default_state
    ]
    return case(*exceptions, else_=default_state) if exceptions else literal(default_state, String)


def ranah_minimum_cents_expression(ranah: Ranah, area, profession_code, rules: SkpRules | None = None):
    """The ranah's minimum (`skp.ranah_minimum`, in cents) as SQL: a CASE on the stored practice area (none: normal)
    and, where a profession's target differs from the default, on the profession. Constants of the rules only, so
    the statement is the same on every call."""
    rules = rules or skp_rules()

    def for_area(area_name: PracticeArea):
        share = rules.shares[area_name].get(ranah, 0)
        default = cents(ranah_minimum(rules.targets["default"], share))
        exceptions = [
            (profession_code == code, literal(cents(ranah_minimum(target, share))))
            for code, target in rules.targets.items()
            if code != "default" and cents(ranah_minimum(target, share)) != default
        ]
        return case(*exceptions, else_=literal(default)) if exceptions else literal(default)

    others = [(area == name.value, for_area(name)) for name in rules.shares if name != PracticeArea.NORMAL]
    return case(*others, else_=for_area(PracticeArea.NORMAL)) if others else for_area(PracticeArea.NORMAL)


def ranah_behind_expression(
    ranah: Ranah, today: date, *, earned_cents, cycle_start_day, cycle_days, area, profession_code, rules=None
):
    """`skp.ranah_behind` as SQL over a stored cycle row (or its absence: no SIP, no ledger, a cycle from today in
    which any minimum above zero is already behind): earned × days < minimum × elapsed days."""
    minimum = ranah_minimum_cents_expression(ranah, area, profession_code, rules)
    raw = literal(today.toordinal()) - cycle_start_day + 1
    elapsed = case((raw < 0, 0), (raw > cycle_days, cycle_days), else_=raw)
    return or_(
        and_(cycle_start_day.is_(None), minimum > 0),
        and_(cycle_start_day.is_not(None), earned_cents * cycle_days < minimum * elapsed),
    )


def standings_subquery(user_filter, today: date, rules: SkpRules | None = None):
    """One row per user matching `user_filter` (a WHERE clause on `User`): their stored cycle, SKP earned per ranah
    (in cents) and `state` ("short" / "on_track" / "complete"), exactly as `skp_standing` says for `today`.

    The rows must hold for `today`: call `refresh_stale(today)` first. A worker without a row (no SIP, no ledger)
    is in the state of an empty ledger for their profession's target."""
    empty_state = empty_state_expression(today, rules)
    t = SkpCycleTotal
    return (
        select(
            User.id.label("user_id"),
            User.full_name,
            User.email,
            User.profession_code,
            func.coalesce(t.state, empty_state).label("state"),
            t.state.label("stored_state"),
            func.coalesce(t.has_licence, False).label("has_licence"),
            t.area,
            t.cycle_starts_on,
            t.cycle_ends_on,
            t.cycle_start_day,
            t.cycle_days,
            *[column.label(f"{r.value}_cents") for r, column in EARNED_COLUMNS.items()],
        )
        .select_from(User)
        .outerjoin(t, t.user_id == User.id)
        .where(user_filter)
        .subquery("standings")
    )
