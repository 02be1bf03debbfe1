"""Who may do what: view decorators and query scoping helpers that every feature uses.

Organization data is always reached through `scope_to_organizations()` or guarded by `organization_role_required`,
so an organization admin never reads or changes another organization's data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false

from lms.accounts.models import Role, User
from lms.core.errors import PermissionDenied
from lms.extensions import login_manager


def organization_ids_for(user: User, roles: Iterable[Role]) -> set[int]:
    """Organizations in which `user` holds one of `roles`."""
    wanted = set(roles)
    return {m.organization_id for m in user.memberships if Role(m.role) in wanted}


def has_organization_role(user: User, organization_id: int, roles: Iterable[Role]) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_platform_admin:
        return True
    return organization_id in organization_ids_for(user, roles)


def require_organization_role(
    actor: User | None, organization_id: int, roles: Iterable[Role] = (Role.ORG_ADMIN,)
) -> None:
    """Refuse (PermissionDenied) unless `actor` holds one of `roles` in the organization; the one check every service
    makes. `actor` None is a trusted operator: the command line, the demo, a background job."""
    if actor is not None and not has_organization_role(actor, organization_id, roles):
        raise PermissionDenied()


def scope_to_organizations(stmt: Select, column, user: User, roles: Iterable[Role] = (Role.ORG_ADMIN,)) -> Select:
    """Limit `stmt` to rows whose `column` is an organization where `user` holds one of `roles`."""
    if user.is_platform_admin:
        return stmt
    ids = organization_ids_for(user, roles)
    return stmt.where(column.in_(ids)) if ids else stmt.where(false())


def platform_admin_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def organization_role_required(*roles: Role) -> Callable:
    """Guard a view taking `organization_id`: the user must hold one of `roles` there (or be platform admin)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_organization_role(current_user, kwargs["organization_id"], roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def any_role_required(*roles: Role) -> Callable:
    """Guard a view for users holding one of `roles` in any organization (or platform admins)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not (current_user.is_platform_admin or current_user.has_role(*roles)):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
