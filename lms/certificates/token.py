"""The signed certificate token: COSE_Sign1 (RFC 9052) over a CWT claim set (RFC 8392), Ed25519, Base32 text.

Layout (fixed by DESIGN.md, "Certificate token"):

    COSE_Sign1 = #6.18([ protected: bstr .cbor {1: -8 (EdDSA), 4: kid (8 bytes)},
                         unprotected: {},
                         payload: bstr .cbor CWT claims,
                         signature: bstr (64 bytes) ])
    CWT claims = { 6 (iat): int seconds,
                   ? 4 (exp): int seconds,
                   -65537 (Lentera certificate): [ format version, certificate id (12 bytes), number, holder name,
                       profession code, course code, course version, completion date (#6.100 days since 1970-01-01,
                       RFC 8943), JPL (#6.4 decimal fraction), SKP (#6.4 decimal fraction), ranah code ] }

The private claim key -65537 is the first value of the CWT "Private Use" range (integers below -65536, RFC 8392
section 9.1), so it can never collide with a registered claim. The kid is the first 8 bytes of SHA-256 of the raw
32-byte Ed25519 public key. The text form is RFC 4648 Base32, upper case, without padding: every character is in the
QR alphanumeric set, which keeps the QR small.

`verify_token` checks the structure and the signature before it decodes a single claim, and it raises only
`InvalidToken` (with a stable `reason` code) whatever the input. Whether a certificate is still valid (revoked,
suspended, expired) is not a property of the token: see `lms.certificates.verification`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lms.certificates import strict_cbor
from lms.core.lru import LruCache
from lms.courses.curriculum import Ranah

FORMAT_VERSION = 1
COSE_SIGN1_TAG = 18
COSE_HEADER_ALG = 1
COSE_HEADER_KID = 4
COSE_ALG_EDDSA = -8
CWT_CLAIM_EXP = 4
CWT_CLAIM_IAT = 6
CERTIFICATE_CLAIM = -65537  # first CWT private-use claim key (RFC 8392 §9.1: integers < -65536)
CBOR_TAG_DECIMAL_FRACTION = 4  # RFC 8949 §3.4.4
CBOR_TAG_DAYS_SINCE_EPOCH = 100  # RFC 8943
ALGORITHM_NAME = "EdDSA"
KID_LENGTH = 8
CERTIFICATE_ID_LENGTH = 12
SIGNATURE_LENGTH = 64
# A genuine token is about 400 characters; anything far longer is refused before it is decoded.
MAX_TOKEN_CHARS = 2048
EPOCH_DAY = date(1970, 1, 1)


# Ranah codes written into tokens (published beside the keys; never renumber a published code).
RANAH_CODES: dict[Ranah, int] = {Ranah.PEMBELAJARAN: 1, Ranah.PELAYANAN: 2, Ranah.PENGABDIAN: 3}
RANAH_BY_CODE: dict[int, Ranah] = {code: ranah for ranah, code in RANAH_CODES.items()}


class InvalidToken(Exception):
    """The text is not a genuine Lentera certificate token; `reason` is a stable machine code."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def key_id(public_key_raw: bytes) -> bytes:
    """The kid of a key: the first 8 bytes of SHA-256 of its raw 32-byte public key."""
    return hashlib.sha256(public_key_raw).digest()[:KID_LENGTH]


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key able to sign tokens; `kid` names its public half."""

    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> SigningKey:
        """The key from its raw 32-byte private seed."""
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    @property
    def raw_private(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    @property
    def raw_public(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def kid(self) -> bytes:
        return key_id(self.raw_public)


@dataclass(frozen=True)
class PublicKey:
    """A published verification key and its life: retired keys still verify, withdrawn keys make tokens invalid."""

    public_key: bytes  # raw 32 bytes
    valid_from: datetime | None = None
    retired_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = ""
    algorithm: str = ALGORITHM_NAME

    @property
    def kid(self) -> bytes:
        return key_id(self.public_key)

    @property
    def kid_hex(self) -> str:
        return self.kid.hex()


class KeySet:
    """The verification keys known to a verifier, looked up by kid."""

    def __init__(self, keys: Iterable[PublicKey] = ()):
        self._keys = {key.kid: key for key in keys}

    def get(self, kid: bytes) -> PublicKey | None:
        return self._keys.get(kid)

    def __iter__(self):
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)


@dataclass(frozen=True)
class CertificateClaims:
    """What a certificate token asserts, in the printed form; nothing personal beyond the name as printed."""

    certificate_id: bytes  # 12 random bytes
    number: str  # as printed, e.g. "PPNI/PPI-DASAR/2026/000123"
    holder_name: str  # as printed (name as on STR)
    profession_code: int  # `number` of the profession in lms/data/professions.yaml
    course_code: str
    course_version: int
    completed_on: date
    jpl: Decimal  # JPL: *jam pelajaran*, lesson hours of the training
    skp: Decimal  # SKP: *satuan kredit profesi*, credits towards the SIP renewal
    ranah_code: int  # RANAH_CODES: 1 pembelajaran, 2 pelayanan, 3 pengabdian
    issued_at: datetime  # aware UTC; the token keeps whole seconds
    expires_at: datetime | None = None
    format_version: int = FORMAT_VERSION

    def __post_init__(self):
        # CWT NumericDate is whole seconds: normalize here so that decode(encode(claims)) == claims.
        object.__setattr__(self, "issued_at", _whole_utc_seconds(self.issued_at, "issued_at"))
        if self.expires_at is not None:
            object.__setattr__(self, "expires_at", _whole_utc_seconds(self.expires_at, "expires_at"))
        object.__setattr__(self, "jpl", Decimal(self.jpl))
        object.__setattr__(self, "skp", Decimal(self.skp))

    @property
    def certificate_id_hex(self) -> str:
        return self.certificate_id.hex()


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature checked out, with the key that signed it."""

    claims: CertificateClaims
    key: PublicKey

    @property
    def kid_hex(self) -> str:
        return self.key.kid_hex


