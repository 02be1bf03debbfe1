"""Certificate numbers from an organization's pattern, verification codes, and expiry dates: pure rules, no database.

A pattern such as `{ORG}/{COURSE}/{YEAR}/{SEQ:06}` gives `PPNI/PPI-DASAR/2026/000123`. Placeholders:
{ORG} the organization's short name in capitals, {COURSE} the course code, {YEAR} four digits, {MONTH} two digits,
{SEQ} or {SEQ:0N} the sequence number (zero-padded to N digits). {SEQ} is required: without it numbers would repeat.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from lms.core.errors import InvalidInput

PLACEHOLDER = re.compile(r"\{([A-Z]+)(?::0(\d{1,2}))?\}")
KNOWN_PLACEHOLDERS = ("ORG", "COURSE", "YEAR", "MONTH", "SEQ")
# What may appear between placeholders: printable, unambiguous in a URL or a file name, and easy to type.
LITERAL = re.compile(r"^[A-Za-z0-9/._\- ]*$")
MAX_PATTERN_LENGTH = 120
MAX_SEQ_WIDTH = 10

VERIFICATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
"""No 0/O, 1/I/L or U: nothing a reader can confuse when typing the code from paper."""
VERIFICATION_CODE_LENGTH = 8


class InvalidNumberPattern(InvalidInput):
    pass


@dataclass(frozen=True)
class NumberParts:
    """The values a pattern is filled with."""

    organization: str
    course: str
    year: int
    month: int


def validate_pattern(pattern: str) -> str:
    """The pattern, stripped, or InvalidNumberPattern with a message the admin can act on."""
    pattern = (pattern or "").strip()
    if not pattern:
        raise InvalidNumberPattern(_l("Give a number pattern, for example {ORG}/{COURSE}/{YEAR}/{SEQ:06}."))
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidNumberPattern(_l("The pattern is longer than %(n)d characters.", n=MAX_PATTERN_LENGTH))
    names = []
    for match in PLACEHOLDER.finditer(pattern):
        name, width = match.group(1), match.group(2)
        if name not in KNOWN_PLACEHOLDERS:
            raise InvalidNumberPattern(
                _l(
                    "Unknown placeholder {%(name)s}; use %(known)s.",
                    name=name,
                    known=", ".join(f"{{{known}}}" for known in KNOWN_PLACEHOLDERS),
                )
            )
        if width is not None and (name != "SEQ" or not 1 <= int(width) <= MAX_SEQ_WIDTH):
            raise InvalidNumberPattern(_l("Only {SEQ} takes a width, from {SEQ:01} to {SEQ:010}."))
        names.append(name)
    if names.count("SEQ") != 1:
        raise InvalidNumberPattern(_l("The pattern must contain {SEQ} exactly once, so that numbers never repeat."))
    if not LITERAL.match(PLACEHOLDER.sub("", pattern)):
        raise InvalidNumberPattern(
            _l("Besides placeholders, use only letters, digits, spaces and the characters / . _ -")
        )
    return pattern


def number_scope(pattern: str, parts: NumberParts) -> str:
    """The pattern with everything but {SEQ} filled in: numbers sharing a scope share one sequence."""
    values = {
        "ORG": parts.organization.upper(),
        "COURSE": parts.course.upper(),
        "YEAR": f"{parts.year:04d}",
        "MONTH": f"{parts.month:02d}",
    }
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), pattern)


def sequence_year(pattern: str, year: int) -> int:
    """The year a sequence belongs to: numbering restarts each year only when the number shows the year."""
    return year if "{YEAR}" in pattern else 0


def format_number(scope: str, sequence: int) -> str:
    """Put the sequence number into a scope from `number_scope`."""

    def fill(match: re.Match) -> str:
        width = int(match.group(2) or 1)
        return f"{sequence:0{width}d}"

    return PLACEHOLDER.sub(fill, scope)


def example_number(pattern: str, parts: NumberParts, sequence: int = 123) -> str:
    """What a number will look like, for the settings page."""
    return format_number(number_scope(pattern, parts), sequence)


def new_verification_code() -> str:
    """A random code like K7QF-2M9X (30⁸ ≈ 6.6·10¹¹ values: not guessable together with a number)."""
    raw = "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(VERIFICATION_CODE_LENGTH))
    return format_verification_code(raw)


def format_verification_code(raw: str) -> str:
    half = len(raw) // 2
    return f"{raw[:half]}-{raw[half:]}"


DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
"""Hyphens, en and em dashes, the minus sign and their full-width forms: what a phone keyboard or a copy from a PDF
puts where the certificate shows "-"."""
_AS_HYPHEN = {ord(dash): "-" for dash in DASHES}


def _typed(text: str) -> str:
    """Typed text in one form: NFKC (full-width letters and digits become ASCII ones), every dash a hyphen."""
    return unicodedata.normalize("NFKC", text or "").translate(_AS_HYPHEN)


def normalize_verification_code(text: str) -> str:
    """What a person typed, as stored: capitals, hyphen in the middle; spaces and dashes anywhere are ignored."""
    raw = re.sub(r"[\s\-]", "", _typed(text)).upper()
    return format_verification_code(raw) if raw else ""


def number_key(text: str) -> str:
    """A certificate number as compared, typed or printed: NFKC, dashes as hyphens, no white space, capitals.
    `ppni/ppi–dasar/2026/ 000001` and `PPNI/PPI-DASAR/2026/000001` are the same number."""
    return re.sub(r"\s", "", _typed(text)).upper()


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; the 31st becomes the last day of a shorter month."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expiry(issued_at: datetime, validity_months: int | None) -> datetime | None:
    """When a certificate stops being valid; None when the course sets no validity (0 or empty)."""
    if not validity_months:
        return None
    return add_months(issued_at, validity_months)
