"""Public verification pages: the QR's /v/<token> page, the manual number + code form, the published key set."""

from __future__ import annotations

import hashlib
import json
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from flask import Response, current_app, jsonify, render_template, request
from flask_babel import force_locale
from markupsafe import escape

from lms.certificates import bp, keys
from lms.certificates.verification import (
    Verdict,
    VerificationResult,
    foreign_host_notice,
    signed_fields,
    verify_by_number,
    verify_qr,
)
from lms.certificates.verify_forms import ManualVerifyForm
from lms.certificates.verify_skeleton import Viewer, escaped, skeleton_page, viewer
from lms.core.i18n import format_local_datetime, local_datetime
from lms.core.lru import LruCache
from lms.extensions import limiter

VERIFY_LIMIT_SCOPE = "certificate-verify"


def verify_rate_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


# One budget per client address for every way of asking (page, form, API): scraping one cannot bypass another.
verify_limit = limiter.limit(verify_rate_limit, scope=VERIFY_LIMIT_SCOPE)


def _render_page(result, form=None, **context) -> str:
    context.setdefault("fields", signed_fields(result))
    return render_template(
        "certificates/verify.html",
        result=result,
        Verdict=Verdict,
        form=form,
        keys_url=keys.KEYS_DOCUMENT_PATH,
        foreign_host_notice=foreign_host_notice,
        **context,
    )


# The verdict is live (a revocation shows at once): never let a cache keep an old one. A shared link names a person:
# keep it out of search engines.
RESULT_HEADERS = (("Cache-Control", "no-store"), ("X-Robots-Tag", "noindex, nofollow"))


def _result_response(html: str, status: int = 200):
    response = current_app.make_response((html, status))
    for name, value in RESULT_HEADERS:
        response.headers[name] = value
    return response


def _render_result(result, form=None, status: int = 200):
    return _result_response(_render_page(result, form), status)


# --- the page for visitors without a session, rendered once per certificate state --------------------------------
#
# Most scans come from people with no account and no cookie. Their page is the same for everyone who asks about the
# same certificate in the same state and language, but for the moment of the check. So it is rendered once with a
# placeholder moment and kept in a small per-process LRU keyed on everything else the page shows: the token, the
# language, the verdict and every field of the live status. The status is still read from the database and the
# signature still checked on every request; a status change makes a new key, so it shows at once.

PAGE_CACHE_SIZE = 512
_PLACEHOLDER_MOMENT = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
"""Rendered in the place of the moment of the check; no certificate can show this date anywhere else."""
_LOCAL_MARK, _ISO_MARK = "\x00checked-local\x00", "\x00checked-iso\x00"
_pages: LruCache[tuple, str] = LruCache(PAGE_CACHE_SIZE)


def _without_session() -> bool:
    """No session or remember-me cookie: an anonymous visitor whose page no session can personalize."""
    cookies = request.cookies
    return current_app.config["SESSION_COOKIE_NAME"] not in cookies and (
        current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies
    )


def _page_key(result: VerificationResult, where: Viewer) -> tuple:
    return (
        where.locale_name,
        result.token_text,
        result.verdict,
        result.invalid_reason,
        result.withdrawn_reason,
        result.status,  # every field of the live status (a frozen dataclass): any change is another page
    )


def _page_with_marks(result: VerificationResult, fields: dict | None = None) -> str | None:
    """The page rendered with the placeholder moment, which is then marked; None when the placeholder is not found
    exactly once in each form (the page would then be rendered for each visitor). `fields`: the signed fields to
    show instead of the result's own (verify_skeleton's marks)."""
    placeholder = replace(result, checked_at=_PLACEHOLDER_MOMENT)
    overrides = {} if fields is None else {"fields": fields}
    html = _render_page(placeholder, language_per_page=True, **overrides)
    local, iso = (str(escape(text)) for text in (local_datetime(_PLACEHOLDER_MOMENT), _PLACEHOLDER_MOMENT.isoformat()))
    if html.count(local) != 1 or html.count(iso) != 1:
        return None
    return html.replace(local, _LOCAL_MARK).replace(iso, _ISO_MARK)


