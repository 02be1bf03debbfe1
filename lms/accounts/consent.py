"""Consents under UU 27/2022 (PDP), one service for every purpose: the wording a person agrees to, kept as shown, in
her language, with the time (registration, an organization membership, a facility's view of her record); withdrawing
one; listing hers (profile, "My data" page and download)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import Consent, ConsentPurpose, User
from lms.core.models import utcnow
from lms.extensions import db

REGISTRATION_CONSENT = _l(
    "I agree that Lentera keeps and uses my name, e-mail, profession, NIK, STR number and workplace, and my training "
    "results, to run my training, issue my certificates and keep my competency record. Organizations see what I do "
    "in their own courses. On the “My data” page I can see, download and correct my data, and delete my account."
)


def give_consent(
    user: User,
    purpose: ConsentPurpose,
    wording: str,
    *,
    locale: str,
    organization_id: int | None = None,
    facility_id: int | None = None,
) -> Consent:
    """Record a consent with the exact words shown; an earlier live consent for the same thing stays as it was."""
    record = Consent(
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
        select(Consent).where(
            Consent.user_id == user.id,
            Consent.purpose == purpose,
            Consent.organization_id == organization_id if organization_id else Consent.id.is_not(None),
            Consent.facility_id == facility_id if facility_id else Consent.id.is_not(None),
            Consent.withdrawn_at.is_(None),
        )
    ).scalars()
    now, count = utcnow(), 0
    for record in records:
        record.withdrawn_at, count = now, count + 1
    return count


def consents_of(user: User) -> list[Consent]:
    """Her consents, newest first (shown on her profile)."""
    return list(
        db.session.execute(
            select(Consent).where(Consent.user_id == user.id).order_by(Consent.given_at.desc(), Consent.id.desc())
        ).scalars()
    )
