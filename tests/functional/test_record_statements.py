"""The learner's record page runs the same few SQL statements with 5 items as with 250, and its function calls
grow by a bounded number per item (the numbers, dates, words and links of a line are prepared once per page)."""

from __future__ import annotations

import cProfile
import pstats
from datetime import date
from decimal import Decimal

import pytest

from benchmarks.records_speed import PASSWORD, generate_worker
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records import services
from lms.records.models import EntrySource
from tests.factories import make_user
from tests.statements import counted_statements, transaction_commands_sent


def _record_page(app, client, auth, email: str) -> tuple[list[str], int]:
    """The statements and the function calls (cProfile's count, C functions too) of one view of the record."""
    auth.login(email, PASSWORD)
    client.get("/my/record")  # once to warm what a first request loads (the key set, translations)
    with counted_statements() as statements:
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


def test_the_record_page_sends_no_begin_or_rollback(app, app_ctx, client, auth):
    """A page view writes nothing before its reads: they run outside a transaction, without the two round trips of
    BEGIN and ROLLBACK. PostgreSQL's (SQLite's reads are in a file)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("BEGIN and ROLLBACK are round trips on PostgreSQL only")
    _big, small = generate_worker(5)
    auth.login(small, PASSWORD)
    client.get("/my/record")
    with transaction_commands_sent() as sent:
        assert client.get("/my/record").status_code == 200
    assert sent == []


def test_a_record_read_after_a_write_in_the_same_transaction_sees_the_write(app_ctx):
    """Outside the transaction only while none is open: a service that credits and then reads sees its credit."""
    user = make_user()
    today = date.today()
    before = services.record_of(user, today).standing.earned
    services.post_entry(user.id, source=EntrySource.ACTIVITY, source_id="same-transaction", ranah=Ranah.PEMBELAJARAN,
                        skp=Decimal("7.5"), earned_on=today, title="Webinar")  # fmt: skip
    assert db.session().in_transaction()
    after = services.record_of(user, today).standing.earned
    assert after == before + Decimal("7.5")
    db.session.rollback()
    assert services.record_of(user, today).standing.earned == before
