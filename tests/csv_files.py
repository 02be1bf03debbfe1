"""Reading the CSV downloads as a spreadsheet in the reader's language would (see lms/core/csv_export.py)."""

from __future__ import annotations

import csv
import io

DELIMITERS = {"id": ";", "en": ","}


def speak(client, locale: str) -> None:
    """Switch the client's interface language (kept in its session)."""
    assert client.post("/language", data={"locale": locale}).status_code == 302


def csv_rows(response, locale: str) -> list[list[str]]:
    """The rows of a CSV download in `locale`'s notation: UTF-8 with a byte-order mark, `;` in Indonesian."""
    assert response.status_code == 200, response.status_code
    assert response.content_type == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # for Excel
    text = body.decode("utf-8-sig")
    assert "None" not in text
    return list(csv.reader(io.StringIO(text), delimiter=DELIMITERS[locale]))


def csv_in(client, url: str, locale: str) -> list[list[str]]:
    speak(client, locale)
    return csv_rows(client.get(url), locale)


def csv_dicts(client, url: str, locale: str, **query) -> list[dict[str, str]]:
    """The rows of a CSV download as {header: cell}, in `locale`."""
    speak(client, locale)
    header, *rows = csv_rows(client.get(url, query_string=query), locale)
    return [dict(zip(header, row, strict=True)) for row in rows]
