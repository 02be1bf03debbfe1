"""Signing keys in the shared database, so that every host signs with the current key (LMS_SIGNING_KEYS=database).

Each key is a row of `signing_keys`: its public half and life in clear (they are published anyway), its private half
encrypted with AES-256-GCM under the key-encryption key `LMS_KEY_ENCRYPTION_KEY` (base64 of 32 random bytes, kept
in the hosts' environment and never in the database), bound to its kid so a ciphertext cannot be moved to another row.
A database dump alone therefore cannot sign; the dump plus that variable can.

Reading: the rows are read afresh at every issuance (one small query: a rotation or withdrawal on another host is
used at this host's next signing) and kept for `SIGNING_KEYS_CACHE_SECONDS` (5 s) for verification, which runs on
every scan of the public verify page. Changes happen in the caller's transaction under an advisory lock (PostgreSQL),
so two hosts making the first key at once make one.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import LargeBinary, String, Text, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from lms.certificates.keys import KeyProblem, KeyStore, StoredKey, _lock, decode_environment_key
from lms.certificates.token import PublicKey, SigningKey
from lms.core.models import UTCDateTime
from lms.core.secret_box import decode_key_encryption_key
from lms.core.settings import SettingError
from lms.extensions import db

KEYS_SETTINGS = ("files", "database")
# pg_advisory_xact_lock number of the key store ("LENTERA" in ASCII digits, any constant would do).
_ADVISORY_LOCK = 76698478
_ENCRYPTION_VERSION = b"\x01"
_rows_cache: dict[str, tuple[float, tuple[StoredKey, ...]]] = {}
_private_cache: dict[bytes, SigningKey] = {}


class SigningKeyRow(db.Model):
    """One certificate signing key: public half and life; the private half only while it may sign, encrypted."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(20))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")


# --- settings ------------------------------------------------------------------------------------------------------


def new_key_encryption_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def keys_in_database(app: Flask) -> bool:
    """Where the settings keep the signing keys: `SIGNING_KEYS` ("database" or "files"), by default the database
    when a key-encryption key is given. SettingError naming the setting when they cannot work."""
    choice = str(app.config.get("SIGNING_KEYS") or "").strip().lower()
    kek = str(app.config.get("KEY_ENCRYPTION_KEY") or "")
    if choice and choice not in KEYS_SETTINGS:
        raise SettingError("SIGNING_KEYS", f"unknown place {choice!r}; choose one of: {', '.join(KEYS_SETTINGS)}")
    in_database = choice == "database" or (not choice and bool(kek))
    if in_database:
        if not kek:
            raise SettingError(
                "KEY_ENCRYPTION_KEY",
                "required when signing keys are kept in the database; give base64 of 32 random bytes "
                "(`lms keys new-kek` prints one), the same on every host",
            )
        try:
            decode_key_encryption_key(kek)
        except ValueError:
            raise SettingError("KEY_ENCRYPTION_KEY", "must be base64 of 32 random bytes") from None
    return in_database


def database_holds_keys() -> bool:
    return db.session.execute(select(SigningKeyRow.kid).limit(1)).first() is not None


# --- encryption of the private halves -----------------------------------------------------------------------------


def encrypt_private(kek: bytes, key: SigningKey) -> bytes:
    nonce = os.urandom(12)
    return _ENCRYPTION_VERSION + nonce + AESGCM(kek).encrypt(nonce, key.raw_private, b"lentera-signing-key:" + key.kid)


def decrypt_private(kek: bytes, blob: bytes, kid: bytes) -> SigningKey:
    blob = bytes(blob)
    if blob[:1] != _ENCRYPTION_VERSION:
        raise KeyProblem(_l("The stored signing key %(kid)s has an unknown format.", kid=kid.hex()))
    try:
        raw = AESGCM(kek).decrypt(blob[1:13], blob[13:], b"lentera-signing-key:" + kid)
    except InvalidTag:
        raise KeyProblem(
            _l("The signing key %(kid)s cannot be decrypted with LMS_KEY_ENCRYPTION_KEY.", kid=kid.hex())
        ) from None
    signing = SigningKey.from_raw(raw)
    if signing.kid != kid:
        raise KeyProblem(_l("The stored signing key %(kid)s does not match its public key.", kid=kid.hex()))
    return signing


# --- the store -----------------------------------------------------------------------------------------------------


