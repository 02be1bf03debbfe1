"""Who may change a course's question bank and quizzes."""

from __future__ import annotations

from lms.accounts.models import Role, User
from lms.accounts.permissions import has_organization_role
from lms.core.errors import PermissionDenied


def _require_admin(actor: User | None, organization_id: int) -> None:
    """`actor` None is the command line (a trusted operator)."""
    if actor is not None and not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
