"""Indonesian personal identifiers: NIK checks and masking, WhatsApp numbers in E.164, the profession list from the
data file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l

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


PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")
INDONESIAN_MOBILE = re.compile(r"^\+628\d{7,11}$")
"""A mobile number in Indonesia: 08 and 8 to 11 more digits as people write it (0812 3456 7890), +628… in E.164."""
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class PhoneInvalid(ValueError):
    """The text is not a phone number that WhatsApp could reach."""

    message = _l("Enter a WhatsApp number such as 0812 3456 7890 or +62 812 3456 7890 (digits only, no letters).")


def normalize_phone(value: str | None) -> str | None:
    """A WhatsApp number as people type it, in E.164: `0812-3456-7890` and `62 812 3456 7890` → `+6281234567890`;
    a number of another country keeps its `+` and code. Empty means none given; anything else raises PhoneInvalid."""
    cleaned = PHONE_SEPARATORS.sub("", value or "")
    if not cleaned:
        return None
    if cleaned.startswith("00"):  # the international prefix dialled from Indonesia
        cleaned = "+" + cleaned[2:]
    elif cleaned.startswith("0"):
        cleaned = "+62" + cleaned[1:]
    elif cleaned.startswith("62"):
        cleaned = "+" + cleaned
    if not E164.match(cleaned) or (cleaned.startswith("+62") and not INDONESIAN_MOBILE.match(cleaned)):
        raise PhoneInvalid(value)
    return cleaned


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


@cache
def profession_names_by_number() -> dict[int, str]:
    """Each profession's name by its `number` (the code a certificate token carries)."""
    return {profession.number: profession.name for profession in professions().values()}


def profession_choices() -> list:
    """Form choices grouped as in UU 17/2023 (an optgroup per group)."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(p.code, p.name, optgroup=p.group) for p in professions().values()]


def profession_name(code: str | None) -> str:
    profession = professions().get(code or "")
    return profession.name if profession else ""
