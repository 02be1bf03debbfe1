"""The learner's record page runs the same number of SQL statements with 5 items as with 150."""

from __future__ import annotations

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


def _statements_of_record_page(app, client, auth, email: str) -> list[str]:
    auth.login(email, PASSWORD)
    client.get("/my/record")  # once to warm what a first request loads (the key set, translations)
    with counted_statements(app) as statements:
        response = client.get("/my/record")
    assert response.status_code == 200
    auth.logout()
    return statements


def test_record_page_statements_do_not_grow_with_certificates(app, app_ctx, client, auth):
    big, small = generate_worker(250)  # 150 certificates and 100 activities; the small worker holds 5 items
    with_150 = _statements_of_record_page(app, client, auth, big)
    with_5 = _statements_of_record_page(app, client, auth, small)
    assert len(with_150) == len(with_5), (with_150, with_5)
    assert len(with_150) == 6  # the user with roles and bell; licence, ledger, certificates, practice, activities
