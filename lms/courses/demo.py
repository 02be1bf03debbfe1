"""Imports and publishes the shipped curricula in courses/ for `lms demo` (idempotent)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from lms.courses.files import read_course
from lms.courses.services import ImportResult, import_course


def load_demo_courses() -> list[ImportResult]:
    folders = sorted(p.parent for p in Path(current_app.config["COURSES_DIR"]).glob("*/course.yaml"))
    return [import_course(read_course(folder), publish=True) for folder in folders]
