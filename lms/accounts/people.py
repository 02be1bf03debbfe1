"""Finding people an organization admin may see (by name, e-mail, STR or whole NIK), and its filtered member list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select

from lms.accounts.identity import NIK_PATTERN, normalize_nik
from lms.accounts.models import Facility, FacilityStaff, Membership, MembershipStatus, Role, User, WorkerMembership
from lms.accounts.permissions import organization_ids_for
from lms.extensions import db

PAGE_SIZE = 50

SEEN_BY_ORGANIZATION = (MembershipStatus.REQUESTED, MembershipStatus.INVITED, MembershipStatus.CONFIRMED)
"""A worker's membership the organization deals with: she asked, it invited (or imported) her, or she is a member."""


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def person_matches(text: str) -> ColumnElement[bool]:
    """A person matches a name or e-mail fragment, an STR number, or a whole NIK (never part of one: the NIK is
    personal data, shown masked, and guessing it digit by digit must not work)."""
    text = " ".join(text.split())
    nik = normalize_nik(text)
    if nik and NIK_PATTERN.match(nik):
        return User.nik == nik
    pattern = _like(text)
    return or_(
        func.lower(User.full_name).like(pattern, escape="\\"),
        func.lower(User.email).like(pattern, escape="\\"),
        User.str_number == text.upper().replace(" ", ""),
    )


def visible_people(actor: User) -> ColumnElement[bool]:
    """People an organization admin may see: its members (asked, invited or confirmed) and whoever holds a role in
    one of the organizations they administer. A platform admin sees everyone. Higher floors widen this (e.g. people
    enrolled in the organization's cohorts)."""
    if actor.is_platform_admin:
        return User.id.is_not(None)
    organization_ids = organization_ids_for(actor, (Role.ORG_ADMIN,))
    if not organization_ids:
        return false()
    return or_(
        User.id.in_(select(Membership.user_id).where(Membership.organization_id.in_(organization_ids))),
        User.id.in_(
            select(WorkerMembership.user_id).where(
                WorkerMembership.organization_id.in_(organization_ids),
                WorkerMembership.status.in_(SEEN_BY_ORGANIZATION),
            )
        ),
    )


def find_people(actor: User, text: str, *, also_visible: ColumnElement[bool] | None = None, limit: int = 20):
    """Active people matching `text` that `actor` may see; an exact e-mail finds any account (the admin knows it
    already, as when adding a member by e-mail)."""
    text = text.strip()
    if len(text) < 2:
        return []
    visible = visible_people(actor) if also_visible is None else or_(visible_people(actor), also_visible)
    exact_email = User.email == text.lower()
    stmt = (
        select(User)
        .where(User.is_active_account.is_(True), or_(exact_email, visible & person_matches(text)))
        .order_by(func.lower(User.full_name), User.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


@dataclass(frozen=True)
class MemberFilter:
    """Filters of an organization's member list: text (name, e-mail, STR, whole NIK), profession code, facility
    (part of its name), membership status (confirmed by default)."""

    text: str = ""
    profession: str = ""
    facility: str = ""
    status: MembershipStatus = MembershipStatus.CONFIRMED


def member_list_query(organization_id: int, filters: MemberFilter) -> Select:
    """Members of the organization (of the filter's status) matching the filters, by name."""
    stmt = (
        select(User)
        .join(WorkerMembership, WorkerMembership.user_id == User.id)
        .where(WorkerMembership.organization_id == organization_id, WorkerMembership.status == filters.status)
        .where(User.is_active_account.is_(True))
    )
    if filters.text.strip():
        stmt = stmt.where(person_matches(filters.text))
    if filters.profession:
        stmt = stmt.where(User.profession_code == filters.profession)
    if filters.facility.strip():
        pattern = _like(filters.facility.strip())
        works_there = exists(
            select(FacilityStaff.id)
            .join(Facility, FacilityStaff.facility_id == Facility.id)
            .where(
                FacilityStaff.user_id == User.id,
                FacilityStaff.status.in_(SEEN_BY_ORGANIZATION),
                func.lower(Facility.name).like(pattern, escape="\\"),
            )
        )
        stmt = stmt.where(or_(works_there, func.lower(User.facility).like(pattern, escape="\\")))
    return stmt.order_by(func.lower(User.full_name), User.id)


def member_page(organization_id: int, filters: MemberFilter, page: int = 1) -> tuple[list[User], int]:
    """One page of the filtered member list and the number of members matching."""
    stmt = member_list_query(organization_id, filters)
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    page = max(page, 1)
    users = list(db.session.execute(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars())
    return users, total


def member_ids(organization_id: int, filters: MemberFilter) -> list[int]:
    """Every member id matching the filters: "enrol everyone in this list"."""
    stmt = member_list_query(organization_id, filters).with_only_columns(User.id)
    return list(db.session.execute(stmt).scalars())
