"""Pure check-in rules: the session window, rotating QR codes, personal QR tokens, webinar codes, the geofence.

Everything here takes the time (`now`) and the keys as arguments, so it is tested with an injected clock and no app.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from flask_babel import lazy_gettext as _l

from lms.attendance.models import AttendanceStatus
from lms.core.errors import DomainError

ROTATION_SECONDS = 15
"""The room QR changes this often; the current and the previous step are accepted (up to 30 s of delay)."""
ROTATING_DIGEST_CHARS = 16
PERSONAL_PREFIX = "LNTP"
PERSONAL_DIGEST_CHARS = 20
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: a code read aloud or from a blurry slide is typed right."""
CODE_LENGTH = 6


class CheckinRefused(DomainError):
    """A check-in rule said no; the try is kept for the facilitator with this error's `code` as its reason."""

    status_code = 422
    code = "checkin_refused"

    def default_message(self):
        return _l("The check-in was refused.")


class CheckinNotOpenYet(CheckinRefused):
    code = "checkin_not_open"

    def default_message(self):
        return _l("Check-in for this session is not open yet.")


class CheckinClosed(CheckinRefused):
    code = "checkin_closed"

    def default_message(self):
        return _l("Check-in for this session has closed.")


class QrInvalid(CheckinRefused):
    code = "qr_invalid"

    def default_message(self):
        return _l("This QR code is not a valid check-in code. Scan the code on the screen again.")


class QrOtherSession(CheckinRefused):
    code = "qr_other_session"

    def default_message(self):
        return _l("This QR code belongs to another session.")


class QrExpired(CheckinRefused):
    code = "qr_expired"

    def default_message(self):
        return _l("This QR code has expired. Scan the code on the screen again.")


class CodeInvalid(CheckinRefused):
    code = "code_invalid"

    def default_message(self):
        return _l("This code is not valid for this session. Check it and try again.")


class CodeOtherSession(CheckinRefused):
    code = "code_other_session"

    def default_message(self):
        return _l("This code belongs to another session.")


class CodeNotOpen(CheckinRefused):
    code = "code_not_open"

    def default_message(self):
        return _l("This code is not valid at this time: it is shown only during its own window.")


class PositionNeeded(CheckinRefused):
    code = "position_needed"

    def default_message(self):
        return _l(
            "This session checks that you are in the room: allow the browser to share your location and try again."
        )


class OutsideGeofence(CheckinRefused):
    code = "outside_geofence"

    def default_message(self):
        return _l("You seem to be too far from the session's place to check in.")


class NotEnrolled(CheckinRefused):
    status_code = 403
    code = "not_enrolled"

    def default_message(self):
        return _l("You are not an active participant of this cohort.")


# --- the session window -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Margins:
    """When check-in opens before the start, when it counts as late, when it closes after the end."""

    opens_before: timedelta
    late_after: timedelta
    closes_after_end: timedelta


def status_at(starts_at: datetime, ends_at: datetime, now: datetime, margins: Margins) -> AttendanceStatus:
    """Hadir or Terlambat for a check-in at `now`; refused outside [start - opens_before, end + closes_after_end]."""
    if now < starts_at - margins.opens_before:
        raise CheckinNotOpenYet()
    if now > ends_at + margins.closes_after_end:
        raise CheckinClosed()
    return AttendanceStatus.HADIR if now <= starts_at + margins.late_after else AttendanceStatus.TERLAMBAT


