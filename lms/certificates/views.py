"""Pages of the certificates feature."""

from __future__ import annotations

from lms.certificates import bp  # noqa: F401
