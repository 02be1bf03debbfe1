"""Demo data of the certificates feature for `lms demo` (idempotent: running it again changes nothing)."""

from __future__ import annotations


def load_demo() -> list[str]:
    """Create this feature's demo data; return lines for `lms demo` to print."""
    return []
