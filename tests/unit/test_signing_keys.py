"""Signing key store: file modes, rotation keeps old certificates valid, withdrawal invalidates, environment key."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lms.certificates.keys import KeyProblem, KeyStore, keyset_from_document
from lms.certificates.token import CertificateClaims, InvalidToken, SigningKey, encode_token, verify_token
from lms.core.errors import NotFound


def claims() -> CertificateClaims:
    return CertificateClaims(
        certificate_id=b"\x01" * 12,
        number="IBI/APN/2026/000001",
        holder_name="Bd. Wayan Sari",
        profession_code=30,
        course_code="APN",
        course_version=1,
        completed_on=date(2026, 5, 2),
        jpl=Decimal("40"),
        skp=Decimal("4"),
        ranah_code=1,
        issued_at=datetime.now(UTC),
    )


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_key_is_made_once_with_private_modes(tmp_path):
    store = KeyStore(tmp_path / "keys")
    entry = store.create_first()
    assert entry is not None and entry.can_sign and entry.state == "current"
    assert store.create_first() is None
    assert mode_of(tmp_path / "keys") == 0o700
    assert mode_of(tmp_path / "keys" / f"{entry.id}.key") == 0o600
    assert store.current().kid == entry.public.kid
    keyring = json.loads((tmp_path / "keys" / "keyring.json").read_text())
    assert [item["kid"] for item in keyring["keys"]] == [entry.id]
    assert "private" not in json.dumps(keyring)


def test_rotation_retires_the_old_key_which_still_verifies(tmp_path):
    store = KeyStore(tmp_path)
    first = store.create_first()
    old_token = encode_token(claims(), store.current())
    second = store.rotate()
    assert store.current().kid == second.public.kid != first.public.kid
    assert store.find(first.id).state == "retired"
    assert verify_token(old_token, store.keyset()).key.kid == first.public.kid
    assert verify_token(encode_token(claims(), store.current()), store.keyset()).key.kid == second.public.kid


def test_withdrawal_invalidates_what_the_key_signed_and_replaces_the_signer(tmp_path):
    store = KeyStore(tmp_path)
    first = store.create_first()
    token = encode_token(claims(), store.current())
    withdrawn = store.withdraw(first.id.upper(), "private key copied to a lost laptop")
    assert withdrawn.state == "withdrawn"
    assert withdrawn.public.withdrawn_reason == "private key copied to a lost laptop"
    assert not (tmp_path / f"{first.id}.key").exists()
    with pytest.raises(InvalidToken) as caught:
        verify_token(token, store.keyset())
    assert caught.value.reason == "key_withdrawn"
    assert store.current() is not None and store.current().kid != first.public.kid


def test_withdrawing_a_retired_key_keeps_the_current_signer(tmp_path):
    store = KeyStore(tmp_path)
    first = store.create_first()
    second = store.rotate()
    store.withdraw(first.id, "audit finding")
    assert store.current().kid == second.public.kid


def test_withdrawal_needs_a_reason_and_a_known_key(tmp_path):
    store = KeyStore(tmp_path)
    first = store.create_first()
    with pytest.raises(KeyProblem):
        store.withdraw(first.id, "  ")
    with pytest.raises(NotFound):
        store.withdraw("00" * 8, "no such key")
    store.withdraw(first.id, "lost")
    with pytest.raises(KeyProblem):
        store.withdraw(first.id, "again")


def test_environment_key_signs_and_stays_published_after_it_changes(tmp_path):
    first_key, second_key = SigningKey.generate(), SigningKey.generate()
    first_env = base64.b64encode(first_key.raw_private).decode()
    store = KeyStore(tmp_path, first_env)
    assert store.current().kid == first_key.kid
    assert store.record_environment_key() is not None
    old_token = encode_token(claims(), store.current())
    with pytest.raises(KeyProblem):
        store.rotate()
    # The deployment now gives a new key: the old one is retired, not forgotten.
    store = KeyStore(tmp_path, base64.urlsafe_b64encode(second_key.raw_private).decode().rstrip("="))
    store.record_environment_key()
    assert store.current().kid == second_key.kid
    assert store.find(first_key.kid.hex()).state == "retired"
    assert verify_token(old_token, store.keyset()).key.kid == first_key.kid
    assert list((tmp_path).glob("*.key")) == []


def test_withdrawn_environment_key_refuses_to_sign(tmp_path):
    key = SigningKey.generate()
    store = KeyStore(tmp_path, base64.b64encode(key.raw_private).decode())
    store.withdraw(key.kid.hex(), "leaked in a log")
    with pytest.raises(KeyProblem):
        store.current()


@pytest.mark.parametrize(
    "text", ["not base64!", base64.b64encode(b"short").decode(), base64.b64encode(b"x" * 64).decode()]
)
def test_bad_environment_key_is_refused(tmp_path, text):
    with pytest.raises(KeyProblem):
        KeyStore(tmp_path, text)


def test_keyring_entry_that_does_not_match_its_key_is_refused(tmp_path):
    store = KeyStore(tmp_path)
    store.create_first()
    keyring = json.loads((tmp_path / "keyring.json").read_text())
    keyring["keys"][0]["kid"] = "00" * 8
    (tmp_path / "keyring.json").write_text(json.dumps(keyring))
    with pytest.raises(KeyProblem):
        store.entries()


def test_keyset_from_a_published_document_honours_withdrawal():
    key = SigningKey.generate()
    token = encode_token(claims(), key)
    public = base64.urlsafe_b64encode(key.raw_public).decode().rstrip("=")
    good = {"keys": [{"kid": key.kid.hex(), "alg": "EdDSA", "public_key": public, "withdrawn": False}]}
    assert verify_token(token, keyset_from_document(good)).key.kid == key.kid
    withdrawn = {"keys": [{"kid": key.kid.hex(), "alg": "EdDSA", "public_key": public, "withdrawn": True}]}
    with pytest.raises(InvalidToken):
        verify_token(token, keyset_from_document(withdrawn))


def test_first_key_waits_for_another_worker_holding_the_store(tmp_path):
    # Another gunicorn worker holds the file lock while it makes the first key; this one must wait, then find it.
    import fcntl
    import threading

    store = KeyStore(tmp_path)
    result = {}
    with open(tmp_path / ".lock", "a") as other_worker:
        fcntl.flock(other_worker, fcntl.LOCK_EX)
        waiting = threading.Thread(target=lambda: result.setdefault("made", store.create_first()))
        waiting.start()
        waiting.join(timeout=0.3)
        assert waiting.is_alive() and not (tmp_path / "keyring.json").exists()
        made_elsewhere = KeyStore(tmp_path)._add_new_key(datetime.now(UTC))
        fcntl.flock(other_worker, fcntl.LOCK_UN)
    waiting.join(timeout=10)
    assert result["made"] is None
    assert [key.id for key in store.entries()] == [made_elsewhere.id]


def test_the_key_set_is_made_once_per_version_of_the_keyring(tmp_path):
    """Every scan asks for the key set: it is made again only when the keyring changed (here or in another worker)."""
    store = KeyStore(tmp_path)
    first = store.create_first()
    keyset = store.keyset()
    assert KeyStore(tmp_path).keyset() is keyset is store.keyset()
    second = store.rotate()
    rotated = KeyStore(tmp_path).keyset()
    assert rotated is not keyset and {key.kid for key in rotated} == {first.public.kid, second.public.kid}
    assert store.keyset() is rotated
    assert rotated.get(first.public.kid).retired_at is not None  # the retirement itself is a change


def test_an_unrecorded_environment_key_is_valid_from_each_asking(tmp_path):
    """Until it is recorded (at its first signing), the environment key's key set is not kept."""
    raw = base64.b64encode(bytes(range(32))).decode()
    store = KeyStore(tmp_path, raw)
    first = store.keyset().get(store.environment_key.kid)
    second = store.keyset().get(store.environment_key.kid)
    assert first.valid_from is not None and second.valid_from >= first.valid_from
    store.record_environment_key()
    assert store.keyset() is store.keyset()
