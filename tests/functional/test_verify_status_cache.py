"""The verify page's status rows kept per process (lms.certificates.status_cache): a change shows at once, whether
made in this process or by another one, and nothing is kept while the change notices cannot be heard."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from lms.certificates import services
from lms.certificates.status_cache import LISTENER_NAME, StatusCache, status_cache
from lms.extensions import db
from tests.factories.certificates import finished_learner, issue, make_certificate_world
from tests.functional.test_verify import verdict_of


@pytest.fixture
def postgresql_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("change notices are PostgreSQL's (LISTEN/NOTIFY); on SQLite every scan reads the database")


@pytest.fixture
def own_key_store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


@pytest.fixture
def world(app_ctx, own_key_store):
    return make_certificate_world()


@pytest.fixture
def certificate(world):
    _user, enrolment = finished_learner(world.cohort, full_name="Made Wirawan")
    certificate = services.live_certificate_of(enrolment) or issue(world.admin, enrolment)
    db.session.commit()
    return certificate


def wait_until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def listening_cache() -> StatusCache:
    cache = status_cache()
    cache.read("warm-up", lambda: None)  # starts the listener
    assert wait_until(lambda: cache.listening), "the listener did not start"
    return cache


def deaf_cache() -> StatusCache:
    """A cache that believes it listens but has no listener thread: only this process's own hooks clear it."""
    cache = StatusCache("unused")
    cache.notices._pid = os.getpid()  # its listener counts as started in this process
    cache.notices._set_listening(True)
    return cache


def test_rows_are_kept_while_listening():
    cache = deaf_cache()
    queries = []
    counted = lambda: queries.append(1) or ("row",)  # noqa: E731
    assert cache.read("probe", counted) == ("row",) and cache.read("probe", counted) == ("row",)
    assert len(queries) == 1
    assert cache.read("unknown", lambda: None) is None and cache.read("unknown", lambda: ("issued now",))


def test_a_change_committed_in_this_process_shows_at_once(app, client, world, certificate, monkeypatch):
    # No listener here: the notice would come too late; the commit itself must clear the rows.
    monkeypatch.setitem(app.extensions, "lentera_status_cache", deaf_cache())
    assert verdict_of(client.get("/v/" + certificate.token)) == "valid"
    assert verdict_of(client.get("/v/" + certificate.token)) == "valid"  # from memory now
    services.revoke_certificate(world.admin, certificate, "Data salah", datetime.now(UTC))
    db.session.commit()
    assert verdict_of(client.get("/v/" + certificate.token)) == "revoked"  # no wait for the notice


def test_a_change_made_by_another_process_is_heard(client, certificate, postgresql_only):
    listening_cache()
    assert verdict_of(client.get("/v/" + certificate.token)) == "valid"
    other = create_engine(db.engine.url)  # another process's connection: no session hook of ours runs
    with other.begin() as connection:
        connection.execute(
            text("UPDATE certificates SET status = 'suspended', status_reason = 'x', status_changed_at = now() "
                 "WHERE id = :id"),
            {"id": certificate.id},
        )  # fmt: skip
    other.dispose()
    assert wait_until(lambda: verdict_of(client.get("/v/" + certificate.token)) == "suspended", 2.0)


def test_nothing_is_kept_while_the_notices_cannot_be_heard(app_ctx, postgresql_only):
    cache = listening_cache()
    with db.engine.connect() as connection:
        killed = connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": LISTENER_NAME},
        ).all()
    assert killed
    assert wait_until(lambda: not cache.listening)
    queries = []
    cache.read("probe", lambda: queries.append(1) or ("row",))
    cache.read("probe", lambda: queries.append(1) or ("row",))
    assert len(queries) == 2  # both read the database
    assert wait_until(lambda: cache.listening, 5.0), "the listener did not come back"
    cache.read("probe", lambda: queries.append(1) or ("row",))
    cache.read("probe", lambda: queries.append(1) or ("row",))
    assert len(queries) == 3


def test_a_read_that_raced_with_a_change_is_not_kept():
    cache = deaf_cache()

    def read_during_a_change():
        cache.forget_all()  # a notice arrives while the row is read
        return ("old row",)

    assert cache.read("c", read_during_a_change) == ("old row",)
    assert cache.read("c", lambda: ("new row",)) == ("new row",)
    assert cache.read("c", lambda: ("never read",)) == ("new row",)


def test_without_the_change_trigger_nothing_is_kept(app_ctx, postgresql_only):
    cache = listening_cache()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER certificates_changed ON certificates"))  # a database not at 0011
    try:
        with db.engine.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": LISTENER_NAME},
            )
        assert wait_until(lambda: not cache.listening)
        time.sleep(1.5)  # the listener has tried again, found no trigger, and keeps nothing
        assert not cache.listening
        queries = []
        cache.read("probe", lambda: queries.append(1) or ("row",))
        cache.read("probe", lambda: queries.append(1) or ("row",))
        assert len(queries) == 2
    finally:
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TRIGGER certificates_changed AFTER UPDATE OR DELETE OR TRUNCATE ON certificates "
                    "FOR EACH STATEMENT EXECUTE FUNCTION lentera_certificates_changed()"
                )
            )
    assert wait_until(lambda: cache.listening, 5.0)
