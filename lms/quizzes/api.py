"""/api/v1 endpoints of the quizzes feature."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("quizzes_api", __name__, description="Quizzes: taking them and saving answers")
