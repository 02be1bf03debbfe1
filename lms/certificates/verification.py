"""The verdict on a scanned certificate: signature first, then the live status; and reading what a QR scan gives.

`judge()` is a pure function of the text, the key set, a status lookup and the time. The lookup is only called once
the signature checked out, with the certificate id taken from the signed claims, so nobody can ask the database about
an id they made up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from lms.accounts.identity import profession_names_by_number
from lms.certificates.token import (
    RANAH_BY_CODE,
    WHITESPACE,
    InvalidToken,
    KeySet,
    VerifiedToken,
    VerifiedTokens,
    check_moment,
)

# Longer than any QR text we print; longer input is cut here and refused by the token decoder as too long.
MAX_QR_TEXT = 4096
# Mirrored in verify.js: only ASCII white space counts (Python's and JavaScript's Unicode sets differ).
_VERIFY_PATH = re.compile(r"(?:^|/)v/([^/?# \t\n\r\f\v]+)/?(?:[?#][\s\S]*)?\Z", re.IGNORECASE)
_verified_tokens = VerifiedTokens()
"""The tokens this process has seen verify: a certificate scanned again is not decoded and checked anew."""


class Verdict(StrEnum):
    """What the verifier is told, one word: SAH, DICABUT, DITANGGUHKAN, KEDALUWARSA, TIDAK SAH."""

    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    INVALID = "invalid"

    @property
    def label(self):
        return VERDICT_LABELS[self]

    @property
    def explanation(self):
        return VERDICT_EXPLANATIONS[self]


# Indonesian translations: SAH, DICABUT, DITANGGUHKAN, KEDALUWARSA, TIDAK SAH.
VERDICT_LABELS = {
    Verdict.VALID: _l("VALID"),
    Verdict.REVOKED: _l("REVOKED"),
    Verdict.SUSPENDED: _l("SUSPENDED"),
    Verdict.EXPIRED: _l("EXPIRED"),
    Verdict.INVALID: _l("NOT VALID"),
}

VERDICT_EXPLANATIONS = {
    Verdict.VALID: _l("This certificate is genuine and in force."),
    Verdict.REVOKED: _l("This certificate is genuine but was revoked by its issuer."),
    Verdict.SUSPENDED: _l("This certificate is genuine but is suspended for now."),
    Verdict.EXPIRED: _l("This certificate is genuine but its validity has ended."),
    Verdict.INVALID: _l("This is not a genuine certificate of this platform. Do not accept it."),
}

# Why a text is not valid, in words a verifier understands; the codes come from InvalidToken and from this module.
INVALID_REASONS = {
    "unknown_key": _l("It was not signed with any key this platform has published."),
    "key_withdrawn": _l("The key that signed it was withdrawn by the platform."),
    "signed_after_retirement": _l("It claims a signature from a key that was already retired."),
    "bad_signature": _l("The signature does not match the content: the code was changed or damaged."),
    "unknown_certificate": _l("The signature is genuine, but this certificate is not in the issuer's records."),
    "not_found": _l("No certificate has this number and verification code."),
}
INVALID_REASON_DEFAULT = _l("The code could not be read as a certificate of this platform.")


def foreign_host_notice(host: str):
    """The warning shown beside the verdict when a QR leads to another site."""
    return _l("This QR code points to another site: %(host)s. Only this site's check counts.", host=host)


StatusLookup = Callable[[bytes, datetime], "LiveStatus | None"]


@dataclass(frozen=True)
class LiveStatus:
    """The issuer's current word on a certificate (from `services.live_status`)."""

    state: str  # "valid", "revoked", "suspended" or "expired"
    reason: str | None = None
    changed_at: datetime | None = None
    course_title: str = ""
    organization_name: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True)
class VerificationResult:
    verdict: Verdict
    checked_at: datetime
    token: VerifiedToken | None = None
    status: LiveStatus | None = None
    invalid_reason: str | None = None  # a code of INVALID_REASONS / InvalidToken when the verdict is INVALID
    withdrawn_reason: str = ""  # the platform's reason when the signing key was withdrawn
    token_text: str = ""  # the token whose signature checked out (for the in-browser check)
    foreign_host: str | None = None  # the scanned URL's host when it is not this deployment's

    @property
    def claims(self):
        return self.token.claims if self.token else None

    @property
    def reason(self):
        """The text beside the verdict: the issuer's reason (revoked, suspended) or why it is not valid."""
        if self.verdict is Verdict.INVALID:
            text = INVALID_REASONS.get(self.invalid_reason or "", INVALID_REASON_DEFAULT)
            if self.invalid_reason == "key_withdrawn" and self.withdrawn_reason:
                return f"{text} ({self.withdrawn_reason})"
            return text
        if self.status is not None and self.verdict in (Verdict.REVOKED, Verdict.SUSPENDED):
            return self.status.reason
        return None

    @property
    def signature_genuine(self) -> bool:
        return self.token is not None

    @property
    def changed_at(self) -> datetime | None:
        return self.status.changed_at if self.status is not None else None


_STATE_VERDICTS = {
    "valid": Verdict.VALID,
    "revoked": Verdict.REVOKED,
    "suspended": Verdict.SUSPENDED,
    "expired": Verdict.EXPIRED,
}


