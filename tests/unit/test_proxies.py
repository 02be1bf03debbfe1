"""The client behind trusted proxies (lms.core.proxies): walking X-Forwarded-For from the right, the setting."""

from __future__ import annotations

import pytest

from lms.core.proxies import client_address, parse_trusted_proxies
from lms.core.settings import SettingError

TRUSTED = parse_trusted_proxies("10.0.0.2, 10.0.1.0/24 ::1")


@pytest.mark.parametrize(
    "remote, forwarded, client",
    [
        ("10.0.0.2", "203.0.113.7", "203.0.113.7"),  # one proxy
        ("10.0.0.2", "203.0.113.7, 10.0.1.9", "203.0.113.7"),  # two proxies, both trusted
        ("10.0.0.2", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a client's forged entry stays left of its own
        ("10.0.0.2", "10.0.1.5, 10.0.1.9", "10.0.1.5"),  # every hop trusted: the left-most
        ("10.0.0.2", "garbage, 10.0.1.9", "10.0.1.9"),  # nothing left of a non-address is believed
        ("10.0.0.2", " 2001:db8::5 ", "2001:db8::5"),
        ("::1", "[2001:db8::5]", "2001:db8::5"),
    ],
)
def test_the_client_is_the_right_most_untrusted_hop(remote, forwarded, client):
    assert client_address(remote, forwarded, TRUSTED) == client


def test_the_setting_reads_addresses_networks_and_lists():
    assert [str(n) for n in TRUSTED] == ["10.0.0.2/32", "10.0.1.0/24", "::1/128"]
    assert parse_trusted_proxies(["192.168.7.1"])[0].num_addresses == 1
    assert parse_trusted_proxies("") == parse_trusted_proxies(None) == ()


@pytest.mark.parametrize("value", ["10.0.0.300", "proxy.local", "10.0.0.0/33", 10, "10.0.0.2;10.0.0.3"])
def test_a_bad_setting_names_itself(value):
    with pytest.raises(SettingError) as refused:
        parse_trusted_proxies(value)
    assert str(refused.value).startswith("LMS_TRUSTED_PROXIES: ")
    assert "\n" not in str(refused.value)
