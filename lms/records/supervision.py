"""Regional supervision for a health office: the workers of the facilities in its area with their SKP standing per
ranah for their SIP cycle and their SIP renewal date, filtered (short of SKP overall, in one ranah or in any,
renewal within N months, facility, regency, name) and paged by name with a keyset cursor; and the counts behind
the page's chart.

Who is seen: confirmed staff of facilities in the office's jurisdiction (`dashboards.jurisdiction`), i.e. workers
who said they work there and agreed that this office sees their standing. Nobody else, whatever their SKP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.sql.elements import BindParameter

from lms.accounts.models import Facility, FacilityStaff, MembershipStatus, User
from lms.core.errors import InvalidInput, PermissionDenied
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records.dashboards import MemberStanding, can_supervise, jurisdiction, standing_from_row
from lms.records.models import SkpCycleTotal
from lms.records.skp import SkpState, skp_rules
from lms.records.standing_pages import name_or_email_contains, page_of_standings
from lms.records.standings import (
    EARNED_COLUMNS,
    empty_state_expression,
    ranah_behind_expression,
    refresh_stale,
    standings_subquery,
)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
RENEWAL_WINDOWS = (3, 6, 12)
"""Months ahead the page counts SIP renewals for."""


SHORT_OF_SKP = "1"
SHORT_IN_ANY_RANAH = "any"
SHORT_CHOICES = (SHORT_OF_SKP, SHORT_IN_ANY_RANAH, *(r.value for r in Ranah))
"""Values of the `short` filter: "1" short of SKP (the state: behind the target or a ranah for the point of the
cycle), "any" behind in some ranah, or a ranah code (`pelayanan`): behind in that ranah (`skp.ranah_behind`)."""


@dataclass(frozen=True)
class SupervisionFilters:
    short: str = ""
    """One of SHORT_CHOICES, or empty: no SKP filter."""
    renewal_within_months: int | None = None
    facility: str = ""
    """A facility code."""
    regency: str = ""
    name: str = ""

    def active(self) -> bool:
        return bool(self.short or self.renewal_within_months or self.facility or self.regency or self.name.strip())


@dataclass(frozen=True)
class SupervisedWorker:
    standing: MemberStanding
    facility_code: str
    facility_name: str
    regency: str


@dataclass(frozen=True)
class WorkerPage:
    workers: list[SupervisedWorker]
    next_cursor: str | None
    """Pass as `after` for the next page; None on the last page."""


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _staff_in_area(actor: User, filters: SupervisionFilters):
    """A WHERE clause on User: confirmed staff of a facility in the actor's area (and the facility filters)."""
    conditions = [FacilityStaff.status == MembershipStatus.CONFIRMED, jurisdiction(actor)]
    if filters.facility:
        conditions.append(Facility.code == filters.facility)
    if filters.regency:
        conditions.append(Facility.regency == filters.regency)
    return User.id.in_(
        select(FacilityStaff.user_id).join(Facility, Facility.id == FacilityStaff.facility_id).where(*conditions)
    )


def _behind_in_ranah(choice: str, today: date, earned_of, **columns):
    """Behind in the chosen ranah (or in any) as SQL, over a stored cycle row's columns."""
    chosen = list(Ranah) if choice == SHORT_IN_ANY_RANAH else [Ranah(choice)]
    return or_(*[ranah_behind_expression(r, today, earned_cents=earned_of(r), **columns) for r in chosen])


