"""A member import: the checked rows of an uploaded list, waiting for confirmation, then applied chunk by chunk."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organization, User
from lms.core.models import TimestampMixin, UTCDateTime
from lms.extensions import db


class ImportStatus(StrEnum):
    PREVIEWED = "previewed"
    """Checked and shown; nothing is written until the admin confirms."""
    RUNNING = "running"
    """Confirmed: rows are being applied, a chunk at a time (resumable)."""
    DONE = "done"
    DISCARDED = "discarded"

    @property
    def label(self):
        return IMPORT_STATUS_LABELS[self]


IMPORT_STATUS_LABELS = {
    ImportStatus.PREVIEWED: _l("Waiting for confirmation"),
    ImportStatus.RUNNING: _l("Importing"),
    ImportStatus.DONE: _l("Done"),
    ImportStatus.DISCARDED: _l("Discarded"),
}


class MemberImport(TimestampMixin, db.Model):
    """One uploaded member list of an organization. Its id is what "confirm" refers to, so a second click (or a
    retried request) finds it confirmed already and imports nothing twice."""

    __tablename__ = "member_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[ImportStatus] = mapped_column(String(12), default=ImportStatus.PREVIEWED)
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    """What applying the rows did so far: accounts_created, accounts_matched, accounts_completed,
    memberships_invited, membership_numbers_set, staff_invited."""
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When a chunk was last applied: a running import silent for long has lost its worker and may be resumed."""
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def status_label(self):
        return ImportStatus(self.status).label

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else min(100, 100 * self.processed_rows // self.total_rows)


class MemberImportRow(db.Model):
    """A checked row waiting to be applied; `applied` is set in the same transaction as the row's effects, which
    is what makes an interrupted import resume where it stopped."""

    __tablename__ = "member_import_rows"
    __table_args__ = (Index("ix_member_import_rows_import_id_applied_row", "import_id", "applied", "row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("member_imports.id", ondelete="CASCADE"))
    row: Mapped[int]
    """The row number in the file (the header is row 1)."""
    data: Mapped[dict] = mapped_column(JSON)
    email: Mapped[str] = mapped_column(String(254))
    nik: Mapped[str | None] = mapped_column(String(16))
    """E-mail and NIK again as columns: marking a chunk applied finds each row's account in one statement."""
    applied: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The account the row was applied to (created or matched): who "enrol the imported people" enrols."""
    invitation_due: Mapped[bool] = mapped_column(default=False)
    """The row created its account and the set-password invitation is still to be sent (after the import)."""


# Accounts are matched by NIK (the import, the admin's search): declared here so that the users table keeps its
# definition in accounts/models.py.
users_nik_index = Index("ix_users_nik", User.nik)
