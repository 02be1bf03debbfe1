"""Certificate token: round trip, fixed layout, tampering, key life, QR size, and fuzzing (only InvalidToken)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import cbor2
import pytest
import qrcode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.certificates.token import (
    CERTIFICATE_CLAIM,
    CertificateClaims,
    InvalidToken,
    KeySet,
    PublicKey,
    SigningKey,
    VerifiedTokens,
    encode_cose,
    encode_token,
    key_id,
    sig_structure,
    verify_token,
)

KEY = SigningKey.from_raw(bytes(range(32)))
OTHER_KEY = SigningKey.from_raw(bytes(range(1, 33)))
KEYSET = KeySet([PublicKey(KEY.raw_public)])
NAME_60 = "Ni Luh Putu Ayu Kusumawardhani Sastrawinata Prameswari, Dewi"  # 60 characters
PUBLIC_URL = "https://lentera.kemkes.go.id"


def make_claims(**changes) -> CertificateClaims:
    fields = {
        "certificate_id": bytes.fromhex("0102030405060708090a0b0c"),
        "number": "PPNI/PPI-DASAR/2026/000123",
        "holder_name": "Siti Rahmawati, S.Kep., Ns.",
        "profession_code": 20,
        "course_code": "PPI-DASAR",
        "course_version": 3,
        "completed_on": date(2026, 3, 14),
        "jpl": Decimal("32"),
        "skp": Decimal("2.5"),
        "ranah_code": 1,
        "issued_at": datetime(2026, 3, 15, 2, 30, tzinfo=UTC),
        "expires_at": datetime(2031, 3, 15, 2, 30, tzinfo=UTC),
    }
    fields.update(changes)
    return CertificateClaims(**fields)


def reason_of(text: str, keyset: KeySet = KEYSET) -> str:
    with pytest.raises(InvalidToken) as caught:
        verify_token(text, keyset)
    return caught.value.reason


def cose_of(token: str):
    return cbor2.loads(base64.b32decode(token + "=" * (-len(token) % 8)))


def to_token(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def qr_version(text: str) -> int:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q)
    qr.add_data(qrcode.util.QRData(text.encode("ascii"), mode=qrcode.util.MODE_ALPHA_NUM))
    qr.make(fit=True)
    return qr.version


def test_round_trip_gives_back_the_claims_and_the_key():
    claims = make_claims()
    verified = verify_token(encode_token(claims, KEY), KEYSET)
    assert verified.claims == claims
    assert verified.key.kid == KEY.kid


def test_round_trip_without_expiry_and_with_fractional_seconds():
    claims = make_claims(expires_at=None, issued_at=datetime(2026, 3, 15, 2, 30, 5, 999_999, tzinfo=UTC))
    verified = verify_token(encode_token(claims, KEY), KEYSET)
    assert verified.claims.expires_at is None
    assert verified.claims.issued_at == datetime(2026, 3, 15, 2, 30, 5, tzinfo=UTC)


def test_token_is_upper_case_base32_without_padding_and_verifies_in_any_case():
    token = encode_token(make_claims(), KEY)
    assert token == token.upper() and "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert verify_token(f"  {token.lower()}\n", KEYSET).claims == make_claims()


def test_naive_issue_time_is_refused():
    with pytest.raises(ValueError):
        make_claims(issued_at=datetime(2026, 3, 15, 2, 30))


def test_layout_is_cose_sign1_over_cwt_with_the_fields_in_fixed_order():
    token = encode_token(make_claims(), KEY)
    message = cose_of(token)
    assert message.tag == 18
    protected, unprotected, payload, signature = message.value
    assert cbor2.loads(protected) == {1: -8, 4: KEY.kid}
    assert KEY.kid == key_id(KEY.raw_public) and len(KEY.kid) == 8
    assert dict(unprotected) == {}
    assert len(signature) == 64
    claim_set = cbor2.loads(payload)
    assert set(claim_set) == {4, 6, CERTIFICATE_CLAIM}
    assert claim_set[6] == int(datetime(2026, 3, 15, 2, 30, tzinfo=UTC).timestamp())
    assert claim_set[4] == int(datetime(2031, 3, 15, 2, 30, tzinfo=UTC).timestamp())
    assert claim_set[CERTIFICATE_CLAIM] == [
        1,
        bytes.fromhex("0102030405060708090a0b0c"),
        "PPNI/PPI-DASAR/2026/000123",
        "Siti Rahmawati, S.Kep., Ns.",
        20,
        "PPI-DASAR",
        3,
        date(2026, 3, 14),
        Decimal("32"),
        Decimal("2.5"),
        1,
    ]
    # The signature covers the RFC 9052 Sig_structure, checkable with nothing but the public key.
    KEY.private_key.public_key().verify(signature, sig_structure(protected, payload))


def test_token_holds_nothing_personal_beyond_the_printed_name():
    payload = cbor2.loads(cose_of(encode_token(make_claims(), KEY)).value[2])
    strings = [value for value in payload[CERTIFICATE_CLAIM] if isinstance(value, str)]
    assert strings == ["PPNI/PPI-DASAR/2026/000123", "Siti Rahmawati, S.Kep., Ns.", "PPI-DASAR"]


def test_every_single_bit_flip_is_refused():
    data = encode_cose(make_claims(), KEY)
    for position in range(len(data) * 8):
        flipped = bytearray(data)
        flipped[position // 8] ^= 1 << (position % 8)
        with pytest.raises(InvalidToken):
            verify_token(to_token(bytes(flipped)), KEYSET)


def test_changed_field_with_the_old_signature_is_bad_signature():
    message = cose_of(encode_token(make_claims(), KEY))
    protected, unprotected, payload, signature = message.value
    forged_payload = cbor2.loads(payload)
    fields = list(forged_payload[CERTIFICATE_CLAIM])
    fields[3] = "Someone Else"
    forged_payload = dict(forged_payload) | {CERTIFICATE_CLAIM: fields}
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, cbor2.dumps(forged_payload), signature]))
    assert reason_of(to_token(forged)) == "bad_signature"


def test_unknown_kid_is_refused():
    assert reason_of(encode_token(make_claims(), OTHER_KEY)) == "unknown_key"


def test_known_kid_with_another_keys_signature_is_bad_signature():
    # Same kid in the header but signed by a different private key.
    protected = cbor2.dumps({1: -8, 4: KEY.kid})
    payload = cbor2.loads(cose_of(encode_token(make_claims(), KEY)).value[2])
    payload_bytes = cbor2.dumps(payload, canonical=True)
    signature = OTHER_KEY.private_key.sign(sig_structure(protected, payload_bytes))
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload_bytes, signature]))
    assert reason_of(to_token(forged)) == "bad_signature"


def test_withdrawn_key_makes_its_tokens_invalid():
    keyset = KeySet([PublicKey(KEY.raw_public, withdrawn_at=datetime(2026, 4, 1, tzinfo=UTC), withdrawn_reason="x")])
    assert reason_of(encode_token(make_claims(), KEY), keyset) == "key_withdrawn"


def test_retired_key_still_verifies_what_it_signed_before():
    keyset = KeySet([PublicKey(KEY.raw_public, retired_at=datetime(2026, 4, 1, tzinfo=UTC))])
    assert verify_token(encode_token(make_claims(), KEY), keyset).claims == make_claims()


def test_retired_key_signature_dated_after_retirement_is_refused():
    keyset = KeySet([PublicKey(KEY.raw_public, retired_at=datetime(2026, 4, 1, tzinfo=UTC))])
    late = make_claims(issued_at=datetime(2026, 4, 1, tzinfo=UTC) + timedelta(days=1))
    assert reason_of(encode_token(late, KEY), keyset) == "signed_after_retirement"


def build(protected: dict | bytes, payload: dict | bytes, tag: int = 18, key: SigningKey = KEY) -> str:
    protected_bytes = protected if isinstance(protected, bytes) else cbor2.dumps(protected)
    payload_bytes = payload if isinstance(payload, bytes) else cbor2.dumps(payload)
    signature = key.private_key.sign(sig_structure(protected_bytes, payload_bytes))
    return to_token(cbor2.dumps(cbor2.CBORTag(tag, [protected_bytes, {}, payload_bytes, signature])))


def genuine_payload() -> dict:
    return dict(cbor2.loads(cose_of(encode_token(make_claims(), KEY)).value[2]))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("A" * 5000, "too_long"),
        ("01890!", "bad_base32"),
        ("ÄÖÜ", "bad_base32"),
        ("A", "bad_base32"),
        (to_token(b"\xff\xff"), "bad_cbor"),
        (to_token(cbor2.dumps([1, 2, 3])), "not_cose_sign1"),
        (to_token(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b""]))), "not_cose_sign1"),
        (to_token(cbor2.dumps(cbor2.CBORTag(18, ["x", {}, b"", b""]))), "not_cose_sign1"),
        (to_token(cbor2.dumps(cbor2.CBORTag(18, [b"\xa0", {}, b"", b"x" * 64]))), "bad_header"),
    ],
)
def test_malformed_text_gives_a_reason(text, reason):
    assert reason_of(text) == reason


def test_wrong_tag_is_refused():
    assert reason_of(build({1: -8, 4: KEY.kid}, genuine_payload(), tag=17)) == "not_cose_sign1"


def test_wrong_algorithm_is_refused():
    assert reason_of(build({1: -7, 4: KEY.kid}, genuine_payload())) == "unsupported_alg"


def test_truncated_tokens_are_refused():
    token = encode_token(make_claims(), KEY)
    for length in range(0, len(token), 7):
        with pytest.raises(InvalidToken):
            verify_token(token[:length], KEYSET)


def test_signed_but_malformed_claims_are_refused():
    payload = genuine_payload()
    fields = list(payload[CERTIFICATE_CLAIM])
    assert reason_of(build({1: -8, 4: KEY.kid}, payload | {CERTIFICATE_CLAIM: fields[:-1]})) == "bad_claims"
    assert reason_of(build({1: -8, 4: KEY.kid}, payload | {CERTIFICATE_CLAIM: [2, *fields[1:]]})) == (
        "unsupported_format"
    )
    wrong_date = [*fields[:7], 20000, *fields[8:]]
    assert reason_of(build({1: -8, 4: KEY.kid}, payload | {CERTIFICATE_CLAIM: wrong_date})) == "bad_claims"
    assert reason_of(build({1: -8, 4: KEY.kid}, payload | {6: "yesterday"})) == "bad_claims"
    assert reason_of(build({1: -8, 4: KEY.kid}, payload | {6: 10**30})) == "bad_claims"
    assert reason_of(build({1: -8, 4: KEY.kid}, b"\xff")) == "bad_cbor"


def test_qr_for_a_60_character_name_fits_version_15_at_q():
    assert len(NAME_60) == 60
    claims = make_claims(holder_name=NAME_60, number="PPNI/PPI-DASAR/2026/000123")
    url = f"{PUBLIC_URL}/V/{encode_token(claims, KEY)}".upper()
    assert qr_version(url) <= 15


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_fuzz_any_text_gives_only_invalid_token(text):
    with pytest.raises(InvalidToken):
        verify_token(text, KEYSET)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_any_bytes_gives_only_invalid_token(data):
    with pytest.raises(InvalidToken):
        verify_token(to_token(data), KEYSET)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fuzz_mutated_genuine_tokens_never_raise_anything_else(data):
    genuine = bytearray(encode_cose(make_claims(), KEY))
    position = data.draw(st.integers(0, len(genuine) - 1))
    genuine[position] = data.draw(st.integers(0, 255).filter(lambda value: value != genuine[position]))
    cut = data.draw(st.integers(1, len(genuine)))
    with pytest.raises(InvalidToken):
        verify_token(to_token(bytes(genuine[:cut])), KEYSET)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.binary(max_size=20) | st.text(max_size=20),
        lambda children: st.lists(children, max_size=5) | st.dictionaries(st.integers(), children, max_size=5),
        max_leaves=20,
    )
)
def test_fuzz_signed_structures_of_any_shape_are_refused_cleanly(payload):
    # Even a correctly signed message with a nonsense claim set must give InvalidToken and nothing else.
    with pytest.raises(InvalidToken):
        verify_token(build({1: -8, 4: KEY.kid}, cbor2.dumps(payload)), KEYSET)


# --- VerifiedTokens: verify_token remembered per process ----------------------------------------------------------


def test_a_token_seen_before_is_given_back_without_verifying_again():
    tokens = VerifiedTokens()
    token = encode_token(make_claims(), KEY)
    first = tokens.verify(token, KEYSET)
    assert tokens.verify(token.lower(), KEYSET) is first  # either case is the same token
    assert len(tokens) == 1


def test_a_remembered_token_is_refused_once_its_key_is_withdrawn_or_retired_before_it():
    tokens = VerifiedTokens()
    token = encode_token(make_claims(issued_at=datetime(2026, 5, 1, tzinfo=UTC)), KEY)
    tokens.verify(token, KEYSET)
    withdrawn = KeySet([PublicKey(KEY.raw_public, withdrawn_at=datetime(2026, 6, 1, tzinfo=UTC), withdrawn_reason="x")])
    with pytest.raises(InvalidToken) as refused:
        tokens.verify(token, withdrawn)
    assert refused.value.reason == "key_withdrawn"
    retired_before = KeySet([PublicKey(KEY.raw_public, retired_at=datetime(2026, 4, 1, tzinfo=UTC))])
    with pytest.raises(InvalidToken) as refused:
        tokens.verify(token, retired_before)
    assert refused.value.reason == "signed_after_retirement"
    with pytest.raises(InvalidToken) as refused:
        tokens.verify(token, KeySet())
    assert refused.value.reason == "unknown_key"


def test_refused_tokens_are_not_remembered_and_a_tampered_copy_is_still_refused():
    tokens = VerifiedTokens()
    token = encode_token(make_claims(), KEY)
    tokens.verify(token, KEYSET)
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    for junk in (flipped, "NOT A TOKEN", "", None, 42):
        with pytest.raises(InvalidToken):
            tokens.verify(junk, KEYSET)
    assert len(tokens) == 1


def test_the_oldest_remembered_token_goes_first_when_full():
    tokens = VerifiedTokens(size=2)
    texts = [encode_token(make_claims(number=f"X/{n}"), KEY) for n in range(3)]
    for text in texts:
        tokens.verify(text, KEYSET)
    assert len(tokens) == 2
    assert tokens.verify(texts[2], KEYSET) is tokens.verify(texts[2], KEYSET)
