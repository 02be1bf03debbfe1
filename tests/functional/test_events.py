"""Domain events: in-transaction listeners run at once; after-commit listeners run only once the transaction commits."""

from __future__ import annotations

from sqlalchemy import text

from lms.core.events import DomainEvent
from lms.extensions import db


def _event_with_listeners():
    event = DomainEvent("test.happened")
    now, after = [], []
    event.connect(lambda **payload: now.append(payload))
    event.connect(lambda **payload: after.append(payload), after_commit=True)
    return event, now, after


def test_in_transaction_listeners_run_at_once_after_commit_ones_after_the_commit(app_ctx):
    event, now, after = _event_with_listeners()
    db.session.execute(text("SELECT 1"))
    event.send(thing_id=7)
    assert now == [{"thing_id": 7}]
    assert after == []
    db.session.commit()
    assert after == [{"thing_id": 7}]
    db.session.commit()  # delivered once
    assert after == [{"thing_id": 7}]


def test_after_commit_listeners_never_hear_of_a_rolled_back_transaction(app_ctx):
    event, now, after = _event_with_listeners()
    db.session.execute(text("SELECT 1"))
    event.send(thing_id=1)
    db.session.rollback()
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    assert now == [{"thing_id": 1}]
    assert after == []


def test_a_failing_after_commit_listener_is_logged_and_the_others_still_run(app_ctx, caplog):
    event = DomainEvent("test.failing")
    heard = []

    def broken(**payload):
        raise RuntimeError("mail server down")

    event.connect(broken, after_commit=True)
    event.connect(lambda **payload: heard.append(payload), after_commit=True)
    db.session.execute(text("SELECT 1"))
    event.send(thing_id=3)
    db.session.commit()
    assert heard == [{"thing_id": 3}]
    assert "test.failing" in caplog.text


def test_connecting_twice_calls_once_and_disconnect_stops_it(app_ctx):
    event = DomainEvent("test.once")
    heard = []

    def listener(**payload):
        heard.append(payload)

    event.connect(listener)
    event.connect(listener)
    event.send(n=1)
    event.disconnect(listener)
    event.send(n=2)
    assert heard == [{"n": 1}]
