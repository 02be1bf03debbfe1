"""Consent records: what a worker agreed to, in the words she was shown, when; and withdrawing it."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import ConsentPurpose, ConsentRecord, User
from lms.core.models import utcnow
from lms.extensions import db


def give_consent(
    user: User,
    purpose: ConsentPurpose,
    wording: str,
    *,
    locale: str,
    organization_id: int | None = None,
    facility_id: int | None = None,
) -> ConsentRecord:
    """Record a consent with the exact words shown; an earlier live consent for the same thing stays as it was."""
    record = ConsentRecord(
        user_id=user.id,
        purpose=purpose,
        organization_id=organization_id,
        facility_id=facility_id,
        wording=wording,
        locale=(locale or "id")[:5],
        given_at=utcnow(),
    )
    db.session.add(record)
    db.session.flush()
    return record


def withdraw_consent(
    user: User, purpose: ConsentPurpose, *, organization_id: int | None = None, facility_id: int | None = None
) -> int:
    """Mark every live consent of `user` for this purpose and organization/facility as withdrawn; returns how many."""
    records = db.session.execute(
        select(ConsentRecord).where(
            ConsentRecord.user_id == user.id,
            ConsentRecord.purpose == purpose,
            ConsentRecord.organization_id == organization_id if organization_id else ConsentRecord.id.is_not(None),
            ConsentRecord.facility_id == facility_id if facility_id else ConsentRecord.id.is_not(None),
            ConsentRecord.withdrawn_at.is_(None),
        )
    ).scalars()
    now, count = utcnow(), 0
    for record in records:
        record.withdrawn_at, count = now, count + 1
    return count


def consents_of(user: User) -> list[ConsentRecord]:
    """Her consents, newest first (shown on her profile)."""
    return list(
        db.session.execute(
            select(ConsentRecord)
            .where(ConsentRecord.user_id == user.id)
            .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
        ).scalars()
    )
