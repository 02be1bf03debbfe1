"""The question files a course folder names: checked for `lms courses validate` and written from a version's quizzes
for `lms courses export` (registered with lms.courses.named_files by the quizzes feature's `connect()`)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.courses.models import CourseVersion
from lms.courses.named_files import Problem, QuestionFileHandler
from lms.extensions import db
from lms.quizzes.aiken import write_aiken
from lms.quizzes.gift_writer import write_gift
from lms.quizzes.models import Question, QuestionSelection, Quiz, QuizKind, QuizQuestion
from lms.quizzes.question_files import read_question_file
from lms.quizzes.services.attempts import random_candidates
from lms.quizzes.services.bank import import_questions
from lms.quizzes.services.quiz_settings import default_quiz_settings, quiz_of_kind, save_quiz, set_quiz_questions
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


def _as_filed(spec: QuestionSpec) -> str:
    """A question as a comparable key, wherever in a file it stood."""
    return json.dumps(replace(spec, line=0).to_data(), sort_keys=True, default=str)


def load_question_file(version: CourseVersion, role: str, file_name: str, data: bytes) -> str:
    """Make the version's quiz of `role` hold exactly the file's questions, in its order (`lms courses import`).

    The quiz is created with the default settings when missing. A draft's quiz whose questions differ gets the
    file's list; bank questions equal to a file question are reused, so importing the same folder again adds nothing.
    A published version's quiz is never changed (cohorts run on it): a difference is reported instead.
    """
    if role not in (QuizKind.PRE_TEST, QuizKind.POST_TEST):
        return f"{file_name}: not loaded: only pre_test and post_test are loaded from files"
    course = version.course
    category = f"{course.code}/{role.replace('_', '-')}"
    read = read_question_file(data.decode("utf-8-sig"), FORMATS[Path(file_name).suffix.lower()])
    filed = [spec if spec.category else replace(spec, category=category) for spec in read.questions]
    wanted = [_as_filed(spec) for spec in filed]
    specs = dict(zip(wanted, filed, strict=True))
    quiz = quiz_of_kind(version, role)
    if quiz is not None and [_as_filed(spec) for spec in quiz_file_specs(quiz)] == wanted:
        return f"{file_name}: {role} unchanged ({len(wanted)} questions)"
    if quiz is not None and version.is_frozen:
        return f"{file_name}: {role} of published version {version.number} differs from the file; left as it is"
    created = quiz is None
    if quiz is None:
        quiz = save_quiz(None, version, role, **default_quiz_settings(role))
    in_bank: dict[str, int] = {}
    for question in db.session.execute(
        select(Question).where(Question.course_id == course.id, Question.retired.is_(False)).order_by(Question.id)
    ).scalars():
        in_bank.setdefault(_as_filed(replace(question.spec, category=question.category, tags=tuple(question.tags))),
                           question.id)  # fmt: skip
    new = [key for key in specs if key not in in_bank]
    imported = import_questions(None, course, [specs[key] for key in new], default_category=category)
    in_bank.update((key, question.id) for key, question in zip(new, imported.each, strict=True))
    set_quiz_questions(None, quiz, [in_bank[spec] for spec in wanted])
    return f"{file_name}: {role} {'created' if created else 'replaced'} with {len(wanted)} questions"


QUESTION_FILES = QuestionFileHandler(
    suffixes=tuple(FORMATS), check=check_question_file, write=question_file_bytes, load=load_question_file
)
