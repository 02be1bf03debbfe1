"""The audit log's sentences for accounts: roles given and taken, memberships, facilities, member imports, user admin,
two-factor and password events, organizations; and how a page of entries reads the people, organizations and
facilities they name (one statement per kind)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from lms.accounts.models import (
    Facility,
    MembershipStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
)
from lms.core.audit import (
    AuditEntry,
    AuditNames,
    actor_name,
    audit_column_names,
    audit_sentence,
    described_changes,
    shown,
)
from lms.core.audit import shown_count as count

audit_column_names("user", User.id, User.full_name)
audit_column_names("organization", Organization.id, Organization.name)
audit_column_names("facility", Facility.id, Facility.name)


def _role_label(role: str | None) -> str:
    return str(Role(role).label) if role in {r.value for r in Role} else (role or "")


def _names(entry: AuditEntry, names: AuditNames) -> dict[str, str]:
    return {
        "actor": entry.actor.full_name if entry.actor else _("The command line"),
        "person": person(entry, names),
        "organization": names("organization", entry.organization_id, ""),
        "role": _role_label(entry.details.get("role")),
    }


def person(entry: AuditEntry, names: AuditNames) -> str:
    """The account the entry names (`details["user_id"]`), or what is left of it."""
    return names("user", entry.details.get("user_id")) or _("a deleted account")


# --- roles ------------------------------------------------------------------------------------------------------------


@audit_sentence("membership.add")
def _role_given(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s gave %(person)s the role %(role)s in %(organization)s.", **_names(entry, names))


@audit_sentence("role.invite")
def _role_offered(entry: AuditEntry, names: AuditNames) -> str:
    # The address only, never the account it may belong to: the log must not tell the admin who has an account.
    return _(
        "%(actor)s invited %(email)s to take the role %(role)s in %(organization)s.",
        email=entry.details.get("email", ""),
        **_names(entry, names),
    )


@audit_sentence("role.accept")
def _role_accepted(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s accepted the role %(role)s in %(organization)s (invitation to %(email)s).",
        email=entry.details.get("email", ""),
        **_names(entry, names),
    )


@audit_sentence("membership.remove")
def _role_taken(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s took the role %(role)s in %(organization)s away from %(person)s.", **_names(entry, names))


@audit_sentence("user.platform_admin_grant")
def _platform_admin_given(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s made %(person)s a platform admin.", **_names(entry, names))


@audit_sentence("user.platform_admin_revoke")
def _platform_admin_taken(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s took the platform admin role away from %(person)s.", **_names(entry, names))


@audit_sentence("role.supervision_change")
def _supervision_changed(entry: AuditEntry, names: AuditNames) -> str:
    found = _names(entry, names)
    if entry.details.get("area"):
        return _(
            "%(actor)s changed the kind or region of %(organization)s: %(person)s, its supervisor, now supervises "
            "%(area)s.",
            area=entry.details["area"],
            **found,
        )
    return _(
        "%(actor)s changed the kind or region of %(organization)s: %(person)s, its supervisor, no longer supervises "
        "any area through it.",
        **found,
    )


# --- worker memberships of an organization ----------------------------------------------------------------------------


def _membership_names(entry: AuditEntry, names: AuditNames) -> dict[str, str]:
    return {
        "actor": actor_name(entry),
        "person": person(entry, names),
        "organization": names("organization", entry.organization_id, ""),
        "number": entry.details.get("membership_number") or "",
    }


@audit_sentence("membership.request")
def _membership_requested(entry: AuditEntry, names: AuditNames) -> str:
    found = _membership_names(entry, names)
    if found["number"]:
        return _("%(actor)s asked to be confirmed as a member of %(organization)s (member number %(number)s).", **found)
    return _("%(actor)s asked to be confirmed as a member of %(organization)s.", **found)


@audit_sentence("membership.invite")
def _membership_invited(entry: AuditEntry, names: AuditNames) -> str:
    found = _membership_names(entry, names)
    email = entry.details.get("email", "")
    if found["number"]:
        return _(
            "%(actor)s invited %(email)s to be a member of %(organization)s (member number %(number)s).",
            email=email,
            **found,
        )
    return _("%(actor)s invited %(email)s to be a member of %(organization)s.", email=email, **found)


@audit_sentence("membership.accept")
def _membership_invitation_accepted(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s accepted the invitation to be a member of %(organization)s.", **_membership_names(entry, names))


@audit_sentence("membership.decline_invitation")
def _membership_invitation_declined(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s declined the invitation to be a member of %(organization)s.", **_membership_names(entry, names))


@audit_sentence("membership.leave")
def _membership_left(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s left %(organization)s as a member.", **_membership_names(entry, names))


@audit_sentence("membership.confirm")
def _membership_confirmed(entry: AuditEntry, names: AuditNames) -> str:
    found = _membership_names(entry, names)
    if found["number"]:
        return _("%(actor)s confirmed %(person)s as a member of %(organization)s (member number %(number)s).", **found)
    return _("%(actor)s confirmed %(person)s as a member of %(organization)s.", **found)


@audit_sentence("membership.decline")
def _membership_declined(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s declined the membership request of %(person)s to %(organization)s.",
        **_membership_names(entry, names),
    )


@audit_sentence("membership.end")
def _membership_ended(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s ended the membership of %(person)s in %(organization)s.", **_membership_names(entry, names))


# --- facilities -------------------------------------------------------------------------------------------------------


@audit_sentence("facility.create")
def _facility_created(entry: AuditEntry, names: AuditNames) -> str:
    details = entry.details
    where = ", ".join(str(details[key]) for key in ("regency", "province") if shown(details.get(key)))
    place = f"{details.get('code', '')}, {where}" if where else details.get("code", "")
    return _(
        "%(actor)s added the facility %(name)s (%(place)s).",
        actor=actor_name(entry),
        name=details.get("name", ""),
        place=place,
    )


def _facility_ref(entry: AuditEntry):
    return [("facility", entry.details.get("facility_id"))]


@audit_sentence("facility_staff.join", refs=_facility_ref)
def _facility_joined(entry: AuditEntry, names: AuditNames) -> str:
    facility = names("facility", entry.details.get("facility_id")) or entry.details.get("facility", "")
    return _("%(actor)s joined the staff list of %(facility)s.", actor=actor_name(entry), facility=facility)


@audit_sentence("facility_staff.leave", refs=_facility_ref)
def _facility_left(entry: AuditEntry, names: AuditNames) -> str:
    facility = names("facility", entry.details.get("facility_id")) or _("a deleted facility")
    if entry.details.get("status") == MembershipStatus.DECLINED:
        return _(
            "%(actor)s declined the invitation to the staff of %(facility)s.",
            actor=actor_name(entry),
            facility=facility,
        )
    return _("%(actor)s no longer works at %(facility)s.", actor=actor_name(entry), facility=facility)


# --- member import ----------------------------------------------------------------------------------------------------


@audit_sentence("member_import.confirm")
def _import_confirmed(entry: AuditEntry, names: AuditNames) -> str:
    rows = entry.details.get("rows") or 0
    return ngettext(
        "%(actor)s started the member import of %(file)s into %(organization)s (%(count)s row).",
        "%(actor)s started the member import of %(file)s into %(organization)s (%(count)s rows).",
        rows,
        count=count(rows),
        actor=actor_name(entry),
        file=entry.details.get("file_name", ""),
        organization=names("organization", entry.organization_id, ""),
    )


IMPORT_COUNTS = {
    # What applying the rows did; the preview's estimates (new_accounts, matched_accounts) are not repeated.
    "accounts_created": lambda n: ngettext(
        "%(count)s account created", "%(count)s accounts created", n, count=count(n)
    ),
    "accounts_matched": lambda n: ngettext("%(count)s account found", "%(count)s accounts found", n, count=count(n)),
    "accounts_completed": lambda n: ngettext(
        "%(count)s account completed", "%(count)s accounts completed", n, count=count(n)
    ),
    "memberships_invited": lambda n: ngettext(
        "%(count)s member invited", "%(count)s members invited", n, count=count(n)
    ),
    "membership_numbers_set": lambda n: ngettext(
        "%(count)s member number set", "%(count)s member numbers set", n, count=count(n)
    ),
    "staff_invited": lambda n: ngettext(
        "%(count)s invited to a facility's staff", "%(count)s invited to a facility's staff", n, count=count(n)
    ),
}


@audit_sentence("member_import.done")
def _import_done(entry: AuditEntry, names: AuditNames) -> str:
    counts = [IMPORT_COUNTS[key](entry.details[key]) for key in IMPORT_COUNTS if entry.details.get(key)]
    organization = names("organization", entry.organization_id, "")
    if not counts:
        return _("The member import into %(organization)s finished: nothing changed.", organization=organization)
    return _(
        "The member import into %(organization)s finished: %(counts)s.",
        organization=organization,
        counts="; ".join(counts),
    )


# --- user admin, sign-in and two-factor authentication ----------------------------------------------------------


def _subject(entry: AuditEntry, names: AuditNames) -> str:
    """The account an entry is about when it is the entry's object (a User)."""
    return names("user", entry.object_id) or entry.details.get("email") or _("a deleted account")


