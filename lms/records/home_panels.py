"""The competency record's home panels: the worker's SKP bars, and an organization's activities waiting for review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from lms.accounts.models import Organization, Role
from lms.core.labels import labels_of
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records.models import ActivityStatus, ExternalActivity
from lms.records.services import Record, record_of


@dataclass(frozen=True)
class SkpPanel:
    record: Record
    ranah_labels: dict


def skp_standing(user, now: datetime) -> SkpPanel | None:
    """The worker's record this SIP cycle, once there is something in it (a credit, or a SIP date)."""
    today = now.astimezone(ZoneInfo(str(user.timezone or "Asia/Jakarta"))).date()
    record = record_of(user, today)
    return SkpPanel(record, labels_of(Ranah)) if record.entries or record.licence else None


@dataclass(frozen=True)
class WaitingReviews:
    organization: Organization
    count: int


def activities_waiting_review(user, now: datetime) -> list[WaitingReviews]:
    organization_ids = [m.organization_id for m in user.memberships if Role(m.role) == Role.ORG_ADMIN]
    if not organization_ids:
        return []
    rows = db.session.execute(
        select(Organization, func.count(ExternalActivity.id))
        .join(ExternalActivity, ExternalActivity.organization_id == Organization.id)
        .where(Organization.id.in_(organization_ids), ExternalActivity.status == ActivityStatus.PENDING)
        .group_by(Organization.id)
    ).all()
    return [WaitingReviews(organization, count) for organization, count in rows]


@dataclass(frozen=True)
class RegionGlance:
    facilities: int
    facilities_short: int
    expiring: int
    expiring_within_days: int


def region_at_a_glance(user, now: datetime) -> RegionGlance | None:
    """For a supervisor: facilities in their jurisdiction, how many lack a competency they need, who expires soon."""
    if not user.has_role(Role.SUPERVISOR):
        return None
    from lms.records.dashboards import coverage

    today = now.astimezone(ZoneInfo(str(user.timezone or "Asia/Jakarta"))).date()
    result = coverage(user, today)
    return RegionGlance(
        len(result.facilities),
        sum(1 for f in result.facilities if f.short),
        len(result.expiring),
        result.rules.expiring_within_days,
    )
