"""Pure coverage rules for supervisors: a facility's type, how many staff it needs per competency
(lms/data/coverage_rules.yaml), the matrix cells, and the competencies expiring soon."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "coverage_rules.yaml"


@dataclass(frozen=True)
class FacilityType:
    code: str
    label: str
    name_prefixes: tuple[str, ...]
    needs: dict[str, int]
    """Competency code → staff who should hold it."""


@dataclass(frozen=True)
class CoverageRules:
    types: dict[str, FacilityType]
    facilities: dict[str, str]
    """Organization slug → facility type code, before any name prefix."""
    default_type: str
    expiring_within_days: int
    source: str

    def type_of(self, slug: str, name: str) -> FacilityType:
        """The facility's type: by slug, else by the first matching name prefix, else the default type."""
        if slug in self.facilities:
            return self.types[self.facilities[slug]]
        lowered = name.casefold()
        for facility_type in self.types.values():
            if any(lowered.startswith(prefix.casefold()) for prefix in facility_type.name_prefixes):
                return facility_type
        return self.types[self.default_type]

    def type_of_facility(self, code: str, kind: str, name: str) -> FacilityType:
        """A facility's type: by code in `facilities`, else its kind when the rules know it, else by name."""
        if code in self.facilities:
            return self.types[self.facilities[code]]
        if kind in self.types and kind != self.default_type:
            return self.types[kind]
        return self.type_of(code, name)

    def competency_codes(self, types: Iterable[FacilityType]) -> list[str]:
        """The matrix's columns: every code the given types need, in the order the rules list them."""
        codes: dict[str, None] = {}
        for facility_type in types:
            codes.update(dict.fromkeys(facility_type.needs))
        return list(codes)


@cache
def coverage_rules() -> CoverageRules:
    return coverage_rules_from_data(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")))


def coverage_rules_from_data(data: dict) -> CoverageRules:
    types = {
        code: FacilityType(
            code,
            str(spec["label"]),
            tuple(spec.get("name_prefixes") or ()),
            {str(c): int(n) for c, n in (spec.get("needs") or {}).items()},
        )
        for code, spec in data["types"].items()
    }
    facilities = {str(slug): str(code) for slug, code in (data.get("facilities") or {}).items()}
    default_type = str(data["default_type"])
    unknown = ({default_type} | set(facilities.values())) - set(types)
    if unknown:
        raise ValueError(f"coverage rules name unknown facility types: {', '.join(sorted(unknown))}")
    if any(n < 0 for t in types.values() for n in t.needs.values()):
        raise ValueError("coverage rules: a number of staff needed cannot be negative")
    return CoverageRules(types, facilities, default_type, int(data.get("expiring_within_days", 90)), data["source"])


@dataclass(frozen=True)
class Holding:
    """One staff member of one facility holding one competency from one valid certificate."""

    facility_id: int
    user_id: int
    code: str
    expires_on: date | None


def current_holdings(holdings: Iterable[Holding], today: date) -> dict[tuple[int, int, str], date | None]:
    """Per (facility, staff member, competency) the latest expiry among unexpired holdings (None: never expires),
    the same "latest expiry wins" rule as the worker's own record."""
    latest: dict[tuple[int, int, str], date | None] = {}
    for h in holdings:
        if h.expires_on is not None and h.expires_on < today:
            continue
        key = (h.facility_id, h.user_id, h.code)
        if key not in latest or (latest[key] is not None and (h.expires_on is None or h.expires_on > latest[key])):
            latest[key] = h.expires_on
    return latest


@dataclass(frozen=True)
class Cell:
    code: str
    needed: int | None
    """None: the facility's type does not ask for this competency."""
    held: int

    @property
    def enough(self) -> bool:
        return self.needed is None or self.held >= self.needed

    @property
    def short_by(self) -> int:
        return 0 if self.needed is None else max(0, self.needed - self.held)


def coverage_cells(
    facility_id: int, needs: dict[str, int], codes: list[str], held: dict[tuple[int, int, str], date | None]
) -> list[Cell]:
    """One cell per competency code: staff of the facility holding it against the number its type needs."""
    holders: dict[str, int] = defaultdict(int)
    for facility, _user, code in held:
        if facility == facility_id:
            holders[code] += 1
    return [Cell(code, needs.get(code), holders[code]) for code in codes]


def expiring_soon(
    held: dict[tuple[int, int, str], date | None], today: date, days: int
) -> list[tuple[int, int, str, date]]:
    """(facility, staff member, competency, expiry) whose latest expiry falls within `days` from today, soonest
    first."""
    until = today + timedelta(days=days)
    soon = [(f, u, c, e) for (f, u, c), e in held.items() if e is not None and today <= e <= until]
    return sorted(soon, key=lambda item: (item[3], item[0], item[2], item[1]))
