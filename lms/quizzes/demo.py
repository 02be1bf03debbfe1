"""Demo data of the quizzes feature for `lms demo` (idempotent: running it again changes nothing).

For each shipped course, the question files named in its course.yaml (`questions: {pre_test: pre-test.gift, ...}`)
become the pre-test and post-test of its published version, loaded as `lms courses import` loads them.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from lms.courses.files import read_course
from lms.courses.named_files import load_question_files
from lms.courses.services import course_by_code


def load_demo() -> list[str]:
    """Create this feature's demo data; return lines for `lms demo` to print."""
    lines = []
    for folder in sorted(p.parent for p in Path(current_app.config["COURSES_DIR"]).glob("*/course.yaml")):
        course = course_by_code(read_course(folder).code)
        version = course.published_version if course else None
        if version is not None:
            lines += [f"{course.code}: {line}" for line in load_question_files(version, folder)]
    return lines
