"""Redirect targets taken from user input, kept on this site; WhatsApp (wa.me) links with the text prefilled."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from flask import request, url_for


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
