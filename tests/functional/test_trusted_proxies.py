"""LMS_TRUSTED_PROXIES on the whole app: the rate limits count the client behind a trusted proxy, never an address a
client sends itself; the scheme the proxy saw; a bad value stops start-up."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lms import create_app
from lms.cli import main
from lms.core.settings import SettingError
from lms.extensions import limiter

PROXY = "10.20.0.1"


@pytest.fixture
def proxied_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'proxied.sqlite'}",
            "TRUSTED_PROXIES": "10.20.0.0/24, 127.0.0.1",
            "VERIFY_RATE_LIMIT": "3 per minute",
            "SIGNING_KEYS_DIR": str(tmp_path / "keys"),
        }
    )
    yield app
    limiter.reset()


def _verify(client, remote: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    # The verify page with a token that is no token: rate-limited per client address, then judged TIDAK SAH.
    response = client.get("/v/NOTATOKEN", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code in (200, 429), response.status_code
    return response


def test_a_class_behind_the_proxy_is_counted_per_learner(proxied_app):
    client = proxied_app.test_client()
    assert [_verify(client, PROXY, "203.0.113.7").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _verify(client, PROXY, "203.0.113.8").status_code == 200  # the next learner on the same proxy
    assert _verify(client, PROXY, "6.6.6.6, 203.0.113.8").status_code == 200  # a forged left entry changes nothing
    assert _verify(client, PROXY, "1.1.1.1, 203.0.113.7").status_code == 429


def test_a_client_cannot_choose_its_address_by_sending_the_header(proxied_app):
    client = proxied_app.test_client()
    statuses = [_verify(client, "198.51.100.4", f"203.0.113.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]  # all counted for 198.51.100.4, the connection's address


def test_the_scheme_comes_from_a_trusted_proxy_only(proxied_app):
    @proxied_app.get("/_scheme")
    def scheme():
        from flask import request

        return f"{request.scheme} {request.remote_addr}"

    client = proxied_app.test_client()
    trusted = client.get("/_scheme", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
                         environ_base={"REMOTE_ADDR": PROXY})  # fmt: skip
    assert trusted.text == "https 203.0.113.7"
    stranger = client.get("/_scheme", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
                          environ_base={"REMOTE_ADDR": "198.51.100.4"})  # fmt: skip
    assert stranger.text == "http 198.51.100.4"


def test_without_the_setting_no_header_is_believed(app, client):
    response = client.get("/verify", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": PROXY})
    assert response.status_code == 200
    assert app.wsgi_app.__class__.__name__ != "TrustedProxies"


def test_a_bad_value_stops_start_up_with_one_line(monkeypatch, tmp_path):
    with pytest.raises(SettingError, match=r"^LMS_TRUSTED_PROXIES: 'nginx\.local' is not an IP address or network"):
        create_app({"TESTING": True, "TRUSTED_PROXIES": "10.0.0.1, nginx.local"})
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_SECRET_KEY", "x")
    monkeypatch.setenv("LMS_TRUSTED_PROXIES", "10.0.0.0/40")
    result = CliRunner().invoke(main, ["keys", "list"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: LMS_TRUSTED_PROXIES: '10.0.0.0/40' is not an IP address or network (write e.g. 10.0.0.2, 10.0.1.0/24)"
    ]
