"""The learner's record page runs the same few SQL statements with 5 items as with 250, and its function calls
grow by a bounded number per item (the numbers, dates, words and links of a line are prepared once per page)."""

from __future__ import annotations

import cProfile
import pstats
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from benchmarks.records_speed import PASSWORD, generate_worker


@contextmanager
def counted_statements(app):
    """The statements every engine sends meanwhile: the app's and the autocommit one (reads outside the request's
    transaction, lms.core.database.outside_transaction)."""
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _record_page(app, client, auth, email: str) -> tuple[list[str], int]:
    """The statements and the function calls (cProfile's count, C functions too) of one view of the record."""
    auth.login(email, PASSWORD)
    client.get("/my/record")  # once to warm what a first request loads (the key set, translations)
    with counted_statements(app) as statements:
        client.get("/my/record")
    profile = cProfile.Profile()
    response = profile.runcall(client.get, "/my/record")
    assert response.status_code == 200
    auth.logout()
    return statements, pstats.Stats(profile).total_calls


def test_record_page_statements_and_calls_do_not_grow_with_the_record(app, app_ctx, client, auth):
    big, small = generate_worker(250)  # 150 certificates and 100 activities; the small worker holds 5 items
    with_250, calls_250 = _record_page(app, client, auth, big)
    with_5, calls_5 = _record_page(app, client, auth, small)
    assert len(with_250) == len(with_5), (with_250, with_5)
    # the user with roles and bell; the SIP with the ledger, certificates, practice, activities
    assert len(with_250) == 5, with_250
    # Each more item: its ledger entry or activity read, counted and (50 ledger lines a page, every activity) written.
    # 211 on SQLite; 323 before the words, links and the language of a line were found once per page.
    per_item = (calls_250 - calls_5) / (250 - 5)
    assert per_item < 250, (calls_250, calls_5, per_item)
