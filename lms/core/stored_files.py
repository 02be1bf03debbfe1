"""The database storage backend: each stored file is one row of `stored_files`, its bytes in a bytea/BLOB column.

Why the database rather than an S3-compatible store: it is the one service every host already shares, so a
deployment of several hosts needs nothing more to run, to secure or to back up (the dump holds the files); and a file
is written in the same transaction as the row that refers to it, so a rolled-back upload leaves nothing behind and a
deleted attachment disappears exactly when its row does. One row per file, not chunks: every upload is capped
(attachments 10 MB, evidence 5 MB, images 2 MB, every request 16 MB), far below PostgreSQL's 1 GB per value, and a
file is always read whole (PDF rendering, download).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask import Flask
from sqlalchemy import Integer, LargeBinary, String, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.models import UTCDateTime, utcnow
from lms.core.storage import StoredFileMissing, check_key, new_key
from lms.extensions import db


class StoredFile(db.Model):
    """The bytes of one uploaded or generated file under its storage key (see lms.core.storage)."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DatabaseStorage:
    """Files as rows, written and deleted through the current database session (views commit, as for any row)."""

    transactional = True

    @classmethod
    def from_app(cls, app: Flask) -> DatabaseStorage:
        return cls()

    def save(self, data: bytes, *, folder: str, suffix: str) -> str:
        key = new_key(folder, suffix)
        self.put(key, data)
        return key

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under a key handed out elsewhere (copying files between backends, restoring a backup)."""
        check_key(key)
        db.session.execute(insert(StoredFile).values(key=key, size=len(data), data=bytes(data), created_at=utcnow()))

    def read(self, key: str) -> bytes:
        check_key(key)
        data = db.session.execute(select(StoredFile.data).where(StoredFile.key == key)).scalar_one_or_none()
        if data is None:
            raise StoredFileMissing(key)
        return bytes(data)

    def delete(self, key: str) -> None:
        check_key(key)
        db.session.execute(delete(StoredFile).where(StoredFile.key == key))

    def exists(self, key: str) -> bool:
        check_key(key)
        return db.session.execute(select(StoredFile.key).where(StoredFile.key == key)).first() is not None

    def keys(self) -> Iterator[str]:
        """Every stored key, in order (backups, copying between backends)."""
        yield from db.session.execute(select(StoredFile.key).order_by(StoredFile.key)).scalars()
