"""Data of the dashboards: an organization's members by SKP state and its courses' figures (org admins), and the
coverage of facilities × competencies with expiring competencies (supervisors of a health office)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, case, false, func, literal, or_, select, true

from lms.accounts.models import (
    Facility,
    FacilityStaff,
    MembershipStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
    WorkerMembership,
)
from lms.accounts.permissions import require_organization_role
from lms.core.database import time_limited
from lms.core.errors import PermissionDenied
from lms.courses.curriculum import Ranah
from lms.courses.models import (
    Cohort,
    Course,
    CourseVersion,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonCompletion,
    Subject,
)
from lms.extensions import db
from lms.records.coverage import (
    Cell,
    CoverageRules,
    Holding,
    coverage_cells,
    coverage_rules,
    current_holdings,
    expiring_soon,
)
from lms.records.models import OrganizationSkpCount
from lms.records.skp import (
    Credit,
    Cycle,
    PracticeArea,
    SkpRules,
    SkpState,
    cycle_containing,
    ranah_behind,
    skp_rules,
    skp_standing,
)
from lms.records.standing_pages import MemberSearch, name_or_email_contains, page_of_standings
from lms.records.standings import refresh_stale, standings_subquery

PER_PAGE = 50
MAX_PER_PAGE = 500
MATCHES_COUNTED = 1000
"""The renewal filter counts its matches up to this many (the summary cannot answer it)."""
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


# --- organization: members and their SKP state -----------------------------------------------------------------


@dataclass(frozen=True)
class MemberFilters:
    state: str = ""
    profession: str = ""
    name: str = ""
    renewal_due: bool = False
    """SIP renewal within 12 months and short of SKP."""

    def active(self) -> bool:
        return bool(self.state or self.profession or self.name.strip() or self.renewal_due)


@dataclass(frozen=True)
class MemberStanding:
    user_id: int
    full_name: str
    email: str
    profession_code: str | None
    state: str
    earned: Decimal
    target: Decimal
    earned_per_ranah: dict[str, Decimal]
    minimum_per_ranah: dict[str, Decimal]
    renewal_on: date | None
    """The day the SIP is renewed (the day after the cycle ends); None without a SIP."""
    short_ranah: frozenset[str] = frozenset()
    """The ranah she is behind in for the point of her cycle (`skp.ranah_behind`)."""

    @property
    def missing(self) -> Decimal:
        lacking = sum(
            (max(Decimal(0), self.minimum_per_ranah[r] - self.earned_per_ranah[r]) for r in Ranah), Decimal(0)
        )
        return max(Decimal(0), self.target - self.earned, lacking)


@dataclass(frozen=True)
class MemberPage:
    members: list[MemberStanding]
    total: int | None
    """Members matching the filters; with the renewal filter counted only up to MATCHES_COUNTED + 1; not counted
    (None) for a name search."""
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in SkpState})
    """Members per SKP state, over the whole organization (from the maintained summary)."""
    next_cursor: str | None = None
    """Pass as `after` for the next page; None on the last page."""
    previous_cursor: str | None = None
    """Pass as `before` for the previous page; None on the first page."""

    @property
    def all_members(self) -> int:
        return sum(self.counts.values())

    @property
    def total_is_capped(self) -> bool:
        """More members match than were counted (the renewal filter): say "more than MATCHES_COUNTED"."""
        return self.total is not None and self.total > MATCHES_COUNTED


def _a_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _members_of(organization_id: int):
    """Confirmed members only: until she and the organization both agreed, her record is not its to read."""
    return User.id.in_(
        select(WorkerMembership.user_id).where(
            WorkerMembership.organization_id == organization_id,
            WorkerMembership.status == MembershipStatus.CONFIRMED,
        )
    )


def _conditions(standings, filters: MemberFilters, today: date) -> list:
    conditions = []
    if filters.state in {s.value for s in SkpState}:
        conditions.append(standings.c.state == filters.state)
    if filters.profession:
        conditions.append(standings.c.profession_code == filters.profession)
    if filters.name.strip():
        conditions.append(name_or_email_contains(standings.c.full_name, standings.c.email, filters.name))
    if filters.renewal_due:
        conditions.append(
            and_(
                standings.c.has_licence == true(),
                standings.c.cycle_ends_on < _a_year_after(today),
                standings.c.state == SkpState.SHORT.value,
            )
        )
    return conditions


def standing_from_row(row, rules: SkpRules, today: date) -> MemberStanding:
    """A member's figures from their stored totals, by the pure rules (the state comes from the query)."""
    cycle = Cycle(row.cycle_starts_on, row.cycle_ends_on) if row.cycle_starts_on else None
    cycle = cycle or cycle_containing(today, today, rules.cycle_years)
    credits = [
        Credit(r, Decimal(row._mapping[f"{r.value}_cents"]) / HUNDRED, cycle.starts_on)
        for r in Ranah
        if row._mapping[f"{r.value}_cents"]
    ]
    standing = skp_standing(
        credits,
        target=rules.target_for(row.profession_code),
        shares=rules.shares[PracticeArea(row.area or PracticeArea.NORMAL)],
        cycle=cycle,
        today=today,
    )
    return MemberStanding(
        row.user_id,
        row.full_name,
        row.email,
        row.profession_code,
        row.state,
        standing.earned.quantize(CENT),
        standing.target.quantize(CENT),
        {r.ranah.value: r.earned.quantize(CENT) for r in standing.ranah},
        {r.ranah.value: r.minimum.quantize(CENT) for r in standing.ranah},
        date.fromordinal(row.cycle_ends_on.toordinal() + 1) if row.has_licence else None,
        frozenset(r.ranah.value for r in standing.ranah if ranah_behind(r, cycle, today)),
    )


