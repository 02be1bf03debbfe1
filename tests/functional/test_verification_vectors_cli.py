"""The conformance vectors through `lms certificates verify --keys FILE --at MOMENT` (no database, no network)."""

from __future__ import annotations

import json

import pytest

from tests.conformance.vectors import key_document, vectors

VECTORS = vectors()
EXIT_CODES = {"genuine": 0, "invalid": 1, "expired": 2}


@pytest.fixture
def key_files(tmp_path):
    def path_for(vector):
        path = tmp_path / f"{vector['key_set']}.json"
        if not path.exists():
            path.write_text(json.dumps(key_document(vector)), encoding="utf-8")
        return str(path)

    return path_for


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_command_line_verdict(runner, key_files, vector):
    moment = vector["moment"].replace("Z", "+0000")
    args = ["certificates", "verify", vector["text"], "--keys", key_files(vector), "--at", moment, "--json"]
    result = runner.invoke(args=args)
    expected = vector["expected_offline"]
    answer = json.loads(result.output)
    assert (answer["verdict"], answer["reason"]) == (expected["verdict"], expected["reason"])
    assert result.exit_code == EXIT_CODES[expected["verdict"]]


def test_expired_certificate_says_kedaluwarsa_and_exits_non_zero(runner, key_files):
    vector = next(vector for vector in VECTORS if vector["name"] == "expired")
    moment = vector["moment"].replace("Z", "+0000")
    result = runner.invoke(args=["certificates", "verify", vector["text"], "--keys", key_files(vector), "--at", moment])
    assert result.exit_code == 2
    assert "EXPIRED (KEDALUWARSA)" in result.output and "GENUINE" not in result.output
    assert "NOT CHECKED offline: revocation and suspension" in result.output
