"""The verify page of a valid or expired certificate, rendered once per shape and filled in per certificate.

A random scan is a certificate this process has not shown before, so the per-certificate page cache of
verify_views cannot help it, and rendering the whole page (the site's frame, some thirty translated texts, the
browser-check messages) was most of its cost. Yet that page differs from certificate to certificate only in a few
values. So it is rendered once per *shape* (language, zone, verdict, signing key and which optional parts show)
with marks in place of those values, and each scan replaces the marks with its own values, escaped exactly as
Jinja escapes them. Pages of any other shape (a reason, a status change, a warning about another host, INVALID)
are rendered in full: they are rare, and their text varies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from babel import Locale
from flask_babel import get_locale
from markupsafe import escape

from lms.certificates.verification import Verdict, VerificationResult
from lms.core.i18n import current_zone_name, format_local_date, format_local_datetime
from lms.core.lru import LruCache

SKELETON_CACHE_SIZE = 64
TEXT_FIELDS = ("number", "holder_name", "profession", "course_title", "course_code", "course_version",
               "organization", "jpl", "skp", "ranah")  # fmt: skip
# Moments no certificate can show: their formatted text is found in the page and replaced by the real one.
PLACEHOLDER_COMPLETED = date(1902, 3, 4)
PLACEHOLDER_ISSUED = datetime(1903, 4, 5, 6, 7, 8, tzinfo=UTC)
PLACEHOLDER_EXPIRES = datetime(1904, 5, 6, 7, 8, 9, tzinfo=UTC)
TOKEN_MARK = "\x01token\x01"
_MARKS = re.compile("\x01([a-z_]+)\x01")

_skeletons: LruCache[tuple, tuple[str, ...] | str] = LruCache(SKELETON_CACHE_SIZE)
_NO_SKELETON = "no skeleton"


class Viewer(NamedTuple):
    """The visitor's language and zone, looked up once per page (each lookup goes through Flask-Babel's context)."""

    locale: Locale
    locale_name: str
    zone: str


def viewer() -> Viewer:
    locale = get_locale()
    return Viewer(locale, str(locale), current_zone_name())


def _mark(name: str) -> str:
    return f"\x01{name}\x01"


def _shape(result: VerificationResult, fields: dict[str, Any] | None, where: Viewer) -> tuple | None:
    if result.verdict not in (Verdict.VALID, Verdict.EXPIRED) or fields is None or result.token is None:
        return None
    if result.reason or result.foreign_host or result.changed_at or not fields["profession"]:
        return None  # (without a profession name the page shows its code: rare, and not marked)
    return (
        where.locale_name,
        where.zone,
        result.verdict,
        result.token.kid_hex,
        *(bool(fields[name]) for name in ("course_title", "organization", "ranah")),
        result.claims.expires_at is not None,
    )


def _dates(completed_on: date, issued_at: datetime, expires_at: datetime | None, where: Viewer) -> dict[str, str]:
    """The page's three dates as the template's `format_date` and `localdatetime` filters write them."""
    locale, zone = where.locale, where.zone
    texts = {
        "completed_on": format_local_date(completed_on, "long", locale),
        "issued_at": format_local_datetime(issued_at, "medium", locale, zone),
    }
    if expires_at is not None:
        texts["expires_at"] = format_local_datetime(expires_at, "medium", locale, zone)
    return {name: escaped(text) for name, text in texts.items()}


def escaped(value: Any) -> str:
    """`str(markupsafe.escape(value))`: the text the template's autoescape writes, without the Markup object made
    and converted back for each of a scan's fifteen values."""
    if hasattr(value, "__html__"):
        return str(escape(value))
    return (
        str(value)
        .replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _build(
    result: VerificationResult, fields: dict[str, Any], render: Callable[..., str | None], where: Viewer
) -> tuple | str:
    """The page of this shape rendered with marks, as a %-format with a field per mark: (format,); _NO_SKELETON
    when a placeholder does not show exactly once (the page is then rendered in full each time)."""
    claims = result.claims
    placeholder_claims = replace(
        claims,
        completed_on=PLACEHOLDER_COMPLETED,
        issued_at=PLACEHOLDER_ISSUED,
        expires_at=PLACEHOLDER_EXPIRES if claims.expires_at is not None else None,
    )
    placeholder = replace(result, token=replace(result.token, claims=placeholder_claims), token_text=TOKEN_MARK)
    marked_fields = {name: (_mark(name) if fields[name] else fields[name]) for name in TEXT_FIELDS}
    html = render(placeholder, {**fields, **marked_fields})
    if html is None:
        return _NO_SKELETON
    placeholder_dates = _dates(PLACEHOLDER_COMPLETED, PLACEHOLDER_ISSUED, placeholder_claims.expires_at, where)
    for name, text in placeholder_dates.items():
        if html.count(text) != 1:
            return _NO_SKELETON
        html = html.replace(text, _mark(name))
    for name, value in marked_fields.items():
        if value and html.count(_mark(name)) != 1:
            return _NO_SKELETON
    if html.count(TOKEN_MARK) != 1:
        return _NO_SKELETON
    # A %-format with the marks as its fields: a page is then filled in one C pass.
    return (_MARKS.sub(lambda match: f"%({match.group(1)})s", html.replace("%", "%%")),)


def skeleton_page(
    result: VerificationResult,
    fields: dict[str, Any] | None,
    render: Callable[[VerificationResult, dict], str | None] | None,
    where: Viewer | None = None,
) -> str | None:
    """The page for `result` from its shape's skeleton (`render(result, fields)` renders one in full); None when
    the result has no skeleton (render it in full). Without `render`, only from a skeleton already built (None
    when there is none yet): the fast path of verify_fast_path, which cannot render."""
    where = where or viewer()
    shape = _shape(result, fields, where)
    if shape is None:
        return None
    skeleton = _skeletons.get(shape)
    if skeleton is None:
        if render is None:
            return None
        skeleton = _build(result, fields, render, where)
        _skeletons.put(shape, skeleton)
    if skeleton == _NO_SKELETON:
        return None
    (template,) = skeleton
    claims = result.claims
    values = {name: escaped(fields[name]) for name in TEXT_FIELDS if fields[name]}
    values.update(_dates(claims.completed_on, claims.issued_at, claims.expires_at, where))
    values["token"] = escaped(result.token_text)
    # One pass: a value is never searched for marks itself.
    return template % values
