"""The parts of the two-host cluster test (deploy/cluster_test.py): the test hosts' addresses, the shipped proxy
configurations rewritten for them, the namespaces and processes, the load, and the checks after it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout the test runs: its hosts serve it, its deploy/ configurations are the ones tested."""
