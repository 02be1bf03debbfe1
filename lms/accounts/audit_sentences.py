"""The audit log's sentences for role changes: who invited an address to which role, who accepted it, who gave or
took which role from whom, in which organization."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import Organization, Role, User
from lms.core.audit import AUDIT_SENTENCES, AuditEntry, audit_sentence
from lms.extensions import db


def _names(entry: AuditEntry) -> dict[str, str]:
    person = db.session.get(User, entry.details.get("user_id") or 0)
    organization = db.session.get(Organization, entry.organization_id) if entry.organization_id else None
    role = entry.details.get("role")
    return {
        "actor": entry.actor.full_name if entry.actor else _("The command line"),
        "person": person.full_name if person else _("a deleted account"),
        "organization": organization.name if organization else "",
        "role": str(Role(role).label) if role in {r.value for r in Role} else (role or ""),
    }


@audit_sentence("membership.add")
def _role_given(entry: AuditEntry) -> str:
    return _("%(actor)s gave %(person)s the role %(role)s in %(organization)s.", **_names(entry))


@audit_sentence("role.invite")
def _role_offered(entry: AuditEntry) -> str:
    # The address only, never the account it may belong to: the log must not tell the admin who has an account.
    return _(
        "%(actor)s invited %(email)s to take the role %(role)s in %(organization)s.",
        email=entry.details.get("email", ""),
        **_names(entry),
    )


@audit_sentence("role.accept")
def _role_accepted(entry: AuditEntry) -> str:
    return _(
        "%(actor)s accepted the role %(role)s in %(organization)s (invitation to %(email)s).",
        email=entry.details.get("email", ""),
        **_names(entry),
    )


@audit_sentence("membership.remove")
def _role_taken(entry: AuditEntry) -> str:
    return _("%(actor)s took the role %(role)s in %(organization)s away from %(person)s.", **_names(entry))


@audit_sentence("user.platform_admin_grant")
def _platform_admin_given(entry: AuditEntry) -> str:
    return _("%(actor)s made %(person)s a platform admin.", **_names(entry))


@audit_sentence("user.platform_admin_revoke")
def _platform_admin_taken(entry: AuditEntry) -> str:
    return _("%(actor)s took the platform admin role away from %(person)s.", **_names(entry))


@audit_sentence("role.supervision_change")
def _supervision_changed(entry: AuditEntry) -> str:
    names = _names(entry)
    if entry.details.get("area"):
        return _(
            "%(actor)s changed the kind or region of %(organization)s: %(person)s, its supervisor, now supervises "
            "%(area)s.",
            area=entry.details["area"],
            **names,
        )
    return _(
        "%(actor)s changed the kind or region of %(organization)s: %(person)s, its supervisor, no longer supervises "
        "any area through it.",
        **names,
    )


def people_named_in(entries: list[AuditEntry]) -> list[User]:
    """The accounts the entries name, read in one query: the sentences then find them in the session. The caller
    keeps the list while it renders (the session holds its objects only while they are referenced)."""
    ids = {entry.details.get("user_id") for entry in entries if entry.action in AUDIT_SENTENCES}
    ids.discard(None)
    if not ids:
        return []
    return list(db.session.execute(select(User).where(User.id.in_(ids))).scalars())
