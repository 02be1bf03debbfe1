"""Pure enrolment and study rules: who gets a seat, what is still missing, which lesson comes next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from lms.core.errors import Conflict
from lms.courses.models import EnrolmentStatus


class EnrolmentClosed(Conflict):
    def default_message(self):
        return _l("Enrolment for this cohort is not open.")


class LessonLocked(Conflict):
    def default_message(self):
        return _l("This course is studied in order: finish the previous lessons first.")


def enrolment_status_for(
    *,
    now: datetime,
    opens_at: datetime | None,
    closes_at: datetime | None,
    capacity: int | None,
    seats_taken: int,
    needs_approval: bool,
) -> EnrolmentStatus:
    """The status a new enrolment request gets; raises EnrolmentClosed outside the window."""
    if (opens_at is not None and now < opens_at) or (closes_at is not None and now > closes_at):
        raise EnrolmentClosed()
    if capacity is not None and seats_taken >= capacity:
        return EnrolmentStatus.WAITLISTED
    return EnrolmentStatus.PENDING if needs_approval else EnrolmentStatus.ACTIVE


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    next_lesson_id: int | None
    """The first lesson not yet completed, in course order (None when all are done)."""

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total


def progress_of(lesson_ids_in_order: Sequence[int], completed: set[int]) -> Progress:
    done = sum(1 for lesson_id in lesson_ids_in_order if lesson_id in completed)
    next_lesson = next((lesson_id for lesson_id in lesson_ids_in_order if lesson_id not in completed), None)
    return Progress(done, len(lesson_ids_in_order), next_lesson)


def is_unlocked(lesson_id: int, lesson_ids_in_order: Sequence[int], completed: set[int], sequential: bool) -> bool:
    """In a sequential course a lesson opens once every lesson before it is complete."""
    if not sequential:
        return True
    for earlier in lesson_ids_in_order:
        if earlier == lesson_id:
            return True
        if earlier not in completed:
            return False
    return False
