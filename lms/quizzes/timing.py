"""Pure timing rules of a quiz: when it can be started, the deadline fixed at start, late answers, review times.

Every function takes `now` (timezone-aware UTC) from its caller, so services and tests share one injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from lms.core.errors import Conflict


class QuizNotOpen(Conflict):
    code = "quiz_not_open"

    def default_message(self):
        return _l("This quiz is not open now.")


class NoAttemptsLeft(Conflict):
    code = "no_attempts_left"

    def default_message(self):
        return _l("You have used every attempt allowed for this quiz.")


class DeadlinePassed(Conflict):
    code = "deadline_passed"

    def default_message(self):
        return _l("The time for this attempt is over: the answer was not saved. Your earlier answers are kept.")


def attempt_deadline(
    started_at: datetime, time_limit_minutes: int | None, closes_at: datetime | None
) -> datetime | None:
    """min(start + time limit, quiz close): fixed once, at start. None when there is neither."""
    candidates = []
    if time_limit_minutes:
        candidates.append(started_at + timedelta(minutes=time_limit_minutes))
    if closes_at is not None:
        candidates.append(closes_at)
    return min(candidates) if candidates else None


def is_late(now: datetime, deadline: datetime | None, grace_seconds: int = 0) -> bool:
    """An answer or submit arriving after the deadline (plus the network grace) is refused."""
    return deadline is not None and now > deadline + timedelta(seconds=grace_seconds)


def seconds_left(now: datetime, deadline: datetime | None) -> int | None:
    if deadline is None:
        return None
    return max(0, int((deadline - now).total_seconds()))


def is_open(now: datetime, opens_at: datetime | None, closes_at: datetime | None) -> bool:
    return (opens_at is None or now >= opens_at) and (closes_at is None or now < closes_at)


def attempts_left(attempts_allowed: int | None, attempts_used: int) -> int | None:
    """None: unlimited."""
    return None if attempts_allowed is None else max(0, attempts_allowed - attempts_used)


def check_can_start(
    now: datetime,
    *,
    opens_at: datetime | None,
    closes_at: datetime | None,
    attempts_allowed: int | None,
    attempts_used: int,
) -> None:
    """Raise QuizNotOpen or NoAttemptsLeft when a new attempt may not start now."""
    if not is_open(now, opens_at, closes_at):
        raise QuizNotOpen()
    if attempts_left(attempts_allowed, attempts_used) == 0:
        raise NoAttemptsLeft()


@dataclass(frozen=True)
class ReviewVisibility:
    """What a learner may see of a graded attempt now."""

    score: bool
    responses: bool
    """Their own answers, whether each was right, and the right answers."""
    feedback: bool


def review_visibility(now: datetime, shows: str, when: str, closes_at: datetime | None) -> ReviewVisibility:
    """`shows`: "score" / "answers" / "feedback"; `when`: "immediately" / "after_close".

    After-close without a close time never opens the details (the score is always shown).
    """
    details_allowed = when == "immediately" or (closes_at is not None and now >= closes_at)
    responses = details_allowed and shows in ("answers", "feedback")
    return ReviewVisibility(score=True, responses=responses, feedback=details_allowed and shows == "feedback")
