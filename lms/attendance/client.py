"""What a check-in request tells about its device: the device id (cookie or header), browser, address, position."""

from __future__ import annotations

import re
import secrets

from flask import request

from lms.attendance.services import Client

DEVICE_COOKIE = "lentera_device"
DEVICE_HEADER = "X-Device-Id"
DEVICE_COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def device_id_from_request() -> str | None:
    value = request.headers.get(DEVICE_HEADER) or request.cookies.get(DEVICE_COOKIE) or ""
    return value if _DEVICE_ID.fullmatch(value) else None


def new_device_id() -> str:
    return secrets.token_urlsafe(16)


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is no position


def client_from_request(values) -> Client:
    """`values`: the form or JSON body, which may carry the browser's position (latitude, longitude, accuracy)."""
    latitude, longitude = _float(values.get("latitude")), _float(values.get("longitude"))
    position = (latitude, longitude) if latitude is not None and longitude is not None else None
    return Client(
        device_id=device_id_from_request(),
        user_agent=request.headers.get("User-Agent", "")[:300],
        ip=(request.remote_addr or "")[:45] or None,
        position=position,
        accuracy_m=_float(values.get("accuracy")) or 0,
    )
