"""Text of one language's catalog that must not show on a page in the other: the phrases of the English catalog that
read differently in Indonesian, the reverse, and stored enum values shown raw instead of through their `.label`.
Shared by the phone walk (tests/browser) and the page tests that render in both languages."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[1] / "lms" / "translations" / "id" / "LC_MESSAGES" / "messages.po"


@cache
def english_phrases() -> tuple[re.Pattern, ...]:
    """Text of the English catalog that reads differently in Indonesian: each msgid's fixed parts (placeholders cut
    out) of two words or more, matched as whole words. Single words are left out (names such as "Lentera", or
    "Status", are shared by both languages)."""
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale="id")
    # Indonesian words the English catalog quotes ("mata pelatihan", "ranah") are Indonesian on either page.
    indonesian = " ".join(
        " ".join(m.string) if isinstance(m.string, tuple) else m.string for m in catalog if m.id and m.string
    ).lower()
    phrases = set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or not message.string:
            continue
        if message.string == message.id:
            continue
        for part in _fixed_parts(message.id):
            if len(part.split()) >= 2 and part.lower() not in indonesian:
                phrases.add(part)
    return tuple(re.compile(r"(?<![\w-])" + re.escape(p) + r"(?![\w-])") for p in sorted(phrases))


@cache
def indonesian_phrases() -> tuple[re.Pattern, ...]:
    """The reverse: text of the Indonesian catalog that reads differently in English, each msgstr's fixed parts of
    two words or more. Parts that the English catalog itself uses are left out (Indonesian words quoted in English,
    "Pembelajaran (learning)", are English text too)."""
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale="id")
    english = " ".join(" ".join(m.id) if isinstance(m.id, tuple) else m.id for m in catalog if m.id).lower()
    phrases = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for string in strings:
            if string in ids:
                continue
            for part in _fixed_parts(string):
                words = part.split()
                if len(words) >= 2 and part.lower() not in english:
                    phrases.add(part)
    return tuple(re.compile(r"(?<![\w-])" + re.escape(p) + r"(?![\w-])") for p in sorted(phrases))


def _fixed_parts(message: str) -> list[str]:
    """A message's runs of plain words, placeholders and punctuation cut out."""
    parts = []
    for part in re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|[\n:;.,!?()\"“”*`<>/=]", message.replace("%%", "%")):
        part = " ".join(part.split()).strip(" -–—'’%")
        if part and all(re.fullmatch(r"[A-Za-z][A-Za-z'’-]*", w) for w in part.split()):
            parts.append(part)
    return parts


def _enums_with_labels() -> list[type[StrEnum]]:
    found, queue = [], list(StrEnum.__subclasses__())
    while queue:
        enum = queue.pop()
        queue += enum.__subclasses__()
        if enum.__module__.startswith("lms.") and isinstance(getattr(enum, "label", None), property):
            found.append(enum)
    return found


@cache
def raw_codes(lang: str) -> tuple[re.Pattern, ...]:
    """Stored enum values shown as they are instead of through their `.label` ("saat ini: pending"): one-word
    lower-case values that the page language's own catalog text never uses as a word."""
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale="id")
    texts = [m.string if lang == "id" else m.id for m in catalog if m.id and m.string]
    parts = [part for t in texts for part in (t if isinstance(t, tuple) else (t,))]
    words = {w.lower() for part in parts for w in re.findall(r"\w+", part)}
    codes = {m.value for enum in _enums_with_labels() for m in enum if re.fullmatch(r"[a-z]{4,}", m.value)}
    return tuple(re.compile(r"(?<![\w-])" + code + r"(?![\w-])") for code in sorted(codes - words))
