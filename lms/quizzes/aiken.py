"""Moodle's Aiken format: single-choice questions written as a question, lettered options and `ANSWER: X`.

    Berapa lama handrub berbasis alkohol dilakukan?
    A. 5-10 detik
    B) 20-30 detik
    ANSWER: B

Options are a capital letter, `.` or `)`, then (usually) a space, lettered A, B, C, ... in order; the question text
may span several lines (Moodle's newer reader allows it); blank lines between questions are optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from lms.quizzes.question_files import QuestionFileError, QuestionFileResult, question_reader
from lms.quizzes.spec import Choice, QuestionKind, QuestionSpec, TextFormat

OPTION = re.compile(r"([A-Z])[.)][ \t]*(\S.*)")
"""An option line: `A. text`, `B) text`, and as Moodle also reads them `A)text`, `A.text` (no space)."""
ANSWER = re.compile(r"ANSWER:\s*(.*)")
WHITESPACE = " \t\n\r\0\x0b"


@dataclass
class _Draft:
    line: int
    text_lines: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


@question_reader("aiken")
def read_aiken(text: str) -> QuestionFileResult:
    """Every question of an Aiken file; a broken question is reported at its line and reading goes on after it."""
    result = QuestionFileResult()
    draft: _Draft | None = None
    skipping = False
    """After an error, the rest of the broken question is passed over until its ANSWER: line or a blank line."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def fail(line: int, message) -> None:
        nonlocal draft, skipping
        result.errors.append(QuestionFileError(line, message))
        draft, skipping = None, True

    for number, raw in enumerate(lines, start=1):
        line = raw.strip(WHITESPACE)
        if not line:
            if draft is not None and draft.options:
                fail(number, _l("The question ends without an ANSWER: line."))
            skipping = False
            continue
        answer, option = ANSWER.fullmatch(line), OPTION.fullmatch(line)
        if skipping:
            skipping = answer is None
            continue
        if answer is not None:
            if draft is None or not draft.options:
                fail(number, _l("ANSWER: comes before the options of a question."))
                skipping = False
            else:
                question = _finish(draft, answer.group(1).strip(WHITESPACE), number, result)
                if question is not None:
                    result.questions.append(question)
                draft = None
        elif option is not None:
            letter, option_text = option.groups()
            expected = chr(ord("A") + len(draft.options)) if draft is not None else "A"
            if draft is None or not draft.text_lines:
                fail(number, _l("Option %(letter)s comes before any question text.", letter=letter))
            elif letter != expected:
                fail(number, _l("Options are lettered in order: expected %(expected)s, found %(found)s.",
                                expected=expected, found=letter))  # fmt: skip
            else:
                draft.options.append(option_text.strip(WHITESPACE))
        elif draft is not None and draft.options:
            fail(number, _l("Expected another option (B. …) or the ANSWER: line."))
        elif draft is None:
            draft = _Draft(number, [line])
        else:
            draft.text_lines.append(line)
    if draft is not None:
        result.errors.append(QuestionFileError(len(lines), _l("The question ends without an ANSWER: line.")))
    return result


def _finish(draft: _Draft, answer: str, line: int, result: QuestionFileResult) -> QuestionSpec | None:
    if len(draft.options) < 2:
        result.errors.append(QuestionFileError(line, _l("A question needs at least two options.")))
        return None
    index = ord(answer) - ord("A") if len(answer) == 1 else -1
    if not 0 <= index < len(draft.options):
        result.errors.append(
            QuestionFileError(line, _l("ANSWER: %(answer)s names none of the options.", answer=answer or "''"))
        )
        return None
    return QuestionSpec(
        kind=QuestionKind.SINGLE,
        text="\n".join(draft.text_lines),
        text_format=TextFormat.PLAIN,
        choices=tuple(Choice(text, Decimal(1 if i == index else 0)) for i, text in enumerate(draft.options)),
        line=draft.line,
    )


def write_aiken(questions: Iterable[QuestionSpec]) -> str:
    """Single-choice questions as Aiken that `read_aiken` reads back to the same text and options.

    Aiken holds no title, category, feedback or weights: those are not written. A question Aiken cannot hold (another
    kind, not exactly one right option, a text line that would read as an option or a blank line) raises ValueError.
    """
    blocks = []
    for question in questions:
        right = [i for i, choice in enumerate(question.choices) if choice.fraction == 1]
        if question.kind != QuestionKind.SINGLE or len(right) != 1 or not 2 <= len(question.choices) <= 26:
            raise ValueError(f"{question.title or question.text[:40]!r}: only single-choice questions fit in Aiken")
        text_lines = question.text.split("\n")
        options = [f"{chr(ord('A') + i)}. {choice.text}" for i, choice in enumerate(question.choices)]
        for line in text_lines:
            if not line.strip(WHITESPACE) or OPTION.fullmatch(line.strip(WHITESPACE)) or ANSWER.fullmatch(line):
                raise ValueError(f"{question.text[:40]!r}: the line {line!r} cannot be written in Aiken")
        if any("\n" in choice.text or not choice.text.strip(WHITESPACE) for choice in question.choices):
            raise ValueError(f"{question.text[:40]!r}: an option of more than one line cannot be written in Aiken")
        blocks.append("\n".join([*text_lines, *options, f"ANSWER: {chr(ord('A') + right[0])}"]))
    return "\n\n".join(blocks) + "\n"
