"""Consents under UU 27/2022 (PDP): the wording a person agrees to, kept as shown, in her language, with the time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.accounts.models import Consent, ConsentKind, User
from lms.core.models import utcnow
from lms.extensions import db

REGISTRATION_CONSENT = _l(
    "I agree that Lentera keeps and uses my name, e-mail, profession, NIK, STR number and workplace, and my training "
    "results, to run my training, issue my certificates and keep my competency record. Organizations see what I do "
    "in their own courses. On the “My data” page I can see, download and correct my data, and delete my account."
)


def record_consent(
    user: User, kind: ConsentKind, wording: str, locale: str, organization_id: int | None = None
) -> Consent:
    """Keep the consent exactly as it was shown (`wording` already in the person's language)."""
    consent = Consent(
        user_id=user.id,
        kind=kind,
        organization_id=organization_id,
        wording=wording,
        locale=(locale or "id")[:5],
        given_at=utcnow(),
    )
    db.session.add(consent)
    return consent
