"""What a learner must do to earn a course's certificate: a registry of requirement providers, one per feature.

Each feature (lessons here, the post-test in quizzes, attendance in attendance) registers a function that looks at
one enrolment and returns its requirements. The enrolment page, `GET /api/v1/enrolments/{id}` and certificate
eligibility all read the same list, so what a learner is told is missing is exactly what eligibility checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_

if TYPE_CHECKING:
    from lms.courses.models import Enrolment


@dataclass(frozen=True)
class Requirement:
    key: str
    """Stable name: "enrolment", "lessons", "post_test", "attendance"."""
    label: str
    """Short translated name shown to the learner, e.g. "Post-test"."""
    met: bool | None
    """True or False for a rule the certificate checks; None for information only (e.g. the pre-test score)."""
    detail: str
    """Translated state, e.g. "Lessons completed: 3 of 5." or "Score 80 (pass mark 70)."."""
    url: str | None = None
    """Where the learner acts on it (take the test, open the lesson), when there is such a place."""


RequirementProvider = Callable[["Enrolment"], list[Requirement]]

_PROVIDERS: list[tuple[int, RequirementProvider]] = []


def register_requirement_provider(provider: RequirementProvider, *, order: int) -> RequirementProvider:
    """Add a provider (idempotent); `order` places its requirements in the list (enrolment 0, lessons 10, ...)."""
    if all(existing is not provider for _, existing in _PROVIDERS):
        _PROVIDERS.append((order, provider))
        _PROVIDERS.sort(key=lambda pair: pair[0])
    return provider


def requirements_for(enrolment: Enrolment) -> list[Requirement]:
    return [requirement for _, provider in _PROVIDERS for requirement in provider(enrolment)]


def first_unmet(enrolment: Enrolment) -> Requirement | None:
    """The first open rule, asking the providers in order and stopping there: deciding eligibility after every
    graded quiz or lesson need not run the later providers' queries once an earlier rule is still open."""
    for _, provider in _PROVIDERS:
        for requirement in provider(enrolment):
            if requirement.met is False:
                return requirement
    return None


def unmet(requirements: list[Requirement]) -> list[Requirement]:
    """The rules still open; eligibility for a certificate means this list is empty."""
    return [requirement for requirement in requirements if requirement.met is False]


ProgressListener = Callable[["Enrolment"], None]

_LISTENERS: list[ProgressListener] = []


def register_progress_listener(listener: ProgressListener) -> ProgressListener:
    """Be told when an enrolment may have met a requirement (e.g. to issue its certificate); idempotent."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def progress_changed(enrolment: Enrolment) -> None:
    """Call after a change that can meet a requirement (lesson done, quiz graded, attendance marked), in the same
    transaction: listeners only flush, the caller's view commits."""
    for listener in _LISTENERS:
        listener(enrolment)


CompletionCondition = Callable[["ColumnElement[int]"], "ColumnElement[bool]"]

_COMPLETION_CONDITIONS: list[CompletionCondition] = []


def register_completion_condition(condition: CompletionCondition) -> CompletionCondition:
    """Tell which enrolments are complete (e.g. their certificate is issued) as a SQL condition on an enrolment id
    column, so that a list of enrolments reads its completion in the same statement; idempotent."""
    if condition not in _COMPLETION_CONDITIONS:
        _COMPLETION_CONDITIONS.append(condition)
    return condition


def completion_conditions() -> tuple[CompletionCondition, ...]:
    """The conditions registered so far (a key for a statement built once with `completed`)."""
    return tuple(_COMPLETION_CONDITIONS)


def completed(enrolment_id: ColumnElement[int]) -> ColumnElement[bool]:
    """True for an enrolment that a registered condition calls complete (the catalog shows each course's state to
    its learner); false when no feature registered one."""
    return or_(false(), *(condition(enrolment_id) for condition in _COMPLETION_CONDITIONS))
