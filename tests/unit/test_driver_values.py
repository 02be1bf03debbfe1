"""What the app's psycopg connections make of the server's values: JSON read from its text as json.loads reads it,
and UTC datetimes converted in one step."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from lms.core.database import _json_from_text
from lms.core.models import UTCDateTime


@pytest.mark.parametrize(
    "text",
    [
        b'{"question_id": 3, "order": [2, 0, 1]}',
        b"[1, 2.5, null, true]",
        b'"cuci tangan"',
        b"null",
        b"1.50",
        '{"teks": "Perawat \u00e9 \u2014 \U0001f600"}'.encode(),
        b' \n{"a": 1} ',  # white space around the value: the decoder's own way
        b"[]",
    ],
)
def test_json_is_read_from_text_as_json_loads_reads_it(text):
    assert _json_from_text(text) == json.loads(text)
    assert type(_json_from_text(text)) is type(json.loads(text))


@pytest.mark.parametrize("text", [b"", b"{", b"1 2", b"[1]x", b"nul"])
def test_text_that_is_no_json_value_is_refused_as_json_loads_refuses_it(text):
    with pytest.raises(json.JSONDecodeError) as ours:
        _json_from_text(text)
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads(text)
    assert ours.value.msg == theirs.value.msg


@pytest.mark.parametrize("dialect", [postgresql.psycopg.dialect(), sqlite.dialect()])
def test_utc_datetimes_come_back_aware_in_utc(dialect):
    process = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    wib = timezone(timedelta(hours=7))
    if dialect.name == "sqlite":
        assert process("2026-03-02 08:00:00.000000") == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    else:
        assert process(datetime(2026, 3, 2, 8, 0, tzinfo=wib)) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
        assert process(datetime(2026, 3, 2, 8, 0, tzinfo=wib)).tzinfo is UTC
        assert process(datetime(2026, 3, 2, 8, 0)) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert process(None) is None