def _entry(row: SigningKeyRow) -> StoredKey:
    public = PublicKey(
        public_key=bytes(row.public_key),
        valid_from=row.valid_from,
        retired_at=row.retired_at,
        withdrawn_at=row.withdrawn_at,
        withdrawn_reason=row.withdrawn_reason or "",
        algorithm=row.algorithm,
    )
    if public.kid_hex != row.kid:
        raise KeyProblem(_l("The keyring names a key %(kid)s that does not match its public key.", kid=row.kid))
    return StoredKey(public=public, created_at=row.created_at, source=row.source)


class DatabaseKeyStore(KeyStore):
    """The key store of lms.certificates.keys with its keyring and private keys in the database."""

    def __init__(self, kek: bytes, environment_key: str = "", cache_seconds: float = 5.0):
        self.folder = None
        self.kek = kek
        self.cache_seconds = cache_seconds
        self.environment_key = decode_environment_key(environment_key) if environment_key else None
        self._pending_private: dict[str, bytes] = {}

    @classmethod
    def from_app(cls, app: Flask) -> DatabaseKeyStore:
        return cls(
            decode_key_encryption_key(app.config["KEY_ENCRYPTION_KEY"]),
            app.config.get("SIGNING_KEY") or "",
            float(app.config.get("SIGNING_KEYS_CACHE_SECONDS", 5)),
        )

    @property
    def keyring_path(self):
        return None

    @staticmethod
    def _cache_name() -> str:
        return str(db.engine.url)

    def _forget(self) -> None:
        _rows_cache.pop(self._cache_name(), None)

    def _stored(self) -> tuple[StoredKey, ...]:
        name = self._cache_name()
        cached = _rows_cache.get(name)
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        rows = db.session.execute(select(SigningKeyRow).order_by(SigningKeyRow.created_at)).scalars().all()
        keys = tuple(_entry(row) for row in rows)
        _rows_cache[name] = (time.monotonic(), keys)
        return keys

    def current(self) -> SigningKey | None:
        self._forget()  # fresh rows at every signing: a rotation on another host is used here at once
        return super().current()

    def _load_private(self, key: StoredKey) -> SigningKey:
        cached = _private_cache.get(key.public.kid)
        if cached is not None:
            return cached
        blob = db.session.execute(
            select(SigningKeyRow.private_key_encrypted).where(SigningKeyRow.kid == key.id)
        ).scalar_one_or_none()
        if blob is None:
            raise KeyProblem(_l("The database holds no private key for the signing key %(kid)s.", kid=key.id))
        signing = _private_cache[key.public.kid] = decrypt_private(self.kek, blob, key.public.kid)
        return signing

    @contextmanager
    def _changing(self) -> Iterator[None]:
        with _lock:
            if db.session.get_bind().dialect.name == "postgresql":
                db.session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _ADVISORY_LOCK})
            self._forget()
            try:
                yield
            finally:
                self._forget()

    def _write_private(self, key: SigningKey) -> None:
        self._pending_private[key.kid.hex()] = encrypt_private(self.kek, key)

    def _write(self, keys: list[StoredKey]) -> None:
        rows = {row.kid: row for row in db.session.execute(select(SigningKeyRow)).scalars()}
        for key in keys:
            row = rows.get(key.id)
            if row is None:
                row = SigningKeyRow(kid=key.id, public_key=key.public.public_key, created_at=key.created_at)
                db.session.add(row)
            row.algorithm = key.public.algorithm
            row.source = key.source
            row.valid_from = key.public.valid_from
            row.retired_at = key.public.retired_at
            row.withdrawn_at = key.public.withdrawn_at
            row.withdrawn_reason = key.public.withdrawn_reason or ""
            if key.id in self._pending_private:
                row.private_key_encrypted = self._pending_private.pop(key.id)
        db.session.flush()
        self._forget()

    def _delete_private(self, kid_hex: str) -> None:
        db.session.execute(update(SigningKeyRow).where(SigningKeyRow.kid == kid_hex).values(private_key_encrypted=None))
        _private_cache.pop(bytes.fromhex(kid_hex), None)

    def _refuse_to_fork(self) -> None:
        return None

    def import_from(self, files: KeyStore) -> list[StoredKey]:
        """Copy the keys of a key folder that the database does not hold yet (with the private halves of those that
        can still sign); the caller commits. Running it again adds nothing."""
        with self._changing():
            held = self._read()
            known = {key.id for key in held}
            added = [key for key in files.entries() if key.id not in known and key.source == "file"]
            for key in added:
                private = files.private_key(key)
                if private is not None:
                    self._write_private(private)
            if added:
                self._write([*held, *added])
            return added
