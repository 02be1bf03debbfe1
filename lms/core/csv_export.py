"""CSV downloads that spreadsheets open safely: UTF-8 with a byte-order mark, formula-like cells neutralized."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response


def spreadsheet_safe(cell: str) -> str:
    """Neutralize a typed value that a spreadsheet would run as a formula (CSV injection): "=HYPERLINK(...)"."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def csv_download(rows: Iterable[Iterable[object]], filename: str, *, no_store: bool = True) -> Response:
    """A CSV attachment; text cells pass through `spreadsheet_safe`, numbers are written as they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([[spreadsheet_safe(c) if isinstance(c, str) else c for c in row] for row in rows])
    # The byte-order mark makes Excel read the file as UTF-8 (names with accents, e.g. "Ni Luh Putu Ayu").
    headers = {"Content-Disposition": f"attachment; filename={filename}"}
    if no_store:
        headers["Cache-Control"] = "no-store"
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv", headers=headers)