def _standing_conditions(standings, filters: SupervisionFilters, today: date) -> list:
    conditions = []
    if filters.short and filters.short != SHORT_OF_SKP:
        conditions.append(
            _behind_in_ranah(
                filters.short,
                today,
                lambda r: standings.c[f"{r.value}_cents"],
                cycle_start_day=standings.c.cycle_start_day,
                cycle_days=standings.c.cycle_days,
                area=standings.c.area,
                profession_code=standings.c.profession_code,
            )
        )
    elif filters.short:
        # Written on the stored state too, so that the planner sees how common "short" is (a COALESCE hides it).
        short = SkpState.SHORT.value
        conditions.append(
            or_(
                standings.c.stored_state == short,
                and_(standings.c.stored_state.is_(None), standings.c.state == short),
            )
        )
    if filters.renewal_within_months:
        # Renewal is the day after the cycle ends: due within N months when the cycle ends before that day.
        conditions.append(
            and_(
                standings.c.has_licence == true(),
                standings.c.cycle_ends_on < add_months(today, filters.renewal_within_months),
            )
        )
    if filters.name.strip():
        conditions.append(name_or_email_contains(standings.c.full_name, standings.c.email, filters.name))
    return conditions


def _require_supervisor(actor: User) -> None:
    if not can_supervise(actor):
        raise PermissionDenied()


def check_filters(filters: SupervisionFilters) -> None:
    if filters.short and filters.short not in SHORT_CHOICES:
        raise InvalidInput(_l("Short of SKP: choose overall, any ranah or one ranah."))
    if filters.renewal_within_months is not None and not 1 <= filters.renewal_within_months <= 120:
        raise InvalidInput(_l("Renewal within: give a number of months from 1 to 120."))


def supervised_workers(
    actor: User, filters: SupervisionFilters, today: date, *, after: str | None = None, limit: int = PAGE_SIZE
) -> WorkerPage:
    """One page of the area's workers by name (then id) after the `after` cursor. Two queries whatever the size of
    the area: the page (an index walk on users(full_name, id) that stops after `limit` matches) and its facilities."""
    _require_supervisor(actor)
    check_filters(filters)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    refresh_stale(today)
    standings = standings_subquery(_staff_in_area(actor, filters), today)
    conditions = _standing_conditions(standings, filters, today)
    # By the name index from the cursor on, stopping after `limit` matches (no trigram plan: an area is walked in
    # name order whatever the search).
    matching = and_(*conditions) if conditions else true()
    page = page_of_standings(standings, matching, limit, after=after)
    return WorkerPage(_with_facilities(actor, page.rows, today), page.next_cursor)


def _with_facilities(actor: User, rows, today: date) -> list[SupervisedWorker]:
    ids = [row.user_id for row in rows]
    places: dict[int, tuple[str, str, str]] = {}
    if ids:
        for user_id, code, name, regency in db.session.execute(
            select(FacilityStaff.user_id, Facility.code, Facility.name, Facility.regency)
            .join(Facility, Facility.id == FacilityStaff.facility_id)
            .where(
                FacilityStaff.user_id.in_(ids),
                FacilityStaff.status == MembershipStatus.CONFIRMED,
                jurisdiction(actor),
            )
            .order_by(Facility.name)
        ):
            places.setdefault(user_id, (code, name, regency))
    rules = skp_rules()
    return [
        SupervisedWorker(standing_from_row(row, rules, today), *places.get(row.user_id, ("", "", ""))) for row in rows
    ]


def all_supervised_workers(actor: User, filters: SupervisionFilters, today: date) -> list[SupervisedWorker]:
    """Every worker matching the filters, by name (the CSV export)."""
    _require_supervisor(actor)
    check_filters(filters)
    refresh_stale(today)
    standings = standings_subquery(_staff_in_area(actor, filters), today)
    rows = db.session.execute(
        select(standings)
        .where(*_standing_conditions(standings, filters, today))
        .order_by(standings.c.full_name, standings.c.user_id)
    ).all()
    return _with_facilities(actor, rows, today)


@dataclass(frozen=True)
class RegencySummary:
    regency: str
    workers: int
    short: int
    renewals: dict[int, int]
    """Months → SIP renewals due within that many months."""


