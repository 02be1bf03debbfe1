"""Question files (GIFT, Aiken): decoding their bytes, what a reader returns, and `read_question_file` choosing the
reader by format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from lms.quizzes.spec import QuestionSpec

Message = str | LazyString
"""A translatable message (`lazy_gettext`), turned into text in the reader's language when shown."""


@dataclass(frozen=True)
class QuestionFileError:
    """A question that could not be read, at the 1-based line of the problem."""

    line: int
    """0 for a problem of the whole file (too large, no question)."""
    message: Message

    def __str__(self) -> str:
        """`line N: message` in the reader's language (the message alone for the whole file)."""
        if not self.line:
            return str(self.message)
        return str(_l("line %(n)d: %(message)s", n=self.line, message=self.message))


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


@dataclass(frozen=True)
class DecodedFile:
    """A question file's text, and a notice when it was not UTF-8 but read as Windows-1252."""

    text: str
    notice: Message | None = None


class UnreadableFile(ValueError):
    """Bytes that are neither UTF-8 nor Windows-1252 text; `message` says so in one line."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def decode_question_file(data: bytes) -> DecodedFile:
    """The text of an uploaded or exported question file.

    UTF-8 (with or without the byte-order mark Windows editors add) is read as it is. Files saved by Word or Notepad
    on Windows are often Windows-1252 (Moodle reads them as such when told so): they are read as Windows-1252 with a
    notice, so that "é" or "–" arrive intact. Bytes that are not text either way (a .docx, an image, UTF-16) are
    refused with one line saying what to do.
    """
    if b"\x00" in data:
        raise UnreadableFile(_l("The file is not text (it holds zero bytes); save it as plain text in UTF-8."))
    try:
        return DecodedFile(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        position = error.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            _l("The file is neither UTF-8 nor Windows-1252 text (byte %(n)d); save it as UTF-8.", n=error.start + 1)
        ) from None
    line = data.count(b"\n", 0, position) + 1
    return DecodedFile(
        text,
        _l(
            "The file is not UTF-8 (line %(line)d); it was read as Windows-1252. Check its accented letters.",
            line=line,
        ),
    )


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
