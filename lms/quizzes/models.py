"""Tables of the quizzes feature."""

from __future__ import annotations
