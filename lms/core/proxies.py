"""Behind a proxy: the client's address and scheme from X-Forwarded-For/-Proto, believed only from trusted proxies.

`TRUSTED_PROXIES` (`LMS_TRUSTED_PROXIES`) lists the addresses or networks of the proxies in front of the app
("10.0.0.2, 10.0.1.0/24"; empty: believe no header, the connection's address is the client). A request arriving from
one of them has its X-Forwarded-For walked from the right, skipping every trusted address: the first address that is
not a trusted proxy is the client (what a proxy appended can be believed, what the client sent cannot). So the rate
limits, the audit and the check-in records see the learner's address, and a client cannot pick its own address by
sending the header itself. Werkzeug's ProxyFix trusts a *count* of proxies, whoever connects; this trusts addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network

from flask import Flask

from lms.core.settings import SettingError

Network = IPv4Network | IPv6Network


def parse_trusted_proxies(value: str | Iterable[str] | None) -> tuple[Network, ...]:
    """The networks of a TRUSTED_PROXIES setting (a string separated by commas or spaces, or a list); SettingError
    naming LMS_TRUSTED_PROXIES for anything that is not an IP address or network."""
    if isinstance(value, int | float):
        value = str(value)  # LMS_TRUSTED_PROXIES=10 is read as a JSON number
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value or ())
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise SettingError(
                "TRUSTED_PROXIES", f"{item!r} is not an IP address or network (write e.g. 10.0.0.2, 10.0.1.0/24)"
            ) from None
    return tuple(networks)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def is_trusted(address: str | None, trusted: tuple[Network, ...]) -> bool:
    parsed = _address(address or "")
    return parsed is not None and any(parsed in network for network in trusted)


def client_address(remote_addr: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client of a request that came from `remote_addr` (a trusted proxy) with this X-Forwarded-For: the right-most
    address that is not a trusted proxy; the left-most believable one when every hop is trusted."""
    client = remote_addr
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        parsed = _address(hop)
        if parsed is None:
            break  # not an address: nothing further left can be believed
        client = str(parsed)
        if not any(parsed in network for network in trusted):
            break
    return client


class TrustedProxies:
    """WSGI middleware: rewrites REMOTE_ADDR and the URL scheme of requests that come through a trusted proxy."""

    def __init__(self, wsgi_app, trusted: tuple[Network, ...]):
        self.wsgi_app = wsgi_app
        self.trusted = trusted

    def __call__(self, environ, start_response):
        remote = environ.get("REMOTE_ADDR", "")
        if is_trusted(remote, self.trusted):
            forwarded_for = environ.get("HTTP_X_FORWARDED_FOR", "")
            if forwarded_for:
                environ["lms.proxy_addr"] = remote
                environ["REMOTE_ADDR"] = client_address(remote, forwarded_for, self.trusted)
            # The scheme the nearest proxy saw (a proxy sets it, or appends to what a client sent).
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    trusted = parse_trusted_proxies(app.config.get("TRUSTED_PROXIES"))
    if trusted:
        app.wsgi_app = TrustedProxies(app.wsgi_app, trusted)
