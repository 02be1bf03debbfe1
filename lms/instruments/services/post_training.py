"""The post-training evaluation at work: the alumnus names their supervisor (atasan langsung), who rates them
through a signed link that needs no account, serves this one purpose, expires and takes one submission."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.accounts.models import User
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound
from lms.core.mail import send_mail
from lms.extensions import db
from lms.instruments.events import post_training_answered
from lms.instruments.items import InstrumentPurpose, InvalidAnswer, check_answers
from lms.instruments.models import Instrument, InstrumentResponse, SupervisorInvitation
from lms.instruments.rules import SUPERVISOR_DEDUPE_KEY
from lms.instruments.services.authoring import instrument_for_purpose
from lms.instruments.services.evaluations import find_asked
from lms.instruments.services.responses import existing_response, record_response

LINK_DAYS = 30
TOKEN_SALT = "lentera.instruments.supervisor-evaluation"
"""Only this purpose: a token signed for anything else in Lentera never opens the supervisor's form."""


class LinkInvalid(NotFound):
    code = "link_invalid"

    def default_message(self):
        return _l("This link is not valid. Ask the alumnus to send you a new one.")


class LinkExpired(Conflict):
    code = "link_expired"

    def default_message(self):
        return _l("This link has expired. Ask the alumnus to send you a new one.")


class LinkUsed(Conflict):
    code = "link_used"

    def default_message(self):
        return _l("This evaluation has already been submitted through this link. Thank you.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def token_for(invitation: SupervisorInvitation) -> str:
    return _serializer().dumps({"i": invitation.id, "n": invitation.nonce})


def invite_supervisor(user: User, key_text: str, name: str, email: str | None, now: datetime) -> SupervisorInvitation:
    """Name the supervisor for an open post-training evaluation; a new invitation replaces an unused one (the old
    link stops working)."""
    asked = find_asked(user, key_text, now)
    if asked.purpose != InstrumentPurpose.POST_TRAINING:
        raise NotFound()
    name, email = (name or "").strip(), (email or "").strip() or None
    if not name or len(name) > 120:
        raise InvalidInput(_l("Give your supervisor's name."))
    if email and ("@" not in email or len(email) > 254):
        raise InvalidInput(_l("The e-mail address does not look right."))
    enrolment_id = asked.enrolment.id
    invitation = db.session.query(SupervisorInvitation).filter_by(enrolment_id=enrolment_id).one_or_none()
    if invitation is not None and invitation.used_at is not None:
        raise LinkUsed()
    if invitation is None:
        invitation = SupervisorInvitation(enrolment_id=enrolment_id)
        db.session.add(invitation)
    invitation.supervisor_name, invitation.supervisor_email = name, email
    invitation.nonce = secrets.token_hex(8)
    invitation.created_at = now
    invitation.expires_at = now + timedelta(days=LINK_DAYS)
    db.session.flush()
    record_audit(user, "instrument.supervisor_invited", invitation, asked.enrolment.cohort.organization_id)
    return invitation


def invitation_of(user: User, key_text: str, now: datetime) -> SupervisorInvitation | None:
    asked = find_asked(user, key_text, now)
    return db.session.query(SupervisorInvitation).filter_by(enrolment_id=asked.enrolment.id).one_or_none()


def send_invitation(invitation: SupervisorInvitation, link: str) -> None:
    if not invitation.supervisor_email:
        return
    enrolment = invitation.enrolment
    subject = str(_l("Post-training evaluation of %(name)s", name=enrolment.user.full_name))
    body = str(
        _l(
            "Dear %(supervisor)s,\n\n%(name)s took the training %(course)s and asks for your evaluation of how they "
            "apply it at work. No account is needed; the link works once, until %(until)s:\n\n%(link)s\n",
            supervisor=invitation.supervisor_name,
            name=enrolment.user.full_name,
            course=enrolment.cohort.version.title,
            until=invitation.expires_at.date().isoformat(),
            link=link,
        )
    )
    send_mail(invitation.supervisor_email, subject, body)


def invitation_from_token(token: str, now: datetime) -> SupervisorInvitation:
    """The invitation a link names, refusing a forged, replaced, expired or used link."""
    try:
        claims = _serializer().loads(token, max_age=LINK_DAYS * 24 * 3600)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadSignature:
        raise LinkInvalid() from None
    invitation = db.session.get(SupervisorInvitation, claims.get("i") if isinstance(claims, dict) else None)
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(claims.get("n", ""))):
        raise LinkInvalid()
    if invitation.used_at is not None:
        raise LinkUsed()
    if now >= invitation.expires_at:
        raise LinkExpired()
    return invitation


def supervisor_instrument(invitation: SupervisorInvitation) -> Instrument:
    return instrument_for_purpose(invitation.enrolment.cohort.organization_id, InstrumentPurpose.POST_TRAINING)


def supervisor_submit(token: str, raw_answers: dict, now: datetime) -> InstrumentResponse:
    invitation = invitation_from_token(token, now)
    instrument = supervisor_instrument(invitation)
    try:
        answers = check_answers(instrument.items, raw_answers)
    except InvalidAnswer as error:
        raise InvalidInput(error.message) from None
    # Mark the link used in the same statement-level race as the response: whichever request inserts first wins.
    updated = db.session.execute(
        db.update(SupervisorInvitation)
        .where(SupervisorInvitation.id == invitation.id, SupervisorInvitation.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if not updated or existing_response(invitation.enrolment_id, SUPERVISOR_DEDUPE_KEY) is not None:
        raise LinkUsed()
    response, _recorded = record_response(
        instrument,
        invitation.enrolment_id,
        SUPERVISOR_DEDUPE_KEY,
        answers,
        respondent_role="supervisor",
        answered_at=now,
    )
    post_training_answered.send(
        response_id=response.id,
        enrolment_id=invitation.enrolment_id,
        user_id=invitation.enrolment.user_id,
        respondent="supervisor",
        answered_at=response.answered_at,
    )
    return response
