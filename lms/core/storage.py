"""Storage of uploaded and generated files behind one small interface, with the backend chosen by configuration.

Files are addressed by opaque keys such as `attachments/3f2a….pdf`: a folder, a random name and a suffix. The name a
user gave a file is never used on disk (it lives in the database, for display only), and a key is checked before it
touches the file system, so `../` or an absolute path can never reach outside the storage root.

Configuration: `STORAGE` (`LMS_STORAGE`) names an entry of `STORAGE_BACKENDS`: "local" keeps files under
`UPLOADS_DIR` (empty means `<instance>/uploads`) on this host's disk; "database" keeps them as rows of the database
every host shares (lms.core.stored_files). Empty means "database" on PostgreSQL (a deployment of several hosts) and
"local" on SQLite (one host). Another backend (S3, …) is a class with the same methods, a `from_app(app)`
constructor and a `transactional` flag, registered in `STORAGE_BACKENDS`.

A *transactional* backend writes through the request's database session: a file saved in a transaction that rolls
back is gone with it, and a deletion happens with the commit of the row that referred to the file.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.core.settings import SettingError
from lms.extensions import db

_FOLDER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}(?:/[a-z0-9][a-z0-9_-]{0,39}){0,3}$")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")
_NAME = re.compile(r"^[0-9a-f]{32}(?:\.[a-z0-9]{1,10})?$")


class InvalidStorageKey(ValueError):
    """A key that storage did not hand out (wrong shape, or an attempt to climb out of the storage root)."""


class StoredFileMissing(LookupError):
    """No file is stored under this key."""


class Storage(Protocol):
    transactional: bool

    def save(self, data: bytes, *, folder: str, suffix: str) -> str: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def keys(self) -> Iterator[str]: ...

    def put(self, key: str, data: bytes) -> None: ...


def normalize_suffix(suffix: str) -> str:
    """`"PDF"`, `"pdf"` and `".pdf"` all become `".pdf"`; an empty suffix stays empty."""
    if not suffix:
        return ""
    suffix = suffix.lower()
    if not suffix.startswith("."):
        suffix = "." + suffix
    if not _SUFFIX.match(suffix):
        raise InvalidStorageKey(f"invalid suffix {suffix!r}")
    return suffix


def new_key(folder: str, suffix: str) -> str:
    """A fresh random key in `folder` (128 random bits, so keys cannot be guessed or collide)."""
    if not _FOLDER.match(folder):
        raise InvalidStorageKey(f"invalid folder {folder!r}")
    return f"{folder}/{secrets.token_hex(16)}{normalize_suffix(suffix)}"


def check_key(key: str) -> tuple[str, str]:
    """Split a key into (folder, name) after checking its shape; raise InvalidStorageKey otherwise."""
    if not isinstance(key, str) or "/" not in key:
        raise InvalidStorageKey(f"invalid key {key!r}")
    folder, _, name = key.rpartition("/")
    if not _FOLDER.match(folder) or not _NAME.match(name):
        raise InvalidStorageKey(f"invalid key {key!r}")
    return folder, name


class LocalStorage:
    """Files in a folder of the local file system, written atomically (a reader never sees half a file)."""

    transactional = False

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    @classmethod
    def from_app(cls, app: Flask) -> LocalStorage:
        return cls(app.config.get("UPLOADS_DIR") or os.path.join(app.instance_path, "uploads"))

    def _path(self, key: str) -> Path:
        folder, name = check_key(key)
        path = (self.root / folder / name).resolve()
        # The key patterns already exclude "..", this guards against symlinked folders too.
        if not path.is_relative_to(self.root):
            raise InvalidStorageKey(f"invalid key {key!r}")
        return path

    def save(self, data: bytes, *, folder: str, suffix: str) -> str:
        key = new_key(folder, suffix)
        self.put(key, data)
        return key

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under a key handed out elsewhere (copying files between backends, restoring a backup)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o640)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as missing:
            raise StoredFileMissing(key) from missing

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self) -> Iterator[str]:
        """Every stored key (backups, copying between backends); half-written temporary files are left out."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                key = path.relative_to(self.root).as_posix()
                try:
                    check_key(key)
                except InvalidStorageKey:
                    continue
                yield key


def _database_storage() -> type:
    from lms.core.stored_files import DatabaseStorage

    return DatabaseStorage


STORAGE_BACKENDS: dict[str, type | Callable[[], type]] = {"local": LocalStorage, "database": _database_storage}


def storage_name(app: Flask) -> str:
    """The backend the settings choose: `STORAGE`, or by default "database" on PostgreSQL and "local" otherwise.
    SettingError (naming LMS_STORAGE) when the name is not a known backend."""
    name = str(app.config.get("STORAGE") or "").strip().lower()
    if not name:
        uri = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
        name = "database" if uri.startswith("postgresql") else "local"
    if name not in STORAGE_BACKENDS:
        raise SettingError("STORAGE", f"unknown storage {name!r}; choose one of: {', '.join(STORAGE_BACKENDS)}")
    return name


def get_storage(app: Flask | None = None) -> Storage:
    """The configured storage backend of `app` (default: the current app), built once per app."""
    app = app or current_app._get_current_object()
    storage = app.extensions.get("lms_storage")
    if storage is None:
        backend = STORAGE_BACKENDS[storage_name(app)]
        if not isinstance(backend, type):
            backend = backend()  # imported on first use: the database backend needs the models
        storage = app.extensions["lms_storage"] = backend.from_app(app)
    return storage


# --- files and the database transaction --------------------------------------------------------------------------
# A file is written before its row is committed and removed only after the row's removal is committed, so a rolled
# back transaction neither leaves a row without its file nor (with forget_on_rollback) a file without its row.

_AFTER_COMMIT = "lms_storage_delete_after_commit"
_AFTER_ROLLBACK = "lms_storage_delete_after_rollback"


def delete_after_commit(key: str) -> None:
    """Delete the stored file once the current transaction commits (kept if it rolls back)."""
    storage = get_storage()
    if storage.transactional:
        storage.delete(key)  # in the same transaction: undone by a rollback
        return
    db.session.info.setdefault(_AFTER_COMMIT, set()).add(key)


def forget_on_rollback(key: str) -> None:
    """Delete a just-saved file if the current transaction rolls back (its row never existed)."""
    if get_storage().transactional:
        return  # the file's row goes with the rollback
    db.session.info.setdefault(_AFTER_ROLLBACK, set()).add(key)


def _delete_all(keys: set[str]) -> None:
    if not keys:
        return
    storage = get_storage()
    for key in keys:
        storage.delete(key)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_AFTER_ROLLBACK, None)
    _delete_all(session.info.pop(_AFTER_COMMIT, set()))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if session.in_transaction():
        return  # a nested rollback: the outer transaction decides
    session.info.pop(_AFTER_COMMIT, None)
    _delete_all(session.info.pop(_AFTER_ROLLBACK, set()))