def _whole_utc_seconds(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _encode_decimal(value: Decimal) -> cbor2.CBORTag:
    if not value.is_finite() or value < 0:
        raise ValueError(f"not a finite, non-negative amount: {value}")
    _sign, digits, exponent = value.as_tuple()
    mantissa = int("".join(map(str, digits)) or "0")
    return cbor2.CBORTag(CBOR_TAG_DECIMAL_FRACTION, [exponent, mantissa])


def _claims_array(claims: CertificateClaims) -> list:
    if len(claims.certificate_id) != CERTIFICATE_ID_LENGTH:
        raise ValueError("certificate_id must be 12 bytes")
    return [
        claims.format_version,
        claims.certificate_id,
        claims.number,
        claims.holder_name,
        int(claims.profession_code),
        claims.course_code,
        int(claims.course_version),
        cbor2.CBORTag(CBOR_TAG_DAYS_SINCE_EPOCH, (claims.completed_on - EPOCH_DAY).days),
        _encode_decimal(claims.jpl),
        _encode_decimal(claims.skp),
        int(claims.ranah_code),
    ]


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes that are signed (RFC 9052 §4.4): ["Signature1", protected, external_aad = h'', payload]."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


def encode_cose(claims: CertificateClaims, key: SigningKey) -> bytes:
    """The tagged COSE_Sign1 bytes of the claims, signed with `key`."""
    protected = cbor2.dumps({COSE_HEADER_ALG: COSE_ALG_EDDSA, COSE_HEADER_KID: key.kid}, canonical=True)
    claim_set = {CWT_CLAIM_IAT: int(claims.issued_at.timestamp()), CERTIFICATE_CLAIM: _claims_array(claims)}
    if claims.expires_at is not None:
        claim_set[CWT_CLAIM_EXP] = int(claims.expires_at.timestamp())
    payload = cbor2.dumps(claim_set, canonical=True)
    signature = key.private_key.sign(sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def encode_token(claims: CertificateClaims, key: SigningKey) -> str:
    """The token text for the QR: Base32 of the COSE_Sign1, upper case, without padding."""
    return base64.b32encode(encode_cose(claims, key)).decode("ascii").rstrip("=")


WHITESPACE = " \t\n\r\f\v"
"""Spaces and line breaks a scan or a copy may add; removed anywhere in the text (and nothing else is)."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far a verifier's clock may differ from the issuer's: an iat up to this far ahead is not "in the future"."""
MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z
MAX_EPOCH_DAY = 2932896  # 9999-12-31
MAX_DECIMAL_EXPONENT = 20
CLAIM_LABELS = frozenset({CWT_CLAIM_IAT, CWT_CLAIM_EXP, CERTIFICATE_CLAIM})
HEADER_LABELS = frozenset({COSE_HEADER_ALG, COSE_HEADER_KID})


def decode_base32(text: str) -> bytes:
    """Bytes of a Base32 token in either case, with or without padding; raises InvalidToken.

    Exactly one text per token (apart from case, padding and white space): a length no encoding produces, or unused
    low bits that are not zero, are refused, so the same bytes can never be written two ways."""
    if not isinstance(text, str):
        raise InvalidToken("bad_base32", "not text")
    cleaned = text.translate({ord(space): None for space in WHITESPACE}).upper().rstrip("=")
    if not cleaned:
        raise InvalidToken("empty")
    if not cleaned.isascii():
        raise InvalidToken("bad_base32", "not ASCII")
    if len(cleaned) > MAX_TOKEN_CHARS:
        raise InvalidToken("too_long")
    if cleaned.translate(_NOT_BASE32):
        raise InvalidToken("bad_base32", "a character outside the Base32 alphabet")
    bits = 5 * len(cleaned)
    if len(cleaned) % 8 in (1, 3, 6):
        raise InvalidToken("bad_base32", "a length no encoding produces")
    # The whole text as one base-32 integer (C speed: the stdlib's b32decode and the re-encoding that checked the
    # unused bits cost more than the Ed25519 check of the signature).
    value = int(cleaned.translate(_BASE32_AS_DIGITS), 32)
    unused = bits % 8
    if value & ((1 << unused) - 1):
        raise InvalidToken("bad_base32", "not the canonical encoding")
    return (value >> unused).to_bytes(bits // 8, "big")


_BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_AS_DIGITS = str.maketrans(_BASE32_ALPHABET, "0123456789ABCDEFGHIJKLMNOPQRSTUV")
_NOT_BASE32 = str.maketrans(dict.fromkeys(_BASE32_ALPHABET))


def _loads(data: bytes):
    try:
        return strict_cbor.decode(data)
    except strict_cbor.CborRefused as error:
        raise InvalidToken(error.reason) from None


def _parse_cose(data: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """(protected, payload, signature, kid) of a COSE_Sign1 whose header says EdDSA; raises InvalidToken."""
    message = _loads(data)
    if not isinstance(message, strict_cbor.Tag) or message.tag != COSE_SIGN1_TAG:
        raise InvalidToken("not_cose_sign1", "missing tag 18")
    body = message.value
    if not isinstance(body, list) or len(body) != 4:
        raise InvalidToken("not_cose_sign1", "not a 4-element array")
    protected, unprotected, payload, signature = body
    if not (isinstance(protected, bytes) and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise InvalidToken("not_cose_sign1", "wrong element types")
    if not isinstance(unprotected, dict):
        raise InvalidToken("not_cose_sign1", "unprotected header is not a map")
    if unprotected:
        raise InvalidToken("bad_header", "unprotected header is not empty")
    header = _loads(protected)
    if not isinstance(header, dict) or set(header) != HEADER_LABELS:
        raise InvalidToken("bad_header", "labels")
    if header[COSE_HEADER_ALG] != COSE_ALG_EDDSA or isinstance(header[COSE_HEADER_ALG], bool):
        raise InvalidToken("unsupported_alg")
    kid = header[COSE_HEADER_KID]
    if not isinstance(kid, bytes) or len(kid) != KID_LENGTH:
        raise InvalidToken("bad_header", "kid")
    if len(signature) != SIGNATURE_LENGTH:
        raise InvalidToken("bad_signature", "length")
    return protected, payload, signature, kid


def _check_key(key: PublicKey | None) -> PublicKey:
    if key is None:
        raise InvalidToken("unknown_key")
    if key.withdrawn_at is not None:
        raise InvalidToken("key_withdrawn", key.withdrawn_reason)
    if key.algorithm != ALGORITHM_NAME:
        raise InvalidToken("unsupported_alg")
    return key


def _is_int(value) -> bool:
    """An integer of the decoded CBOR, not a bool (the decoder makes no other subclass of int)."""
    return type(value) is int


def _decode_decimal(value) -> Decimal:
    """Tag 4 [exponent, mantissa]: a non-negative amount such as JPL 2.5 = 4([-1, 25])."""
    if not (isinstance(value, strict_cbor.Tag) and value.tag == CBOR_TAG_DECIMAL_FRACTION):
        raise InvalidToken("bad_claims", "amount")
    parts = value.value
    if not (isinstance(parts, list) and len(parts) == 2 and _is_int(parts[0]) and _is_int(parts[1])):
        raise InvalidToken("bad_claims", "amount")
    exponent, mantissa = parts
    if mantissa < 0 or abs(exponent) > MAX_DECIMAL_EXPONENT:
        raise InvalidToken("bad_claims", "amount")
    return Decimal(mantissa).scaleb(exponent)


def _decode_date(value) -> date:
    """Tag 100: whole days since 1970-01-01 (RFC 8943)."""
    if not (isinstance(value, strict_cbor.Tag) and value.tag == CBOR_TAG_DAYS_SINCE_EPOCH):
        raise InvalidToken("bad_claims", "completion date")
    if not _is_int(value.value) or not 0 <= value.value <= MAX_EPOCH_DAY:
        raise InvalidToken("bad_claims", "completion date")
    return EPOCH_DAY + timedelta(days=value.value)


def _timestamp(value, name: str) -> datetime:
    if not _is_int(value) or not 0 <= value <= MAX_TIMESTAMP:
        raise InvalidToken("bad_claims", name)
    return datetime.fromtimestamp(value, UTC)


def _parse_claims(payload: bytes) -> CertificateClaims:
    claim_set = _loads(payload)
    if not isinstance(claim_set, dict):
        raise InvalidToken("bad_claims", "not a map")
    if not set(claim_set) <= CLAIM_LABELS or CWT_CLAIM_IAT not in claim_set or CERTIFICATE_CLAIM not in claim_set:
        raise InvalidToken("bad_claims", "claim labels")
    fields = claim_set[CERTIFICATE_CLAIM]
    if not isinstance(fields, list) or not fields:
        raise InvalidToken("bad_claims", "certificate claim")
    if not _is_int(fields[0]) or fields[0] != FORMAT_VERSION:
        raise InvalidToken("unsupported_format")
    if len(fields) != 11:
        raise InvalidToken("bad_claims", "field count")
    (version, certificate_id, number, holder, profession, course, course_version, completed, jpl, skp, ranah) = fields
    if not (isinstance(certificate_id, bytes) and len(certificate_id) == CERTIFICATE_ID_LENGTH):
        raise InvalidToken("bad_claims", "certificate id")
    if not all(isinstance(text, str) for text in (number, holder, course)):
        raise InvalidToken("bad_claims", "text field")
    if not all(_is_int(code) for code in (profession, course_version, ranah)):
        raise InvalidToken("bad_claims", "code field")
    issued_at = _timestamp(claim_set[CWT_CLAIM_IAT], "iat")
    expires_at = _timestamp(claim_set[CWT_CLAIM_EXP], "exp") if CWT_CLAIM_EXP in claim_set else None
    if expires_at is not None and expires_at <= issued_at:
        raise InvalidToken("bad_claims", "exp not after iat")
    return CertificateClaims(
        certificate_id=certificate_id,
        number=number,
        holder_name=holder,
        profession_code=profession,
        course_code=course,
        course_version=course_version,
        completed_on=_decode_date(completed),
        jpl=_decode_decimal(jpl),
        skp=_decode_decimal(skp),
        ranah_code=ranah,
        issued_at=issued_at,
        expires_at=expires_at,
        format_version=version,
    )


@lru_cache(maxsize=64)
def _ed25519_key(public_key: bytes) -> Ed25519PublicKey:
    """The key object for raw public key bytes, made once: every scan of a certificate signed by it needs one."""
    return Ed25519PublicKey.from_public_bytes(public_key)


def verify_token(text: str, keyset: KeySet) -> VerifiedToken:
    """Check a token's structure and signature against the key set, then its claims and the signing key's life;
    raises InvalidToken, nothing else. Whether it is in force at a moment: `check_moment`.

    A retired key still verifies what it signed before it was retired; a withdrawn key verifies nothing; no key
    verifies what it "signed" before it existed or after it was retired (that would mean it leaked).
    """
    try:
        protected, payload, signature, kid = _parse_cose(decode_base32(text))
        key = _check_key(keyset.get(kid))
        try:
            _ed25519_key(key.public_key).verify(signature, sig_structure(protected, payload))
        except InvalidSignature:
            raise InvalidToken("bad_signature") from None
        claims = _parse_claims(payload)
        if key.valid_from is not None and claims.issued_at < key.valid_from - CLOCK_SKEW:
            raise InvalidToken("signed_before_key_valid")
        if key.retired_at is not None and claims.issued_at > key.retired_at + CLOCK_SKEW:
            raise InvalidToken("signed_after_retirement")
        return VerifiedToken(claims=claims, key=key)
    except InvalidToken:
        raise
    except Exception as error:  # the promise is "InvalidToken or a result", whatever the bytes
        raise InvalidToken("malformed", type(error).__name__) from None


def check_moment(verified: VerifiedToken, now: datetime) -> bool:
    """The rules that depend on the moment of the check: raises InvalidToken("issued_in_future") for a token dated
    later than `now` (beyond the clock skew); True when the signed expiry has passed (the verdict is then EXPIRED)."""
    claims = verified.claims
    if claims.issued_at > now + CLOCK_SKEW:
        raise InvalidToken("issued_in_future")
    return claims.expires_at is not None and now >= claims.expires_at


class VerifiedTokens:
    """`verify_token` remembering the tokens that verified (a bounded LRU, one per process, thread-safe).

    `verify_token` is a pure function of the token text and the record of the key that signed it, so a token seen
    before needs only its key's current record compared with the one it verified under: a key retired or withdrawn
    since is another record, and the token is verified again from scratch. Only good tokens are kept, so junk sent
    to the verify page cannot push real certificates out. The same scan checked again skips the Base32, CBOR and
    Ed25519 work: the verify page's busiest path.
    """

    def __init__(self, size: int = 2048):
        self._tokens: LruCache[str, VerifiedToken] = LruCache(size)

    def verify(self, text: str, keyset: KeySet) -> VerifiedToken:
        if not isinstance(text, str):
            return verify_token(text, keyset)  # raises InvalidToken
        normalized = text.upper()  # the Base32 text is read in either case
        remembered = self._tokens.get(normalized)
        if remembered is not None and keyset.get(remembered.key.kid) == remembered.key:
            return remembered
        verified = verify_token(text, keyset)
        self._tokens.put(normalized, verified)
        return verified

    def __len__(self) -> int:
        return len(self._tokens)
