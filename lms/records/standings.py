"""Per-worker SKP cycle totals (skp_cycle_totals), kept exact on every ledger or SIP change, and the SQL that turns
them into the same short / on track / complete state as `skp.skp_standing` for thousands of members at once.

Why a copy of the ledger: an organization of 50,000 members must be filtered by SKP state in one query; summing the
ledger per member and cycle on every page view does not fit in 300 ms. The copy stays exact because:
- the services mark the worker (`mark_changed`) whenever a ledger entry is posted or reversed or the SIP is set, and
  the marked workers are recomputed from the ledger with the pure rules just before the transaction commits
  (under a per-worker advisory lock on PostgreSQL, so two concurrent commits cannot both write a stale sum);
- time moving on changes the cycle: each row says for which days it holds (`fresh_from`..`fresh_until`), and the
  dashboard refreshes the rows that do not hold for today before reading (`refresh_stale`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Integer,
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
    union_all,
)
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.core.models import utcnow
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records.models import PracticeLicence, SkpCycleTotal, SkpEntry
from lms.records.skp import Credit, PracticeArea, SkpRules, SkpState, cycle_containing, skp_rules, skp_standing

PENDING_KEY = "records.skp_standings_changed"
LOCK_KEY = 0x534B50  # "SKP": the advisory-lock namespace of these rows
CHUNK = 5000
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
        refresh_standings(pending, today or utcnow().date())


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        recompute_rows(session, pending, utcnow().date())


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction) -> None:
    # A rolled-back transaction took its ledger changes with it; nothing is left to recompute.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def refresh_standings(user_ids: Iterable[int], today: date) -> None:
    recompute_rows(db.session, user_ids, today)


def recompute_rows(session: Session, user_ids: Iterable[int], today: date) -> None:
    """Recompute the rows of `user_ids` for `today` from the ledger and the SIP, with the pure rules."""
    ids = sorted(set(user_ids))
    if session.get_bind().dialect.name == "postgresql":
        # Serialize recomputations of one worker: the second waits, then its sum sees the first one's entries.
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key, id) FROM unnest(CAST(:ids AS integer[])) AS id"),
            {"key": LOCK_KEY, "ids": ids},
        )
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
        entries = defaultdict(list)
        for row in session.execute(
            select(SkpEntry.user_id, SkpEntry.ranah, SkpEntry.skp, SkpEntry.earned_on, SkpEntry.reversed_at).where(
                SkpEntry.user_id.in_(chunk)
            )
        ):
            entries[row.user_id].append(row)
        rows = [_row(user_id, licences.get(user_id), entries[user_id], today, rules) for user_id in chunk]
        session.execute(delete(SkpCycleTotal).where(SkpCycleTotal.user_id.in_(chunk)))
        rows = [row for row in rows if row is not None]
        if rows:
            session.execute(insert(SkpCycleTotal), rows)


def _row(user_id: int, licence, entries: list, today: date, rules: SkpRules) -> dict | None:
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
    standing = skp_standing(credits, target=Decimal(0), shares={}, cycle=cycle, today=today)
    earned = {r.ranah: r.earned for r in standing.ranah}
    return {
        "user_id": user_id,
        "has_licence": licence is not None,
        "area": licence.area if licence is not None else PracticeArea.NORMAL.value,
        "cycle_starts_on": cycle.starts_on,
        "cycle_ends_on": cycle.ends_on,
        "fresh_from": fresh_from,
        "fresh_until": fresh_until,
        "cycle_start_day": cycle.starts_on.toordinal(),
        "cycle_days": cycle.days,
        **{column.key: cents(earned[ranah]) for ranah, column in EARNED_COLUMNS.items()},
    }


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


# --- the state in SQL ---------------------------------------------------------------------------------------------


DEFAULT_PROFESSION = "*"  # the rules table's row for professions without a target of their own


def _rules_table(rules: SkpRules, today: date):
    """The rules as a small table (profession, area → target and minimum per ranah, in cents), computed by
    `skp_standing` itself, so the SQL joins it once per member instead of evaluating CASE chains."""
    cycle = cycle_containing(today, today, rules.cycle_years)
    rows = []
    for profession, target in rules.targets.items():
        for area, shares in rules.shares.items():
            standing = skp_standing([], target=target, shares=shares, cycle=cycle, today=today)
            minimum = {r.ranah: cents(r.minimum) for r in standing.ranah}
            code = DEFAULT_PROFESSION if profession == "default" else profession
            rows.append(
                select(
                    literal(code, String).label("profession"),
                    literal(area.value, String).label("area"),
                    literal(cents(target), BigInteger).label("target_cents"),
                    *[literal(minimum[r], BigInteger).label(f"{r.value}_minimum_cents") for r in Ranah],
                )
            )
    return union_all(*rows).subquery("skp_rules")


def standings_subquery(user_filter, today: date, rules: SkpRules | None = None):
    """One row per user matching `user_filter` (a WHERE clause on `User`): earned per ranah in their current cycle,
    target, minimums, renewal date and `state` ("short" / "on_track" / "complete"), exactly as `skp_standing` says.

    The rows must hold for `today`: call `refresh_stale(today)` first. Amounts are integer cents, so the comparisons
    are exact on SQLite (which stores decimals as floats) as on PostgreSQL."""
    rules = rules or skp_rules()
    t = SkpCycleTotal
    first = cycle_containing(today, today, rules.cycle_years)  # the cycle of a worker with no row
    area = func.coalesce(t.area, PracticeArea.NORMAL.value)
    own, default = _rules_table(rules, today).alias("own_rules"), _rules_table(rules, today).alias("default_rules")
    start_day = func.coalesce(t.cycle_start_day, first.starts_on.toordinal())
    days = func.coalesce(t.cycle_days, first.days).label("cycle_days")
    since = literal(today.toordinal() + 1, Integer) - start_day
    base = (
        select(
            User.id.label("user_id"),
            User.full_name,
            User.email,
            User.profession_code,
            func.coalesce(t.has_licence, False).label("has_licence"),
            t.cycle_starts_on,
            t.cycle_ends_on,
            func.coalesce(own.c.target_cents, default.c.target_cents).label("target_cents"),
            *[
                func.coalesce(own.c[f"{r.value}_minimum_cents"], default.c[f"{r.value}_minimum_cents"]).label(
                    f"{r.value}_minimum_cents"
                )
                for r in Ranah
            ],
            days,
            case((since < 0, 0), (since > days, days), else_=since).label("elapsed"),
            *[func.coalesce(column, 0).label(f"{r.value}_cents") for r, column in EARNED_COLUMNS.items()],
        )
        .select_from(User)
        .outerjoin(t, t.user_id == User.id)
        .outerjoin(own, and_(own.c.profession == User.profession_code, own.c.area == area))
        .join(default, and_(default.c.profession == DEFAULT_PROFESSION, default.c.area == area))
        .where(user_filter)
        .subquery("base")
    )
    earned = {r: base.c[f"{r.value}_cents"] for r in Ranah}
    minimum = {r: base.c[f"{r.value}_minimum_cents"] for r in Ranah}
    total = sum(earned.values(), literal(0)).label("earned_cents")
    # expected = target * elapsed / days, rounded half to even to the cent, like Decimal.quantize in skp_standing.
    numerator = base.c.target_cents * base.c.elapsed
    whole, rest = numerator // base.c.cycle_days, numerator % base.c.cycle_days
    expected = whole + case(
        (or_(rest * 2 > base.c.cycle_days, and_(rest * 2 == base.c.cycle_days, whole % 2 == 1)), 1), else_=0
    )
    complete = and_(total >= base.c.target_cents, *[earned[r] >= minimum[r] for r in Ranah])
    on_track = and_(total >= expected, *[earned[r] * base.c.cycle_days >= minimum[r] * base.c.elapsed for r in Ranah])
    state = case(
        (complete, SkpState.COMPLETE.value), (on_track, SkpState.ON_TRACK.value), else_=SkpState.SHORT.value
    ).label("state")
    return select(
        base.c.user_id,
        base.c.full_name,
        base.c.email,
        base.c.profession_code,
        base.c.has_licence,
        base.c.cycle_starts_on,
        base.c.cycle_ends_on,
        base.c.target_cents,
        *earned.values(),
        *minimum.values(),
        total,
        state,
    ).subquery("standings")
