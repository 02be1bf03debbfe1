"""Request budgets (lms.core.rate_limits) on a small app of their own: windows, shared scopes, methods, Retry-After,
and counters shared through a real Redis."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask

from lms.core.rate_limits import MemoryCounters, Rate, RateLimiter, RedisCounters, parse_rate

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_rates_are_read_in_the_usual_spellings():
    assert parse_rate("60 per minute") == Rate(60, 60)
    assert parse_rate("10/minute") == Rate(10, 60)
    assert parse_rate("5 per 30 seconds") == Rate(5, 30)
    assert parse_rate("1000 per day") == Rate(1000, 86400)
    for bad in ("", "many per minute", "0 per minute", "10 per fortnight", "per minute"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_memory_counters_start_again_in_each_window():
    counters = MemoryCounters()
    assert [counters.hit("a", 7, 60) for _ in range(3)] == [1, 2, 3]
    assert counters.hit("b", 7, 60) == 1
    assert counters.hit("a", 8, 60) == 1


def test_memory_counters_forget_finished_windows_when_many_keys_pile_up():
    counters = MemoryCounters()
    counters.SWEEP_ABOVE = 5
    for n in range(5):
        counters.hit(f"old{n}", 1, 60)
    counters.hit("new", 2, 60)
    assert counters.hit("old0", 2, 60) == 1
    assert len(counters._counts) == 2


def make_app(redis_url: str = "") -> tuple[Flask, RateLimiter]:
    app = Flask(__name__)
    app.config.update(REDIS_URL=redis_url, TESTING=True)
    limiter = RateLimiter()
    limiter.init_app(app)
    calls = app.config["CALLS"] = []

    @app.route("/a", methods=["GET", "POST"])
    @limiter.limit("2 per minute", scope="shared")
    def first():
        calls.append("a")
        return "a"

    @app.route("/b")
    @limiter.limit(lambda: app.config.get("B_RATE", "2 per minute"), scope="shared")
    def second():
        calls.append("b")
        return "b"

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit("1 per minute", methods=["POST"])
    def login():
        calls.append("login")
        return "login"

    return app, limiter


def test_views_sharing_a_scope_share_one_budget_and_the_view_does_not_run_over_it():
    app, _ = make_app()
    client = app.test_client()
    assert client.get("/a").status_code == 200
    assert client.get("/b").status_code == 200
    refused = client.post("/a")
    assert refused.status_code == 429
    assert app.config["CALLS"] == ["a", "b"]


def test_refusal_says_how_many_seconds_to_wait():
    app, limiter = make_app()

    @app.errorhandler(429)
    def show(error):
        return str(error.retry_after), 429

    client = app.test_client()
    client.get("/a")
    client.get("/a")
    refused = client.get("/a")
    assert refused.status_code == 429
    assert 1 <= int(refused.get_data(as_text=True)) <= 60


def test_each_client_address_has_its_own_budget():
    app, _ = make_app()
    client = app.test_client()
    for _ in range(2):
        client.get("/a", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert client.get("/a", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    assert client.get("/a", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200


def test_only_the_named_methods_count():
    app, _ = make_app()
    client = app.test_client()
    for _ in range(5):
        assert client.get("/login").status_code == 200
    assert client.post("/login").status_code == 200
    assert client.post("/login").status_code == 429


def test_the_rate_is_read_at_request_time_and_limits_can_be_switched_off():
    app, limiter = make_app()
    client = app.test_client()
    app.config["B_RATE"] = "1 per minute"
    assert client.get("/b").status_code == 200
    assert client.get("/b").status_code == 429
    app.config["RATELIMIT_ENABLED"] = False
    assert client.get("/b").status_code == 200
    app.config["RATELIMIT_ENABLED"] = True
    limiter.reset()
    assert client.get("/b").status_code == 200


def test_reset_forgets_the_counts_of_every_app_the_limiter_serves():
    first, limiter = make_app()
    second = Flask("second")
    limiter.init_app(second)

    @second.route("/c")
    @limiter.limit("1 per minute")
    def third():
        return "c"

    for app, path in ((first, "/a"), (first, "/a"), (second, "/c")):
        assert app.test_client().get(path).status_code == 200
    assert first.test_client().get("/a").status_code == 429
    assert second.test_client().get("/c").status_code == 429
    limiter.reset()
    assert first.test_client().get("/a").status_code == 200
    assert second.test_client().get("/c").status_code == 200


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_workers_with_redis_share_the_budget():
    scope_prefix = secrets.token_hex(4)
    first_worker, _ = make_app(REDIS_URL)
    second_worker, _ = make_app(REDIS_URL)
    for app in (first_worker, second_worker):
        app.config["B_RATE"] = "3 per minute"
    clients = [first_worker.test_client(), second_worker.test_client()]
    address = {"REMOTE_ADDR": f"10.{int(scope_prefix[:2], 16)}.0.1"}
    statuses = [clients[n % 2].get("/b", environ_base=address).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    with first_worker.app_context():
        RedisCounters(REDIS_URL).reset()


def test_unreachable_redis_still_limits_in_the_process():
    app, _ = make_app("redis://127.0.0.1:1/0")
    client = app.test_client()
    assert client.get("/a").status_code == 200
    assert client.get("/a").status_code == 200
    assert client.get("/a").status_code == 429
