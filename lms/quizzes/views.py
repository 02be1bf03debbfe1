"""Pages of the quizzes feature."""

from __future__ import annotations

from lms.quizzes import bp  # noqa: F401
