"""Small secrets kept encrypted in the database (a person's TOTP secret): AES-256-GCM, bound to what they belong to.

The key is LMS_KEY_ENCRYPTION_KEY (base64 of 32 random bytes, the one that also guards the signing keys) when it is
set; otherwise a key derived from SECRET_KEY with HKDF-SHA256. Each sealed value says which key sealed it (`k1:` or
`s1:`), so setting LMS_KEY_ENCRYPTION_KEY later keeps the values sealed before readable (they are sealed again with
it when next written). A database dump alone therefore reveals no secret.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ENCRYPTION_KEY = "k1"
"""Sealed under LMS_KEY_ENCRYPTION_KEY."""
SECRET_KEY_DERIVED = "s1"
"""Sealed under HKDF-SHA256(SECRET_KEY, info="lentera-secret-box-v1")."""
_NONCE_BYTES = 12


class SecretBoxError(ValueError):
    """A sealed value that cannot be opened: the key it was sealed with is missing or different, or it was changed."""


def decode_key_encryption_key(value: str) -> bytes:
    """The 32 bytes of LMS_KEY_ENCRYPTION_KEY (base64, standard or URL-safe); ValueError when it is not that."""
    cleaned = (value or "").strip().replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("not base64 of 32 bytes")
    return raw


def _key(kind: str, config: Mapping) -> bytes:
    if kind == KEY_ENCRYPTION_KEY:
        if not config.get("KEY_ENCRYPTION_KEY"):
            raise SecretBoxError("sealed under LMS_KEY_ENCRYPTION_KEY, which is not set")
        return decode_key_encryption_key(config["KEY_ENCRYPTION_KEY"])
    if kind == SECRET_KEY_DERIVED:
        secret = config.get("SECRET_KEY")
        if not secret:
            raise SecretBoxError("no SECRET_KEY to derive the key from")
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lentera-secret-box-v1")
        return hkdf.derive(secret.encode() if isinstance(secret, str) else secret)
    raise SecretBoxError(f"unknown key kind {kind!r}")


def sealing_key_kind(config: Mapping) -> str:
    """Which key seals new values under these settings."""
    return KEY_ENCRYPTION_KEY if config.get("KEY_ENCRYPTION_KEY") else SECRET_KEY_DERIVED


def seal(plaintext: str, context: str, config: Mapping) -> str:
    """`plaintext` encrypted for storage; `context` (e.g. "totp:42") is bound in, so a value copied to another row
    does not open there."""
    kind = sealing_key_kind(config)
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(kind, config)).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{kind}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def open_sealed(value: str, context: str, config: Mapping) -> str:
    """The plaintext of a value made by `seal` with the same `context`; SecretBoxError when it cannot be opened."""
    kind, _, encoded = value.partition(":")
    try:
        raw = base64.urlsafe_b64decode(encoded.encode("ascii"))
        plaintext = AESGCM(_key(kind, config)).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
    except (InvalidTag, binascii.Error, ValueError) as error:
        if isinstance(error, SecretBoxError):
            raise
        raise SecretBoxError("the sealed value does not open with this key") from None
    return plaintext.decode()
