"""CSV downloads that spreadsheets open right in the reader's language, and safely.

The form (decided, see README "CSV files"): UTF-8 with a byte-order mark (Excel then reads accented names); in
Indonesian the cells are separated by a semicolon and decimals written with a comma (`17,5`), in English a comma and
a dot (`17.5`) — what Excel and LibreOffice expect on a computer set to that language, so a double-click gives
numbers, not text; no thousands separator; dates as ISO 8601 (`2026-12-04`) and times as `2026-12-04 09:30` in the
reader's zone (named in the header), which every spreadsheet reads as a date in any language. Headers and values
are words from the catalog: enum members through their `.label`, yes/no for booleans, nothing for a missing value
(never `None` or a raw code). Typed text that a spreadsheet would run as a formula is neutralized.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from zoneinfo import ZoneInfo

from flask import Response
from flask_babel import get_locale
from flask_babel import gettext as _

from lms.core.i18n import TimeZone, select_timezone


@dataclass(frozen=True)
class SpreadsheetNotation:
    """How a language's spreadsheets separate cells and write decimals."""

    delimiter: str
    decimal: str


NOTATIONS = {"id": SpreadsheetNotation(";", ","), "en": SpreadsheetNotation(",", ".")}


def notation_for(locale: str) -> SpreadsheetNotation:
    return NOTATIONS.get(locale.split("_")[0], NOTATIONS["en"])


def spreadsheet_safe(cell: str) -> str:
    """Neutralize a typed value that a spreadsheet would run as a formula (CSV injection): "=HYPERLINK(...)"."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def rounded(value: float | Decimal | None, places: int = 2) -> Decimal | None:
    """A figure for a CSV cell with `places` decimals (written in the reader's notation by `cell_text`)."""
    return None if value is None else Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def cell_text(value: object, notation: SpreadsheetNotation) -> str:
    """One cell as the reader's spreadsheet reads it (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Enum) and hasattr(value, "label"):
        return str(value.label)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return format(Decimal(str(value)), "f").replace(".", notation.decimal)
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(select_timezone())).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_safe(str(value))


def zone_name() -> str:
    """The reader's zone (WIB/WITA/WIT), for a header over times: "Marked at (WITA)"."""
    return TimeZone(select_timezone()).label


def csv_download(rows: Iterable[Iterable[object]], filename: str, *, no_store: bool = True) -> Response:
    """A CSV attachment in the reader's notation; the first row is the header."""
    notation = notation_for(str(get_locale()))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=notation.delimiter)
    writer.writerows([[cell_text(c, notation) for c in row] for row in rows])
    headers = {"Content-Disposition": f"attachment; filename={filename}"}
    if no_store:
        headers["Cache-Control"] = "no-store"
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv", headers=headers)
