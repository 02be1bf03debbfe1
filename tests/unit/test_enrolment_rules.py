from datetime import UTC, datetime, timedelta

import pytest

from lms.courses.enrolment import EnrolmentClosed, enrolment_status_for, is_unlocked, progress_of
from lms.courses.models import EnrolmentStatus

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def status(**changes):
    rules = {"now": NOW, "opens_at": None, "closes_at": None, "capacity": None, "seats_taken": 0,
             "needs_approval": False} | changes  # fmt: skip
    return enrolment_status_for(**rules)


def test_open_cohort_without_approval_enrols_at_once():
    assert status() == EnrolmentStatus.ACTIVE


def test_approval_makes_a_request():
    assert status(needs_approval=True) == EnrolmentStatus.PENDING


def test_full_cohort_puts_on_waiting_list_even_with_approval():
    assert status(capacity=2, seats_taken=2) == EnrolmentStatus.WAITLISTED
    assert status(capacity=2, seats_taken=2, needs_approval=True) == EnrolmentStatus.WAITLISTED
    assert status(capacity=2, seats_taken=1) == EnrolmentStatus.ACTIVE


@pytest.mark.parametrize(
    "window",
    [
        {"opens_at": NOW + timedelta(minutes=1)},
        {"closes_at": NOW - timedelta(seconds=1)},
    ],
)
def test_outside_the_window_is_refused(window):
    with pytest.raises(EnrolmentClosed):
        status(**window)


def test_window_edges_are_inside():
    assert status(opens_at=NOW, closes_at=NOW) == EnrolmentStatus.ACTIVE


def test_progress_and_next_lesson():
    p = progress_of([10, 11, 12, 13], {10, 12})
    assert (p.done, p.total, p.percent, p.next_lesson_id, p.complete) == (2, 4, 50, 11, False)
    assert progress_of([10, 11], {10, 11, 99}).complete
    assert progress_of([], set()).percent == 0


def test_sequential_lessons_unlock_in_order():
    order = [1, 2, 3]
    assert is_unlocked(1, order, set(), sequential=True)
    assert not is_unlocked(2, order, set(), sequential=True)
    assert is_unlocked(2, order, {1}, sequential=True)
    assert not is_unlocked(3, order, {2}, sequential=True)
    assert is_unlocked(3, order, set(), sequential=False)
    assert not is_unlocked(99, order, {1, 2, 3}, sequential=True)
