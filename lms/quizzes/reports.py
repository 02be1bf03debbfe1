"""Data access for the quiz reports: reads graded attempts in a fixed number of queries and shapes them for
`lms.quizzes.analysis` (which stays pure). Read-only; the caller has already checked the organization.

Choices the reports make:
- a learner's grade for a quiz follows the quiz's grading method (highest / last / first / average of the graded
  attempts); the score distribution and pass rate count one grade per learner;
- the item analysis uses each learner's first graded attempt: it describes how a question works on people meeting
  it for the first time (repeats, after seeing the questions and their feedback, would make every item look easier)
  and keeps one learner from counting several times.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.courses.models import Cohort, Course, CourseVersion, Enrolment
from lms.extensions import db
from lms.quizzes.analysis import Item, LearnerScores, Option, Response, ScoredAttempt
from lms.quizzes.grading import quiz_grade
from lms.quizzes.models import Answer, Attempt, AttemptState, Question, Quiz, QuizKind
from lms.quizzes.spec import QuestionKind, QuestionSpec

LABEL_LENGTH = 80


@dataclass(frozen=True)
class LearnerGrade:
    user_id: int
    name: str
    email: str
    cohort_id: int
    cohort_name: str
    attempts: int
    grade: float


@dataclass(frozen=True)
class QuizReportData:
    quiz: Quiz
    attempts_graded: int
    grades: list[LearnerGrade]
    """One per learner, ordered by cohort and name."""
    items: list[Item]
    first_attempts: list[ScoredAttempt]


@dataclass(frozen=True)
class CohortScores:
    cohort: Cohort
    learners: list[tuple[LearnerGrade | None, LearnerGrade | None]]
    """(pre-test grade, post-test grade) per learner who took either, ordered by name."""

    @property
    def scores(self) -> list[LearnerScores]:
        return [
            LearnerScores(
                (pre or post).user_id,  # type: ignore[union-attr]
                pre.grade if pre else None,
                post.grade if post else None,
            )
            for pre, post in self.learners
        ]


@dataclass(frozen=True)
class GainReportData:
    version: CourseVersion
    pre_test: Quiz | None
    post_test: Quiz | None
    cohorts: list[CohortScores]


# --- reads -------------------------------------------------------------------------------------------------------


def quiz_in_organization(quiz_id: int, organization_id: int) -> Quiz | None:
    """The quiz if it belongs to a course of the organization (one query)."""
    return db.session.execute(
        select(Quiz)
        .join(CourseVersion, Quiz.version_id == CourseVersion.id)
        .join(Course, CourseVersion.course_id == Course.id)
        .where(Quiz.id == quiz_id, Course.organization_id == organization_id)
    ).scalar_one_or_none()


def version_in_organization(version_id: int, organization_id: int) -> CourseVersion | None:
    return db.session.execute(
        select(CourseVersion)
        .join(Course, CourseVersion.course_id == Course.id)
        .where(CourseVersion.id == version_id, Course.organization_id == organization_id)
    ).scalar_one_or_none()


def organization_quizzes(organization_id: int) -> list[tuple[Quiz, int, int]]:
    """Every quiz of the organization's courses with its graded attempts and learners, in one query."""
    graded = (
        select(
            Attempt.quiz_id,
            func.count(Attempt.id).label("attempts"),
            func.count(func.distinct(Attempt.user_id)).label("learners"),
        )
        .where(Attempt.state == AttemptState.GRADED)
        .group_by(Attempt.quiz_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Quiz, func.coalesce(graded.c.attempts, 0), func.coalesce(graded.c.learners, 0))
        .join(CourseVersion, Quiz.version_id == CourseVersion.id)
        .join(Course, CourseVersion.course_id == Course.id)
        .outerjoin(graded, graded.c.quiz_id == Quiz.id)
        .where(Course.organization_id == organization_id)
        .order_by(Course.code, CourseVersion.number, Quiz.id)
    )
    return [(quiz, attempts, learners) for quiz, attempts, learners in rows]


def _graded_attempt_rows(quiz_ids: Sequence[int]) -> list[Any]:
    """Graded attempts of the quizzes with their learner and cohort, in attempt order (one query)."""
    return list(
        db.session.execute(
            select(
                Attempt.id,
                Attempt.quiz_id,
                Attempt.user_id,
                Attempt.number,
                Attempt.score,
                Attempt.layout,
                User.full_name,
                User.email,
                Cohort.id.label("cohort_id"),
                Cohort.name.label("cohort_name"),
            )
            .join(User, Attempt.user_id == User.id)
            .join(Enrolment, Attempt.enrolment_id == Enrolment.id)
            .join(Cohort, Enrolment.cohort_id == Cohort.id)
            .where(Attempt.quiz_id.in_(quiz_ids), Attempt.state == AttemptState.GRADED)
            .order_by(Attempt.quiz_id, Attempt.user_id, Attempt.number)
        )
    )


