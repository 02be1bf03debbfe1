"""Redirect targets taken from user input, kept on this site; WhatsApp (wa.me) links with the text prefilled; the
templates' `url_for`, with the fixed links every page has built once per process."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, request, url_for
from flask.globals import _cv_request

from lms.core.lru import LruCache


def safe_next_url(default_endpoint: str = "core.home") -> str:
    """The `next` parameter when it is a path on this site, otherwise the default page."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return url_for(default_endpoint)


def whatsapp_link(text: str, phone: str | None = None) -> str:
    """A wa.me link that opens WhatsApp with `text` written, to `phone` or to a contact the person picks: no paid
    gateway, she sends it herself. An Indonesian local number (08…) gets the country code 62."""
    number = re.sub(r"\D", "", phone or "")
    if number.startswith("0"):
        number = "62" + number[1:]
    return f"https://wa.me/{number}?text={quote(text)}"


def page_url_for(endpoint: str, /, **values: Any) -> str:
    """The templates' `url_for`. A fixed link (an endpoint without arguments, or a static file), such as the layout's
    menu and style sheet, is built once per process and root (a proxy's prefix, in every URL) and kept: Flask built
    each anew, some twenty calls a link, on every page. Any other link goes through Flask's url_for.

    Nothing here registers url_defaults (which could change a link per request); with one, keep them out of here."""
    context = _cv_request.get(None)  # the request's context itself, not twice through the proxies
    if context is None or endpoint[:1] == "." or (values and (endpoint != "static" or values.keys() != {"filename"})):
        return url_for(endpoint, **values)
    key = (context.request.script_root, endpoint, values.get("filename"))
    kept: LruCache[tuple, str] = context.app.extensions["lentera_fixed_urls"]
    url = kept.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        kept.put(key, url)
    return url


def init_app(app: Flask) -> None:
    app.extensions["lentera_fixed_urls"] = LruCache(512)
    app.jinja_env.globals["url_for"] = page_url_for
