"""Certificate signing keys: the key store in the instance folder, rotation, withdrawal, and the published key set.

The store is a folder (mode 0700, `SIGNING_KEYS_DIR`, default `<instance>/keys`) holding `keyring.json` (the public
half and life of every key ever used) and one `<kid>.key` file (mode 0600, base64 of the raw 32-byte Ed25519 seed) per
key that can still sign. A deployment may instead give the current private key in the environment
(`LMS_SIGNING_KEY`, base64 of the raw 32 bytes): it is then the current key and its public half is added to the
keyring, so that it stays published after the environment changes to a new key.

Life of a key: valid from its creation; *retired* when a newer key takes over (it no longer signs, and what it signed
stays valid); *withdrawn* with a reason when it must no longer be trusted (what it signed becomes invalid).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from lms.accounts.identity import professions
from lms.certificates.token import (
    ALGORITHM_NAME,
    CERTIFICATE_CLAIM,
    FORMAT_VERSION,
    RANAH_CODES,
    KeySet,
    PublicKey,
    SigningKey,
)
from lms.core.errors import Conflict, NotFound

KEYRING_FILE = "keyring.json"
LOCK_FILE = ".lock"
KEYS_DOCUMENT_PATH = "/.well-known/lentera-keys.json"
TOKEN_FIELDS = (
    "format_version",
    "certificate_id",
    "number",
    "holder_name",
    "profession_code",
    "course_code",
    "course_version",
    "completed_on",
    "jpl",
    "skp",
    "ranah_code",
)
_lock = threading.Lock()
_keyring_cache: dict[Path, tuple[tuple[int, int, int], tuple]] = {}
# A withdrawn key listed without a date is treated as withdrawn since ever.
_WITHDRAWN_UNDATED = datetime(1970, 1, 1, tzinfo=UTC)


_keysets: dict[int, tuple[tuple[StoredKey, ...], KeySet]] = {}


def _keyset_of(stored: tuple[StoredKey, ...]) -> KeySet:
    """The key set of one reading of a keyring, made once: every scan asks for it (a KeySet hashes each key)."""
    cached = _keysets.get(id(stored))
    if cached is None or cached[0] is not stored:
        if len(_keysets) >= 16:
            _keysets.clear()
        cached = _keysets[id(stored)] = (stored, KeySet(key.public for key in stored))
    return cached[1]


class KeyProblem(Conflict):
    """The key store cannot do what was asked (withdrawn environment key, unreadable key file, …)."""


@dataclass(frozen=True)
class StoredKey:
    """One key of the keyring: its public half and its life. `id` (the kid in hex) names it in the audit log."""

    public: PublicKey
    created_at: datetime
    source: str = "file"  # "file": private key in the store; "environment": given by LMS_SIGNING_KEY

    @property
    def id(self) -> str:
        return self.public.kid_hex

    @property
    def can_sign(self) -> bool:
        return self.public.retired_at is None and self.public.withdrawn_at is None

    @property
    def state(self) -> str:
        if self.public.withdrawn_at is not None:
            return "withdrawn"
        return "retired" if self.public.retired_at is not None else "current"


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) if text else None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key_to_json(key: StoredKey) -> dict[str, Any]:
    public = key.public
    return {
        "kid": public.kid_hex,
        "alg": public.algorithm,
        "public_key": b64url(public.public_key),
        "created_at": _iso(key.created_at),
        "valid_from": _iso(public.valid_from),
        "retired_at": _iso(public.retired_at),
        "withdrawn_at": _iso(public.withdrawn_at),
        "withdrawn_reason": public.withdrawn_reason,
        "source": key.source,
    }


def _key_from_json(data: dict[str, Any]) -> StoredKey:
    public = PublicKey(
        public_key=_from_b64url(data["public_key"]),
        valid_from=_parse_time(data.get("valid_from")),
        retired_at=_parse_time(data.get("retired_at")),
        withdrawn_at=_parse_time(data.get("withdrawn_at")),
        withdrawn_reason=data.get("withdrawn_reason") or "",
        algorithm=data.get("alg", ALGORITHM_NAME),
    )
    if public.kid_hex != data["kid"]:
        raise KeyProblem(_l("The keyring names a key %(kid)s that does not match its public key.", kid=data["kid"]))
    return StoredKey(public=public, created_at=_parse_time(data["created_at"]), source=data.get("source", "file"))


def decode_environment_key(text: str) -> SigningKey:
    """The signing key from LMS_SIGNING_KEY: base64 (standard or URL-safe) of the raw 32-byte seed."""
    try:
        raw = base64.b64decode(text.strip().replace("-", "+").replace("_", "/") + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise KeyProblem(_l("LMS_SIGNING_KEY must be base64 of a raw 32-byte Ed25519 private key."))
    return SigningKey.from_raw(raw)


class KeyStore:
    """The signing keys of one deployment, kept in a folder; every change is written atomically."""

    def __init__(self, folder: Path | str, environment_key: str = ""):
        self.folder = Path(folder)
        self._keyring_path = self.folder / KEYRING_FILE
        self.environment_key = decode_environment_key(environment_key) if environment_key else None

    # -- reading -----------------------------------------------------------------------------------------------

    @property
    def keyring_path(self) -> Path:
        return self._keyring_path

    def entries(self) -> list[StoredKey]:
        """Every key ever used, oldest first (including the environment key, even before it is recorded)."""
        keys = self._read()
        if self.environment_key is not None and not any(k.public.kid == self.environment_key.kid for k in keys):
            keys.append(self._environment_entry(datetime.now(UTC)))
        return keys

    def _read(self) -> list[StoredKey]:
        return list(self._stored())

    def _stored(self) -> tuple[StoredKey, ...]:
        """The keyring as read last, the same tuple until the file changes."""
        # Every verification reads the keyring: parse it again only when the file changed.
        path = self.keyring_path
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return ()
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        cached = _keyring_cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = tuple(_key_from_json(item) for item in data.get("keys", []))
        _keyring_cache[path] = (stamp, keys)
        return keys

    def find(self, kid_hex: str) -> StoredKey:
        wanted = kid_hex.strip().lower()
        for key in self.entries():
            if key.id == wanted:
                return key
        raise NotFound(_l("No signing key with the id %(kid)s.", kid=kid_hex))

    def keyset(self) -> KeySet:
        stored = self._stored()
        if self.environment_key is not None and not any(k.public.kid == self.environment_key.kid for k in stored):
            return KeySet(key.public for key in self.entries())  # (an unrecorded environment key is valid from now)
        return _keyset_of(stored)

    def current(self) -> SigningKey | None:
        """The key that signs now, or None when the store has none yet."""
        if self.environment_key is not None:
            entry = next((k for k in self._read() if k.public.kid == self.environment_key.kid), None)
            if entry is not None and entry.public.withdrawn_at is not None:
                raise KeyProblem(_l("The signing key given in LMS_SIGNING_KEY was withdrawn; give a new key."))
            return self.environment_key
        signers = [key for key in self._read() if key.can_sign and key.source == "file"]
        if not signers:
            return None
        newest = max(signers, key=lambda key: key.public.valid_from or key.created_at)
        return self._load_private(newest)

    def _load_private(self, key: StoredKey) -> SigningKey:
        path = self.folder / f"{key.id}.key"
        try:
            signing = SigningKey.from_raw(base64.b64decode(path.read_text(encoding="ascii").strip()))
        except (OSError, ValueError, binascii.Error) as error:
            raise KeyProblem(_l("The private key file %(path)s cannot be read.", path=str(path))) from error
        if signing.kid != key.public.kid:
            raise KeyProblem(_l("The private key file %(path)s does not match its keyring entry.", path=str(path)))
        return signing

    # -- changing ----------------------------------------------------------------------------------------------

    def _environment_entry(self, now: datetime) -> StoredKey:
        public = PublicKey(self.environment_key.raw_public, valid_from=now)
        return StoredKey(public=public, created_at=now, source="environment")

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """Hold the store for a read-modify-write: a thread lock, and a file lock for the other worker processes
        (two workers signing their first certificate at once must not both create a key)."""
        with _lock:
            self._prepare_folder()
            with open(self.folder / LOCK_FILE, "a") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _prepare_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)

    def _write(self, keys: list[StoredKey]) -> None:
        self._prepare_folder()
        document = {"keys": [_key_to_json(key) for key in keys]}
        # Write then rename: a reader (another worker) never sees half a keyring.
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".keyring-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=2)
            stream.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.keyring_path)

    def _write_private(self, key: SigningKey) -> None:
        self._prepare_folder()
        path = self.folder / f"{key.kid.hex()}.key"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(base64.b64encode(key.raw_private).decode("ascii") + "\n")
        path.chmod(0o600)

    def _delete_private(self, kid_hex: str) -> None:
        (self.folder / f"{kid_hex}.key").unlink(missing_ok=True)

    def private_key(self, key: StoredKey) -> SigningKey | None:
        """The private half of `key` when this store holds it (copying keys into the database), None otherwise."""
        if key.source != "file" or not key.can_sign:
            return None
        return self._load_private(key)

    def record_environment_key(self, now: datetime | None = None) -> StoredKey | None:
        """Add the environment key to the keyring (retiring the key it replaces); None when there is nothing to add."""
        if self.environment_key is None:
            return None
        now = now or datetime.now(UTC)
        if any(key.public.kid == self.environment_key.kid for key in self._read()):
            return None  # recorded already (looked up before locking: this runs at every signing)
        with self._changing():
            keys = self._read()
            if any(key.public.kid == self.environment_key.kid for key in keys):
                return None
            keys = [self._retired(key, now) for key in keys]
            entry = self._environment_entry(now)
            self._write([*keys, entry])
            return entry

    @staticmethod
    def _retired(key: StoredKey, now: datetime) -> StoredKey:
        if key.public.retired_at is not None:
            return key
        return replace(key, public=replace(key.public, retired_at=now))

    def retire_departed_environment_keys(self, now: datetime | None = None) -> None:
        """An environment key no longer given no longer signs: mark it retired (what it signed stays valid)."""
        current_kid = self.environment_key.kid if self.environment_key is not None else None

        def departed_keys(keys: list[StoredKey]) -> list[StoredKey]:
            return [k for k in keys if k.source == "environment" and k.can_sign and k.public.kid != current_kid]

        # Look before locking: this runs at every signing, and the lock of the database store is held to the commit.
        if not departed_keys(self._read()):
            return
        with self._changing():
            keys = self._read()
            departed = departed_keys(keys)
            if departed:
                now = now or datetime.now(UTC)
                self._write([self._retired(k, now) if k in departed else k for k in keys])

    def create_first(self, now: datetime | None = None) -> StoredKey | None:
        """Make a key when the store has none that can sign; None when one exists already."""
        if self.environment_key is not None:
            return self.record_environment_key(now)
        with self._changing():
            if any(key.can_sign and key.source == "file" for key in self._read()):
                return None
            self._refuse_to_fork()
            return self._add_new_key(now or datetime.now(UTC))

    def _refuse_to_fork(self) -> None:
        """A host keeping keys in files must not start a key of its own while the shared database holds the keys
        (a host of a cluster started without LMS_KEY_ENCRYPTION_KEY would otherwise sign with a key nobody knows)."""
        from lms.certificates.key_database import database_holds_keys

        if has_app_context() and database_holds_keys():
            raise KeyProblem(_l("The signing keys are kept in the database: set LMS_KEY_ENCRYPTION_KEY on this host."))

    def rotate(self, now: datetime | None = None) -> StoredKey:
        """Make a new key the signing key; the previous one is retired (it still verifies what it signed)."""
        if self.environment_key is not None:
            raise KeyProblem(
                _l("The signing key is given by LMS_SIGNING_KEY: rotate it by giving a new key in the environment.")
            )
        with self._changing():
            self._refuse_to_fork()
            return self._add_new_key(now or datetime.now(UTC))

    def _add_new_key(self, now: datetime) -> StoredKey:
        """A new signing key that retires every other one; the caller holds `_changing()`."""
        keys = [self._retired(key, now) for key in self._read()]
        signing = SigningKey.generate()
        self._write_private(signing)
        entry = StoredKey(public=PublicKey(signing.raw_public, valid_from=now), created_at=now)
        self._write([*keys, entry])
        return entry

    def withdraw(self, kid_hex: str, reason: str, now: datetime | None = None) -> StoredKey:
        """Stop trusting a key: everything it signed becomes invalid. A withdrawn signing key is replaced at once."""
        reason = (reason or "").strip()
        if not reason:
            raise KeyProblem(_l("Say why the key is withdrawn."))
        target = self.find(kid_hex)
        if target.public.withdrawn_at is not None:
            raise KeyProblem(_l("The key %(kid)s is already withdrawn.", kid=target.id))
        now = now or datetime.now(UTC)
        with self._changing():
            keys = self._read()
            if not any(key.id == target.id for key in keys):
                keys.append(target)  # the environment key, not yet recorded
            withdrawn = None
            for index, key in enumerate(keys):
                if key.id == target.id:
                    public = replace(
                        key.public, retired_at=key.public.retired_at or now, withdrawn_at=now, withdrawn_reason=reason
                    )
                    keys[index] = withdrawn = replace(key, public=public)
            self._write(keys)
            # The private half of a withdrawn key must not be able to sign anything again.
            self._delete_private(target.id)
        if target.can_sign and target.source == "file":
            self.rotate(now)
        return withdrawn


STORE_SETTINGS = ("SIGNING_KEYS", "KEY_ENCRYPTION_KEY", "SIGNING_KEYS_DIR", "SIGNING_KEY", "SIGNING_KEYS_CACHE_SECONDS")
"""Every setting `key_store` reads (with the instance folder): `keyset` keeps one store per value of these."""


def key_store(app=None) -> KeyStore:
    """The key store of the app: the database (`SIGNING_KEYS` = "database", lms.certificates.key_database) or the
    folder `SIGNING_KEYS_DIR` (default `<instance>/keys`); `SIGNING_KEY` from LMS_SIGNING_KEY in both."""
    app = app or current_app
    from lms.certificates.key_database import DatabaseKeyStore, keys_in_database

    if keys_in_database(app):
        return DatabaseKeyStore.from_app(app)
    folder = app.config.get("SIGNING_KEYS_DIR") or os.path.join(app.instance_path, "keys")
    return KeyStore(folder, app.config.get("SIGNING_KEY") or "")


def current_signing_key() -> SigningKey:
    """The key that signs new certificates now; made on first use when the store is empty."""
    store = key_store()
    store.retire_departed_environment_keys()
    signing = store.current()
    if signing is None:
        store.create_first()
        signing = store.current()
    elif store.environment_key is not None:
        store.record_environment_key()
    return signing


def keyset() -> KeySet:
    """Every published key (current, retired and withdrawn) for `verify_token`.

    Asked on every scan: the store of the app's settings is made once (making it read and parsed the settings and a
    path each time, as much CPU as the rest of the key set), and its key set once per version of the keyring."""
    app = current_app._get_current_object()
    settings = (app.instance_path, *map(app.config.get, STORE_SETTINGS))
    kept = app.extensions.get(_READING_STORE)
    if kept is None or kept[0] != settings:
        kept = app.extensions[_READING_STORE] = (settings, key_store(app))
    return kept[1].keyset()


_READING_STORE = "lentera_reading_key_store"


def _audit(actor, action: str, key: StoredKey, **details) -> None:
    from lms.core.audit import record_audit

    record_audit(actor, action, key, **details)


def rotate(actor=None) -> StoredKey:
    """Rotate the signing key and write it to the audit log (the caller commits)."""
    store = key_store()
    previous = store.current()
    entry = store.rotate()
    _audit(actor, "signing_key.rotate", entry, retired=previous.kid.hex() if previous else None)
    return entry


def withdraw(kid_hex: str, reason: str, actor=None) -> StoredKey:
    """Withdraw a key and write it to the audit log (the caller commits)."""
    entry = key_store().withdraw(kid_hex, reason)
    _audit(actor, "signing_key.withdraw", entry, reason=entry.public.withdrawn_reason)
    return entry


def code_lists() -> dict[str, dict[str, str]]:
    """The small integer codes signed into tokens, with their names (profession, ranah)."""
    return {
        "profession": {str(p.number): p.name for p in sorted(professions().values(), key=lambda p: p.number)},
        "ranah": {str(code): ranah.value.capitalize() for ranah, code in RANAH_CODES.items()},
    }


def published_keyset_document(store: KeyStore | None = None) -> dict[str, Any]:
    """The JSON of /.well-known/lentera-keys.json: who issues, how tokens are built, every key, and the code lists."""
    store = store or key_store()
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    return {
        "issuer": {"name": current_app.config.get("PLATFORM_NAME", "Lentera"), "url": public_url},
        "token": {
            "format": "COSE_Sign1 (RFC 9052) over a CWT claim set (RFC 8392), Base32 without padding",
            "verify_url": f"{public_url}/v/{{token}}",
            "format_version": FORMAT_VERSION,
            "claim": CERTIFICATE_CLAIM,
            "fields": list(TOKEN_FIELDS),
        },
        "keys": [
            {
                "kid": key.id,
                "alg": key.public.algorithm,
                "crv": "Ed25519",
                "public_key": b64url(key.public.public_key),
                "valid_from": _iso(key.public.valid_from or key.created_at),
                "valid_until": _iso(key.public.retired_at),
                "retired": key.public.retired_at is not None,
                "withdrawn": key.public.withdrawn_at is not None,
                "withdrawn_at": _iso(key.public.withdrawn_at),
                "withdrawn_reason": key.public.withdrawn_reason or None,
            }
            for key in store.entries()
        ],
        "codes": code_lists(),
    }


def _withdrawn_at(item: dict[str, Any]) -> datetime | None:
    if not item.get("withdrawn"):
        return None
    return _parse_time(item.get("withdrawn_at")) or _WITHDRAWN_UNDATED


class KeysDocumentInvalid(ValueError):
    pass


def keyset_from_document(document: Any) -> KeySet:
    """The KeySet of a saved lentera-keys.json (offline verification); KeysDocumentInvalid when it is not one."""
    try:
        return KeySet(
            PublicKey(
                public_key=_from_b64url(item["public_key"]),
                valid_from=_parse_time(item.get("valid_from")),
                retired_at=_parse_time(item.get("valid_until")),
                withdrawn_at=_withdrawn_at(item),
                withdrawn_reason=item.get("withdrawn_reason") or "",
                algorithm=item.get("alg", ALGORITHM_NAME),
            )
            for item in document["keys"]
        )
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as error:
        raise KeysDocumentInvalid(f"not a Lentera key set: {error}") from error


def import_file_keys(folder=None, actor=None) -> list[StoredKey]:
    """Copy the keys of a key folder (default `SIGNING_KEYS_DIR` or `<instance>/keys`) into the database key store,
    audited; [] when the keys are not kept in the database or there is nothing new. The caller commits."""
    from lms.certificates.key_database import DatabaseKeyStore

    store = key_store()
    if not isinstance(store, DatabaseKeyStore):
        raise KeyProblem(_l("The signing keys are kept in files: set LMS_SIGNING_KEYS=database to import them."))
    folder = folder or current_app.config.get("SIGNING_KEYS_DIR") or os.path.join(current_app.instance_path, "keys")
    added = store.import_from(KeyStore(folder))
    for entry in added:
        _audit(actor, "signing_key.import", entry, source=entry.source)
    return added


def create_first_key(actor=None) -> StoredKey | None:
    """Make the first signing key (`lms init`) unless one exists; written to the audit log (the caller commits)."""
    entry = key_store().create_first()
    if entry is not None:
        _audit(actor, "signing_key.create", entry, source=entry.source)
    return entry