def area_summary(actor: User, filters: SupervisionFilters, today: date) -> list[RegencySummary]:
    """Per regency of the area (the filters applied): workers, those short of SKP, and SIP renewals due within
    3/6/12 months. Counted per facility over the staff rows and the stored cycle totals (users are joined only for a
    name filter or when a profession's empty state differs), then summed per regency: a worker at two facilities
    counts at each, which spares a DISTINCT over the whole area."""
    _require_supervisor(actor)
    check_filters(filters)
    refresh_stale(today)
    t = SkpCycleTotal
    empty_state = empty_state_expression(today)
    short = SkpState.SHORT.value
    # The stored state first, so that the planner sees how common "short" is (a COALESCE hides it).
    is_short = or_(t.state == short, and_(t.state.is_(None), empty_state == short))
    licensed = t.has_licence == true()
    in_area = [jurisdiction(actor)]
    if filters.facility:
        in_area.append(Facility.code == filters.facility)
    if filters.regency:
        in_area.append(Facility.regency == filters.regency)
    conditions = [
        FacilityStaff.status == MembershipStatus.CONFIRMED,
        FacilityStaff.facility_id.in_(select(Facility.id).where(*in_area)),
    ]
    by_ranah = bool(filters.short) and filters.short != SHORT_OF_SKP
    if by_ranah:
        conditions.append(
            _behind_in_ranah(
                filters.short,
                today,
                EARNED_COLUMNS.__getitem__,
                cycle_start_day=t.cycle_start_day,
                cycle_days=t.cycle_days,
                area=t.area,
                profession_code=User.profession_code,
            )
        )
    elif filters.short:
        conditions.append(is_short)
    if filters.renewal_within_months:
        conditions.append(and_(licensed, t.cycle_ends_on < add_months(today, filters.renewal_within_months)))
    per_facility = (
        select(
            FacilityStaff.facility_id.label("facility_id"),
            func.count().label("workers"),
            func.sum(case((is_short, 1), else_=0)).label("short"),
            *[
                func.sum(case((and_(licensed, t.cycle_ends_on < add_months(today, n)), 1), else_=0)).label(f"r{n}")
                for n in RENEWAL_WINDOWS
            ],
        )
        .select_from(FacilityStaff)
        .outerjoin(t, t.user_id == FacilityStaff.user_id)
    )
    # The empty state is a constant (a bound literal) unless it depends on the profession.
    if filters.name.strip() or by_ranah or not isinstance(empty_state, BindParameter):
        per_facility = per_facility.join(User, User.id == FacilityStaff.user_id)
        if filters.name.strip():
            conditions.append(name_or_email_contains(User.full_name, User.email, filters.name))
    counts = per_facility.where(*conditions).group_by(FacilityStaff.facility_id).subquery("per_facility")
    rows = db.session.execute(
        select(
            Facility.regency,
            func.sum(counts.c.workers),
            func.sum(counts.c.short),
            *[func.sum(counts.c[f"r{n}"]) for n in RENEWAL_WINDOWS],
        )
        .join(counts, counts.c.facility_id == Facility.id)
        .group_by(Facility.regency)
        .order_by(Facility.regency)
    ).all()
    return [
        RegencySummary(
            regency,
            int(workers),
            int(short or 0),
            {n: int(c or 0) for n, c in zip(RENEWAL_WINDOWS, counts, strict=True)},
        )
        for regency, workers, short, *counts in rows
    ]


def area_facilities(actor: User, regency: str) -> list[Facility]:
    """The facilities of one regency of the supervisor's area, to filter by (a whole province has thousands)."""
    _require_supervisor(actor)
    if not regency:
        return []
    return list(
        db.session.execute(
            select(Facility).where(jurisdiction(actor), Facility.regency == regency).order_by(Facility.name)
        ).scalars()
    )


def area_regencies(actor: User) -> list[str]:
    """The regencies of the supervisor's area (from the facility list, by its province/regency index)."""
    _require_supervisor(actor)
    return list(
        db.session.execute(
            select(Facility.regency).where(jurisdiction(actor)).distinct().order_by(Facility.regency)
        ).scalars()
    )
