"""Tables of the quizzes feature: the question bank, quizzes, attempts and their answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.core.models import TimestampMixin, UTCDateTime, utcnow
from lms.courses.models import Course, CourseVersion, Enrolment, Subject
from lms.extensions import db
from lms.quizzes.spec import QuestionSpec


class QuizKind(StrEnum):
    PRE_TEST = "pre_test"
    SUBJECT_QUIZ = "subject_quiz"
    """A quiz at the end of one subject (mata pelatihan)."""
    POST_TEST = "post_test"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            QuizKind.PRE_TEST: _l("Pre-test"),
            QuizKind.SUBJECT_QUIZ: _l("Subject quiz"),
            QuizKind.POST_TEST: _l("Post-test"),
        }[self]


class QuestionSelection(StrEnum):
    FIXED = "fixed"
    """The quiz's own list of questions (QuizQuestion rows), all of them in every attempt."""
    RANDOM = "random"
    """`draw_count` questions drawn at each start from the bank's questions in the chosen categories/tags."""

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            QuestionSelection.FIXED: _l("The questions I choose, all of them"),
            QuestionSelection.RANDOM: _l("A number of questions drawn at random from the bank"),
        }[self]


class QuizLayout(StrEnum):
    ONE_PER_PAGE = "one_per_page"
    ALL_ON_ONE_PAGE = "all_on_one_page"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            QuizLayout.ONE_PER_PAGE: _l("One question per page"),
            QuizLayout.ALL_ON_ONE_PAGE: _l("All questions on one page"),
        }[self]


class GradingMethod(StrEnum):
    """Which attempts make the learner's grade for the quiz."""

    HIGHEST = "highest"
    LAST = "last"
    FIRST = "first"
    AVERAGE = "average"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            GradingMethod.HIGHEST: _l("Highest attempt"),
            GradingMethod.LAST: _l("Last attempt"),
            GradingMethod.FIRST: _l("First attempt"),
            GradingMethod.AVERAGE: _l("Average of attempts"),
        }[self]


class ReviewShows(StrEnum):
    """What the learner sees of a graded attempt."""

    SCORE = "score"
    """The score only."""
    ANSWERS = "answers"
    """The score, each answer given and the right answers."""
    FEEDBACK = "feedback"
    """All of the above plus per-answer and general feedback."""

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            ReviewShows.SCORE: _l("The score only"),
            ReviewShows.ANSWERS: _l("The score, their answers and the right answers"),
            ReviewShows.FEEDBACK: _l("The score, answers, right answers and feedback"),
        }[self]


class ReviewWhen(StrEnum):
    IMMEDIATELY = "immediately"
    AFTER_CLOSE = "after_close"
    """Only the score until the quiz closes (so that answers do not circulate while others still take it)."""

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            ReviewWhen.IMMEDIATELY: _l("Right after submitting"),
            ReviewWhen.AFTER_CLOSE: _l("After the quiz closes (the score at once)"),
        }[self]


class AttemptState(StrEnum):
    OPEN = "open"
    GRADED = "graded"


class CloseReason(StrEnum):
    SUBMITTED = "submitted"
    EXPIRED = "expired"
    """Left open past its deadline; graded with the answers saved before it."""


class Question(TimestampMixin, db.Model):
    """A question in a course's bank. It belongs to the course, not a version, so the bank outlives versions.

    A question that learners have answered is never changed in place: editing it retires this row and adds a new
    one (`replaces_id` points back), so every attempt is graded and reviewed against the question it was shown.
    """

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(200), default="")
    spec_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    """`QuestionSpec.to_data()`; read it through `.spec`."""
    retired: Mapped[bool] = mapped_column(default=False)
    """Deleted or replaced after learners answered it: kept for their attempts, hidden from the bank."""
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()

    @property
    def spec(self) -> QuestionSpec:
        return QuestionSpec.from_data(self.spec_data)


