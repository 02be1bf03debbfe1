"""Login throttling that fits attackers and classrooms: failures per account across addresses, a high ceiling per
address, counts shared by every worker (database without Redis, Redis with it), and equal work for unknown e-mails."""

from __future__ import annotations

import re
import secrets
from contextlib import contextmanager

import pytest
import redis
from werkzeug import security

from lms import create_app
from lms.accounts import services
from lms.core.database import dispose_engines
from tests.factories import PASSWORD, make_user

REDIS_URL = "redis://127.0.0.1:6379/15"
WRONG = "salah-salah-123"


def _post_login(client, email, password, address):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_guessing_one_account_from_six_addresses_is_refused_after_the_account_ceiling(client, app_ctx):
    make_user("target@example.test")
    statuses = [_post_login(client, "target@example.test", WRONG, f"10.0.0.{n % 6 + 1}").status_code for n in range(48)]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429] * 38
    # Even the right password is refused while the account waits, or guessing could go on unseen.
    locked = _post_login(client, "target@example.test", PASSWORD, "10.9.9.9")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) <= 600
    # Another account is not touched.
    make_user("other@example.test")
    assert _post_login(client, "other@example.test", PASSWORD, "10.0.0.1").status_code == 302


def test_an_unknown_email_is_locked_alike_so_a_refusal_reveals_no_account(client, app_ctx):
    make_user("a@example.test")
    answers = {}
    for email in ("a@example.test", "nobody@example.test"):
        for _ in range(10):
            assert _post_login(client, email, WRONG, "10.1.0.1").status_code == 200
        refused = _post_login(client, email, WRONG, "10.1.0.2")
        # The page, less the CSRF tokens of its forms (signed with the time, so they differ by the second).
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", refused.get_data(as_text=True))
        answers[email] = (refused.status_code, page)
    assert answers["a@example.test"] == answers["nobody@example.test"]
    assert answers["a@example.test"][0] == 429


def test_a_class_of_thirty_behind_one_address_all_log_in(app, app_ctx):
    learners = [make_user(f"peserta{n}@example.test") for n in range(30)]
    statuses = []
    for learner in learners:
        browser = app.test_client()
        statuses.append(_post_login(browser, learner.email, PASSWORD, "203.0.113.7").status_code)
    assert statuses == [302] * 30