_the_account = {"refs": lambda entry: [("user", entry.object_id)] if entry.object_type == "User" else []}


@audit_sentence("user.deactivate", **_the_account)
def _user_deactivated(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s deactivated the account of %(person)s (%(email)s).",
        actor=actor_name(entry),
        person=_subject(entry, names),
        email=entry.details.get("email", ""),
    )


@audit_sentence("user.reactivate", **_the_account)
def _user_reactivated(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s reactivated the account of %(person)s (%(email)s).",
        actor=actor_name(entry),
        person=_subject(entry, names),
        email=entry.details.get("email", ""),
    )


@audit_sentence("user.password_reset_sent", **_the_account)
def _reset_link_sent(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s sent %(person)s a link to set a new password (to %(email)s).",
        actor=actor_name(entry),
        person=_subject(entry, names),
        email=entry.details.get("email", ""),
    )


def _tokens_revoked(entry: AuditEntry) -> str:
    revoked = entry.details.get("tokens_revoked") or 0
    if not revoked:
        return ""
    return " " + ngettext(
        "%(count)s API token was revoked.", "%(count)s API tokens were revoked.", revoked, count=count(revoked)
    )


@audit_sentence("account.password_reset")
def _password_reset(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s set a new password through a reset link.", actor=actor_name(entry)) + _tokens_revoked(entry)


@audit_sentence("account.sessions_ended")
def _sessions_ended(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s signed out on every device.", actor=actor_name(entry))


@audit_sentence("account.two_factor_enable")
def _two_factor_on(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s turned on two-factor authentication.", actor=actor_name(entry)) + _tokens_revoked(entry)


@audit_sentence("account.two_factor_disable")
def _two_factor_off(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s turned off two-factor authentication.", actor=actor_name(entry))


@audit_sentence("account.recovery_codes_replace")
def _recovery_codes_replaced(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s made new recovery codes (the old ones no longer work).", actor=actor_name(entry))


@audit_sentence("account.recovery_code_use")
def _recovery_code_used(entry: AuditEntry, names: AuditNames) -> str:
    return _("%(actor)s signed in with a recovery code.", actor=actor_name(entry))


# --- organizations ----------------------------------------------------------------------------------------------------


def _kind_label(value: str) -> str:
    return str(OrganizationKind(value).label) if value in {k.value for k in OrganizationKind} else value


def _yes_no(value: str) -> str:
    return _("yes") if value == "True" else _("no")


def _organization_fields() -> dict[str, tuple[Any, Any]]:
    return {
        "name": (_("Name"), None),
        "kind": (_("Kind"), _kind_label),
        "province": (_("Province"), None),
        "regency": (_("Regency or city"), None),
        "admins_require_two_factor": (_("Admins must use two-factor authentication"), _yes_no),
    }


@audit_sentence("organization.create")
def _organization_created(entry: AuditEntry, names: AuditNames) -> str:
    name = names("organization", entry.organization_id) or entry.details.get("name", "")
    return _("%(actor)s created the organization %(organization)s.", actor=actor_name(entry), organization=name)


@audit_sentence("organization.update")
def _organization_updated(entry: AuditEntry, names: AuditNames) -> str:
    return _(
        "%(actor)s changed %(organization)s: %(changes)s.",
        actor=actor_name(entry),
        organization=names("organization", entry.organization_id, ""),
        changes=described_changes(entry.details.get("changes") or {}, _organization_fields()),
    )
