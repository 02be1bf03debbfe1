"""The shipped proxy configurations (deploy/nginx-lentera.conf, deploy/haproxy-lentera.cfg) with the cluster test's
addresses put in and TLS taken out; a shipped file that no longer has what is rewritten stops the test."""

from __future__ import annotations

import re
from pathlib import Path

from deploy.cluster import ROOT
from deploy.cluster.addresses import APP_PORT, REPORTS_PORT, host_address


def nginx_config(folder: Path, port: int) -> str:
    """deploy/nginx-lentera.conf as shipped, with this test's addresses, no TLS, and the paths of a private nginx."""
    shipped = (ROOT / "deploy" / "nginx-lentera.conf").read_text(encoding="utf-8")
    changes = [
        (r"server 10\.0\.0\.21:8000", f"server {host_address(1)}:{APP_PORT}"),
        (r"server 10\.0\.0\.22:8000", f"server {host_address(2)}:{APP_PORT}"),
        (r"server 10\.0\.0\.21:8001", f"server {host_address(1)}:{REPORTS_PORT}"),
        (r"server 10\.0\.0\.22:8001", f"server {host_address(2)}:{REPORTS_PORT}"),
        (r"server \{\n    listen 80;.*?\n\}\n", ""),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{port};"),
        (r"\n    ssl_certificate .*?;", ""),
        (r"\n    ssl_certificate_key .*?;", ""),
    ]
    for pattern, replacement in changes:
        shipped, count = re.subn(pattern, replacement, shipped, count=1, flags=re.DOTALL)
        if count != 1:
            raise RuntimeError(f"deploy/nginx-lentera.conf changed: {pattern!r} not found")
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"user root;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/nginx-error.log warn;\n"
        f"events {{ worker_connections 1024; }}\nhttp {{\n    access_log off;\n{temp}\n{shipped}\n}}\n"
    )


def haproxy_config(port: int) -> str:
    """deploy/haproxy-lentera.cfg as shipped, with this test's addresses and no TLS."""
    shipped = (ROOT / "deploy" / "haproxy-lentera.cfg").read_text(encoding="utf-8")
    changes = [
        (r"server app1 10\.0\.0\.21:8000", f"server app1 {host_address(1)}:{APP_PORT}"),
        (r"server app2 10\.0\.0\.22:8000", f"server app2 {host_address(2)}:{APP_PORT}"),
        (r"server app1 10\.0\.0\.21:8001", f"server app1 {host_address(1)}:{REPORTS_PORT}"),
        (r"server app2 10\.0\.0\.22:8001", f"server app2 {host_address(2)}:{REPORTS_PORT}"),
        (r"    bind :443 ssl crt \S+\n", ""),
        (r"    bind :80\n", f"    bind 127.0.0.1:{port}\n"),
        (r"    http-request redirect scheme https code 301 unless \{ ssl_fc \}\n", ""),
    ]
    for pattern, replacement in changes:
        shipped, count = re.subn(pattern, replacement, shipped, count=1)
        if count != 1:
            raise RuntimeError(f"deploy/haproxy-lentera.cfg changed: {pattern!r} not found")
    return shipped