def kept_page_without_session(result: VerificationResult, where: Viewer | None = None) -> str | None:
    """The page of a visitor without a session from what this process keeps, without rendering anything: this
    certificate's page in this state, or its values filled into its shape's skeleton; None when neither is kept
    yet. (verify_fast_path answers with it before Flask's request machinery runs; the view below with it first.)
    `where`: the visitor's language and zone when the caller knows them already."""
    where = where or viewer()
    key = _page_key(result, where)
    marked = _pages.get(key)
    if marked is None:
        marked = skeleton_page(result, signed_fields(result), None, where)
        if marked is None:
            return None
        _pages.put(key, marked)
    return _with_moment(marked, result.checked_at, where)


def _page_without_session(result: VerificationResult) -> str:
    page = kept_page_without_session(result)
    if page is not None:
        return page
    # A certificate not seen before in this state and no skeleton of its shape yet (or a shape without one): the
    # skeleton is built now, else the page rendered in full.
    where = viewer()
    marked = skeleton_page(result, signed_fields(result), _page_with_marks, where) or _page_with_marks(result)
    if marked is None:
        return _render_page(result, language_per_page=True)
    _pages.put(_page_key(result, where), marked)
    return _with_moment(marked, result.checked_at, where)


def _with_moment(marked: str, moment: datetime, where: Viewer) -> str:
    local, iso = _moment_text(moment, where), escaped(moment.isoformat())
    return marked.replace(_LOCAL_MARK, local).replace(_ISO_MARK, iso)


_moment_texts: dict[tuple, str] = {}


def _moment_text(moment: datetime, where: Viewer) -> str:
    """The moment of the check as the page shows it (to the second, in the visitor's language and zone), escaped.
    Formatted once per second and language: every scan in that second shows the same text."""
    key = (where.locale_name, where.zone, moment.replace(microsecond=0))
    text = _moment_texts.get(key)
    if text is None:
        text = str(escape(format_local_datetime(moment, "medium", where.locale, where.zone)))
        if len(_moment_texts) >= 64:
            _moment_texts.clear()
        _moment_texts[key] = text
    return text


def _chosen_locale() -> str | None:
    """?locale=en from the language buttons of a page without a session (honoured whoever follows the link)."""
    locale = request.args.get("locale")
    return locale if locale in current_app.config["LANGUAGES"] else None


@bp.get("/V/<token>")
@bp.get("/v/<token>")
@verify_limit
def verify_page(token: str):
    """The page a scanned QR opens: one verdict, the signed fields, and an in-browser signature check."""
    locale = _chosen_locale()
    with force_locale(locale) if locale else nullcontext():
        # In the chosen language: the status's reason ("… Replaced by …") is written by the lookup.
        result = verify_qr(token)
        if not _without_session():
            return _render_result(result)
        return _result_response(_page_without_session(result))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(verify_rate_limit, scope=VERIFY_LIMIT_SCOPE, methods=["POST"])
def verify_form():
    """The manual check for a certificate on paper: its number and verification code together."""
    form = ManualVerifyForm()
    if form.validate_on_submit():
        return _render_result(verify_by_number(form.number.data, form.code.data), form=form)
    return render_template("certificates/verify_form.html", form=form), (422 if form.errors else 200)


@bp.get("/verify/scan")
@verify_limit
def verify_scanned():
    """What the form's camera read (?qr=…): the same verdict as the QR's own page, and a warning when the QR leads
    to another site than this one."""
    result = verify_qr(request.args.get("qr", ""), public_url=current_app.config["PUBLIC_URL"])
    return _render_result(result)


@bp.get("/verify/offline")
def verify_offline_shell():
    """The page the service worker shows for /v/<token> without signal; verify.js checks the signature from the
    cached key set and shows the status last seen online."""
    # Fetched by every verifier's service worker in the background: no session (and no cookie) for it.
    return render_template("certificates/verify_offline.html", keys_url=keys.KEYS_DOCUMENT_PATH, language_per_page=True)


@bp.get(keys.KEYS_DOCUMENT_PATH)
def published_keys():
    """Every signing key ever used (current, retired, withdrawn) and the code lists, for anyone to verify offline.

    `no-cache` with an ETag: a browser may keep a copy but asks each time whether it still holds (a 304 costs a few
    bytes), so a new or withdrawn key reaches every returning verifier on their next visit with signal."""
    document = keys.published_keyset_document()
    etag = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:32]
    document["generated_at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    response = jsonify(document)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response.make_conditional(request)


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope covers /v/ (a worker only controls its folder)."""
    script = (Path(current_app.static_folder) / "js" / "sw.js").read_bytes()
    # Browsers check for a new worker on each visit; no-cache lets them revalidate instead of keeping an old one.
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})