def _grades(rows: Sequence[Any], grading_method: str) -> list[LearnerGrade]:
    by_learner: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_learner[row.user_id].append(row)
    grades = [
        LearnerGrade(
            user_id=user_id,
            name=attempts[-1].full_name,
            email=attempts[-1].email,
            cohort_id=attempts[-1].cohort_id,
            cohort_name=attempts[-1].cohort_name,
            attempts=len(attempts),
            grade=float(quiz_grade([a.score for a in attempts], grading_method)),
        )
        for user_id, attempts in by_learner.items()
    ]
    return sorted(grades, key=lambda g: (g.cohort_name, g.cohort_id, g.name.casefold(), g.user_id))


def quiz_report_data(quiz: Quiz) -> QuizReportData:
    """Grades, questions and first attempts of a quiz: three queries whatever the number of questions or learners."""
    rows = _graded_attempt_rows([quiz.id])
    first = {}
    for row in rows:
        first.setdefault(row.user_id, row)
    first_ids = [row.id for row in first.values()]
    answers: dict[int, dict[int, Any]] = defaultdict(dict)
    if first_ids:
        for answer in db.session.execute(
            select(Answer.attempt_id, Answer.question_id, Answer.response, Answer.fraction).where(
                Answer.attempt_id.in_(first_ids)
            )
        ):
            answers[answer.attempt_id][answer.question_id] = answer
    question_ids = sorted({qid for row in first.values() for qid in (i["question_id"] for i in row.layout)})
    questions = (
        db.session.execute(select(Question).where(Question.id.in_(question_ids)).order_by(Question.id)).scalars()
        if question_ids
        else []
    )
    items = [_item(question) for question in questions]
    specs = {item.question_id: item for item in items}
    scored = [
        ScoredAttempt(
            row.id,
            float(row.score),
            tuple(
                _response(specs[question_id], answers[row.id].get(question_id))
                for question_id in (entry["question_id"] for entry in row.layout)
                if question_id in specs
            ),
        )
        for row in first.values()
    ]
    return QuizReportData(
        quiz=quiz,
        attempts_graded=len(rows),
        grades=_grades(rows, quiz.grading_method),
        items=items,
        first_attempts=scored,
    )


def gain_report_data(version: CourseVersion) -> GainReportData:
    """Pre-test and post-test grades per cohort of a course version (three queries)."""
    quizzes = list(
        db.session.execute(
            select(Quiz)
            .where(Quiz.version_id == version.id, Quiz.kind.in_([QuizKind.PRE_TEST, QuizKind.POST_TEST]))
            .order_by(Quiz.id)
        ).scalars()
    )
    # A version normally has one of each; should it have more, the first made is the one reported.
    pre = next((q for q in quizzes if q.kind == QuizKind.PRE_TEST), None)
    post = next((q for q in quizzes if q.kind == QuizKind.POST_TEST), None)
    cohorts = list(
        db.session.execute(
            select(Cohort).where(Cohort.version_id == version.id).order_by(Cohort.starts_on, Cohort.id)
        ).scalars()
    )
    reported = [q for q in (pre, post) if q is not None]
    rows = _graded_attempt_rows([q.id for q in reported]) if reported else []
    grades: dict[tuple[int, int], dict[int, LearnerGrade]] = {}
    for quiz in reported:
        for grade in _grades([r for r in rows if r.quiz_id == quiz.id], quiz.grading_method):
            grades.setdefault((grade.cohort_id, grade.user_id), {})[quiz.id] = grade
    per_cohort = []
    for cohort in cohorts:
        learners = [
            (by_quiz.get(pre.id) if pre else None, by_quiz.get(post.id) if post else None)
            for (cohort_id, _), by_quiz in grades.items()
            if cohort_id == cohort.id
        ]
        learners.sort(key=lambda pair: ((pair[0] or pair[1]).name.casefold(), (pair[0] or pair[1]).user_id))
        per_cohort.append(CohortScores(cohort, learners))
    return GainReportData(version=version, pre_test=pre, post_test=post, cohorts=per_cohort)


# --- shaping for the analysis --------------------------------------------------------------------------------------


def _label(spec: QuestionSpec) -> str:
    text = spec.title or " ".join(spec.text.split())
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"


def _item(question: Question) -> Item:
    spec = question.spec
    if spec.kind == QuestionKind.TRUE_FALSE:
        options = (Option("True", 1.0 if spec.correct else 0.0), Option("False", 0.0 if spec.correct else 1.0))
    elif spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        options = tuple(Option(" ".join(c.text.split()), float(c.fraction)) for c in spec.choices)
    else:
        options = ()
    return Item(question.id, _label(spec), options)


def _response(item: Item, answer: Any) -> Response:
    """An answer row as the analysis sees it; a question shown but never answered chose nothing and earned 0."""
    if answer is None:
        return Response(item.question_id, 0.0)
    credit = float(answer.fraction) if answer.fraction is not None else 0.0
    return Response(item.question_id, credit, _chosen(item, answer.response))


def _chosen(item: Item, response: Any) -> tuple[int, ...]:
    """Option indexes in a stored response (see Answer.response): an index, a list of indexes, or a bool."""
    if not item.options or response is None:
        return ()
    if isinstance(response, bool):
        return (0,) if response else (1,)
    if isinstance(response, int):
        return (response,)
    if isinstance(response, list):
        return tuple(i for i in response if isinstance(i, int) and not isinstance(i, bool))
    return ()
