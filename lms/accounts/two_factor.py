"""Two-factor authentication: TOTP codes from an authenticator app (RFC 6238, pyotp) and one-time recovery codes.

Who must use it: platform admins (they manage signing keys) and the admins of organizations whose setting
`admins_require_two_factor` is on (they issue and revoke certificates), when the deployment enforces it
(REQUIRE_2FA_FOR_ADMINS, on by default). Everyone else may turn it on in the profile.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import pyotp
import qrcode
import qrcode.image.svg
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from lms.accounts.models import RecoveryCode, Role, User
from lms.accounts.services import revoke_all_api_tokens
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput
from lms.core.models import utcnow
from lms.core.secret_box import SecretBoxError, open_sealed, seal, sealing_key_kind
from lms.extensions import db

RECOVERY_CODE_COUNT = 10
VALID_WINDOW = 1
"""Codes of one time step (30 s) before and after now are accepted too: phone clocks drift."""


class WrongCode(InvalidInput):
    def default_message(self):
        return _l("That code is not correct. Enter the 6 digits your authenticator app shows now.")


class TwoFactorStillRequired(InvalidInput):
    def default_message(self):
        return _l("Your role requires two-factor authentication: it cannot be turned off.")


# --- pure rules ------------------------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The `otpauth://` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as inline SVG markup (vectors: sharp on any screen, no image request)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def normalize_code(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def accepted_time_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step whose TOTP equals `code` (within VALID_WINDOW of now), if later than `last_step`: a code is
    good once only, so a code seen over a shoulder or replayed is refused."""
    code = normalize_code(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Codes like `k7fq-2m9x-p4ta`: 60 random bits each, easy to copy by hand."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3)) for _ in range(count)]


def recovery_digest(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def is_required_for(user: User, enforced: bool) -> bool:
    """Whether `user` must log in with a second factor."""
    if not enforced:
        return False
    if user.is_platform_admin:
        return True
    return any(
        Role(membership.role) == Role.ORG_ADMIN and membership.organization.admins_require_two_factor
        for membership in user.memberships
    )


# --- the stored secret ----------------------------------------------------------------------------------------------


def _context(user: User) -> str:
    return f"lentera-totp:{user.id}"


def store_secret(user: User, secret: str | None) -> None:
    """Keep `secret` encrypted (lms.core.secret_box), bound to this user: the column never holds it in clear."""
    user.totp_secret_sealed = None if secret is None else seal(secret, _context(user), current_app.config)


def secret_of(user: User) -> str | None:
    """The user's TOTP secret in clear, for checking a code; sealed again with LMS_KEY_ENCRYPTION_KEY once that is
    set when it was sealed under the key derived from SECRET_KEY."""
    if not user.totp_secret_sealed:
        return None
    secret = open_sealed(user.totp_secret_sealed, _context(user), current_app.config)
    if not user.totp_secret_sealed.startswith(sealing_key_kind(current_app.config) + ":"):
        store_secret(user, secret)
    return secret


# --- services --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """What turning two-factor on gives back: the recovery codes (shown once) and how many API tokens it revoked."""

    recovery_codes: list[str]
    tokens_revoked: int


def enable(user: User, secret: str, code: str) -> Enrolment:
    """Turn two-factor on with `secret` once the user proves their app shows its codes; the recovery codes are
    shown once and stored hashed. Every other session ends and every API token is revoked: they were opened with
    the password alone, so whoever knew it would keep them past the second factor."""
    step = accepted_time_step(secret, code, None)
    if step is None:
        raise WrongCode()
    store_secret(user, secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_counter = step
    codes = _replace_recovery_codes(user)
    user.end_all_sessions()
    revoked = revoke_all_api_tokens(user)
    record_audit(user, "account.two_factor_enable", user, user_id=user.id, tokens_revoked=revoked)
    return Enrolment(codes, revoked)


def disable(user: User, code: str, *, required: bool) -> None:
    if required:
        raise TwoFactorStillRequired()
    if not verify(user, code):
        raise WrongCode()
    store_secret(user, None)
    user.totp_enabled_at = None
    user.totp_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    # Sessions opened with the second factor must not outlive it: a session taken over before is thrown out too.
    user.end_all_sessions()
    record_audit(user, "account.two_factor_disable", user, user_id=user.id)


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    if not verify(user, code):
        raise WrongCode()
    codes = _replace_recovery_codes(user)
    record_audit(user, "account.recovery_codes_replace", user)
    return codes


def verify(user: User, code: str) -> bool:
    """Check a second factor: a current TOTP code (each good once) or an unused recovery code (then used up)."""
    if not user.has_two_factor:
        return False
    try:
        secret = secret_of(user)
    except SecretBoxError:
        # Sealed under keys this deployment no longer has (SECRET_KEY changed): only a recovery code still works.
        current_app.logger.error("the two-factor secret of user %s does not open with the configured keys", user.id)
        secret = None
    step = accepted_time_step(secret, code, user.totp_last_counter) if secret else None
    if step is not None:
        user.totp_last_counter = step
        return True
    recovery = db.session.execute(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.digest == recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
    ).scalar_one_or_none()
    if recovery is None:
        return False
    recovery.used_at = utcnow()
    record_audit(user, "account.recovery_code_use", user)
    return True


def unused_recovery_codes(user: User) -> int:
    return len(
        db.session.execute(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, digest=recovery_digest(code)) for code in codes)
    db.session.flush()
    return codes
