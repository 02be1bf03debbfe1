"""The audit log's sentences for certificates: issued, revoked, suspended, reinstated, re-issued; the organization's
certificate settings, logo and signatories; the platform's signing keys."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.core.audit import AuditEntry, AuditNames, actor_name, audit_names, audit_sentence, with_reason
from lms.courses.models import CourseVersion
from lms.extensions import db


@audit_names("certificate")
def _certificates(ids: set[Any]) -> dict[Any, tuple[str, str]]:
    """Each certificate's holder and course title."""
    rows = db.session.execute(
        select(Certificate.id, User.full_name, CourseVersion.title)
        .join(User, User.id == Certificate.user_id)
        .join(CourseVersion, CourseVersion.id == Certificate.version_id)
        .where(Certificate.id.in_(ids))
    )
    return {id: (holder, title) for id, holder, title in rows}


def _the_certificate(entry: AuditEntry):
    return [("certificate", entry.object_id)]


def _names(entry: AuditEntry, names: AuditNames) -> dict[str, str]:
    holder, course = names("certificate", entry.object_id, ("", ""))
    return {
        "actor": actor_name(entry),
        "number": entry.details.get("number") or "",
        "person": holder or names("user", entry.details.get("user_id")) or _("a deleted account"),
        "course": course,
    }


@audit_sentence("certificate.issue", refs=_the_certificate)
def _issued(entry: AuditEntry, names: AuditNames) -> str:
    found = _names(entry, names)
    if entry.details.get("replaces"):
        return _(
            "%(actor)s issued certificate %(number)s of %(course)s to %(person)s, replacing %(replaces)s.",
            replaces=entry.details["replaces"],
            **found,
        )
    return _("%(actor)s issued certificate %(number)s of %(course)s to %(person)s.", **found)


@audit_sentence("certificate.revoke", refs=_the_certificate)
def _revoked(entry: AuditEntry, names: AuditNames) -> str:
    sentence = _("%(actor)s revoked certificate %(number)s of %(person)s (%(course)s).", **_names(entry, names))
    return with_reason(sentence, entry)


@audit_sentence("certificate.suspend", refs=_the_certificate)
def _suspended(entry: AuditEntry, names: AuditNames) -> str:
    sentence = _("%(actor)s suspended certificate %(number)s of %(person)s (%(course)s).", **_names(entry, names))
    return with_reason(sentence, entry)


@audit_sentence("certificate.reinstate", refs=_the_certificate)
def _reinstated(entry: AuditEntry, names: AuditNames) -> str:
    sentence = _(
        "%(actor)s reinstated certificate %(number)s of %(person)s (%(course)s): it is valid again.",
        **_names(entry, names),
    )
    return with_reason(sentence, entry)


@audit_sentence("certificate.reissue", refs=_the_certificate)
def _reissued(entry: AuditEntry, names: AuditNames) -> str:
    sentence = _(
        "%(actor)s re-issued certificate %(number)s of %(person)s (%(course)s) as %(replacement)s.",
        replacement=entry.details.get("replaced_by") or "",
        **_names(entry, names),
    )
    return with_reason(sentence, entry)


# --- the organization's certificate settings --------------------------------------------------------------------------


def _organization(entry: AuditEntry, names: AuditNames) -> str:
    return names("organization", entry.organization_id, "")


@audit_sentence("certificate.settings")
def _settings_changed(entry: AuditEntry, names: AuditNames) -> str:
    from lms.certificates.services.settings import layout_names

    layout = entry.details.get("layout") or ""
    return _(
        "%(actor)s set how the certificates of %(organization)s look: number pattern %(pattern)s, layout "
        "%(layout)s, colours %(primary)s and %(accent)s.",
        actor=actor_name(entry),
        organization=_organization(entry, names),
        pattern=entry.details.get("number_pattern") or "",
        layout=layout_names().get(layout, layout),
        primary=entry.details.get("primary_colour") or "",
        accent=entry.details.get("accent_colour") or "",
    )


@audit_sentence("certificate.logo")
def _logo_changed(entry: AuditEntry, names: AuditNames) -> str:
    found = {"actor": actor_name(entry), "organization": _organization(entry, names)}
    if entry.details.get("key"):
        return _("%(actor)s uploaded a new logo for the certificates of %(organization)s.", **found)
    return _("%(actor)s removed the logo from the certificates of %(organization)s.", **found)


@audit_sentence("certificate.signatory_add")
def _signatory_added(entry: AuditEntry, names: AuditNames) -> str:
    found = {
        "actor": actor_name(entry),
        "organization": _organization(entry, names),
        "name": entry.details.get("name") or "",
    }
    if entry.details.get("title"):
        return _(
            "%(actor)s added %(name)s (%(title)s) as a signatory of the certificates of %(organization)s.",
            title=entry.details["title"],
            **found,
        )
    return _("%(actor)s added %(name)s as a signatory of the certificates of %(organization)s.", **found)


@audit_sentence("certificate.signatory_remove")
def _signatory_removed(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s removed %(name)s from the signatories of the certificates of %(organization)s.",
        actor=actor_name(entry),
        organization=_organization(entry, names),
        name=entry.details.get("name") or "",
    )


# --- signing keys -----------------------------------------------------------------------------------------------------


@audit_sentence("signing_key.create")
def _key_created(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s made the first signing key, %(kid)s.", actor=actor_name(entry), kid=entry.object_id)


@audit_sentence("signing_key.import")
def _key_imported(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s copied the signing key %(kid)s from the key folder into the database.",
        actor=actor_name(entry),
        kid=entry.object_id,
    )


@audit_sentence("signing_key.rotate")
def _key_rotated(entry: AuditEntry, names: AuditNames) -> str:
    found = {"actor": actor_name(entry), "kid": entry.object_id}
    if entry.details.get("retired"):
        return _(
            "%(actor)s rotated the signing key: %(kid)s signs new certificates and %(retired)s is retired (the "
            "certificates it signed stay valid).",
            retired=entry.details["retired"],
            **found,
        )
    return _("%(actor)s rotated the signing key: %(kid)s signs new certificates.", **found)


@audit_sentence("signing_key.withdraw")
def _key_withdrawn(entry: AuditEntry, names: AuditNames) -> str:
    sentence = _(
        "%(actor)s withdrew the signing key %(kid)s: the certificates it signed no longer verify.",
        actor=actor_name(entry),
        kid=entry.object_id,
    )
    return with_reason(sentence, entry)
