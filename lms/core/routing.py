"""URL converters: `<int:...>` bounded to the database's 64-bit integers, so a larger id is 404, not a 500."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**63 - 1
"""SQLite and PostgreSQL `BIGINT` hold at most this; SQLite raises OverflowError binding anything larger."""


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's `int` converter with `max` defaulting to LARGEST_ID (the OpenAPI document shows it as maximum)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's own parameter name)
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
