"""Enum labels for forms and pages: every enum keeps its user-facing words in its own `.label`; these read them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from wtforms.fields.choices import SelectChoice

from lms.core.i18n import page_translations


def choices_of(members: Iterable[StrEnum]) -> list[SelectChoice]:
    """Select choices (value, label) of an enum's members, in their order."""
    return [SelectChoice(member.value, member.label) for member in members]


def labels_of(members: Iterable[StrEnum]) -> dict[StrEnum, object]:
    """{member: label} for templates; a stored value looks its label up directly (a StrEnum member is equal to,
    and hashes as, its value)."""
    return {member: member.label for member in members}


_TRANSLATED_KEPT = 64
_translated: dict[tuple[type, int], tuple[object, dict]] = {}


def translated_labels(enum: type[StrEnum]) -> dict[StrEnum, str]:
    """labels_of(enum) with each label translated into the request's language, as plain text: made once per enum
    and language (the catalog's translations object, compared by identity: `force_locale` and a language changed
    during the request get their own), not on every page (each label a lazy string, translated through Flask-Babel's
    proxies: a record page's three ranah cost 200 calls)."""
    translations = page_translations()
    key = (enum, id(translations))
    kept = _translated.get(key)
    if kept is None or kept[0] is not translations:
        if len(_translated) >= _TRANSLATED_KEPT:
            _translated.clear()
        kept = _translated[key] = (translations, {member: str(label) for member, label in labels_of(enum).items()})
    return kept[1]
