"""The platform admin manages accounts: finds them, deactivates or reactivates them, sends a password reset link,
grants or takes the platform admin flag. Every change is audited; roles in organizations go through
role_invitations.grant_role and remove_membership (audited there)."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.accounts.people import person_matches
from lms.accounts.services import PLATFORM_ADMIN, announce_role_change, password_reset_token
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, PermissionDenied
from lms.core.mail import send_mail_after_commit
from lms.extensions import db

PAGE_SIZE = 50


def _ensure_platform_admin(actor: User) -> None:
    if not actor.is_platform_admin:
        raise PermissionDenied()


def user_page(actor: User, text: str = "", *, inactive_only: bool = False, page: int = 1) -> tuple[list[User], int]:
    """Accounts by name (matching a name or e-mail fragment, an STR or a whole NIK), and how many match."""
    _ensure_platform_admin(actor)
    stmt = select(User)
    if text.strip():
        stmt = stmt.where(person_matches(text))
    if inactive_only:
        stmt = stmt.where(User.is_active_account.is_(False))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    users = db.session.execute(
        stmt.order_by(func.lower(User.full_name), User.id).limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).scalars()
    return list(users), total


def set_active(actor: User, user: User, active: bool) -> bool:
    """Deactivate (she can no longer log in, her tokens stop working) or reactivate an account; False when it
    already was so."""
    _ensure_platform_admin(actor)
    if user.id == actor.id and not active:
        raise InvalidInput(_l("You cannot deactivate your own account."))
    if user.is_active_account == active:
        return False
    user.is_active_account = active
    record_audit(actor, "user.reactivate" if active else "user.deactivate", user, None, email=user.email)
    return True


def send_reset_link(actor: User, user: User, reset_url: Callable[[str], str]) -> None:
    """E-mail the person a link to choose a new password (the same one-hour link as "forgot password")."""
    _ensure_platform_admin(actor)
    if not user.is_active_account:
        raise InvalidInput(_l("Reactivate the account first: a deactivated account cannot log in."))
    send_mail_after_commit(
        user.email,
        str(_l("Lentera: reset your password")),
        str(
            _l(
                "An administrator of Lentera sent you this link to choose a new password. It works for one hour:\n"
                "%(link)s\n\nIf you did not ask for this, you can ignore it: your password stays as it is.",
                link=reset_url(password_reset_token(user)),
            )
        ),
    )
    record_audit(actor, "user.password_reset_sent", user, None, email=user.email)


def set_platform_admin(actor: User, user: User, on: bool) -> bool:
    _ensure_platform_admin(actor)
    if user.id == actor.id and not on:
        raise InvalidInput(_l("You cannot take away your own platform admin role; ask another platform admin."))
    if user.is_platform_admin == on:
        return False
    user.is_platform_admin = on
    action = "user.platform_admin_grant" if on else "user.platform_admin_revoke"
    record_audit(actor, action, user, None, user_id=user.id)
    if not on:
        user.end_all_sessions()  # a session opened as platform admin must not stay one
    announce_role_change(actor, user.id, None, PLATFORM_ADMIN, "granted" if on else "removed")
    return True
