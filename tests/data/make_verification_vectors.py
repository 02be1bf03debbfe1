# ruff: noqa: E501  (the cases are a table: one case per line reads better than wrapped tuples)
"""Writes tests/data/verification-vectors.json: the certificate-token cases every verifier must answer alike.

Run from the repository root: `python tests/data/make_verification_vectors.py`. The keys come from fixed seeds and
Ed25519 signatures are deterministic, so the file comes out byte for byte the same each time (a test checks this).
A new case is one more entry in `cases()`; or write the JSON entry by hand, the tests read only the file.
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cbor2

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lms.certificates.token import SigningKey, sig_structure  # noqa: E402

OUTPUT = Path(__file__).with_name("verification-vectors.json")
MOMENT = datetime(2026, 6, 1, tzinfo=UTC)
ISSUED = datetime(2026, 3, 15, 2, 30, tzinfo=UTC)
VERIFY_URL = "https://lentera.example/v/"
# Test keys only: their private halves are printed here on purpose.
CURRENT = SigningKey.from_raw(bytes(range(1, 33)))
RETIRED = SigningKey.from_raw(bytes(range(33, 65)))
WITHDRAWN = SigningKey.from_raw(bytes(range(65, 97)))
UNPUBLISHED = SigningKey.from_raw(bytes(range(97, 129)))
OTHER_ALG = SigningKey.from_raw(bytes(range(129, 161)))


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def published(key: SigningKey, valid_from, valid_until=None, withdrawn=False, alg="EdDSA") -> dict:
    return {
        "kid": key.kid.hex(),
        "alg": alg,
        "crv": "Ed25519",
        "public_key": base64.urlsafe_b64encode(key.raw_public).decode().rstrip("="),
        "valid_from": iso(valid_from),
        "valid_until": iso(valid_until),
        "retired": valid_until is not None,
        "withdrawn": withdrawn,
        "withdrawn_at": iso(datetime(2026, 2, 1, tzinfo=UTC)) if withdrawn else None,
        "withdrawn_reason": "test key withdrawn" if withdrawn else None,
    }


KEY_SETS = {
    "main": {
        "keys": [
            published(CURRENT, datetime(2026, 1, 1, tzinfo=UTC)),
            published(RETIRED, datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
            published(WITHDRAWN, datetime(2025, 6, 1, tzinfo=UTC), withdrawn=True),
        ]
    },
    "other_alg": {"keys": [published(OTHER_ALG, datetime(2026, 1, 1, tzinfo=UTC), alg="ES256")]},
}


def head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError(value)


def bstr(data: bytes) -> bytes:
    return head(2, len(data)) + data


def decimal(exponent: int, mantissa: int) -> cbor2.CBORTag:
    return cbor2.CBORTag(4, [exponent, mantissa])


def fields(**changes) -> list:
    values = {
        "version": 1,
        "id": bytes.fromhex("0102030405060708090a0b0c"),
        "number": "PPNI/PPI-DASAR/2026/000123",
        "holder": "Siti Rahmawati, S.Kep., Ns.",
        "profession": 20,
        "course": "PPI-DASAR",
        "course_version": 3,
        "completed": cbor2.CBORTag(100, 20526),  # 2026-03-14
        "jpl": decimal(0, 32),
        "skp": decimal(-1, 25),
        "ranah": 1,
    }
    values.update(changes)
    return list(values.values())


def claims(iat=ISSUED, exp: datetime | None = ISSUED + timedelta(days=5 * 365), **changes) -> dict:
    claim_set = {6: int(iat.timestamp()), -65537: fields(**changes)}
    if exp is not None:
        claim_set[4] = int(exp.timestamp())
    return claim_set


def header(key: SigningKey = CURRENT) -> bytes:
    return cbor2.dumps({1: -8, 4: key.kid}, canonical=True)


def cose(
    protected: bytes,
    payload: bytes,
    key: SigningKey = CURRENT,
    unprotected: bytes = b"\xa0",
    signature: bytes | None = None,
    array_head: bytes = b"\x84",
) -> bytes:
    """COSE_Sign1 bytes written by hand, so that a case can hold what no encoder would write."""
    if signature is None:
        signature = key.private_key.sign(sig_structure(protected, payload))
    return b"\xd2" + array_head + bstr(protected) + unprotected + bstr(payload) + bstr(signature)


def signed(claim_set=None, key: SigningKey = CURRENT, payload: bytes | None = None, protected: bytes | None = None):
    payload = cbor2.dumps(claim_set or claims(), canonical=True) if payload is None else payload
    return cose(header(key) if protected is None else protected, payload, key)


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


GENUINE = signed()
TOKEN = b32(GENUINE)
PAYLOAD = cbor2.dumps(claims(), canonical=True)


def flip(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def cases():
    """(name, description, text, key set, moment, issuer's status, online verdict, offline verdict, reason)."""
    m = MOMENT
    yield "genuine", "A genuine certificate, in force", TOKEN, "main", m, "valid", "valid", "genuine", None
    yield (
        "genuine_url",
        "The QR's whole URL, upper case",
        (VERIFY_URL + TOKEN).upper(),
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )
    yield "genuine_lower_case", "The token in lower case", TOKEN.lower(), "main", m, "valid", "valid", "genuine", None
    yield (
        "genuine_padded",
        "Base32 padding kept",
        base64.b32encode(GENUINE).decode(),
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )
    spaced = " ".join(TOKEN[i : i + 40] for i in range(0, len(TOKEN), 40))
    yield (
        "genuine_spaced",
        "White space inside the token (a copy from paper)",
        spaced,
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )
    yield (
        "genuine_url_query",
        "URL with a query string",
        VERIFY_URL + TOKEN + "?utm=x",
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )
    yield (
        "genuine_no_expiry",
        "No exp claim",
        b32(signed(claims(exp=None))),
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )
    yield (
        "genuine_bom_in_name",
        "A name starting with U+FEFF is kept, not stripped",
        b32(signed(claims(holder="\ufeffSiti"))),
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )
    yield "revoked_online", "Genuine, revoked by the issuer", TOKEN, "main", m, "revoked", "revoked", "genuine", None
    yield (
        "suspended_online",
        "Genuine, suspended by the issuer",
        TOKEN,
        "main",
        m,
        "suspended",
        "suspended",
        "genuine",
        None,
    )
    yield (
        "unknown_certificate",
        "Genuine signature, not in the issuer's records",
        TOKEN,
        "main",
        m,
        None,
        "invalid",
        "genuine",
        "unknown_certificate",
    )
    expired = b32(signed(claims(exp=m - timedelta(days=1))))
    yield "expired", "exp has passed", expired, "main", m, "valid", "expired", "expired", "expired"
    yield (
        "expires_this_second",
        "exp equals the moment",
        b32(signed(claims(exp=m))),
        "main",
        m,
        "valid",
        "expired",
        "expired",
        "expired",
    )
    yield (
        "expires_next_second",
        "exp one second after the moment",
        b32(signed(claims(exp=m + timedelta(seconds=1)))),
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )
    yield "revoked_and_expired", "Revoked wins over expired", expired, "main", m, "revoked", "revoked", "expired", None
    future = b32(signed(claims(iat=m + timedelta(days=365), exp=None)))
    yield (
        "future_iat",
        "iat a year after the moment",
        future,
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "issued_in_future",
    )
    yield (
        "iat_within_skew",
        "iat 299 s after the moment (clock skew)",
        b32(signed(claims(iat=m + timedelta(seconds=299), exp=None))),
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )
    yield (
        "iat_beyond_skew",
        "iat 301 s after the moment",
        b32(signed(claims(iat=m + timedelta(seconds=301), exp=None))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "issued_in_future",
    )
    retired_before = b32(signed(claims(iat=datetime(2025, 12, 31, tzinfo=UTC)), key=RETIRED))
    yield (
        "retired_key_before_retirement",
        "A retired key, signing before it retired",
        retired_before,
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )
    retired_after = b32(signed(claims(iat=datetime(2026, 3, 1, tzinfo=UTC)), key=RETIRED))
    yield (
        "retired_key_after_retirement",
        "A retired key 'signing' after it retired",
        retired_after,
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "signed_after_retirement",
    )
    early = b32(signed(claims(iat=datetime(2025, 6, 1, tzinfo=UTC))))
    yield (
        "signed_before_key_valid",
        "iat before the key's valid_from",
        early,
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "signed_before_key_valid",
    )
    yield (
        "withdrawn_key",
        "Signed by a withdrawn key",
        b32(signed(key=WITHDRAWN)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "key_withdrawn",
    )
    yield (
        "unknown_kid",
        "Signed by a key that is not published",
        b32(signed(key=UNPUBLISHED)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "unknown_key",
    )
    yield (
        "key_set_alg_not_eddsa",
        "The key set names another algorithm for the key",
        b32(signed(key=OTHER_ALG)),
        "other_alg",
        m,
        "valid",
        "invalid",
        "invalid",
        "unsupported_alg",
    )
    es256 = cbor2.dumps({1: -7, 4: CURRENT.kid}, canonical=True)
    yield (
        "wrong_alg",
        "Header alg -7 (ES256)",
        b32(signed(protected=es256)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "unsupported_alg",
    )
    yield (
        "alg_as_text",
        "Header alg 'EdDSA' as text",
        b32(signed(protected=cbor2.dumps({1: "EdDSA", 4: CURRENT.kid}, canonical=True))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "unsupported_alg",
    )
    bad_sig = GENUINE[:-1] + bytes([GENUINE[-1] ^ 1])
    yield (
        "bad_signature",
        "One bit of the signature flipped",
        b32(bad_sig),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_signature",
    )
    changed_name = cose(header(), cbor2.dumps(claims(holder="Siti Rahmawati"), canonical=True), signature=GENUINE[-64:])
    yield (
        "changed_name",
        "Holder name changed after signing",
        b32(changed_name),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_signature",
    )
    yield (
        "short_signature",
        "A 63-byte signature",
        b32(cose(header(), PAYLOAD, signature=GENUINE[-64:-1])),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_signature",
    )
    yield (
        "trailing_bytes",
        "A byte appended after the COSE structure",
        b32(GENUINE + b"\x00"),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "trailing_bytes",
    )
    yield (
        "trailing_cbor_item",
        "A whole CBOR item appended",
        b32(GENUINE + b"\xa0"),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "trailing_bytes",
    )
    yield (
        "trailing_in_header",
        "Signed header with a byte after the map",
        b32(signed(protected=header() + b"\x00")),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "trailing_bytes",
    )
    yield (
        "trailing_in_payload",
        "Signed payload with a byte after the claims",
        b32(signed(payload=PAYLOAD + b"\x00")),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "trailing_bytes",
    )
    duplicate_header = b"\xa3\x01\x27" + b"\x04" + bstr(CURRENT.kid) + b"\x01\x27"
    yield (
        "duplicate_header_label",
        "Header map with alg twice",
        b32(signed(protected=duplicate_header)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "duplicate_label",
    )
    duplicate_claims = (
        b"\xa3"
        + cbor2.dumps(6)
        + cbor2.dumps(int(ISSUED.timestamp()))
        + cbor2.dumps(-65537)
        + cbor2.dumps(fields())
        + cbor2.dumps(6)
        + cbor2.dumps(int(ISSUED.timestamp()) + 1)
    )
    yield (
        "duplicate_claim_label",
        "Claims map with iat twice",
        b32(signed(payload=duplicate_claims)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "duplicate_label",
    )
    content_type = cbor2.dumps({1: -8, 3: 0, 4: CURRENT.kid}, canonical=True)
    yield (
        "extra_header_label",
        "Header with a content type label",
        b32(signed(protected=content_type)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_header",
    )
    yield (
        "missing_kid",
        "Header without kid",
        b32(signed(protected=cbor2.dumps({1: -8}))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_header",
    )
    short_kid = cbor2.dumps({1: -8, 4: CURRENT.kid[:7]}, canonical=True)
    yield (
        "short_kid",
        "A 7-byte kid",
        b32(signed(protected=short_kid)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_header",
    )
    unprotected = b"\xa1\x04" + bstr(CURRENT.kid)
    yield (
        "unprotected_header",
        "kid repeated in the unprotected header",
        b32(cose(header(), PAYLOAD, unprotected=unprotected)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_header",
    )
    yield (
        "long_array_head",
        "Outer array length written in two bytes (0x98 0x04)",
        b32(cose(header(), PAYLOAD, array_head=b"\x98\x04")),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_cbor",
    )
    indefinite = b"\xd2\x9f" + GENUINE[2:] + b"\xff"
    yield (
        "indefinite_array",
        "Outer array of indefinite length",
        b32(indefinite),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_cbor",
    )
    yield (
        "untagged",
        "COSE_Sign1 without tag 18",
        b32(GENUINE[1:]),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "not_cose_sign1",
    )
    yield (
        "wrong_tag",
        "Tag 98 (COSE_Sign) instead of 18",
        b32(b"\xd8\x62" + GENUINE[1:]),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "not_cose_sign1",
    )
    yield (
        "three_elements",
        "A 3-element array",
        b32(b"\xd2\x83" + bstr(header()) + b"\xa0" + bstr(PAYLOAD)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "not_cose_sign1",
    )
    yield (
        "truncated",
        "The last 10 bytes cut off",
        b32(GENUINE[:-10]),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_cbor",
    )
    yield (
        "bad_base32_char",
        "A '1' (not Base32) in the token",
        TOKEN[:20] + "1" + TOKEN[21:],
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_base32",
    )
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    assert len(GENUINE) % 5, "the genuine token must end in a character with unused bits"
    spare = TOKEN[:-1] + last[last.index(TOKEN[-1]) ^ 1]
    yield (
        "base32_spare_bits",
        "Last character differs only in unused bits",
        spare,
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_base32",
    )
    extra = next(suffix for suffix in ("A", "AA", "AAA") if (len(TOKEN) + len(suffix)) % 8 in (1, 3, 6))
    yield (
        "base32_bad_length",
        "A length no Base32 encoding has",
        TOKEN + extra,
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_base32",
    )
    yield "non_ascii", "Non-ASCII letters", "ÄÖÜ" + TOKEN, "main", m, "valid", "invalid", "invalid", "bad_base32"
    yield "empty", "Nothing scanned", "", "main", m, "valid", "invalid", "invalid", "empty"
    yield "blank", "Only spaces", "   ", "main", m, "valid", "invalid", "invalid", "empty"
    yield "too_long", "3000 characters", "A" * 3000, "main", m, "valid", "invalid", "invalid", "too_long"
    yield (
        "format_version_99",
        "Format version 99",
        b32(signed(claims(version=99))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "unsupported_format",
    )
    yield (
        "format_version_text",
        "Format version as text",
        b32(signed(claims(version="1"))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "unsupported_format",
    )
    no_iat = {-65537: fields()}
    yield "missing_iat", "No iat claim", b32(signed(no_iat)), "main", m, "valid", "invalid", "invalid", "bad_claims"
    yield (
        "iat_as_text",
        "iat as text",
        b32(signed({6: "2026-03-15", -65537: fields()})),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "iat_negative",
        "iat before 1970",
        b32(signed({6: -5, -65537: fields()})),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    float_iat = b"\xa2\x06\xfb" + b"\x41\xd9\x00\x00\x00\x00\x00\x00" + cbor2.dumps(-65537) + cbor2.dumps(fields())
    yield (
        "iat_as_float",
        "iat as a float",
        b32(signed(payload=float_iat)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_cbor",
    )
    extra_claim = claims() | {1: "https://lentera.example"}
    yield (
        "extra_claim",
        "An iss claim no token holds",
        b32(signed(extra_claim)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "exp_before_iat",
        "exp before iat",
        b32(signed(claims(exp=ISSUED - timedelta(days=1)))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "claims_not_a_map",
        "Payload is an array",
        b32(signed(payload=cbor2.dumps([1, 2]))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "missing_certificate_claim",
        "No certificate claim",
        b32(signed({6: int(ISSUED.timestamp())})),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    ten = claims()
    ten[-65537] = ten[-65537][:10]
    yield (
        "ten_fields",
        "Ten fields instead of eleven",
        b32(signed(ten)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "short_certificate_id",
        "11-byte certificate id",
        b32(signed(claims(id=b"\x01" * 11))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "holder_as_bytes",
        "Holder name as a byte string",
        b32(signed(claims(holder=b"Siti"))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "profession_as_text",
        "Profession code as text",
        b32(signed(claims(profession="20"))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "profession_as_bool",
        "Profession code true",
        b32(signed(claims(profession=True))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "date_untagged",
        "Completion date without tag 100",
        b32(signed(claims(completed=20526))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "date_as_text",
        "Completion date as tag 1004 text",
        b32(signed(claims(completed=cbor2.CBORTag(1004, "2026-03-14")))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "jpl_untagged",
        "JPL as a plain integer",
        b32(signed(claims(jpl=32))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "jpl_negative",
        "JPL with a negative mantissa",
        b32(signed(claims(jpl=decimal(0, -32)))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    yield (
        "jpl_huge_exponent",
        "JPL with exponent 1000",
        b32(signed(claims(jpl=decimal(1000, 1)))),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_claims",
    )
    bad_utf8 = PAYLOAD.replace(b"Siti", b"S\xffti")
    yield (
        "name_not_utf8",
        "Holder name bytes that are not UTF-8",
        b32(signed(payload=bad_utf8)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_cbor",
    )
    deep = {6: int(ISSUED.timestamp()), -65537: fields(holder=[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]])}
    yield (
        "nested_too_deep",
        "Arrays nested 17 deep in a claim",
        b32(signed(deep)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_cbor",
    )
    big = b"\xa2\x06\x1b\x00\x20\x00\x00\x00\x00\x00\x00" + cbor2.dumps(-65537) + cbor2.dumps(fields())
    yield (
        "integer_beyond_2_53",
        "iat of 2^53 (not exact in a browser)",
        b32(signed(payload=big)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_cbor",
    )
    long_iat = (
        b"\xa2\x06\x1b" + int(ISSUED.timestamp()).to_bytes(8, "big") + cbor2.dumps(-65537) + cbor2.dumps(fields())
    )
    yield (
        "non_minimal_integer_head",
        "iat in an 8-byte head where 4 bytes suffice",
        b32(signed(payload=long_iat)),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_cbor",
    )
    yield (
        "undefined_value",
        "A CBOR undefined (0xf7) as ranah",
        b32(signed(payload=PAYLOAD[:-1] + b"\xf7")),
        "main",
        m,
        "valid",
        "invalid",
        "invalid",
        "bad_cbor",
    )
    yield (
        "foreign_host_url",
        "The token under another site's URL (the verdict is the token's; pages add a notice)",
        "https://evil.example/v/" + TOKEN,
        "main",
        m,
        "valid",
        "valid",
        "genuine",
        None,
    )


def build() -> dict:
    vectors = []
    for name, description, text, key_set, moment, status, online, offline, reason in cases():
        vectors.append(
            {
                "name": name,
                "description": description,
                "text": text,
                "key_set": key_set,
                "moment": iso(moment),
                "status": status,
                "expected": {"verdict": online, "reason": reason if online == "invalid" else None},
                "expected_offline": {
                    "verdict": offline,
                    "reason": reason if offline == "invalid" else ("expired" if offline == "expired" else None),
                },
            }
        )
    names = [vector["name"] for vector in vectors]
    assert len(names) == len(set(names)), "vector names must be unique"
    return {
        "description": (
            "Lentera certificate verification conformance vectors. For each vector, verify `text` (what a QR scan "
            "gives) against the key set named by `key_set` at `moment`. `expected_offline` is the answer without "
            "the issuer (genuine / expired / invalid with a reason code); `expected` adds the issuer's live "
            "`status` (null: not in the issuer's records). See README, 'Verification conformance vectors'."
        ),
        "version": 1,
        "clock_skew_seconds": 300,
        "key_sets": KEY_SETS,
        "vectors": vectors,
    }


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
