"""Append-only audit log: who did what, when, to which object."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.i18n import local_datetime, local_number
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
        """What happened, as a sentence in the reader's language (AUDIT_SENTENCES); empty for an action no feature
        describes, which the log shows by its action code and details. A page of entries gets its sentences from
        `describe_entries`, which reads what they name in a fixed number of statements; alone, an entry reads its
        own."""
        if "_sentence" not in self.__dict__:
            describe_entries([self])
        return self.__dict__["_sentence"]


AuditRefs = Iterable[tuple[str, Any]]
"""What an entry's sentence names, as (kind, id) pairs: ("user", 12), ("cohort", 3)."""


@dataclass(frozen=True)
class AuditDescription:
    describe: Callable[[AuditEntry, AuditNames], str]
    refs: Callable[[AuditEntry], AuditRefs] | None = None


AUDIT_SENTENCES: dict[str, AuditDescription] = {}
"""Sentences for audit actions, by action: a feature registers its own with `audit_sentence` (they are written when
read, so each reader sees them in her language and with today's names)."""

AUDIT_NAME_LOADERS: dict[str, Callable[[set[Any]], dict[Any, Any]]] = {}
"""For each kind of thing a sentence names, how to read many of them at once: ids -> {id: what the sentence shows}."""


def audit_sentence(*actions: str, refs: Callable[[AuditEntry], AuditRefs] | None = None) -> Callable:
    """Register `describe(entry, names) -> str` for the actions; `refs(entry)` says which things it names beyond the
    person (`details["user_id"]`) and the organization every entry may name, so a page reads them all at once."""

    def register(describe: Callable[[AuditEntry, AuditNames], str]) -> Callable[[AuditEntry, AuditNames], str]:
        for action in actions:
            AUDIT_SENTENCES[action] = AuditDescription(describe, refs)
        return describe

    return register


def audit_names(kind: str) -> Callable:
    """Register the loader of one kind of named thing: `load(ids) -> {id: value}` in one statement."""

    def register(load: Callable[[set[Any]], dict[Any, Any]]) -> Callable[[set[Any]], dict[Any, Any]]:
        AUDIT_NAME_LOADERS[kind] = load
        return load

    return register


def audit_column_names(kind: str, id_column, name_column) -> None:
    """Register the loader of a kind named by one column of its table (a user's full name, a lesson's title)."""

    @audit_names(kind)
    def load(ids: set[Any]) -> dict[Any, Any]:
        return dict(db.session.execute(select(id_column, name_column).where(id_column.in_(ids))).all())


class AuditNames:
    """What a page of entries names, read once for the page: `names("user", 12)` is her name or None."""

    def __init__(self, found: dict[str, dict[Any, Any]]):
        self._found = found

    def __call__(self, kind: str, id: Any, default: Any = None) -> Any:
        return self._found.get(kind, {}).get(_key(id), default)


def _key(id: Any) -> Any:
    """Ids from details (int), object ids (str) and comma lists meet as ints where they are numbers."""
    if isinstance(id, str) and id.isdigit():
        return int(id)
    return id


def _refs(entry: AuditEntry, description: AuditDescription) -> AuditRefs:
    details = entry.details or {}
    if details.get("user_id"):
        yield "user", details["user_id"]
    if entry.organization_id:
        yield "organization", entry.organization_id
    if description.refs is not None:
        yield from description.refs(entry)


def describe_entries(entries: Iterable[AuditEntry]) -> None:
    """Write each entry's sentence, reading what they all name with one statement per kind of thing (not per entry):
    the audit page costs the same number of statements for 5 entries as for 200."""
    entries = list(entries)
    wanted: dict[str, set[Any]] = defaultdict(set)
    for entry in entries:
        description = AUDIT_SENTENCES.get(entry.action)
        if description is None:
            continue
        for kind, id in _refs(entry, description):
            if id is not None and id != "":
                wanted[kind].add(_key(id))
    found = {kind: AUDIT_NAME_LOADERS[kind](ids) for kind, ids in wanted.items() if kind in AUDIT_NAME_LOADERS}
    names = AuditNames(found)
    for entry in entries:
        description = AUDIT_SENTENCES.get(entry.action)
        entry.__dict__["_sentence"] = description.describe(entry, names) if description else ""


def actor_name(entry: AuditEntry) -> str:
    """Who did it: her name, or Lentera itself (a background job, an automatic issue, the command line)."""
    return entry.actor.full_name if entry.actor else _("Lentera")


def shown(value: Any) -> bool:
    """Whether a detail says something (None, an empty text or list says nothing and is left out)."""
    return value is not None and value != "" and value != [] and value != {}


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


def described_changes(changes: dict[str, list[str]], fields: dict[str, tuple[Any, Callable[[str], str] | None]]) -> str:
    """`{"name": ["A", "B"]}` as "name: A → B; …" in the reader's words: `fields` gives each field's label and how
    to show its stored text (a date, a yes/no, an enum's label); an empty side shows as a dash."""
    parts = []
    for field, change in (changes or {}).items():
        label, show = fields.get(field, (field, None))
        before, after = (list(change) + ["", ""])[:2]
        before, after = ((show(v) if show and v not in (None, "") else v) or "—" for v in (before, after))
        parts.append(f"{label}: {before} → {after}")
    return "; ".join(parts)


def shown_moment(text: str | None) -> str:
    """A moment stored as ISO text, in the reader's zone and notation."""
    if not text:
        return ""
    moment = datetime.fromisoformat(text)
    return local_datetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC), "short")


def shown_day(text: str | None) -> str:
    """A date stored as ISO text, in the reader's notation."""
    return format_date(date.fromisoformat(text[:10]), "medium") if text else ""


def shown_count(value: int | None) -> str:
    """A count in the reader's notation (`1.250` in Indonesian)."""
    return local_number(value or 0, 0)


def with_reason(sentence: str, entry: AuditEntry) -> str:
    """The sentence followed by the reason the actor gave (`details["reason"]`), when she gave one."""
    reason = entry.details.get("reason")
    return f"{sentence} {_('Reason: %(reason)s', reason=reason)}" if reason else sentence
