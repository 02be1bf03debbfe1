"""Quiz requirements shown on the enrolment page and checked for the certificate."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.courses.models import Enrolment
from lms.courses.requirements import Requirement
from lms.extensions import db
from lms.quizzes.grading import quiz_grade
from lms.quizzes.models import Attempt, AttemptState, Quiz, QuizKind


def _quiz_url(quiz: Quiz) -> str | None:
    return url_for("quizzes.quiz", quiz_id=quiz.id) if has_request_context() else None


_REQUIREMENT_KINDS = (QuizKind.PRE_TEST, QuizKind.POST_TEST)


@dataclass
class _PrefetchedRequirements:
    """Quizzes by version and graded scores by enrolment, read for many enrolments at once."""

    enrolment_ids: set[int]
    quizzes: dict[int, dict[str, Quiz]]
    scores: dict[tuple[int, int], list[Decimal]]


_prefetched_requirements: ContextVar[_PrefetchedRequirements | None] = ContextVar(
    "quiz_requirements_prefetched", default=None
)
PREFETCH_CHUNK = 1000


def _requirement_quizzes(version_ids: Sequence[int]) -> dict[int, dict[str, Quiz]]:
    """{version id: {kind: quiz}} of the pre- and post-tests (the lowest id when there were ever two)."""
    found: dict[int, dict[str, Quiz]] = {version_id: {} for version_id in version_ids}
    for quiz in db.session.execute(
        select(Quiz)
        .where(Quiz.version_id.in_(list(version_ids)), Quiz.kind.in_(_REQUIREMENT_KINDS))
        .order_by(Quiz.id.desc())
    ).scalars():
        found[quiz.version_id][quiz.kind] = quiz
    return found


def _graded_scores(enrolment_ids: Sequence[int], quiz_ids: Sequence[int]) -> dict[tuple[int, int], list[Decimal]]:
    """{(enrolment id, quiz id): scores of the graded attempts in attempt order}."""
    scores: dict[tuple[int, int], list[Decimal]] = {}
    if not quiz_ids:
        return scores
    for start in range(0, len(enrolment_ids), PREFETCH_CHUNK):
        for enrolment_id, quiz_id, score in db.session.execute(
            select(Attempt.enrolment_id, Attempt.quiz_id, Attempt.score)
            .where(
                Attempt.enrolment_id.in_(list(enrolment_ids[start : start + PREFETCH_CHUNK])),
                Attempt.quiz_id.in_(list(quiz_ids)),
                Attempt.state == AttemptState.GRADED,
            )
            .order_by(Attempt.number)
        ):
            scores.setdefault((enrolment_id, quiz_id), []).append(score)
    return scores


@contextmanager
def quiz_requirements_prefetched(enrolments: Sequence[Enrolment]) -> Iterator[None]:
    """Within the block, quiz_requirements answers for these enrolments from two queries in all instead of two
    each (bulk certificate issuance decides the eligibility of thousands at once). Nothing may grade attempts of
    these enrolments inside the block."""
    ids = [e.id for e in enrolments]
    quizzes = _requirement_quizzes(sorted({e.cohort.version_id for e in enrolments}))
    quiz_ids = sorted({quiz.id for by_kind in quizzes.values() for quiz in by_kind.values()})
    marker = _prefetched_requirements.set(_PrefetchedRequirements(set(ids), quizzes, _graded_scores(ids, quiz_ids)))
    try:
        yield
    finally:
        _prefetched_requirements.reset(marker)


def quiz_requirements(enrolment: Enrolment) -> list[Requirement]:
    """Pre-test score (information) and post-test result (a rule when the course asks for it)."""
    version = enrolment.cohort.version
    prefetched = _prefetched_requirements.get()
    if prefetched is not None and enrolment.id in prefetched.enrolment_ids:
        quizzes = prefetched.quizzes[version.id]
        scores = {quiz.id: prefetched.scores.get((enrolment.id, quiz.id), []) for quiz in quizzes.values()}
    else:
        quizzes = _requirement_quizzes([version.id])[version.id]
        found = _graded_scores([enrolment.id], [quiz.id for quiz in quizzes.values()])
        scores = {quiz.id: found.get((enrolment.id, quiz.id), []) for quiz in quizzes.values()}
    if not quizzes:
        return []
    requirements = []
    pre = quizzes.get(QuizKind.PRE_TEST)
    if pre is not None:
        grade = quiz_grade(scores[pre.id], pre.grading_method)
        detail = _l("Not taken yet.") if grade is None else _l("Score %(score)s.", score=_percent(grade))
        requirements.append(Requirement("pre_test", str(_l("Pre-test")), None, str(detail), _quiz_url(pre)))
    post = quizzes.get(QuizKind.POST_TEST)
    if post is not None:
        grade = quiz_grade(scores[post.id], post.grading_method)
        pass_mark = post.effective_pass_mark
        if grade is None:
            detail = _l("Post-test not taken yet (pass mark %(pass_mark)d).", pass_mark=pass_mark)
        else:
            detail = _l(
                "Post-test score %(score)s (pass mark %(pass_mark)d).", score=_percent(grade), pass_mark=pass_mark
            )
        met = (grade is not None and grade >= pass_mark) if version.require_post_test else None
        requirements.append(Requirement("post_test", str(_l("Post-test")), met, str(detail), _quiz_url(post)))
    return requirements


def _percent(value: Decimal) -> str:
    """80.00 → "80", 66.67 → "66.67"."""
    text = format(value.normalize(), "f")
    return text
