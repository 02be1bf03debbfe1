"""Enum labels for forms and pages: every enum keeps its user-facing words in its own `.label`; these read them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from wtforms.fields.choices import SelectChoice


def choices_of(members: Iterable[StrEnum]) -> list[SelectChoice]:
    """Select choices (value, label) of an enum's members, in their order."""
    return [SelectChoice(member.value, member.label) for member in members]


def labels_of(members: Iterable[StrEnum]) -> dict[StrEnum, object]:
    """{member: label} for templates; a stored value looks its label up directly (a StrEnum member is equal to,
    and hashes as, its value)."""
    return {member: member.label for member in members}
