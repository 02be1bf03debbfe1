"""The pre-test and post-test GIFT files shipped with each course: they read cleanly, are big enough, mix the
question types, teach through general feedback, and survive the GIFT export."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from lms.quizzes.gift import read_gift
from lms.quizzes.gift_writer import write_gift
from lms.quizzes.spec import QuestionKind

COURSES_DIR = Path(__file__).resolve().parents[2] / "courses"
COURSES = sorted(path.parent for path in COURSES_DIR.glob("*/course.yaml"))
FILES = [
    (folder, role, name)
    for folder in COURSES
    for role, name in yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8")).get("questions", {}).items()
]


def test_every_course_ships_a_pre_test_and_a_post_test():
    assert len(COURSES) == 4
    roles = {(folder.name, role, name) for folder, role, name in FILES}
    for folder in COURSES:
        assert (folder.name, "pre_test", "pre-test.gift") in roles
        assert (folder.name, "post_test", "post-test.gift") in roles


@pytest.mark.parametrize(("folder", "role", "name"), FILES, ids=lambda v: getattr(v, "name", v))
def test_shipped_file_reads_cleanly(folder, role, name):
    path = folder / name
    result = read_gift(path.read_text(encoding="utf-8"))
    assert not result.errors, [str(e) for e in result.errors]
    assert not result.skipped, [str(s) for s in result.skipped]
    questions = result.questions
    assert len(questions) >= 15
    code = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))["code"]
    assert {q.category for q in questions} == {f"{code}/{name.removesuffix('.gift')}"}
    assert all(q.title for q in questions)
    assert len({q.title for q in questions}) == len(questions)
    assert all(len(q.general_feedback) >= 40 for q in questions), "general feedback should teach why"
    kinds = Counter(q.kind for q in questions)
    assert kinds[QuestionKind.SINGLE] >= len(questions) / 2
    assert kinds[QuestionKind.MULTIPLE] >= 2
    assert kinds[QuestionKind.TRUE_FALSE] >= 2
    assert kinds[QuestionKind.SHORT] >= 1
    assert kinds[QuestionKind.NUMERICAL] >= 1
    for q in questions:
        if q.kind == QuestionKind.SINGLE:
            assert [c.fraction for c in q.choices].count(1) == 1, q.title
            assert len(q.choices) >= 3, q.title
    again = read_gift(write_gift(questions))
    assert [replace(q, line=0) for q in again.questions] == [replace(q, line=0) for q in questions]


@pytest.mark.parametrize("folder", COURSES, ids=lambda f: f.name)
def test_pre_and_post_test_are_parallel_forms_not_copies(folder):
    pre = read_gift((folder / "pre-test.gift").read_text(encoding="utf-8")).questions
    post = read_gift((folder / "post-test.gift").read_text(encoding="utf-8")).questions
    assert abs(len(pre) - len(post)) <= 2
    assert not {q.text for q in pre} & {q.text for q in post}
