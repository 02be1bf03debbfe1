"""Pure SKP rules: the SIP cycle, the target and minimum share per ranah, and where a worker stands.

SKP (satuan kredit profesi) are earned in three ranah — pembelajaran (learning), pelayanan (service) and pengabdian
(community service) — over the 5-year SIP period. The figures are data (lms/data/skp_rules.yaml), with sources.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l

from lms.courses.curriculum import Ranah

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "skp_rules.yaml"
ZERO = Decimal("0.00")


class PracticeArea(StrEnum):
    """Where the SIP is used: the minimum ranah shares differ for remote areas and special assignments."""

    NORMAL = "normal"
    DTPK = "dtpk"
    """Daerah tertinggal, perbatasan dan kepulauan (remote, border and island areas)."""
    SPECIAL_ASSIGNMENT = "special_assignment"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            PracticeArea.NORMAL: _l("Regular area"),
            PracticeArea.DTPK: _l("Remote, border or island area (DTPK)"),
            PracticeArea.SPECIAL_ASSIGNMENT: _l("Special assignment"),
        }[self]


class SkpState(StrEnum):
    SHORT = "short"
    ON_TRACK = "on_track"
    COMPLETE = "complete"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            SkpState.SHORT: _l("Short"),
            SkpState.ON_TRACK: _l("On track"),
            SkpState.COMPLETE: _l("Complete"),
        }[self]


@dataclass(frozen=True)
class SkpRules:
    cycle_years: int
    shares: dict[PracticeArea, dict[Ranah, int]]
    """Minimum percent of the target per ranah."""
    targets: dict[str, Decimal]
    """SKP per SIP period by profession code; key "default" for the others."""
    sources: dict[str, str]

    def target_for(self, profession_code: str | None) -> Decimal:
        return self.targets.get(profession_code or "", self.targets["default"])


@cache
def skp_rules() -> SkpRules:
    return rules_from_data(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")))


def rules_from_data(data: dict) -> SkpRules:
    return SkpRules(
        cycle_years=int(data["cycle_years"]),
        shares={
            PracticeArea(area): {Ranah(ranah): int(percent) for ranah, percent in shares.items()}
            for area, shares in data["shares"].items()
        },
        targets={code: Decimal(str(value)) for code, value in data["targets"].items()},
        sources={key.removesuffix("_source"): value for key, value in data.items() if key.endswith("_source")},
    )


@dataclass(frozen=True)
class Cycle:
    starts_on: date
    ends_on: date
    """The last day of the period (inclusive)."""

    def __contains__(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def cycle_containing(sip_starts_on: date, today: date, years: int) -> Cycle:
    """The SIP period that contains `today`: periods of `years` follow each other from the SIP date
    (before the SIP date, the first period)."""
    period = 0
    while True:
        following = _add_years(sip_starts_on, years * (period + 1))
        if today < following:
            return Cycle(_add_years(sip_starts_on, years * period), date.fromordinal(following.toordinal() - 1))
        period += 1


@dataclass(frozen=True)
class Credit:
    """One ledger line as the rules see it."""

    ranah: Ranah
    skp: Decimal
    earned_on: date


@dataclass(frozen=True)
class RanahStanding:
    ranah: Ranah
    earned: Decimal
    minimum: Decimal
    share_percent: int

    @property
    def missing(self) -> Decimal:
        return max(ZERO, self.minimum - self.earned)

    @property
    def percent_of_minimum(self) -> int:
        return 100 if self.minimum <= 0 else min(100, int(self.earned * 100 / self.minimum))


@dataclass(frozen=True)
class SkpStanding:
    cycle: Cycle
    target: Decimal
    earned: Decimal
    """All SKP earned inside the cycle."""
    ranah: tuple[RanahStanding, ...]
    state: SkpState
    expected_by_now: Decimal
    """The share of the target a worker earning steadily would have by today."""

    @property
    def missing(self) -> Decimal:
        """SKP still to earn: at least the gap to the target, and at least what the ranah minimums still lack."""
        return max(ZERO, self.target - self.earned, sum((r.missing for r in self.ranah), ZERO))

    @property
    def percent(self) -> int:
        return 100 if self.target <= 0 else min(100, int(self.earned * 100 / self.target))


def ranah_minimum(target: Decimal, share_percent: int) -> Decimal:
    """The SKP a cycle needs in one ranah: its share of the target, in whole SKP."""
    return (target * share_percent / 100).quantize(ZERO)


def elapsed_days(cycle: Cycle, today: date) -> int:
    """Days of the cycle gone by on `today`, today included (0 before it starts, all of it after it ends)."""
    return min(max((today - cycle.starts_on).days + 1, 0), cycle.days)


def ranah_behind(ranah: RanahStanding, cycle: Cycle, today: date) -> bool:
    """Short in one ranah: less earned than its minimum's share of the elapsed cycle (`minimum × elapsed / days`).
    A worker behind in any ranah is short overall; the supervision filter "short in a ranah" uses this alone."""
    return ranah.earned * cycle.days < ranah.minimum * elapsed_days(cycle, today)


def skp_standing(
    credits: Iterable[Credit], *, target: Decimal, shares: dict[Ranah, int], cycle: Cycle, today: date
) -> SkpStanding:
    """Where a worker stands in `cycle`: earned per ranah against the minimums, and short / on track / complete."""
    earned = dict.fromkeys(Ranah, ZERO)
    for credit in credits:
        if credit.earned_on in cycle:
            earned[credit.ranah] += credit.skp
    ranah = tuple(RanahStanding(r, earned[r], ranah_minimum(target, shares.get(r, 0)), shares.get(r, 0)) for r in Ranah)
    total = sum(earned.values(), ZERO)
    elapsed = elapsed_days(cycle, today)
    expected = (target * elapsed / cycle.days).quantize(ZERO)
    missing = max(ZERO, target - total, sum((r.missing for r in ranah), ZERO))
    if missing == 0:
        state = SkpState.COMPLETE
    elif total >= expected and not any(ranah_behind(r, cycle, today) for r in ranah):
        state = SkpState.ON_TRACK
    else:
        state = SkpState.SHORT
    return SkpStanding(cycle, target, total, ranah, state, expected)


def empty_ledger_states(rules: SkpRules, today: date) -> dict[str, SkpState]:
    """Per profession code of the targets (and "default" for the others), the state of a worker with no SIP and no
    ledger on `today`: an empty ledger in a cycle that starts today."""
    first = cycle_containing(today, today, rules.cycle_years)
    normal = rules.shares[PracticeArea.NORMAL]
    return {
        code: skp_standing([], target=target, shares=normal, cycle=first, today=today).state
        for code, target in rules.targets.items()
    }