def test_the_token_endpoint_counts_failures_per_account(client, app_ctx):
    make_user("api@example.test")
    for n in range(10):
        response = client.post(
            "/api/v1/auth/token",
            json={"email": "api@example.test", "password": WRONG},
            environ_base={"REMOTE_ADDR": f"10.2.0.{n}"},
        )
        assert response.status_code == 401
    refused = client.post(
        "/api/v1/auth/token",
        json={"email": "api@example.test", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.2.1.1"},
    )
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_requests"


def test_password_reset_requests_and_registration_are_limited(app, client, app_ctx):
    for n in range(5):
        response = client.post(
            "/password/forgot", data={"email": "a@example.test"}, environ_base={"REMOTE_ADDR": f"10.3.0.{n}"}
        )
        assert response.status_code == 302
    assert client.post("/password/forgot", data={"email": "a@example.test"}).status_code == 429
    app.config["REGISTER_RATE_LIMIT"] = "2 per minute"
    try:
        data = {
            "full_name": "Dewi",
            "profession_code": "bidan",
            "password": "rahasia-sekali-1",
            "confirm": "rahasia-sekali-1",
            "timezone": "Asia/Jakarta",
            "consent": "y",
        }
        for n in range(2):
            response = client.post(
                "/register", data={**data, "email": f"r{n}@example.test"}, environ_base={"REMOTE_ADDR": "10.4.0.1"}
            )
            assert response.status_code == 302
        third = client.post(
            "/register", data={**data, "email": "r9@example.test"}, environ_base={"REMOTE_ADDR": "10.4.0.1"}
        )
        assert third.status_code == 429
    finally:
        app.config["REGISTER_RATE_LIMIT"] = "100 per hour"


@contextmanager
def _workers(app, count: int = 2, **config):
    """Other workers of the same deployment: their own apps (and memory), the same database; their connections are
    closed at the end (a connection left to the garbage collector warns in whichever test runs then)."""
    keys = ("TESTING", "SECRET_KEY", "DATABASE_URL", "PASSWORD_HASH_METHOD", "WTF_CSRF_ENABLED", "PUBLIC_URL",
            "SIGNING_KEYS_DIR", "UPLOADS_DIR")  # fmt: skip
    workers = [create_app({key: app.config[key] for key in keys} | config) for _ in range(count)]
    try:
        yield [worker.test_client() for worker in workers]
    finally:
        for worker in workers:
            with worker.app_context():
                dispose_engines()


def test_workers_without_redis_share_the_account_counts_through_the_database(app, app_ctx):
    make_user("a@example.test")
    with _workers(app) as clients:
        statuses = [_post_login(clients[n % 2], "a@example.test", WRONG, f"10.5.0.{n}").status_code for n in range(12)]
    assert statuses == [200] * 10 + [429] * 2


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_two_app_instances_sharing_redis_share_the_counts(app, app_ctx):
    make_user("a@example.test")
    # A key prefix of this run's own: other test runs sharing this Redis reset only theirs.
    prefix = f"lentera-test-{secrets.token_hex(4)}:"
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        with _workers(app, REDIS_URL=REDIS_URL, RATELIMIT_REDIS_PREFIX=prefix) as clients:
            statuses = [
                _post_login(clients[n % 2], "a@example.test", WRONG, f"10.6.0.{n}").status_code for n in range(12)
            ]
        assert statuses == [200] * 10 + [429] * 2
        # The counts are in Redis, not in either worker's memory or the database.
        assert connection.keys(f"{prefix}login-failures:*")
    finally:
        for name in connection.scan_iter(match=f"{prefix}*"):
            connection.delete(name)


def test_an_unknown_email_costs_one_password_check_like_a_known_one(app_ctx, monkeypatch):
    make_user("known@example.test")
    services.authenticate("warm@example.test", WRONG)  # the dummy hash is made once per method
    calls = {"generate": 0, "check": 0}
    real_generate, real_check = security.generate_password_hash, security.check_password_hash

    def generate(*args, **kwargs):
        calls["generate"] += 1
        return real_generate(*args, **kwargs)

    def check(*args, **kwargs):
        calls["check"] += 1
        return real_check(*args, **kwargs)

    monkeypatch.setattr(services, "generate_password_hash", generate)
    monkeypatch.setattr(services, "check_password_hash", check)
    services.authenticate("nobody@example.test", WRONG)
    unknown = dict(calls)
    calls.update(generate=0, check=0)
    services.authenticate("known@example.test", WRONG)
    assert unknown == calls == {"generate": 0, "check": 1}


def _counting_hashes(monkeypatch) -> dict[str, int]:
    calls = {"generate": 0, "check": 0}
    real_generate, real_check = security.generate_password_hash, security.check_password_hash

    def generate(*args, **kwargs):
        calls["generate"] += 1
        return real_generate(*args, **kwargs)

    def check(*args, **kwargs):
        calls["check"] += 1
        return real_check(*args, **kwargs)

    monkeypatch.setattr(services, "generate_password_hash", generate)
    monkeypatch.setattr(services, "check_password_hash", check)
    return calls


def test_registering_and_asking_for_a_reset_cost_the_same_hashes_for_known_and_unknown_e_mails(app_ctx, monkeypatch):
    make_user("known@example.test")
    calls = _counting_hashes(monkeypatch)
    seen = {}
    for email in ("known@example.test", "new@example.test"):
        calls.update(generate=0, check=0)
        services.register_user(email=email, password="kata-sandi-baru-123", full_name="Coba", profession_code=None)
        seen[f"register {email}"] = dict(calls)
        calls.update(generate=0, check=0)
        services.request_password_reset(email, "http://localhost/password/reset/__token__", "id")
        seen[f"reset {email}"] = dict(calls)
    assert seen["register known@example.test"] == seen["register new@example.test"] == {"generate": 1, "check": 0}
    assert seen["reset known@example.test"] == seen["reset new@example.test"] == {"generate": 0, "check": 0}
