"""Finding certificates: by public id, a learner's own, an organization's, by number and code; the live status."""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.certificates import numbering
from lms.certificates.models import Certificate, state_of
from lms.certificates.status_cache import read_status
from lms.core.database import read_one
from lms.core.errors import NotFound
from lms.extensions import db

if TYPE_CHECKING:
    from lms.certificates.verification import LiveStatus


def certificate_by_public_id(public_id: str) -> Certificate | None:
    if not re.fullmatch(r"[0-9a-f]{24}", public_id or ""):
        return None
    return db.session.execute(select(Certificate).where(Certificate.public_id == public_id)).scalar_one_or_none()


def certificates_of(user: User) -> list[Certificate]:
    """The learner's own certificates, newest first."""
    return list(
        db.session.execute(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        ).scalars()
    )


def certificate_of(user: User, public_id: str) -> Certificate:
    """One of the learner's certificates; anyone else's is "not found"."""
    certificate = certificate_by_public_id(public_id)
    if certificate is None or certificate.user_id != user.id:
        raise NotFound()
    return certificate


def certificate_in(organization_id: int, public_id: str) -> Certificate:
    """A certificate of this organization, for its admin pages; any other is "not found"."""
    certificate = certificate_by_public_id(public_id)
    if certificate is None or certificate.organization_id != organization_id:
        raise NotFound()
    return certificate


def find_by_number_and_code(number: str, code: str) -> Certificate | None:
    """The manual check: the printed number AND its verification code (never the number alone)."""
    key, code = numbering.number_key(number), numbering.normalize_verification_code(code)
    if not key or not code or len(key) > 120 or not (key.isascii() and code.isascii()):
        return None  # no printed number or code holds anything but ASCII: the same answer as a wrong code
    candidates = db.session.execute(select(Certificate).where(Certificate.number == key)).scalars().all()
    if not candidates:  # typed in another case or with spaces: compare in the number's own key form
        typed_form = func.upper(func.replace(Certificate.number, " ", ""))
        candidates = db.session.execute(select(Certificate).where(typed_form == key).limit(5)).scalars().all()
    for certificate in candidates:
        if hmac.compare_digest(certificate.verification_code.encode(), code.encode()):
            return certificate
    return None


@cache
def _live_status_query() -> Select:
    """Built once: every scan of every certificate runs it, and building the statement costs more than running it."""
    replacement = aliased(Certificate)
    return (
        select(
            Certificate.status,
            Certificate.status_reason,
            Certificate.status_changed_at,
            Certificate.expires_at,
            # The two texts the page shows, not the whole snapshot to decode.
            Certificate.snapshot["course_title"].as_string(),
            Certificate.snapshot["organization_name"].as_string(),
            replacement.number,
        )
        .outerjoin(replacement, replacement.replaces_id == Certificate.id)
        .where(Certificate.public_id == bindparam("public_id"))
        .limit(1)
    )


def status_rows_of_organization(organization_id: int) -> list[tuple[int, str, str]]:
    """(id, stored status, signing key id) of every certificate the organization issued: its status lists."""
    query = select(Certificate.id, Certificate.status, Certificate.signing_key_id).where(
        Certificate.organization_id == organization_id
    )
    return [tuple(row) for row in db.session.execute(query)]


def live_status(certificate_id: bytes, now: datetime) -> LiveStatus | None:
    """The state of a certificate right now, for the verify page (after its token's signature checked out).

    One query for only the columns needed: this runs on every scan of every certificate."""
    from lms.certificates.verification import LiveStatus

    if not isinstance(certificate_id, bytes) or len(certificate_id) != 12:
        return None
    parameters = {"public_id": certificate_id.hex()}
    if db.session.registry.has() and db.session().in_transaction():
        # Within a transaction (a certificate issued or changed but not yet committed): what the session sees.
        row = db.session.execute(_live_status_query(), parameters).first()
    else:
        # A scan's one query (autocommit, no ping first: one round trip), or its row kept while that is safe.
        row = read_status(parameters["public_id"], lambda: read_one(_live_status_query(), parameters))
    if row is None:
        return None
    status, reason, changed_at, expires_at, course_title, organization_name, replaced_by = row
    state = state_of(status, expires_at, now)
    if state not in ("revoked", "suspended"):
        reason, changed_at = None, None
    elif state == "revoked" and replaced_by is not None:
        reason = str(_l("%(reason)s Replaced by %(number)s.", reason=reason or "", number=replaced_by))
    return LiveStatus(
        state=state,
        reason=reason,
        changed_at=changed_at,
        course_title=course_title or "",
        organization_name=organization_name or "",
        expires_at=expires_at,
    )
