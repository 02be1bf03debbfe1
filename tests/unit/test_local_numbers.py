"""Issue 16: decimals read and written in the user's notation; a comma is never taken for grouping by mistake."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from lms.core.numbers import UnreadableNumber, example_decimal, format_local_decimal, parse_local_decimal


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("2,5", "id", "2.5"),
        ("2.5", "id", "2.5"),  # a plain decimal point is understood in Indonesian too
        (" 17,25 ", "id", "17.25"),
        ("1.000", "id", "1000"),
        ("1.000,5", "id", "1000.5"),
        ("2.5", "en", "2.5"),
        ("1,000.5", "en", "1000.5"),
        ("17", "id", "17"),
    ],
)
def test_numbers_are_read_in_the_users_notation(text, locale, value):
    assert parse_local_decimal(text, locale) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "locale"), [("2,5", "en"), ("abc", "id"), ("", "id"), ("2,,5", "id"), ("1.2.3", "en")]
)
def test_what_is_not_a_number_is_refused_never_guessed(text, locale):
    with pytest.raises(UnreadableNumber):
        parse_local_decimal(text, locale)


def test_a_decimal_comma_is_never_read_as_twenty_five():
    assert parse_local_decimal("2,5", "id") == Decimal("2.5")
    with pytest.raises(UnreadableNumber):  # English: refused, not 25
        parse_local_decimal("2,5", "en")


def test_numbers_are_shown_in_the_users_notation():
    assert format_local_decimal(Decimal("17.11"), "id") == "17,11"
    assert format_local_decimal(Decimal("17"), "id") == "17,00"
    assert format_local_decimal(Decimal("17"), "en") == "17.00"
    assert format_local_decimal(Decimal("1234.5"), "id") == "1.234,50"
    assert format_local_decimal(Decimal("2.50"), "id", places=None) == "2,5"
    assert format_local_decimal(None, "id") == ""
    assert (example_decimal("id"), example_decimal("en")) == ("2,5", "2.5")


@given(
    value=st.one_of(
        st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4),
        st.integers(-(10**9), 10**9),
        st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
    ),
    places=st.integers(0, 3),
    locale=st.sampled_from(["id", "en", "id_ID", "en_US"]),
)
def test_formatting_without_babel_per_call_writes_what_babel_writes(value, places, locale):
    pattern = "#,##0" + ("." + "0" * places if places else "")
    expected = format_decimal(value, format=pattern, locale=locale, decimal_quantization=True)
    assert format_local_decimal(value, locale, places) == expected
