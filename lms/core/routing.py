"""URL converters: `<int:...>` bounded to the ids the database can hold, so a larger id is 404, not a 500."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1
"""Our ids are `INTEGER` columns: 32 bits on PostgreSQL ("integer out of range" past this), 64 on SQLite (which
raises OverflowError past 2^63); no row of ours can have a larger id."""


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's `int` converter with `max` defaulting to LARGEST_ID (the OpenAPI document shows it as maximum)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's own parameter name)
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
