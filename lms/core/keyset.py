"""Keyset page cursors: the (name, id) a page of a by-name list ended at, opaque to the client, so that the next page
starts in the index right after it instead of counting past every earlier row (OFFSET)."""

from __future__ import annotations

import base64
import binascii
import json

from flask_babel import lazy_gettext as _l

from lms.core.errors import InvalidInput


def encode_cursor(full_name: str, row_id: int) -> str:
    raw = json.dumps([full_name, row_id], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """The (name, id) a page ended at; a cursor not made by `encode_cursor` is refused."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, row_id = json.loads(raw)
        if isinstance(name, str) and isinstance(row_id, int) and not isinstance(row_id, bool):
            return name, row_id
    except (binascii.Error, ValueError, TypeError):
        pass
    raise InvalidInput(_l("This page link is not valid any more. Start again from the first page."))
