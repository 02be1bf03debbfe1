"""Backup and restore of a whole deployment: the database, the stored files and the signing keys, in one folder.

A backup folder holds `manifest.json` (what is in it and how to restore it), the database (`database.dump` from
pg_dump's custom format on PostgreSQL, `lms.sqlite` made with SQLite's online backup on SQLite), `files/` (the
stored files when they live in a folder; with LMS_STORAGE=database they are rows of the dump) and `keys/` (the key
folder when keys live in files; with LMS_SIGNING_KEYS=database they are rows of the dump, encrypted: the restored
deployment needs the same LMS_KEY_ENCRYPTION_KEY, which is never written into a backup).

A restore goes into an empty deployment only (a database without tables, no stored files, no keys), so it can never
mix two deployments or overwrite one by mistake.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from lms.core.database import dispose_engines
from lms.core.storage import get_storage, storage_name
from lms.extensions import db

MANIFEST = "manifest.json"
FORMAT = 1


class BackupProblem(RuntimeError):
    """A backup or restore that cannot be done; the message says why (shown as one line by the command)."""


def _database_url(app: Flask) -> URL:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump/pg_restore (no driver name, no password) and the environment carrying the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupProblem(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupProblem(f"{command[0]} failed: {result.stderr.strip().splitlines()[-1:]}")


def _key_folder(app: Flask) -> Path:
    return Path(app.config.get("SIGNING_KEYS_DIR") or os.path.join(app.instance_path, "keys"))


def backup(app: Flask, folder: Path, *, keys_in_database: bool) -> dict:
    """Write a backup of `app`'s deployment into `folder` (new or empty); returns the manifest. `keys_in_database`:
    where the settings keep the signing keys (lms.certificates.key_database decides; the core does not know)."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupProblem(f"{folder} is not empty: give a new folder for each backup.")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    url = _database_url(app)
    manifest: dict = {"format": FORMAT, "made_at": datetime.now(UTC).isoformat(), "dialect": url.get_backend_name()}
    if url.get_backend_name() == "postgresql":
        target, env = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(folder / "database.dump"),
              target], env)  # fmt: skip
        manifest["database"] = "database.dump"
    else:
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(folder / "lms.sqlite")
        with copy:
            source.backup(copy)  # consistent while the app keeps writing (WAL)
        source.close()
        copy.close()
        manifest["database"] = "lms.sqlite"

    storage = storage_name(app)
    manifest["storage"] = storage
    if not get_storage(app).transactional:
        files = get_storage(app)
        keys = list(files.keys())
        for key in keys:
            path = folder / "files" / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files.read(key))
        manifest["files"] = len(keys)

    manifest["signing_keys"] = "database" if keys_in_database else "files"
    if manifest["signing_keys"] == "files":
        source = _key_folder(app)
        (folder / "keys").mkdir(mode=0o700)
        copied = 0
        for path in sorted(source.glob("*")) if source.is_dir() else []:
            if path.is_file() and not path.name.startswith("."):
                shutil.copy2(path, folder / "keys" / path.name)
                (folder / "keys" / path.name).chmod(0o600)
                copied += 1
        manifest["key_files"] = copied
    else:
        manifest["note"] = "signing keys are in the database, encrypted: restore with the same LMS_KEY_ENCRYPTION_KEY"
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupProblem(f"{folder} is not a Lentera backup (no readable {MANIFEST}).") from error
    if manifest.get("format") != FORMAT:
        raise BackupProblem(f"{folder} has backup format {manifest.get('format')!r}; this version reads {FORMAT}.")
    return manifest


def restore(app: Flask, folder: Path, *, keys_in_database: bool) -> dict:
    """Restore the backup in `folder` into `app`'s deployment, which must be empty; returns the manifest."""
    folder = Path(folder)
    manifest = _read_manifest(folder)
    url = _database_url(app)
    if manifest["dialect"] != url.get_backend_name():
        raise BackupProblem(f"The backup is of a {manifest['dialect']} database; this deployment uses "
                            f"{url.get_backend_name()}.")  # fmt: skip
    sqlite_missing = url.get_backend_name() == "sqlite" and not Path(url.database or "").exists()
    if not sqlite_missing and inspect(db.engine).get_table_names():
        raise BackupProblem("The database of this deployment is not empty: restore into a new, empty database.")
    key_folder = _key_folder(app)
    if manifest["signing_keys"] == "files" and key_folder.is_dir() and any(key_folder.iterdir()):
        raise BackupProblem(f"The key folder {key_folder} is not empty: restore into an empty deployment.")
    if manifest["signing_keys"] == "database" and not keys_in_database:
        raise BackupProblem("The backup keeps the signing keys in the database: set LMS_KEY_ENCRYPTION_KEY first.")
    db.session.remove()
    dispose_engines()

    if url.get_backend_name() == "postgresql":
        target, env = _libpq(url)
        _run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--dbname", target,
              str(folder / manifest["database"])], env)  # fmt: skip
    else:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(folder / manifest["database"])
        copy = sqlite3.connect(url.database)
        with copy:
            source.backup(copy)
        source.close()
        copy.close()

    if (folder / "files").is_dir():
        storage = get_storage(app)
        for path in sorted((folder / "files").rglob("*")):
            if path.is_file():
                storage.put(path.relative_to(folder / "files").as_posix(), path.read_bytes())
        db.session.commit()  # a database storage writes through the session
    if manifest["signing_keys"] == "files":
        key_folder.mkdir(parents=True, exist_ok=True)
        key_folder.chmod(0o700)
        for path in sorted((folder / "keys").glob("*")):
            shutil.copy2(path, key_folder / path.name)
            (key_folder / path.name).chmod(0o600)
    return manifest
