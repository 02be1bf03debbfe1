"""The cluster test (deploy/cluster_test.py, root only, not in this suite) still finds in the shipped proxy
configurations everything it rewrites: a change to deploy/nginx-lentera.conf or deploy/haproxy-lentera.cfg that would
stop it shows here first."""

from __future__ import annotations

from deploy.cluster.addresses import APP_PORT, HOSTS, REPORTS_PORT, host_address
from deploy.cluster.proxy_configs import haproxy_config, nginx_config


def test_the_shipped_nginx_config_is_rewritten_for_the_test_hosts(tmp_path):
    config = nginx_config(tmp_path, 18080)
    for n in HOSTS:
        assert f"server {host_address(n)}:{APP_PORT}" in config
        assert f"server {host_address(n)}:{REPORTS_PORT}" in config
    assert "listen 127.0.0.1:18080;" in config
    assert "10.0.0." not in config and "ssl_certificate" not in config and "listen 80;" not in config
    assert f"pid {tmp_path}/nginx.pid;" in config


def test_the_shipped_haproxy_config_is_rewritten_for_the_test_hosts():
    config = haproxy_config(18080)
    for n in HOSTS:
        assert f"server app{n} {host_address(n)}:{APP_PORT}" in config
        assert f"server app{n} {host_address(n)}:{REPORTS_PORT}" in config
    assert "bind 127.0.0.1:18080" in config
    assert "10.0.0." not in config and " ssl " not in config and "redirect scheme https" not in config
