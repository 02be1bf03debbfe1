"""Timing and grading rules of quizzes with an injected clock: deadlines, late answers, reviews, grade methods."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lms.quizzes.grading import attempt_score, build_layout, draw_questions, quiz_grade
from lms.quizzes.timing import (
    NoAttemptsLeft,
    QuizNotOpen,
    attempt_deadline,
    attempts_left,
    check_can_start,
    is_late,
    review_visibility,
    seconds_left,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
D = Decimal


def test_deadline_is_start_plus_time_limit():
    assert attempt_deadline(T0, 30, None) == T0 + timedelta(minutes=30)


def test_deadline_is_the_quiz_close_when_that_comes_first():
    closes = T0 + timedelta(minutes=10)
    assert attempt_deadline(T0, 30, closes) == closes
    assert attempt_deadline(T0, None, closes) == closes


def test_no_time_limit_and_no_close_means_no_deadline():
    assert attempt_deadline(T0, None, None) is None
    assert not is_late(T0 + timedelta(days=365), None)
    assert seconds_left(T0, None) is None


def test_an_answer_is_late_only_after_the_deadline_and_its_grace():
    deadline = T0 + timedelta(minutes=30)
    assert not is_late(deadline, deadline)
    assert is_late(deadline + timedelta(microseconds=1), deadline)
    assert not is_late(deadline + timedelta(seconds=5), deadline, grace_seconds=5)
    assert is_late(deadline + timedelta(seconds=6), deadline, grace_seconds=5)


def test_seconds_left_counts_down_to_zero():
    deadline = T0 + timedelta(minutes=2)
    assert seconds_left(T0, deadline) == 120
    assert seconds_left(deadline + timedelta(minutes=1), deadline) == 0


def test_a_quiz_starts_only_inside_its_window_and_while_attempts_are_left():
    opens, closes = T0, T0 + timedelta(days=1)
    check_can_start(T0, opens_at=opens, closes_at=closes, attempts_allowed=2, attempts_used=1)
    with pytest.raises(QuizNotOpen):
        check_can_start(
            T0 - timedelta(seconds=1), opens_at=opens, closes_at=closes, attempts_allowed=2, attempts_used=0
        )
    with pytest.raises(QuizNotOpen):
        check_can_start(closes, opens_at=opens, closes_at=closes, attempts_allowed=2, attempts_used=0)
    with pytest.raises(NoAttemptsLeft):
        check_can_start(T0, opens_at=None, closes_at=None, attempts_allowed=2, attempts_used=2)
    check_can_start(T0, opens_at=None, closes_at=None, attempts_allowed=None, attempts_used=50)
    assert attempts_left(None, 3) is None
    assert attempts_left(2, 3) == 0


@pytest.mark.parametrize(
    ("shows", "when", "now_after_close", "expected"),
    [
        ("score", "immediately", False, (True, False, False)),
        ("answers", "immediately", False, (True, True, False)),
        ("feedback", "immediately", False, (True, True, True)),
        ("feedback", "after_close", False, (True, False, False)),
        ("feedback", "after_close", True, (True, True, True)),
        ("answers", "after_close", True, (True, True, False)),
    ],
)
def test_review_shows_what_the_quiz_allows_when_it_allows_it(shows, when, now_after_close, expected):
    closes = T0 + timedelta(days=1)
    now = closes + timedelta(seconds=1) if now_after_close else closes - timedelta(seconds=1)
    v = review_visibility(now, shows, when, closes)
    assert (v.score, v.responses, v.feedback) == expected


def test_after_close_review_without_a_close_time_never_opens_details():
    v = review_visibility(T0 + timedelta(days=999), "feedback", "after_close", None)
    assert (v.score, v.responses, v.feedback) == (True, False, False)


def test_attempt_score_is_a_percentage_of_questions():
    assert attempt_score([D(1), D("0.5"), D(0)], 3) == (D("1.5"), D("50.00"))
    assert attempt_score([D(1), D(1), D(0)], 3) == (D(2), D("66.67"))
    assert attempt_score([], 0) == (D(0), D("0.00"))


@pytest.mark.parametrize(
    ("method", "grade"), [("highest", D(80)), ("last", D(60)), ("first", D(40)), ("average", D("60.00"))]
)
def test_quiz_grade_by_method(method, grade):
    assert quiz_grade([D(40), D(80), D(60)], method) == grade


def test_quiz_grade_without_attempts_is_none():
    assert quiz_grade([], "highest") is None


def test_layout_keeps_order_without_shuffling_and_freezes_a_permutation_with_it():
    pairs = [(11, 3), (12, 0), (13, 4)]
    fixed = build_layout(pairs, shuffle_questions=False, shuffle_options=False, rng=random.Random(1))
    assert fixed == [
        {"question_id": 11, "order": [0, 1, 2]},
        {"question_id": 12, "order": []},
        {"question_id": 13, "order": [0, 1, 2, 3]},
    ]
    shuffled = build_layout(pairs * 1, shuffle_questions=True, shuffle_options=True, rng=random.Random(7))
    assert sorted(item["question_id"] for item in shuffled) == [11, 12, 13]
    assert all(sorted(item["order"]) == list(range(dict(pairs)[item["question_id"]])) for item in shuffled)
    orders = {
        tuple(
            tuple(i["order"])
            for i in build_layout(pairs, shuffle_questions=True, shuffle_options=True, rng=random.Random(seed))
        )
        for seed in range(20)
    }
    assert len(orders) > 1


def test_draw_questions_takes_distinct_ids_and_all_when_fewer():
    drawn = draw_questions(range(1, 41), 20, random.Random(3))
    assert len(drawn) == len(set(drawn)) == 20
    assert sorted(draw_questions([5, 6], 10, random.Random(3))) == [5, 6]
