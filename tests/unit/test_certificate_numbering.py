"""Certificate number patterns, verification codes and expiry: pure rules."""

import re
from datetime import UTC, datetime

import pytest

from lms.certificates.numbering import (
    VERIFICATION_ALPHABET,
    InvalidNumberPattern,
    NumberParts,
    add_months,
    example_number,
    expiry,
    format_number,
    new_verification_code,
    normalize_verification_code,
    number_scope,
    sequence_year,
    validate_pattern,
)

PARTS = NumberParts(organization="ppni", course="ppi-dasar", year=2026, month=3)


def test_the_documented_example():
    assert example_number("{ORG}/{COURSE}/{YEAR}/{SEQ:06}", PARTS) == "PPNI/PPI-DASAR/2026/000123"


def test_scope_keeps_the_sequence_placeholder_and_fills_the_rest():
    assert number_scope("{ORG}-{MONTH}/{YEAR}/{SEQ:04}", PARTS) == "PPNI-03/2026/{SEQ:04}"
    assert format_number("PPNI-03/2026/{SEQ:04}", 7) == "PPNI-03/2026/0007"


def test_sequence_without_width_is_not_padded_and_wider_numbers_are_not_cut():
    assert format_number(number_scope("{ORG}.{SEQ}", PARTS), 42) == "PPNI.42"
    assert format_number(number_scope("{SEQ:03}", PARTS), 12345) == "12345"


def test_numbering_restarts_yearly_only_when_the_number_shows_the_year():
    assert sequence_year("{ORG}/{YEAR}/{SEQ}", 2026) == 2026
    assert sequence_year("{ORG}/{SEQ}", 2026) == 0


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "   ",
        "{ORG}/{COURSE}/{YEAR}",  # no sequence: numbers would repeat
        "{SEQ}/{SEQ}",
        "{ORG}/{NAME}/{SEQ}",
        "{ORG:03}/{SEQ}",
        "{SEQ:011}",
        "{ORG}<script>{SEQ}",
        "{ORG}/" + "X" * 120 + "{SEQ}",
    ],
)
def test_invalid_patterns_are_refused(pattern):
    with pytest.raises(InvalidNumberPattern):
        validate_pattern(pattern)


@pytest.mark.parametrize("pattern", ["{SEQ}", " {ORG}/{COURSE}/{YEAR}/{SEQ:06} ", "SERT-{YEAR}.{MONTH}_{SEQ:05}"])
def test_valid_patterns_are_accepted_stripped(pattern):
    assert validate_pattern(pattern) == pattern.strip()


def test_verification_codes_use_the_unambiguous_alphabet():
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(rf"[{VERIFICATION_ALPHABET}]{{4}}-[{VERIFICATION_ALPHABET}]{{4}}", code)
        assert not set(code) & set("01OILU")


def test_typed_codes_are_normalized():
    assert normalize_verification_code(" k7qf 2m9x ") == "K7QF-2M9X"
    assert normalize_verification_code("K7QF-2M9X") == "K7QF-2M9X"
    assert normalize_verification_code("k7-qf2-m9x") == "K7QF-2M9X"
    assert normalize_verification_code("") == ""


def test_months_are_added_by_the_calendar():
    assert add_months(datetime(2026, 1, 31, 9, tzinfo=UTC), 1) == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert add_months(datetime(2024, 1, 31, tzinfo=UTC), 1) == datetime(2024, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 22, tzinfo=UTC), 36) == datetime(2029, 11, 22, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 22, tzinfo=UTC), 14) == datetime(2028, 1, 22, tzinfo=UTC)


def test_no_validity_means_no_expiry():
    issued = datetime(2026, 11, 22, tzinfo=UTC)
    assert expiry(issued, 0) is None
    assert expiry(issued, None) is None
    assert expiry(issued, 12) == datetime(2027, 11, 22, tzinfo=UTC)
