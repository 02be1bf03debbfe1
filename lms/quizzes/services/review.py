"""Showing an attempt's questions to the learner, and the review of a graded attempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lms.core.i18n import page_translations
from lms.extensions import db
from lms.quizzes.models import Answer, Attempt
from lms.quizzes.services.closing import _specs_of, remembered_answers
from lms.quizzes.spec import QuestionSpec
from lms.quizzes.timing import ReviewVisibility, review_visibility
from lms.quizzes.types import QuestionType, ShownOption, type_of


@dataclass(frozen=True)
class ShownQuestion:
    """One question of an attempt as the learner sees it."""

    number: int
    question_id: int
    spec: QuestionSpec
    type: QuestionType
    options: list[ShownOption]
    response: Any
    fraction: Decimal | None = None
    feedback: list[str] = field(default_factory=list)
    right_answers: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.response is not None

    @property
    def chosen(self) -> set[int]:
        if self.response is None or not self.type.has_options:
            return set()
        return set(self.response) if isinstance(self.response, list) else {self.response}


@dataclass(frozen=True)
class _ReviewFacts:
    """What showing and reviewing a question takes from its spec alone: its type, its options in the spec's order,
    and its right answers unless they are words of the catalog (true/false, a numerical range), which are
    translated for each request's language."""

    type: QuestionType
    options: tuple[ShownOption, ...]
    right_answers: tuple[str, ...] | None
    said: dict[Any, tuple[str, ...]] = field(default_factory=dict, compare=False)
    """Right answers in words, by the translations (one object per language) they were said in: a review of a
    true/false quiz says "True" or "False" for every question, each through the catalog."""

    def right_answers_said(self, spec: QuestionSpec, translations: Any) -> list[str]:
        """The right answers, in the language of `translations` (the request's, page_translations) when in words."""
        if self.right_answers is not None:
            return list(self.right_answers)
        said = self.said.get(translations)
        if said is None:
            said = self.said[translations] = tuple(self.type.right_answers(spec))
        return list(said)


_FACTS = "_review_facts"


def _facts_of(spec: QuestionSpec) -> _ReviewFacts:
    """The spec's _ReviewFacts, worked out once and kept on the spec object itself, as functools.cached_property keeps
    a value (in its __dict__, outside the dataclass's fields: equality, replace() and asdict() never see it). A spec
    never changes, and the specs of a question's version are kept per process (closing._graded_specs): every start
    and submit of a quiz shows the same twenty, whose types, options and right answers were worked out anew for
    each learner."""
    facts = spec.__dict__.get(_FACTS)
    if facts is None:
        kind = type_of(spec)
        facts = _ReviewFacts(
            type=kind,
            options=tuple(ShownOption(index, choice.text) for index, choice in enumerate(spec.choices)),
            right_answers=None if kind.right_answers_in_words else tuple(kind.right_answers(spec)),
        )
        spec.__dict__[_FACTS] = facts
    return facts


def shown_questions(attempt: Attempt) -> list[ShownQuestion]:
    """Every question of the attempt in its frozen order, with saved responses: two queries for any length, none
    for what this transaction has just read or written (see closing.SPECS_KEY)."""
    return _questions(attempt, None)


def _questions(attempt: Attempt, review: ReviewVisibility | None) -> list[ShownQuestion]:
    """shown_questions, with the right answers and (as `review` allows) the feedback when `review` is given: built
    once each rather than shown and then copied with the review's fields (a submit's body shows every question)."""
    specs = _specs_of(attempt.question_ids)
    answers = remembered_answers(attempt.id)
    if answers is None:
        answers = {
            question_id: (response, fraction)
            for question_id, response, fraction in db.session.execute(
                select(Answer.question_id, Answer.response, Answer.fraction).where(Answer.attempt_id == attempt.id)
            )
        }
    translations = page_translations() if review is not None else None
    shown = []
    for number, item in enumerate(attempt.layout, start=1):
        spec = specs[item["question_id"]]
        facts = _facts_of(spec)
        kind = facts.type
        response, fraction = answers.get(item["question_id"], (None, None))
        right_answers, feedback = [], []
        if review is not None:
            right_answers = facts.right_answers_said(spec, translations)
            if review.feedback:
                feedback = kind.answer_feedback(spec, response) + (
                    [spec.general_feedback] if spec.general_feedback else []
                )
        shown.append(
            ShownQuestion(
                number=number,
                question_id=item["question_id"],
                spec=spec,
                type=kind,
                options=[facts.options[i] for i in item["order"]],
                response=response,
                fraction=fraction,
                feedback=feedback,
                right_answers=right_answers,
            )
        )
    return shown


@dataclass(frozen=True)
class AttemptReview:
    attempt: Attempt
    score: Decimal | None
    passed: bool | None
    pass_mark: int
    shows_responses: bool
    shows_feedback: bool
    questions: list[ShownQuestion]


def review_of(attempt: Attempt, now: datetime) -> AttemptReview:
    """What the learner may see of a graded attempt now, following the quiz's review options."""
    quiz = attempt.quiz
    visibility = review_visibility(now, quiz.review_shows, quiz.review_when, quiz.closes_at)
    questions = _questions(attempt, visibility) if visibility.responses else []
    pass_mark = quiz.effective_pass_mark
    return AttemptReview(
        attempt=attempt,
        score=attempt.score,
        passed=None if attempt.score is None else attempt.score >= pass_mark,
        pass_mark=pass_mark,
        shows_responses=visibility.responses,
        shows_feedback=visibility.feedback,
        questions=questions,
    )
