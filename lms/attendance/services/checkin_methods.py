"""Check-in methods (a registry) and the signed keys, QR texts and grants they verify."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.attendance.checkin_rules import (
    CodeInvalid,
    CodeNotOpen,
    CodeOtherSession,
    QrExpired,
    QrInvalid,
    RotatingCode,
    derive_key,
    normalize_code,
    parse_rotating_qr,
    personal_token,
    rotating_qr_url,
    user_id_from_personal_token,
    verify_rotating,
)
from lms.attendance.models import AttendanceSession, AttendanceStatus, CheckinCode
from lms.core.errors import InvalidInput
from lms.extensions import db

# --- keys and codes shown to learners ------------------------------------------------------------------------------


def _key(purpose: str) -> bytes:
    return derive_key(current_app.config["SECRET_KEY"], purpose)


def rotating_qr_text(session: AttendanceSession, now: datetime) -> str:
    return rotating_qr_url(current_app.config["PUBLIC_URL"], _key("rotating-qr"), session.id, now)


def personal_qr_text(user: User) -> str:
    return personal_token(_key("personal-qr"), user.id)


def _grant_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lentera.attendance.qr-grant")


def grant_for_scan(session: AttendanceSession, code: RotatingCode, now: datetime) -> str:
    """A signed note that the room QR was scanned in time, so that logging in and confirming may take a few
    minutes while the QR itself is good for 15-30 seconds. Verifies the scan first (raises when refused)."""
    verify_rotating(_key("rotating-qr"), session.id, code, now)
    return _grant_serializer().dumps({"s": session.id, "t": code.step})


def _verify_grant(session: AttendanceSession, grant: str) -> None:
    try:
        data = _grant_serializer().loads(grant, max_age=current_app.config["ATTENDANCE_QR_GRANT_SECONDS"])
    except SignatureExpired:
        raise QrExpired() from None
    except BadSignature:
        raise QrInvalid() from None
    if data.get("s") != session.id:
        raise QrInvalid()


# --- check-in methods (a registry) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """What a method's verify() found: the learner (personal QR), the code entered (webinar), a chosen status."""

    user_id: int | None = None
    code: CheckinCode | None = None
    codes_in_session: int = 0
    """With a webinar code: how many codes the session has (what "all codes" means)."""
    status: AttendanceStatus | None = None


class CheckinMethod:
    key = ""
    label = _l("Check-in")
    self_service = True
    """Learners use it themselves (else a facilitator does)."""
    checks_position = True
    """The session's geofence applies (a facilitator in the room needs no position)."""
    checks_window = True

    def verify(self, session: AttendanceSession, payload: dict, now: datetime) -> Verified:
        raise NotImplementedError


class RotatingQr(CheckinMethod):
    key = "rotating_qr"
    label = _l("Room QR")

    def verify(self, session, payload, now):
        if payload.get("grant"):
            _verify_grant(session, payload["grant"])
            return Verified()
        if payload.get("qr"):
            code = parse_rotating_qr(payload["qr"])
        else:
            try:
                code = RotatingCode(session.id, int(payload.get("t", "")), str(payload.get("c", "")))
            except ValueError:
                raise QrInvalid() from None
        verify_rotating(_key("rotating-qr"), session.id, code, now)
        return Verified()


class PersonalQr(CheckinMethod):
    key = "personal_qr"
    label = _l("Personal QR")
    self_service = False
    checks_position = False

    def verify(self, session, payload, now):
        return Verified(user_id=user_id_from_personal_token(_key("personal-qr"), str(payload.get("qr", ""))))


class WebinarCode(CheckinMethod):
    key = "webinar_code"
    label = _l("Webinar code")

    def verify(self, session, payload, now):
        typed = normalize_code(str(payload.get("code", "")))
        if not typed:
            raise CodeInvalid()
        # The session's number of codes comes along in the same query: every first check-in needs it.
        sibling = aliased(CheckinCode)
        in_session = (
            select(func.count(sibling.id)).where(sibling.session_id == CheckinCode.session_id).scalar_subquery()
        )
        rows = db.session.execute(select(CheckinCode, in_session).where(CheckinCode.code == typed)).all()
        found = next(((c, n) for c, n in rows if c.session_id == session.id), None)
        if found is None:
            raise CodeOtherSession() if rows else CodeInvalid()
        code, total = found
        if not code.is_open(now):
            raise CodeNotOpen()
        return Verified(code=code, codes_in_session=total)


class ByHand(CheckinMethod):
    key = "manual"
    label = _l("By hand")
    self_service = False
    checks_position = False
    checks_window = False

    def verify(self, session, payload, now):
        try:
            return Verified(user_id=int(payload["user_id"]), status=AttendanceStatus(payload["status"]))
        except (KeyError, ValueError, TypeError):
            raise InvalidInput(_l("Choose a learner and one of the statuses.")) from None


CHECKIN_METHODS: dict[str, CheckinMethod] = {
    method.key: method for method in (RotatingQr(), PersonalQr(), WebinarCode(), ByHand())
}