def parse_qr_text(text: Any) -> str:
    """The token inside whatever a scan gives: the URL in any case (`/v/` or `/V/`), with or without the host, or
    the bare token; surrounding whitespace ignored. Not a token-shaped text comes back as it is, to be refused."""
    if not isinstance(text, str):
        return ""
    text = text[: MAX_QR_TEXT + 1].strip(WHITESPACE)
    if "/" not in text:
        return text  # a bare token (what the verify page's URL gives): no path to look for
    match = _VERIFY_PATH.search(text)
    return match.group(1) if match else text


def foreign_host(text: Any, public_url: str) -> str | None:
    """The host a scanned URL points to when it is not this deployment's (PUBLIC_URL); None for a bare token or a
    URL of this site. A copied certificate whose QR leads elsewhere is a warning sign whatever its signature says."""
    if not isinstance(text, str):
        return None
    text = text[: MAX_QR_TEXT + 1].strip(WHITESPACE)
    if "://" not in text:
        return None
    try:
        scanned, ours = urlsplit(text), urlsplit(public_url)
        scanned_host, our_host = scanned.hostname, ours.hostname
        scanned_port, our_port = scanned.port, ours.port
    except ValueError:
        return text.split("://", 1)[1].split("/", 1)[0][:100] or None
    if not scanned_host:
        return None
    default = {"http": 80, "https": 443}
    same = scanned_host == our_host and (scanned_port or default.get(scanned.scheme.lower())) == (
        our_port or default.get(ours.scheme.lower())
    )
    return None if same else scanned.netloc[:100]


def judge(text: str, keyset: KeySet, lookup: StatusLookup, now: datetime | None = None) -> VerificationResult:
    """The verdict on a scanned text: the signature against the key set, then (only then) the live status."""
    now = now or datetime.now(UTC)
    token_text = parse_qr_text(text)
    try:
        verified = _verified_tokens.verify(token_text, keyset)
        check_moment(verified, now)
    except InvalidToken as error:
        withdrawn = error.detail if error.reason == "key_withdrawn" else ""
        return VerificationResult(
            Verdict.INVALID, checked_at=now, invalid_reason=error.reason, withdrawn_reason=withdrawn
        )
    return judge_verified(verified, lookup(verified.claims.certificate_id, now), now, token_text.upper())


def judge_verified(
    verified: VerifiedToken, status: LiveStatus | None, now: datetime, token_text: str = ""
) -> VerificationResult:
    """The verdict once the signature is good: the issuer's status, with the signed expiry as a floor."""
    if status is None:
        return VerificationResult(
            Verdict.INVALID, checked_at=now, token=verified, invalid_reason="unknown_certificate", token_text=token_text
        )
    verdict = _STATE_VERDICTS.get(status.state, Verdict.INVALID)
    if verdict is Verdict.VALID and check_moment(verified, now):
        verdict = Verdict.EXPIRED
    return VerificationResult(verdict, checked_at=now, token=verified, status=status, token_text=token_text)


def signed_fields(result: VerificationResult) -> dict[str, Any] | None:
    """What the certificate states, for the page and the API: the signed claims plus the issuer's course title.
    None when the verdict is NOT VALID: a verifier must not read the fields of a certificate nobody stands behind."""
    claims = result.claims
    if claims is None or result.verdict is Verdict.INVALID:
        return None
    ranah = RANAH_BY_CODE.get(claims.ranah_code)
    status = result.status
    return {
        "number": claims.number,
        "holder_name": claims.holder_name,
        "profession_code": claims.profession_code,
        "profession": profession_names_by_number().get(claims.profession_code, ""),
        "course_code": claims.course_code,
        "course_version": claims.course_version,
        "course_title": status.course_title if status else "",
        "organization": status.organization_name if status else "",
        "completed_on": claims.completed_on.isoformat(),
        "jpl": format(claims.jpl, "f"),
        "skp": format(claims.skp, "f"),
        "ranah_code": claims.ranah_code,
        "ranah": ranah.value if ranah else "",
        "issued_at": claims.issued_at.isoformat(),
        "expires_at": claims.expires_at.isoformat() if claims.expires_at else None,
        "certificate_id": claims.certificate_id_hex,
    }


def verify_qr(text: str, now: datetime | None = None, public_url: str | None = None) -> VerificationResult:
    """The verdict inside the app: the published key set and the certificates' live status; with `public_url`, also
    whether the scanned text is a URL on another host."""
    from lms.certificates import keys, services

    result = judge(text, keys.keyset(), services.live_status, now)
    if public_url is not None:
        result = replace(result, foreign_host=foreign_host(text, public_url))
    return result


def verify_by_number(number: str, code: str, now: datetime | None = None) -> VerificationResult:
    """The manual check: number AND verification code find the certificate; its stored token is then judged exactly
    like a scanned one (signature first), so the form can never say more than the QR would."""
    from lms.certificates import services

    now = now or datetime.now(UTC)
    # Control characters (a NUL above all) can be in no printed number; PostgreSQL would refuse them in a query.
    if not all(isinstance(text, str) and text.isprintable() for text in (number, code)):
        return VerificationResult(Verdict.INVALID, checked_at=now, invalid_reason="not_found")
    certificate = services.find_by_number_and_code(number, code)
    if certificate is None:
        return VerificationResult(Verdict.INVALID, checked_at=now, invalid_reason="not_found")
    return verify_qr(certificate.token, now)
