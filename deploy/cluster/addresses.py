"""Where the cluster test's two app hosts live: their network namespaces, addresses on 10.213.N.0/24 and ports."""

from __future__ import annotations

SUBNET = "10.213"
HOSTS = (1, 2)
APP_PORT = 8000
REPORTS_PORT = 8001  # the report pages' own pool on each host (deploy/lentera-reports.service)


def namespace(n: int) -> str:
    return f"lentera-app{n}"


def host_address(n: int) -> str:
    """Host n's address inside its namespace; `gateway(n)` is the root namespace's end of the same veth pair."""
    return f"{SUBNET}.{n}.2"


def gateway(n: int) -> str:
    return f"{SUBNET}.{n}.1"
