"""Indonesian personal identifiers: NIK checks and masking, profession list from the data file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

NIK_PATTERN = re.compile(r"^\d{16}$")
PROFESSIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "professions.yaml"


def normalize_nik(value: str | None) -> str | None:
    """Strip spaces and dots people type into a NIK; empty means none given."""
    if value is None:
        return None
    cleaned = re.sub(r"[\s.\-]", "", value)
    return cleaned or None


def is_valid_nik(nik: str) -> bool:
    """A NIK is 16 digits: province(2) regency(2) district(2) birth date(6, +40 for women) serial(4)."""
    if not NIK_PATTERN.match(nik):
        return False
    if nik[:2] == "00":
        return False
    day, month = int(nik[6:8]), int(nik[8:10])
    if day > 40:
        day -= 40
    return 1 <= day <= 31 and 1 <= month <= 12


def mask_nik(nik: str | None) -> str:
    """Show only the first four and last four digits: 3201********0001."""
    if not nik:
        return ""
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


@dataclass(frozen=True)
class Profession:
    code: str
    number: int
    name: str
    group: str


@cache
def professions() -> dict[str, Profession]:
    data = yaml.safe_load(PROFESSIONS_FILE.read_text(encoding="utf-8"))
    return {
        p["code"]: Profession(p["code"], p["number"], p["name"], group["name"])
        for group in data["groups"]
        for p in group["professions"]
    }


def profession_choices() -> list:
    """Form choices grouped as in UU 17/2023 (an optgroup per group)."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(p.code, p.name, optgroup=p.group) for p in professions().values()]


def profession_name(code: str | None) -> str:
    profession = professions().get(code or "")
    return profession.name if profession else ""