class Quiz(TimestampMixin, db.Model):
    """A pre-test, subject quiz or post-test of one course version (what a cohort runs), with its rules."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="SET NULL"))
    """The subject of a subject quiz."""
    title: Mapped[str] = mapped_column(String(200))
    selection: Mapped[str] = mapped_column(String(10), default=QuestionSelection.FIXED)
    draw_count: Mapped[int | None]
    draw_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Random selection: questions in any of these categories (or below them); empty = any category."""
    draw_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Random selection: questions carrying at least one of these tags; empty = any."""
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    layout: Mapped[str] = mapped_column(String(20), default=QuizLayout.ONE_PER_PAGE)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    time_limit_minutes: Mapped[int | None]
    attempts_allowed: Mapped[int | None] = mapped_column(default=1)
    """None: unlimited."""
    grading_method: Mapped[str] = mapped_column(String(10), default=GradingMethod.HIGHEST)
    pass_mark: Mapped[int | None]
    """Percent; None means the course version's pass mark."""
    review_shows: Mapped[str] = mapped_column(String(10), default=ReviewShows.FEEDBACK)
    review_when: Mapped[str] = mapped_column(String(15), default=ReviewWhen.IMMEDIATELY)

    version: Mapped[CourseVersion] = relationship()
    subject: Mapped[Subject | None] = relationship()
    quiz_questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="quiz", order_by="QuizQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def effective_pass_mark(self) -> int:
        return self.pass_mark if self.pass_mark is not None else self.version.pass_mark


class QuizQuestion(db.Model):
    """A question of a quiz with fixed selection, in its order."""

    __tablename__ = "quiz_questions"
    __table_args__ = (UniqueConstraint("quiz_id", "question_id", name="uq_quiz_questions_quiz_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own on quiz_id: the unique constraint's index starts with it.
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int]

    quiz: Mapped[Quiz] = relationship(back_populates="quiz_questions")
    question: Mapped[Question] = relationship()


class Attempt(db.Model):
    """One try at a quiz. What was drawn and in which order, and the deadline, are fixed when it starts.

    `open_slot` is True while open and NULL afterwards: with the unique constraint on (quiz, user, open_slot) the
    database itself allows one open attempt per learner and quiz (NULLs never collide).
    """

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number", name="uq_attempts_quiz_user_number"),
        UniqueConstraint("quiz_id", "user_id", "open_slot", name="uq_attempts_quiz_user_open_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int]
    """1 for the learner's first attempt at this quiz, then 2, ..."""
    state: Mapped[str] = mapped_column(String(10), default=AttemptState.OPEN)
    open_slot: Mapped[bool | None] = mapped_column(default=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """min(start + time limit, quiz close); None when neither applies."""
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When it was graded: the learner's submit, or the deadline for an expired attempt."""
    close_reason: Mapped[str | None] = mapped_column(String(10))
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """The questions shown, in order: [{"question_id": 7, "order": [2, 0, 1]}, ...]; `order` lists the spec's
    option indexes in the order shown (empty for types without options)."""
    points: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    """Sum of the question fractions; out of len(layout)."""
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    """Percent, 0-100, set when graded."""

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()
    enrolment: Mapped[Enrolment] = relationship()

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.OPEN

    @property
    def question_ids(self) -> list[int]:
        return [item["question_id"] for item in self.layout]


class Answer(db.Model):
    """A learner's response to one question of an attempt; saved as given (upserted), graded at the end.

    Grading adds a row with `response` NULL for every question left unanswered, so a graded attempt has exactly
    one row per question shown.
    """

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id", name="uq_answers_attempt_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    response: Mapped[Any | None] = mapped_column(JSON(none_as_null=True))
    """As normalized by the question type: single → option index in the spec, multiple → sorted list of indexes,
    true/false → bool, short → text, numerical → the number as a string. NULL: not answered."""
    fraction: Mapped[Decimal | None] = mapped_column(Numeric(6, 5))
    """Credit 0..1 once graded."""
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    attempt: Mapped[Attempt] = relationship()
