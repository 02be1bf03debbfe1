"""Pure grading rules: an attempt's score from its question credits, a quiz grade from attempts, frozen layouts."""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def attempt_score(fractions: Sequence[Decimal], question_count: int) -> tuple[Decimal, Decimal]:
    """(points, percent): every question is worth one point; percent rounded to two decimals."""
    points = sum(fractions, Decimal(0))
    if question_count == 0:
        return points, Decimal(0).quantize(CENT)
    return points, (points * HUNDRED / question_count).quantize(CENT, rounding=ROUND_HALF_UP)


def quiz_grade(scores_in_order: Sequence[Decimal], method: str) -> Decimal | None:
    """The learner's grade for a quiz from their graded attempts' scores (oldest first); None without attempts.

    method: "highest", "last", "first" or "average".
    """
    if not scores_in_order:
        return None
    return GRADING_METHODS[method](scores_in_order)


def _average(scores: Sequence[Decimal]) -> Decimal:
    return (sum(scores, Decimal(0)) / len(scores)).quantize(CENT, rounding=ROUND_HALF_UP)


GRADING_METHODS = {
    "highest": max,
    "last": lambda scores: scores[-1],
    "first": lambda scores: scores[0],
    "average": _average,
}


def build_layout(
    questions: Sequence[tuple[int, int]],
    *,
    shuffle_questions: bool,
    shuffle_options: bool,
    rng: random.Random,
) -> list[dict]:
    """The frozen layout of a new attempt from (question id, number of options) pairs in the quiz's order.

    `order` lists option indexes as shown; types without options (true/false, short, numerical) get [].
    """
    items = list(questions)
    if shuffle_questions:
        rng.shuffle(items)
    layout = []
    for question_id, option_count in items:
        order = list(range(option_count))
        if shuffle_options:
            rng.shuffle(order)
        layout.append({"question_id": question_id, "order": order})
    return layout


def draw_questions(candidates: Sequence[int], count: int, rng: random.Random) -> list[int]:
    """`count` distinct question ids drawn at random (all of them, shuffled, when there are fewer)."""
    pool = list(candidates)
    return rng.sample(pool, min(count, len(pool)))
