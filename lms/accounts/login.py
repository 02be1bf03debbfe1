"""Flask-Login wiring: users from the session cookie or from an API bearer token."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import cache
from typing import Any

from flask import Flask, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import joinedload

from lms.accounts import services
from lms.accounts.identity import profession_name
from lms.accounts.models import ConsentPurpose, FacilityKind, OrganizationKind, Role, User
from lms.core.database import outside_transaction
from lms.core.errors import json_error, wants_json
from lms.core.security import bearer_token, uses_bearer_token
from lms.extensions import db, login_manager

PageValue = Callable[[ColumnElement[int]], ColumnElement[Any]]
"""A value a page shows beside the signed-in user (the bell's unread count), as a SQL expression on her id."""

_PAGE_VALUES: dict[str, tuple[PageValue, frozenset[str] | None]] = {}


def register_page_value(name: str, value: PageValue, *, endpoints: Collection[str] | None = None) -> None:
    """Read `value` in the statement that loads the signed-in user for a page (not for JSON requests), so that the
    page pays no statement of its own for it; `page_value(name)` gives it back. Read for every page, or only for
    the pages of `endpoints` (the catalog's course states). Higher floors register here."""
    _PAGE_VALUES[name] = (value, None if endpoints is None else frozenset(endpoints))
    _page_value_names.cache_clear()
    _session_user_statement.cache_clear()


def page_value(name: str, default: Any = None) -> Any:
    """The value registered as `name`, read with this request's signed-in user; `default` when it was not read
    (no user from the session cookie, a JSON request, or a page it is not registered for)."""
    return g.get("_lentera_page_values", {}).get(name, default)


@cache
def _page_value_names(endpoint: str | None) -> tuple[str, ...]:
    return tuple(
        name for name, (_value, endpoints) in _PAGE_VALUES.items() if endpoints is None or endpoint in endpoints
    )


@cache
def _session_user_statement(names: tuple[str, ...]):
    """The session's user with her roles (and their organizations), and the page values `names`, in one statement:
    every signed-in page reads her roles for its menu. Read afresh on every request (never from a cache), so that a
    raised session version, a deactivated account or a role taken away counts at the next request."""
    columns = [_PAGE_VALUES[name][0](User.id).label(name) for name in names]
    return select(User, *columns).where(User.id == bindparam("user_id")).options(joinedload(User.memberships))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if uses_bearer_token():
        return None  # a request that brings a token is judged by the token alone
    id_part, _, version = user_id.partition(".")
    if not (id_part.isdigit() and version.isdigit()):
        return None  # a session from before session versions, or forged: log in again
    names = () if wants_json() else _page_value_names(request.endpoint)
    statement = _session_user_statement(names)
    # Outside the transaction: a page that reads nothing else (the catalog) sends no BEGIN and ROLLBACK at all.
    parameters = {"user_id": int(id_part)}
    row = db.session.execute(statement, parameters, bind_arguments=outside_transaction()).unique().first()
    user = row[0] if row else None
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    g._lentera_page_values = dict(zip(names, row[1:], strict=True))
    return user


@login_manager.request_loader
def load_user_from_token(req) -> User | None:
    if not uses_bearer_token():
        return None
    return services.user_for_api_token(bearer_token())


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        return json_error(401, _("Log in first: send a valid bearer token."), "unauthorized")
    flash(_("Please log in to open this page."), "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def template_globals() -> dict:
    return {
        "Role": Role,
        "OrganizationKind": OrganizationKind,
        "FacilityKind": FacilityKind,
        "ConsentPurpose": ConsentPurpose,
        "profession_name": profession_name,
    }


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(template_globals())  # constants: set once, not computed for every render
    app.jinja_env.filters["profession_name"] = profession_name
