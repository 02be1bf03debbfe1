"""Append-only audit log: who did what, when, to which object."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.models import UTCDateTime, utcnow
from lms.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User", lazy="joined")

    @property
    def sentence(self) -> str:
        """What happened, as a sentence in the reader's language, for the actions a feature describes
        (AUDIT_SENTENCES); empty for the others, which the log shows by their action code and details."""
        describe = AUDIT_SENTENCES.get(self.action)
        return describe(self) if describe else ""


AUDIT_SENTENCES: dict[str, Callable[[AuditEntry], str]] = {}
"""Sentences for audit actions, by action: a feature registers its own with `audit_sentence` (they are written when
read, so each reader sees them in her language and with today's names)."""


def audit_sentence(*actions: str) -> Callable:
    def register(describe: Callable[[AuditEntry], str]) -> Callable[[AuditEntry], str]:
        for action in actions:
            AUDIT_SENTENCES[action] = describe
        return describe

    return register


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit entries cannot be deleted")


def record_audit(
    actor,
    action: str,
    obj,
    organization_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    """Write one audit entry in the current transaction (the caller's commit makes it permanent)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.id),
        organization_id=organization_id,
        details=details,
    )
    db.session.add(entry)
    return entry