def _counts_query(organization_id: int, standings, matching, capped: bool):
    """The organization's summary rows; with `capped`, one more row (state "") holding how many members match the
    filters, counted up to MATCHES_COUNTED + 1: a single statement either way."""
    summary = select(
        OrganizationSkpCount.state, OrganizationSkpCount.profession_code, OrganizationSkpCount.members
    ).where(OrganizationSkpCount.organization_id == organization_id, OrganizationSkpCount.members != 0)
    if not capped:
        return summary
    first = select(standings.c.user_id).where(matching).limit(MATCHES_COUNTED + 1).subquery("first_matches")
    matches = select(func.count()).select_from(first).scalar_subquery()
    return summary.union_all(select(literal(""), literal(""), matches))


def member_standings(
    actor: User,
    organization_id: int,
    filters: MemberFilters,
    today: date,
    *,
    after: str | None = None,
    before: str | None = None,
    per_page: int = PER_PAGE,
) -> MemberPage:
    """One page of the organization's confirmed members with their SKP state for their current cycle, by name, after
    the `after` cursor (or before `before`). The same statements for every page, however deep: stale rows, the
    counts (the summary, and a capped count of the matches for the renewal filter), the page. A name search reads the
    organization's member names (`member_names`: a walk of their index, then their trigram indexes) and is not
    counted: counting its matches would cost more than finding a page of them."""
    require_organization_role(actor, organization_id)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    refresh_stale(today)
    standings = standings_subquery(_members_of(organization_id), today)
    conditions = _conditions(standings, filters, today)
    matching = and_(*conditions) if conditions else true()
    # State and profession filters are answered by the summary; the renewal filter is counted (capped).
    search = bool(filters.name.strip())
    capped = filters.renewal_due and not search
    state = filters.state if filters.state in {s.value for s in SkpState} else ""
    counts, total = {s.value: 0 for s in SkpState}, (None if search else 0)
    # A national organization's page must not hold a worker for long: its queries are cancelled past the report
    # time limit (PostgreSQL; TooSlow tells the admin to narrow the filters).
    with time_limited(current_app.config["REPORT_STATEMENT_TIMEOUT_MS"]):
        for row_state, profession, members in db.session.execute(
            _counts_query(organization_id, standings, matching, capped)
        ):
            if row_state == "":
                total = int(members)
                continue
            counts[row_state] = counts.get(row_state, 0) + members
            if total is not None and not capped and (not state or row_state == state):
                total += members if profession_matches(profession, filters) else 0
        if search:  # the organization's members named so (member_names), then the other filters
            others = _conditions(standings, replace(filters, name=""), today)
            page = page_of_standings(
                standings,
                and_(*others) if others else None,
                per_page,
                after=after,
                before=before,
                search=MemberSearch(organization_id, filters.name),
            )
        else:
            page = page_of_standings(standings, matching, per_page, after=after, before=before)
    rules = skp_rules()
    members = [standing_from_row(row, rules, today) for row in page.rows]
    return MemberPage(members, total, counts, page.next_cursor, page.previous_cursor)


def profession_matches(profession: str, filters: MemberFilters) -> bool:
    return not filters.profession or profession == filters.profession


