"""The cluster test's machinery: two network namespaces joined to this one by veth pairs, a forwarder to the local
PostgreSQL for each, gunicorn hosts in them, the proxy in front; all of it undone by `Cluster.close()`."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.harness import VENV_BIN, HttpClient, free_port
from deploy.cluster import ROOT
from deploy.cluster.addresses import APP_PORT, HOSTS, REPORTS_PORT, gateway, host_address, namespace
from deploy.cluster.proxy_configs import haproxy_config, nginx_config


class Cluster:
    """Everything the test starts, so that `close()` can undo it (processes by their own group id, namespaces)."""

    def __init__(self, database: str, env: dict[str, str], workers: int):
        self.database, self.env, self.workers = database, env, workers
        self.folder = Path(tempfile.mkdtemp(prefix="lentera-cluster-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.namespaces: list[str] = []
        self.proxy_port = free_port()
        self.proxy_url = f"http://127.0.0.1:{self.proxy_port}"

    # -- network ------------------------------------------------------------------------------------------------

    def make_network(self) -> None:
        for n in HOSTS:
            ns, outside, inside = namespace(n), f"lentera-v{n}", f"lentera-v{n}p"
            if ns in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout:
                self.kill_namespace_processes(ns)  # a leftover of an interrupted run
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            _run("ip", "netns", "add", ns)
            self.namespaces.append(ns)
            _run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", ns)
            _run("ip", "addr", "add", f"{gateway(n)}/24", "dev", outside)
            _run("ip", "link", "set", outside, "up")
            _run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{host_address(n)}/24", "dev", inside)
            _run("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up")
            _run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
            # PostgreSQL listens on 127.0.0.1 only: a forwarder on this side of the veth reaches it.
            self._start(
                f"socat{n}", ["socat", f"TCP-LISTEN:5432,bind={gateway(n)},fork,reuseaddr", "TCP:127.0.0.1:5432"]
            )

    # -- processes ----------------------------------------------------------------------------------------------

    def _start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "ab") as log:
            process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        self.processes[name] = process
        return process

    def host_env(self, n: int) -> dict[str, str]:
        instance = Path(tempfile.mkdtemp(prefix=f"host{n}-", dir=self.folder))  # empty: nothing on this host's disk
        url = self.database.replace("@127.0.0.1:", f"@{gateway(n)}:")
        return self.env | {
            "LMS_DATABASE_URL": url,
            "LMS_INSTANCE_PATH": str(instance),
            "LMS_TRUSTED_PROXIES": gateway(n),
            "PYTHONPATH": str(ROOT),
        }

    def start_host(self, n: int) -> None:
        """The host's web pool and its reports pool (one worker; its access log shows what the proxy sent it)."""
        env = self.host_env(n)
        for name, port, options in (
            (f"host{n}", APP_PORT, ["--workers", str(self.workers), "--log-level", "warning"]),
            (f"reports{n}", REPORTS_PORT, ["--workers", "1", "--access-logfile", "-"]),
        ):
            command = ["ip", "netns", "exec", namespace(n), str(VENV_BIN / "gunicorn"), *options,
                       "--bind", f"{host_address(n)}:{port}", "lms:create_app()"]  # fmt: skip
            _wait_healthy(f"http://{host_address(n)}:{port}", self._start(name, command, env), name)

    @staticmethod
    def kill_namespace_processes(ns: str) -> None:
        """Every process still running in one of this test's namespaces (all started by it) gets SIGKILL."""
        listed = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
        for pid in listed.stdout.split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)

    def kill_host(self, n: int) -> None:
        """SIGKILL to every process of the host (both pools' masters and workers): no graceful anything."""
        for name in (f"host{n}", f"reports{n}"):
            os.killpg(self.processes[name].pid, signal.SIGKILL)
            self.processes[name].wait(timeout=10)

    def start_proxy(self, kind: str) -> None:
        if kind == "haproxy":
            conf = self.folder / "haproxy.cfg"
            conf.write_text(haproxy_config(self.proxy_port), encoding="utf-8")
            _run("haproxy", "-c", "-q", "-f", str(conf))
            process = self._start("proxy", ["haproxy", "-db", "-f", str(conf)])
        else:
            conf = self.folder / "nginx.conf"
            conf.write_text(nginx_config(self.folder, self.proxy_port), encoding="utf-8")
            _run("nginx", "-t", "-q", "-p", str(self.folder), "-c", str(conf))
            process = self._start("proxy", ["nginx", "-p", str(self.folder), "-c", str(conf), "-g", "daemon off;"])
        _wait_healthy(self.proxy_url, process, kind)

    def close(self) -> None:
        for name, process in reversed(self.processes.items()):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM if name == "proxy" else signal.SIGKILL)
                    process.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(process.pid, signal.SIGKILL)
        for ns in self.namespaces:
            self.kill_namespace_processes(ns)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)  # removes the veth pair with it
        self.namespaces.clear()
        if not os.environ.get("LENTERA_CLUSTER_KEEP_LOGS"):  # the processes' logs, kept for a look when asked
            shutil.rmtree(self.folder, ignore_errors=True)


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


def _wait_healthy(base_url: str, process: subprocess.Popen, name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} stopped while starting (exit {process.returncode})")
        try:
            if HttpClient(base_url, timeout=5).request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer /healthz within {timeout:.0f} s")
