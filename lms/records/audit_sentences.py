"""The audit log's sentences for the competency record and personal data: self-reported activities reviewed,
correction requests asked and answered, an account erased at its owner's request."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core.audit import AuditEntry, AuditNames, actor_name, audit_names, audit_sentence, with_reason
from lms.core.i18n import local_number
from lms.extensions import db
from lms.records.models import ExternalActivity


@audit_names("activity")
def _activities(ids: set[Any]) -> dict[Any, str]:
    rows = select(ExternalActivity.id, ExternalActivity.title).where(ExternalActivity.id.in_(ids))
    return dict(db.session.execute(rows).all())


def _activity_names(entry: AuditEntry, names: AuditNames) -> dict[str, str]:
    return {
        "actor": actor_name(entry),
        "person": names("user", entry.details.get("user_id")) or _("a deleted account"),
        "activity": names("activity", entry.object_id) or _("(deleted)"),
    }


def _the_activity(entry: AuditEntry):
    return [("activity", entry.object_id)]


@audit_sentence("activity.approve", refs=_the_activity)
def _activity_approved(entry: AuditEntry, names: AuditNames) -> str:
    skp = entry.details.get("skp")
    sentence = _(
        "%(actor)s approved the activity %(activity)s reported by %(person)s, granting %(skp)s SKP.",
        skp=local_number(Decimal(skp)) if skp not in (None, "") else local_number(0),
        **_activity_names(entry, names),
    )
    return with_reason(sentence, entry)


@audit_sentence("activity.reject", refs=_the_activity)
def _activity_rejected(entry: AuditEntry, names: AuditNames) -> str:
    sentence = _(
        "%(actor)s rejected the activity %(activity)s reported by %(person)s.", **_activity_names(entry, names)
    )
    return with_reason(sentence, entry)


@audit_sentence("data.correction_request")
def _correction_asked(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s asked for a correction of the data held about them.", actor=actor_name(entry))


@audit_sentence("data.correction_answer")
def _correction_answered(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s answered the correction request of %(person)s.",
        actor=actor_name(entry),
        person=names("user", entry.details.get("user_id")) or _("a deleted account"),
    )


@audit_sentence("account.erase")
def _account_erased(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "Account #%(id)s was erased at its owner's request: personal data deleted; certificates and the training "
        "record kept.",
        id=entry.object_id,
    )