# --- rotating room QR -------------------------------------------------------------------------------------------


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A key for one purpose only, so that a leaked QR key says nothing about the session cookie key."""
    return hmac.new(secret_key.encode(), f"lentera/attendance/{purpose}".encode(), hashlib.sha256).digest()


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // ROTATION_SECONDS


def rotating_digest(key: bytes, session_id: int, step: int) -> str:
    return hmac.new(key, f"{session_id}:{step}".encode(), hashlib.sha256).hexdigest()[:ROTATING_DIGEST_CHARS]


def rotating_qr_url(public_url: str, key: bytes, session_id: int, now: datetime) -> str:
    step = time_step(now)
    digest = rotating_digest(key, session_id, step)
    return f"{public_url.rstrip('/')}/attendance/checkin/{session_id}?t={step}&c={digest}"


@dataclass(frozen=True)
class RotatingCode:
    session_id: int
    step: int
    digest: str


def parse_rotating_qr(text: str) -> RotatingCode:
    """The session, step and digest of a scanned room QR (any host: the signature is what counts)."""
    parts = urlsplit(text.strip())
    match = re.fullmatch(r".*/attendance/checkin/(\d+)/?", parts.path)
    query = parse_qs(parts.query)
    try:
        if match is None:
            raise ValueError
        return RotatingCode(int(match.group(1)), int(query["t"][0]), query["c"][0])
    except (KeyError, ValueError, IndexError):
        raise QrInvalid() from None


def verify_rotating(key: bytes, session_id: int, code: RotatingCode, now: datetime) -> None:
    """Accept the current and the previous time step of this session's QR; refuse others with the reason."""
    if not hmac.compare_digest(code.digest, rotating_digest(key, code.session_id, code.step)):
        raise QrInvalid()
    if code.session_id != session_id:
        raise QrOtherSession()
    current = time_step(now)
    if code.step not in (current, current - 1):
        raise QrExpired()


# --- personal QR ------------------------------------------------------------------------------------------------


def personal_token(key: bytes, user_id: int) -> str:
    """The text of a learner's personal QR: the user id and its signature (no NIK, no e-mail); upper case, so the
    QR uses alphanumeric mode and stays small."""
    digest = hmac.new(key, f"personal:{user_id}".encode(), hashlib.sha256).hexdigest()[:PERSONAL_DIGEST_CHARS]
    return f"{PERSONAL_PREFIX}-{user_id}-{digest.upper()}"


def user_id_from_personal_token(key: bytes, text: str) -> int:
    match = re.fullmatch(rf"{PERSONAL_PREFIX}-(\d{{1,12}})-([0-9A-F]{{{PERSONAL_DIGEST_CHARS}}})", text.strip().upper())
    if match is None or not hmac.compare_digest(personal_token(key, int(match.group(1))), match.group(0)):
        raise QrInvalid()
    return int(match.group(1))


# --- webinar codes ----------------------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str:
    """What a learner typed, as stored: upper case, spaces and dashes dropped."""
    return re.sub(r"[\s-]", "", typed or "").upper()


def status_from_codes(entered: int, total: int, first_status: AttendanceStatus) -> AttendanceStatus:
    """A webinar's presence from its codes: all entered → the status of the first entry (Hadir, or Terlambat when
    it came after the late margin); at least half → Terlambat (left early or joined late); fewer → Alfa."""
    if total <= 0 or entered >= total:
        return first_status
    if entered * 2 >= total:
        return AttendanceStatus.TERLAMBAT
    return AttendanceStatus.ALFA


# --- geofence ---------------------------------------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def check_geofence(
    centre: tuple[float, float], radius_m: int, position: tuple[float, float] | None, accuracy_m: float = 0
) -> None:
    """Refuse without a position, or when the position (allowing for its reported accuracy, capped) is too far."""
    if position is None:
        raise PositionNeeded()
    slack = min(max(accuracy_m, 0), 100)  # a phone indoors reports tens of metres; never more than 100 m of benefit
    if distance_m(*centre, *position) > radius_m + slack:
        raise OutsideGeofence()


@dataclass(frozen=True)
class CodeWindow:
    """When a webinar code can really be used: while it is open AND its session's check-in is open."""

    usable_from: datetime
    usable_until: datetime

    @property
    def ever_usable(self) -> bool:
        return self.usable_from < self.usable_until

    def state_at(self, now: datetime) -> str:
        """ "usable", "not_yet" (usable from `usable_from`), or "closed" (never, or no longer)."""
        if not self.ever_usable or now >= self.usable_until:
            return "closed"
        return "usable" if now >= self.usable_from else "not_yet"


def code_window(
    code_opens_at: datetime, code_closes_at: datetime, starts_at: datetime, ends_at: datetime, margins: Margins
) -> CodeWindow:
    """The part of a code's own window in which its session accepts check-ins (a code opened hours early is of no
    use to learners until check-in opens)."""
    return CodeWindow(
        max(code_opens_at, starts_at - margins.opens_before), min(code_closes_at, ends_at + margins.closes_after_end)
    )
