"""The site menu's links for a signed-in user (templates/core/_menu_*.html): the same for everyone with the same
roles in one language, so each part is rendered once per process and kept, instead of on every page (a dozen
`url_for` and `_()` calls and the role checks were a fifth of a signed-in catalog page's calls). The bell's count and
the logout form's token, which are the user's own, stay in base.html."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from markupsafe import Markup

from lms.core.i18n import request_locale
from lms.core.lru import LruCache
from lms.core.security import signed_in_user

PARTS = ("learner", "account")
_EXTENSION = "lentera_menu"


def menu_links(part: str) -> Markup:
    """The menu's links of `part` for the signed-in user, in this request's language."""
    user = signed_in_user()
    # Everything the part's template depends on: the language, the app's root (a proxy's prefix, in every URL), the
    # roles it checks.
    key = (
        part,
        str(request_locale()),
        request.script_root,
        user.is_platform_admin,
        frozenset(membership.role for membership in user.memberships),
    )
    kept: LruCache[tuple, Markup] = current_app.extensions[_EXTENSION]
    links = kept.get(key)
    if links is None:
        if part not in PARTS:
            raise ValueError(f"no menu part {part!r}")
        links = Markup(render_template(f"core/_menu_{part}.html"))
        kept.put(key, links)
    return links


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = LruCache(256)
    app.jinja_env.globals["menu_links"] = menu_links
