"""A course's new draft version keeps the quizzes of the version it was made from."""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from lms.courses.models import CourseVersion
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizQuestion

# Copied as they are; the version, the subject (matched by slug in the new version) and the timestamps
# are the copy's own.
_NOT_COPIED = {"id", "version_id", "subject_id", "created_at", "updated_at"}


def _settings_of(quiz: Quiz) -> dict:
    return {
        attribute.key: getattr(quiz, attribute.key)
        for attribute in inspect(Quiz).column_attrs
        if attribute.key not in _NOT_COPIED
    }


def carry_quizzes_over(course_id: int, from_version_id: int, version_id: int) -> list[Quiz]:
    """Listener of `version_drafted`: copy every quiz of the earlier version (settings, question lists in order; the
    questions themselves belong to the course's bank and are shared) into the new draft, in the same transaction.

    A subject quiz follows its subject by slug; when the new version no longer has that subject, the copy keeps its
    questions and settings without a subject, so nothing is dropped and the author sees it on the quizzes page.
    A draft that already has quizzes gets none copied (the carry-over happens once, when the draft is made).
    """
    version = db.session.get(CourseVersion, version_id)
    if db.session.execute(select(Quiz.id).where(Quiz.version_id == version_id).limit(1)).first() is not None:
        return []
    earlier = (
        db.session.execute(
            select(Quiz)
            .where(Quiz.version_id == from_version_id)
            .options(selectinload(Quiz.quiz_questions), selectinload(Quiz.subject))
            .order_by(Quiz.id)
        )
        .scalars()
        .all()
    )
    subjects_by_slug = {subject.slug: subject for subject in version.subjects}
    copies = []
    for quiz in earlier:
        copy = Quiz(version=version, **_settings_of(quiz))
        copy.subject = subjects_by_slug.get(quiz.subject.slug) if quiz.subject is not None else None
        copy.quiz_questions = [
            QuizQuestion(question_id=item.question_id, position=item.position) for item in quiz.quiz_questions
        ]
        db.session.add(copy)
        copies.append(copy)
    db.session.flush()
    return copies
