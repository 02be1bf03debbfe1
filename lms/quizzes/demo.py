"""Demo data of the quizzes feature for `lms demo` (idempotent: running it again changes nothing).

For each shipped course, the question files named in its course.yaml (`questions: {pre_test: pre-test.gift, ...}`)
become the pre-test and post-test of its published version.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from lms.courses.files import read_course
from lms.courses.services import course_by_code
from lms.quizzes import services
from lms.quizzes.services.course_files import FORMATS


def load_demo() -> list[str]:
    """Create this feature's demo data; return lines for `lms demo` to print."""
    lines = []
    for folder in sorted(p.parent for p in Path(current_app.config["COURSES_DIR"]).glob("*/course.yaml")):
        course = course_by_code(read_course(folder).code)
        version = course.published_version if course else None
        if version is None:
            continue
        for role, file_name in version.questions:
            path = folder / file_name
            if role not in ("pre_test", "post_test") or not path.exists():
                continue  # question files not written yet are skipped quietly
            if services.quiz_of_kind(version, role) is not None:
                continue
            quiz = services.save_quiz(None, version, role, **services.default_quiz_settings(role))
            outcome = services.import_question_file(
                None,
                course,
                path.read_text(encoding="utf-8-sig"),
                FORMATS.get(path.suffix, "gift"),
                default_category=f"{course.code}/{role.replace('_', '-')}",
                quiz=quiz,
            )
            if outcome.errors:
                raise RuntimeError(f"{path}: " + "; ".join(map(str, outcome.errors)))
            lines.append(f"{course.code}: {quiz.title} with {len(outcome.questions)} questions")
    return lines
