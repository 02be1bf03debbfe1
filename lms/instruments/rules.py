"""Pure rules of instruments: a checklist's pass rule, per-step difficulty, distributions, who may see aggregates,
and the keys that name one evaluation a learner is asked for. No Flask, no database."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lms.instruments.items import ITEM_KINDS, Answer, ChecklistStep, Item

DEFAULT_PASS_PERCENT = 80
"""A checklist's pass mark when its file names none: all critical steps correct and 80% of the points."""

MIN_RESPONSES_SHOWN = 5
"""Facilitators see aggregates of at least this many responses, so that no answer can be traced to a learner."""


@dataclass(frozen=True)
class ChecklistResult:
    points: int
    max_points: int
    critical_missed: tuple[str, ...]
    """Ids of critical steps not done correctly."""
    pass_percent: int

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.max_points) if self.max_points else 0

    @property
    def passed(self) -> bool:
        """All critical steps correct and at least `pass_percent` of the points (compared without rounding)."""
        return not self.critical_missed and self.points * 100 >= self.pass_percent * self.max_points


def checklist_result(items: Iterable[Item], answers: Mapping[str, Answer], pass_percent: int) -> ChecklistResult:
    points = max_points = 0
    missed = []
    for item in items:
        answer = answers.get(item.id, Answer())
        scored = ITEM_KINDS[item.kind].points(item, answer)
        if scored is None:
            continue
        points += scored[0]
        max_points += scored[1]
        if item.critical and answer.value != ChecklistStep.CORRECT:
            missed.append(item.id)
    return ChecklistResult(points, max_points, tuple(missed), pass_percent)


@dataclass(frozen=True)
class StepDifficulty:
    item: Item
    scored: int
    """How many scorings rated this step."""
    not_correct: int
    """How many of them found it not done or done imperfectly."""

    @property
    def missed_percent(self) -> int:
        return round(100 * self.not_correct / self.scored) if self.scored else 0


def step_difficulty(items: Iterable[Item], scorings: Iterable[Mapping[str, int | None]]) -> list[StepDifficulty]:
    """Per checklist step, how often it was not done correctly; the hardest steps first."""
    steps = [item for item in items if item.kind == ChecklistStep.key]
    scored: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for values in scorings:
        for step in steps:
            if values.get(step.id) is None:
                continue
            scored[step.id] += 1
            missed[step.id] += values[step.id] != ChecklistStep.CORRECT
    rows = [StepDifficulty(step, scored[step.id], missed[step.id]) for step in steps]
    return sorted(rows, key=lambda row: (-row.missed_percent, -row.not_correct))


@dataclass(frozen=True)
class Distribution:
    """How many chose each point of a scale item."""

    item: Item
    counts: tuple[tuple[int, str, int], ...]
    """(value, label, count) for every point, lowest first, zero counts included."""

    @property
    def total(self) -> int:
        return sum(count for _, _, count in self.counts)

    @property
    def mean(self) -> float | None:
        total = self.total
        return sum(value * count for value, _, count in self.counts) / total if total else None


def distribution(item: Item, counts: Mapping[int, int]) -> Distribution:
    return Distribution(item, tuple((value, label, counts.get(value, 0)) for value, label in item.choices()))


def facilitator_may_see(response_count: int) -> bool:
    return response_count >= MIN_RESPONSES_SHOWN


# --- evaluation keys ---------------------------------------------------------------------------------------------

_KEY = re.compile(r"^e(?P<enrolment>\d+)-(?:s(?P<session>\d+)-f(?P<facilitator>\d+)|(?P<fixed>org|post))$")


@dataclass(frozen=True)
class EvaluationKey:
    """Names one evaluation a learner is asked for, e.g. `e12-s3-f7` (enrolment 12 rates facilitator 7 of session
    3), `e12-org` (the organizer), `e12-post` (the post-training self-evaluation). It is both the id in
    `/api/v1/evaluations/{id}` and the key that keeps a second answer from being recorded."""

    enrolment_id: int
    target: str
    """"session" (a session's facilitator), "org" or "post"."""
    session_id: int | None = None
    facilitator_id: int | None = None

    def __str__(self) -> str:
        if self.target == "session":
            return f"e{self.enrolment_id}-s{self.session_id}-f{self.facilitator_id}"
        return f"e{self.enrolment_id}-{self.target}"

    @classmethod
    def parse(cls, text: str) -> EvaluationKey | None:
        match = _KEY.match(text or "")
        if match is None:
            return None
        enrolment = int(match["enrolment"])
        if match["fixed"]:
            return cls(enrolment, match["fixed"])
        return cls(enrolment, "session", int(match["session"]), int(match["facilitator"]))

    @property
    def dedupe_key(self) -> str:
        """Unique per enrolment: what the database's unique constraint holds."""
        return str(self).split("-", 1)[1]


SUPERVISOR_DEDUPE_KEY = "post-supervisor"


def checklist_dedupe_key(client_id: str) -> str:
    return "cl-" + client_id


def organizer_evaluation_open(cohort_ends_on, today, session_ends, now) -> bool:
    """The organizer is evaluated at the end of the course: once the cohort's last day has come, or once every
    one of its sessions (if it has any) has ended."""
    if today >= cohort_ends_on:
        return True
    ends = list(session_ends)
    return bool(ends) and all(end <= now for end in ends)


def add_months(day, months: int):
    """The same day `months` later (the last day of the month when it has fewer days)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
