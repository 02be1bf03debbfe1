"""Question files (GIFT, Aiken): what a reader returns, and `read_question_file` choosing the reader by format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import LazyString

from lms.quizzes.spec import QuestionSpec

Message = str | LazyString
"""A translatable message (`lazy_gettext`), turned into text in the reader's language when shown."""


@dataclass(frozen=True)
class QuestionFileError:
    """A question that could not be read, at the 1-based line of the problem."""

    line: int
    message: Message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class SkippedQuestion:
    """A well-formed question of a type Lentera does not support (`kind`: "matching", "essay", "description")."""

    line: int
    kind: str
    reason: Message

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class QuestionFileResult:
    questions: list[QuestionSpec] = field(default_factory=list)
    errors: list[QuestionFileError] = field(default_factory=list)
    skipped: list[SkippedQuestion] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every question of the file was read (skipped types are not errors)."""
        return not self.errors


Reader = Callable[[str], QuestionFileResult]

READERS: dict[str, Reader] = {}
"""Question file formats by name ("gift", "aiken"); each reader module registers itself with `question_reader`."""


def question_reader(name: str) -> Callable[[Reader], Reader]:
    def register(reader: Reader) -> Reader:
        READERS[name] = reader
        return reader

    return register


def read_question_file(text: str, format: str) -> QuestionFileResult:
    """Read a question file in `format` (a key of READERS); unknown formats are a programming error (ValueError)."""
    try:
        reader = READERS[format]
    except KeyError:
        raise ValueError(f"unknown question file format {format!r}; known: {', '.join(sorted(READERS))}") from None
    return reader(text)


# The readers import the types above and register themselves; importing them here fills READERS whichever module
# is imported first.
from lms.quizzes import aiken, gift  # noqa: E402,F401
