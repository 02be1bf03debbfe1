"""The conformance vectors through the server's verifier (`judge`) and the offline rules (`offline_verdict`)."""

from __future__ import annotations

import pytest

from lms.certificates.offline import offline_verdict
from lms.certificates.verification import judge
from tests.conformance.vectors import VECTORS_FILE, keyset, lookup, moment, vectors
from tests.data.make_verification_vectors import render

VECTORS = vectors()


def test_the_file_is_what_the_generator_writes():
    # Keys from fixed seeds and deterministic Ed25519: regenerating gives the committed file byte for byte.
    assert VECTORS_FILE.read_text(encoding="utf-8") == render()


def test_the_vectors_cover_what_issue_12_asks_for():
    names = {vector["name"] for vector in VECTORS}
    for required in (
        "genuine",
        "revoked_online",
        "expired",
        "future_iat",
        "retired_key_after_retirement",
        "withdrawn_key",
        "unknown_kid",
        "wrong_alg",
        "trailing_bytes",
        "duplicate_claim_label",
        "ten_fields",
        "bad_base32_char",
        "format_version_99",
    ):
        assert required in names
    assert len(VECTORS) >= 60


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_server_verdict(vector):
    result = judge(vector["text"], keyset(vector), lookup(vector), moment(vector))
    expected = vector["expected"]
    assert (result.verdict.value, result.invalid_reason) == (expected["verdict"], expected["reason"])


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_offline_verdict(vector):
    verdict, reason, _verified = offline_verdict(vector["text"], keyset(vector), moment(vector))
    expected = vector["expected_offline"]
    assert (verdict.value, reason) == (expected["verdict"], expected["reason"])
