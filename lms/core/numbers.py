"""Decimal numbers as people write them in their language: `2,5` in Indonesian and `2.5` in English, both 2.5."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, get_group_symbol, parse_decimal

# A point with one or two digits after it is a decimal point in any language here (nobody groups thousands in
# twos); `1.000` stays a thousand in Indonesian.
_PLAIN_POINT = re.compile(r"[+-]?\d+\.\d{1,2}")


class UnreadableNumber(ValueError):
    """Text that is not a number in the given language."""


def parse_local_decimal(text: str, locale: str) -> Decimal:
    """The number `text` means in `locale`: its own decimal separator and grouping (Babel's strict parse), and a
    plain decimal point (`2.5`) also in languages that write a comma. Never reads a decimal comma as grouping:
    in English `2,5` is refused rather than taken as 25."""
    text = text.strip().replace("\u00a0", " ").replace(" ", "")
    if not text:
        raise UnreadableNumber(text)
    if _PLAIN_POINT.fullmatch(text):
        return Decimal(text)
    try:
        return parse_decimal(text, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation) as error:
        raise UnreadableNumber(text) from error


def format_local_decimal(value: Decimal | float | int | None, locale: str, places: int | None = 2) -> str:
    """`value` in `locale`'s notation (`17,00` in Indonesian, `17.00` in English), with `places` decimals (None: as
    many as it has)."""
    if value is None:
        return ""
    if places is None:
        return format_decimal(value, locale=locale, decimal_quantization=False, group_separator=True)
    symbols = _grouping_symbols(locale)
    if symbols is None:
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(value, format=pattern, locale=locale, decimal_quantization=True)
    # What Babel's pattern gives, without parsing the pattern and the locale on every call (a dashboard page
    # formats 400 numbers): Python's own grouping and rounding (half even, as Babel), the locale's symbols swapped in.
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{number:,.{places}f}".translate(symbols)


@cache
def _grouping_symbols(locale: str) -> dict[int, str] | None:
    """A translation table from Python's `1,234.5` to `locale`'s symbols, for locales grouping digits by three with
    one-character symbols (None for the others: Babel formats those)."""
    parsed = Locale.parse(locale)
    group, decimal = get_group_symbol(parsed), get_decimal_symbol(parsed)
    if parsed.decimal_formats[None].grouping != (3, 3) or len(group) != 1 or len(decimal) != 1:
        return None
    return str.maketrans({",": group, ".": decimal})


def example_decimal(locale: str) -> str:
    """How 2.5 is written in `locale`, for a hint or an error message."""
    return f"2{get_decimal_symbol(locale)}5"
