"""Pages of the attendance feature."""

from __future__ import annotations

from lms.attendance import bp  # noqa: F401
