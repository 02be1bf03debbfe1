"""The question files a course folder names: checked for `lms courses validate` and written from a version's quizzes
for `lms courses export` (registered with lms.courses.named_files by the quizzes feature's `connect()`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.courses.models import CourseVersion
from lms.courses.named_files import Problem, QuestionFileHandler
from lms.extensions import db
from lms.quizzes.aiken import write_aiken
from lms.quizzes.gift_writer import write_gift
from lms.quizzes.models import Question, QuestionSelection, Quiz, QuizQuestion
from lms.quizzes.question_files import read_question_file
from lms.quizzes.services.attempts import random_candidates
from lms.quizzes.spec import QuestionSpec

FORMATS = {".gift": "gift", ".txt": "aiken"}
"""Question file formats by file ending, as course folders name them (`pre-test.gift`, `post-test.txt`)."""
WRITERS = {"gift": write_gift, "aiken": write_aiken}


def check_question_file(suffix: str, data: bytes) -> list[Problem]:
    """Problems of a course folder's question file, as `(line, message)`: course files are UTF-8 text; every question
    must import (a question of a type Lentera skips would be lost, so it is a problem here); at least one question."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return [(line, f"file is not valid UTF-8 ({error.reason} at byte {error.start}); save it as UTF-8")]
    result = read_question_file(text, FORMATS[suffix])
    problems: list[Problem] = [(error.line, str(error.message)) for error in result.errors]
    problems += [(skipped.line, str(skipped.reason)) for skipped in result.skipped]
    if not problems and not result.questions:
        problems.append((1, "the file holds no question"))
    return sorted(problems, key=lambda problem: problem[0] or 0)


def quiz_file_specs(quiz: Quiz) -> list[QuestionSpec]:
    """The questions of a quiz as a file holds them: its own list in order, or for random selection the bank questions
    it draws from; each with its category and tags from the bank."""
    if quiz.selection == QuestionSelection.RANDOM:
        questions = random_candidates(quiz)
    else:
        questions = list(
            db.session.execute(
                select(Question)
                .join(QuizQuestion, QuizQuestion.question_id == Question.id)
                .where(QuizQuestion.quiz_id == quiz.id)
                .order_by(QuizQuestion.position)
            ).scalars()
        )
    return [replace(q.spec, category=q.category, tags=tuple(q.tags), line=0) for q in questions]


def question_file_bytes(version: CourseVersion, role: str, file_name: str) -> bytes | None:
    """The named file's content from the version's quiz of `role` (pre_test, post_test); None when there is none.

    Written as the matching writer writes it, so that importing the file and exporting again gives the same bytes.
    """
    quiz = db.session.execute(
        select(Quiz)
        .where(Quiz.version_id == version.id, Quiz.kind == role)
        .options(selectinload(Quiz.quiz_questions))
        .order_by(Quiz.id)
        .limit(1)
    ).scalar_one_or_none()
    if quiz is None:
        return None
    writer = WRITERS[FORMATS.get(Path(file_name).suffix.lower(), "gift")]
    return writer(quiz_file_specs(quiz)).encode("utf-8")


QUESTION_FILES = QuestionFileHandler(suffixes=tuple(FORMATS), check=check_question_file, write=question_file_bytes)
