from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from lms.core.models import UTCDateTime


def test_utc_datetime_stores_utc_and_reads_back_aware():
    column = UTCDateTime()
    wita = timezone(timedelta(hours=8))
    stored = column.process_bind_param(datetime(2026, 1, 1, 9, 0, tzinfo=wita), sqlite.dialect())
    assert stored == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    read = column.process_result_value(datetime(2026, 1, 1, 1, 0), sqlite.dialect())
    assert read.tzinfo is UTC


def test_utc_datetime_refuses_naive_values():
    with pytest.raises(ValueError):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), sqlite.dialect())
