"""Verdict logic: signature before lookup, each live state, signed expiry, and reading QR texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.certificates.token import KeySet, PublicKey, SigningKey, encode_token
from lms.certificates.verification import LiveStatus, Verdict, judge, parse_qr_text, signed_fields
from tests.unit.test_certificate_token import make_claims

KEY = SigningKey.from_raw(bytes(range(32)))
KEYSET = KeySet([PublicKey(KEY.raw_public)])
TOKEN = encode_token(make_claims(), KEY)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


class Lookup:
    """Records what the verdict asked the 'database', answering with a fixed status."""

    def __init__(self, status: LiveStatus | None):
        self.status = status
        self.asked: list[bytes] = []

    def __call__(self, certificate_id: bytes, now: datetime) -> LiveStatus | None:
        self.asked.append(certificate_id)
        return self.status


@pytest.mark.parametrize(
    "text",
    [
        TOKEN,
        f"  {TOKEN}\n",
        TOKEN.lower(),
        f"https://lentera.example.id/v/{TOKEN}",
        f"HTTPS://LENTERA.EXAMPLE.ID/V/{TOKEN}",
        f"/V/{TOKEN}",
        f"lentera.example.id/v/{TOKEN}/",
        f"http://localhost:5000/v/{TOKEN}?utm_source=wa",
    ],
)
def test_parse_qr_text_finds_the_token(text):
    assert parse_qr_text(text).upper() == TOKEN


def test_parse_qr_text_leaves_other_text_to_be_refused():
    assert parse_qr_text("https://example.com/other") == "https://example.com/other"
    assert parse_qr_text(None) == ""
    assert len(parse_qr_text("A" * 100_000)) == 4097


@pytest.mark.parametrize(
    ("state", "verdict"),
    [
        ("valid", Verdict.VALID),
        ("revoked", Verdict.REVOKED),
        ("suspended", Verdict.SUSPENDED),
        ("expired", Verdict.EXPIRED),
    ],
)
def test_live_state_gives_the_verdict(state, verdict):
    status = LiveStatus(state=state, reason="Data salah" if state != "valid" else None, course_title="PPI Dasar")
    lookup = Lookup(status)
    result = judge(TOKEN, KEYSET, lookup, NOW)
    assert result.verdict is verdict
    assert lookup.asked == [make_claims().certificate_id]
    assert result.signature_genuine
    if state in ("revoked", "suspended"):
        assert result.reason == "Data salah"


def test_signed_expiry_is_a_floor_even_when_the_records_say_valid():
    lookup = Lookup(LiveStatus(state="valid"))
    after_expiry = make_claims().expires_at + timedelta(seconds=1)
    assert judge(TOKEN, KEYSET, lookup, after_expiry).verdict is Verdict.EXPIRED


def test_unknown_certificate_id_is_not_valid():
    result = judge(TOKEN, KEYSET, Lookup(None), NOW)
    assert result.verdict is Verdict.INVALID and result.invalid_reason == "unknown_certificate"
    assert signed_fields(result) is None


def test_bad_signature_never_reaches_the_lookup():
    lookup = Lookup(LiveStatus(state="valid"))
    forged = TOKEN[:-3] + ("AAA" if not TOKEN.endswith("AAA") else "BBB")
    result = judge(forged, KEYSET, lookup, NOW)
    assert result.verdict is Verdict.INVALID
    assert lookup.asked == []


def test_withdrawn_key_is_not_valid_with_the_platform_reason():
    keyset = KeySet([PublicKey(KEY.raw_public, withdrawn_at=NOW, withdrawn_reason="kunci bocor")])
    lookup = Lookup(LiveStatus(state="valid"))
    result = judge(TOKEN, keyset, lookup, NOW)
    assert result.verdict is Verdict.INVALID and result.invalid_reason == "key_withdrawn"
    assert result.withdrawn_reason == "kunci bocor"
    assert lookup.asked == []


def test_signed_fields_show_the_claims_and_the_server_title():
    result = judge(
        TOKEN, KEYSET, Lookup(LiveStatus(state="valid", course_title="PPI Dasar", organization_name="PPNI")), NOW
    )
    fields = signed_fields(result)
    assert fields["number"] == "PPNI/PPI-DASAR/2026/000123"
    assert fields["holder_name"] == "Siti Rahmawati, S.Kep., Ns."
    assert fields["profession"] == "Perawat"
    assert (fields["course_code"], fields["course_version"], fields["course_title"]) == ("PPI-DASAR", 3, "PPI Dasar")
    assert (fields["jpl"], fields["skp"], fields["ranah"]) == ("32", "2.5", "pembelajaran")
    assert fields["completed_on"] == "2026-03-14"
    assert fields["organization"] == "PPNI"


def test_page_values_are_escaped_as_the_template_escapes_them():
    from decimal import Decimal

    from markupsafe import Markup, escape

    from lms.certificates.verify_skeleton import escaped

    values = ['Ni Luh "Ayu" <b>&amp;</b> O\'Brien', "", "100%", "ñ ü 😀 \x01", "&&<<>>''\"\"", 3, Decimal("2.50")]
    for value in [*values, Markup("<b>already safe</b>")]:
        assert escaped(value) == str(escape(value))
