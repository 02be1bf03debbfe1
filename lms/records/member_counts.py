"""Members per SKP state and profession for each organization, kept in a summary table (organization_skp_counts) so
that the dashboard reads a few rows instead of counting 56,000 members per view.

How it stays exact: `skp_counted_members` holds, for each confirmed membership, the state and profession the summary
counts for her. Whenever her standing row is recomputed — a ledger entry posted or reversed (SKP credited by a
certificate or an activity, or taken back), her SIP or profession set, a day that changes her state or cycle
(`standings.refresh_stale`, also run by the nightly job) — or one of her memberships is written (confirmed, left,
declined: a listener in lms.records.standings), `recount_members` compares what is counted for her with what is true
now and moves the difference into the summary, in the same transaction and under the same per-worker lock as her
standing row. Rows written around the ORM are caught by the nightly `reconcile_counts`, which recounts the members
whose counted state differs from the truth and rebuilds the summary from the counted rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, func, insert, or_, select, tuple_
from sqlalchemy.orm import Session

from lms.accounts.models import MembershipStatus, User, WorkerMembership
from lms.core.database import dialect_insert
from lms.records.models import OrganizationSkpCount, SkpCountedMember, SkpCycleTotal
from lms.records.skp import SkpRules, SkpState, empty_ledger_states, skp_rules
from lms.records.standings import empty_state_expression

CHUNK = 5000


def _true_state(stored: str | None, profession: str | None, empty: dict[str, SkpState]) -> str:
    """Her state as the dashboard's standings say: the stored row's, or an empty ledger's for her profession."""
    if stored is not None:
        return stored
    return empty.get(profession or "", empty["default"]).value


def recount_members(session: Session, user_ids: Iterable[int], today: date, rules: SkpRules | None = None) -> int:
    """Bring the counted state of `user_ids`' memberships to the truth and move the summary by the difference.
    Call after their standing rows hold for `today`. Returns how many memberships changed."""
    empty = empty_ledger_states(rules or skp_rules(), today)
    ids = sorted(set(user_ids))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        truth = {
            (user_id, organization_id): (_true_state(state, profession, empty), profession or "")
            for user_id, organization_id, state, profession in session.execute(
                select(
                    WorkerMembership.user_id,
                    WorkerMembership.organization_id,
                    SkpCycleTotal.state,
                    User.profession_code,
                )
                .join(User, User.id == WorkerMembership.user_id)
                .outerjoin(SkpCycleTotal, SkpCycleTotal.user_id == WorkerMembership.user_id)
                .where(WorkerMembership.user_id.in_(chunk), WorkerMembership.status == MembershipStatus.CONFIRMED)
            )
        }
        counted = {
            (user_id, organization_id): (state, profession)
            for user_id, organization_id, state, profession in session.execute(
                select(
                    SkpCountedMember.user_id,
                    SkpCountedMember.organization_id,
                    SkpCountedMember.state,
                    SkpCountedMember.profession_code,
                ).where(SkpCountedMember.user_id.in_(chunk))
            )
        }
        differing = [key for key in truth.keys() | counted.keys() if truth.get(key) != counted.get(key)]
        if differing:
            _move(session, differing, counted, truth)
            changed += len(differing)
    return changed


def _move(session: Session, keys: list, counted: dict, truth: dict) -> None:
    deltas: Counter = Counter()
    for user_id, organization_id in keys:
        if (old := counted.get((user_id, organization_id))) is not None:
            deltas[(organization_id, *old)] -= 1
        if (new := truth.get((user_id, organization_id))) is not None:
            deltas[(organization_id, *new)] += 1
    stale = [key for key in keys if key in counted]
    if stale:
        session.execute(
            delete(SkpCountedMember).where(
                tuple_(SkpCountedMember.user_id, SkpCountedMember.organization_id).in_(stale)
            )
        )
    fresh = [
        {"user_id": u, "organization_id": o, "state": truth[(u, o)][0], "profession_code": truth[(u, o)][1]}
        for u, o in keys
        if (u, o) in truth
    ]
    if fresh:
        session.execute(insert(SkpCountedMember), fresh)
    moves = [
        {"organization_id": o, "state": s, "profession_code": p, "members": n}
        for (o, s, p), n in sorted(deltas.items())
        if n
    ]
    if moves:
        table = OrganizationSkpCount.__table__
        statement = dialect_insert(session, table)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.organization_id, table.c.state, table.c.profession_code],
            set_={"members": table.c.members + statement.excluded.members},
        )
        session.execute(statement, moves)


def reconcile_counts(session: Session, today: date, rules: SkpRules | None = None) -> int:
    """Recount every member whose counted state or profession differs from the truth (or who is counted without a
    confirmed membership, or not counted with one), then rebuild the summary from the counted rows. The standing
    rows must hold for `today`. Returns how many members were recounted: 0 when the listeners kept up."""
    rules = rules or skp_rules()
    empty_state = empty_state_expression(today, rules)
    counted = SkpCountedMember
    wrong = (
        select(WorkerMembership.user_id)
        .join(User, User.id == WorkerMembership.user_id)
        .outerjoin(SkpCycleTotal, SkpCycleTotal.user_id == WorkerMembership.user_id)
        .outerjoin(
            counted,
            (counted.user_id == WorkerMembership.user_id)
            & (counted.organization_id == WorkerMembership.organization_id),
        )
        .where(
            WorkerMembership.status == MembershipStatus.CONFIRMED,
            or_(
                counted.state.is_(None),
                counted.state != func.coalesce(SkpCycleTotal.state, empty_state),
                counted.profession_code != func.coalesce(User.profession_code, ""),
            ),
        )
    )
    orphans = (
        select(counted.user_id)
        .outerjoin(
            WorkerMembership,
            (WorkerMembership.user_id == counted.user_id)
            & (WorkerMembership.organization_id == counted.organization_id)
            & (WorkerMembership.status == MembershipStatus.CONFIRMED),
        )
        .where(WorkerMembership.id.is_(None))
    )
    users = sorted(set(session.execute(wrong.union(orphans)).scalars()))
    recount_members(session, users, today, rules)
    session.execute(delete(OrganizationSkpCount))
    session.execute(
        insert(OrganizationSkpCount).from_select(
            ["organization_id", "state", "profession_code", "members"],
            select(counted.organization_id, counted.state, counted.profession_code, func.count()).group_by(
                counted.organization_id, counted.state, counted.profession_code
            ),
        )
    )
    return len(users)
