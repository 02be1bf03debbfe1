"""The attendance share: attended JPL over scheduled JPL, each session's JPL weighted by the learner's status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Protocol


class ScheduledSession(Protocol):
    id: int
    jpl: int


class Mark(Protocol):
    session_id: int
    status: str


def attendance_share(
    sessions: Iterable[ScheduledSession], marks: Iterable[Mark], weights: Mapping[str, Decimal]
) -> Decimal:
    """A fraction from 0 to 1. A session without a mark counts as Alfa (weight of "alfa", normally 0); marks of
    sessions not in `sessions` are ignored. No scheduled JPL gives 0."""
    status_by_session = {mark.session_id: mark.status for mark in marks}
    scheduled = Decimal(0)
    attended = Decimal(0)
    for session in sessions:
        scheduled += session.jpl
        attended += session.jpl * Decimal(weights.get(status_by_session.get(session.id, "alfa"), 0))
    if scheduled == 0:
        return Decimal(0)
    return attended / scheduled


def share_percent(share: Decimal) -> int:
    """The share as whole percent, rounded down, so that 94.9% never shows as the 95% it does not reach."""
    return int((share * 100).to_integral_value(rounding="ROUND_FLOOR"))
