"""format_local_datetime keeps Babel's patterns parsed once; its text must stay exactly Babel's own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core.i18n import ZONE_LABELS, format_local_datetime

ZONES = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Amsterdam"]
FORMATS = ["short", "medium", "long", "full", "d MMM y HH:mm", "EEEE, d MMMM y"]


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    locale=st.sampled_from(["id", "en"]),
    zone=st.sampled_from(ZONES),
    format=st.sampled_from(FORMATS),
)
def test_same_text_as_babel(moment, locale, zone, format):
    expected = format_datetime(moment, format, tzinfo=ZoneInfo(zone), locale=locale)
    label = ZONE_LABELS.get(zone, zone)
    assert format_local_datetime(moment, format, locale, zone) == f"{expected} {label}"


@pytest.mark.parametrize(
    ("zone", "label", "local_day"),
    [("Asia/Jakarta", "WIB", "4"), ("Asia/Makassar", "WITA", "5"), ("Asia/Jayapura", "WIT", "5")],
)
def test_zone_decides_the_day_and_its_name(zone, label, local_day):
    # 16:30 UTC is 23:30 in Jakarta but already the next day in Makassar (00:30) and Jayapura (01:30).
    moment = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)
    text = format_local_datetime(moment, "long", "id", zone)
    assert text.startswith(f"{local_day} Maret 2026")
    assert text.endswith(f" {label}")


def test_a_moment_in_another_offset_is_the_same_instant():
    moment = datetime(2026, 3, 4, 23, 30, tzinfo=ZoneInfo("Asia/Jayapura"))
    assert format_local_datetime(moment, "medium", "en", "Asia/Jakarta") == format_local_datetime(
        moment.astimezone(UTC) - timedelta(0), "medium", "en", "Asia/Jakarta"
    )
    assert "9:30:00" in format_local_datetime(moment, "medium", "en", "Asia/Jakarta")


@pytest.mark.parametrize("locale", ["id", "en", "fi", "ar"])
@pytest.mark.parametrize("format", ["short", "medium"])
def test_clock_patterns_are_written_as_babel_writes_them_all_day(locale, format):
    """Hours, minutes, seconds and am/pm are written by arithmetic, not through Babel's locale data."""
    from babel import Locale
    from babel.dates import get_time_format

    from lms.core.i18n import _clock_writer

    language = Locale.parse(locale)
    pattern = get_time_format(format, language)
    write = _clock_writer(pattern, language)
    assert write is not None
    midnight = datetime(2026, 3, 4, tzinfo=UTC)
    for second in range(0, 86_400, 13):  # (13 is prime to 60: every hour, minute and second shows)
        moment = midnight + timedelta(seconds=second)
        assert write(moment) == pattern.apply(moment, language), moment


def test_other_time_patterns_are_left_to_babel():
    from babel import Locale
    from babel.dates import get_time_format

    from lms.core.i18n import _clock_writer

    assert _clock_writer(get_time_format("long", Locale.parse("id")), Locale.parse("id")) is None  # a zone name
    assert _clock_writer(get_time_format("medium", Locale.parse("zh_Hant")), Locale.parse("zh_Hant")) is None  # B


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("format", ["short", "medium", "long", "full", "d MMM y"])
def test_calendar_dates_as_babel_writes_them_kept_or_not(locale, format):
    from babel import Locale
    from babel.dates import format_date

    from lms.core.i18n import format_local_date

    for day in range(0, 800, 7):
        value = date(2025, 1, 1) + timedelta(days=day)
        expected = format_date(value, format, locale=locale)
        assert format_local_date(value, format, Locale.parse(locale)) == expected  # formatted
        assert format_local_date(value, format, Locale.parse(locale)) == expected  # kept