def member_standings_export(
    actor: User, organization_id: int, filters: MemberFilters, today: date
) -> list[MemberStanding]:
    """Every member matching the filters (for the CSV), by name."""
    require_organization_role(actor, organization_id)
    refresh_stale(today)
    standings = standings_subquery(_members_of(organization_id), today)
    rows = db.session.execute(
        select(standings)
        .where(*_conditions(standings, filters, today))
        .order_by(standings.c.full_name, standings.c.user_id)
    )
    rules = skp_rules()
    return [standing_from_row(row, rules, today) for row in rows]


# --- organization: courses ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseFigures:
    course_id: int
    code: str
    title: str
    enrolled: int
    """Active enrolments."""
    finished: int
    """Active enrolments that completed every lesson of their version."""
    valid: int
    expired: int
    suspended: int
    revoked: int


def course_figures(actor: User, organization_id: int, now: datetime) -> list[CourseFigures]:
    """Per course of the organization: enrolments, completions and certificates by state, in one grouped query."""
    from lms.certificates.models import Certificate, CertificateStatus

    require_organization_role(actor, organization_id)
    lessons = (
        select(func.count(Lesson.id))
        .join(Subject, Lesson.subject_id == Subject.id)
        .where(Subject.version_id == Cohort.version_id)
        .scalar_subquery()
    )
    done = (
        select(func.count(LessonCompletion.id)).where(LessonCompletion.enrolment_id == Enrolment.id).scalar_subquery()
    )
    enrolments = (
        select(
            CourseVersion.course_id.label("course_id"),
            func.count(Enrolment.id).label("enrolled"),
            func.sum(case((done >= lessons, 1), else_=0)).label("finished"),
        )
        .select_from(Enrolment)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(CourseVersion, Cohort.version_id == CourseVersion.id)
        .join(Course, CourseVersion.course_id == Course.id)
        .where(Course.organization_id == organization_id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .group_by(CourseVersion.course_id)
        .subquery()
    )
    valid = Certificate.status == CertificateStatus.VALID
    expired = and_(Certificate.expires_at.is_not(None), Certificate.expires_at <= now)

    def tally(condition):
        return func.sum(case((condition, 1), else_=0))

    certificates = (
        select(
            CourseVersion.course_id.label("course_id"),
            tally(and_(valid, ~expired)).label("valid"),
            tally(and_(valid, expired)).label("expired"),
            tally(Certificate.status == CertificateStatus.SUSPENDED).label("suspended"),
            tally(Certificate.status == CertificateStatus.REVOKED).label("revoked"),
        )
        .select_from(Certificate)
        .join(CourseVersion, Certificate.version_id == CourseVersion.id)
        .where(Certificate.organization_id == organization_id)
        .group_by(CourseVersion.course_id)
        .subquery()
    )
    title = (
        select(CourseVersion.title)
        .where(CourseVersion.course_id == Course.id)
        .order_by(CourseVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Course.id,
            Course.code,
            title,
            *[func.coalesce(enrolments.c[name], 0) for name in ("enrolled", "finished")],
            *[func.coalesce(certificates.c[name], 0) for name in ("valid", "expired", "suspended", "revoked")],
        )
        .outerjoin(enrolments, enrolments.c.course_id == Course.id)
        .outerjoin(certificates, certificates.c.course_id == Course.id)
        .where(Course.organization_id == organization_id)
        .order_by(Course.code)
    )
    return [CourseFigures(*(row[:3]), *(int(n) for n in row[3:])) for row in rows]


# --- supervisors: coverage of facilities ---------------------------------------------------------------------------


def supervised_offices(actor: User) -> list[Organization]:
    """The health offices in which `actor` is a supervisor."""
    ids = {m.organization_id for m in actor.memberships if Role(m.role) == Role.SUPERVISOR}
    if not ids:
        return []
    # Asked several times per request (permission, area, filters): read once per database session.
    key = ("records.supervised_offices", actor.id, frozenset(ids))
    if key not in db.session.info:
        db.session.info[key] = list(
            db.session.execute(
                select(Organization).where(
                    Organization.id.in_(ids), Organization.kind == OrganizationKind.HEALTH_OFFICE
                )
            ).scalars()
        )
    return db.session.info[key]


def can_supervise(actor: User) -> bool:
    return actor.is_authenticated and (actor.is_platform_admin or bool(supervised_offices(actor)))


def jurisdiction(actor: User):
    """Facilities a supervisor may see: a provincial office its province, a regency (kabupaten/kota) office only its
    regency; an office without a province sees none. Platform admins see all. A WHERE clause on `Facility`."""
    if actor.is_platform_admin:
        return true()
    areas = []
    for office in supervised_offices(actor):
        if not office.province:
            continue
        area = Facility.province == office.province
        areas.append(and_(area, Facility.regency == office.regency) if office.regency else area)
    return or_(*areas) if areas else false()


@dataclass(frozen=True)
class FacilityCoverage:
    facility: Facility
    type_label: str
    staff: int
    cells: list[Cell]

    @property
    def short(self) -> int:
        return sum(1 for c in self.cells if not c.enough)


@dataclass(frozen=True)
class ExpiringCompetency:
    facility: Facility
    full_name: str
    code: str
    name: str
    expires_on: date


@dataclass(frozen=True)
class Coverage:
    codes: list[str]
    names: dict[str, str]
    facilities: list[FacilityCoverage]
    expiring: list[ExpiringCompetency]
    provinces: list[str]
    regencies: list[str]
    rules: CoverageRules


def coverage(actor: User, today: date, *, province: str = "", regency: str = "") -> Coverage:
    """Facilities in the supervisor's jurisdiction (optionally one province / regency) × the competencies their types
    need: staff holding each through a valid, unexpired certificate, and who lets one expire within 90 days.

    Staff of a facility are the workers who said they work there (confirmed facility staff, with their consent that
    the area's health office sees this)."""
    from lms.certificates.models import Certificate, CertificateStatus

    if not can_supervise(actor):
        raise PermissionDenied()
    rules = coverage_rules()
    in_scope = jurisdiction(actor)
    regions = db.session.execute(select(Facility.province, Facility.regency).where(in_scope).distinct()).all()
    chosen = [in_scope]
    if province:
        chosen.append(Facility.province == province)
    if regency:
        chosen.append(Facility.regency == regency)
    facilities = list(db.session.execute(select(Facility).where(*chosen).order_by(Facility.name)).scalars())
    ids = [f.id for f in facilities]
    confirmed = FacilityStaff.status == MembershipStatus.CONFIRMED
    staff = dict(
        db.session.execute(
            select(FacilityStaff.facility_id, func.count(func.distinct(FacilityStaff.user_id)))
            .where(FacilityStaff.facility_id.in_(ids), confirmed)
            .group_by(FacilityStaff.facility_id)
        ).all()
    )
    # A cheap cut on the stored expiry (a day's margin for time zones); the printed expiry date then decides, as on
    # the worker's own record.
    cut = datetime.combine(today - timedelta(days=1), time.min, tzinfo=UTC)
    rows = db.session.execute(
        select(
            FacilityStaff.facility_id,
            Certificate.user_id,
            User.full_name,
            Certificate.snapshot["expires_on"].as_string(),
            Certificate.snapshot["competencies"],
        )
        .join(Certificate, Certificate.user_id == FacilityStaff.user_id)
        .join(User, User.id == Certificate.user_id)
        .where(
            FacilityStaff.facility_id.in_(ids),
            confirmed,
            Certificate.status == CertificateStatus.VALID,
            or_(Certificate.expires_at.is_(None), Certificate.expires_at >= cut),
        )
    ).all()
    holdings, names, people = [], {}, {}
    for facility_id, user_id, full_name, expires_on, competencies in rows:
        people[user_id] = full_name
        for competency in competencies or []:
            names.setdefault(competency["code"], competency["name"])
            holdings.append(
                Holding(
                    facility_id, user_id, competency["code"], date.fromisoformat(expires_on) if expires_on else None
                )
            )
    held = current_holdings(holdings, today)
    types = {f.id: rules.type_of_facility(f.code, f.kind, f.name) for f in facilities}
    codes = rules.competency_codes(types.values())
    by_id = {f.id: f for f in facilities}
    return Coverage(
        codes=codes,
        names=names,
        facilities=[
            FacilityCoverage(
                f, types[f.id].label, staff.get(f.id, 0), coverage_cells(f.id, types[f.id].needs, codes, held)
            )
            for f in facilities
        ],
        expiring=[
            ExpiringCompetency(by_id[f], people[u], code, names.get(code, code), expires_on)
            for f, u, code, expires_on in expiring_soon(held, today, rules.expiring_within_days)
        ],
        provinces=sorted({p for p, _ in regions if p}),
        regencies=sorted({r for p, r in regions if r and (not province or p == province)}),
        rules=rules,
    )
