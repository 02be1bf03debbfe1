"""Question files that course.yaml names (`questions: {pre_test: pre-test.gift}`): checked and written by the quizzes
feature through this registry, so that validating and exporting a course folder covers them while courses never
imports quizzes.

The quizzes feature registers one `QuestionFileHandler` (in its `connect()`); without one (a bare unit test), only
the files' presence is checked and nothing is exported for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lms.courses.files import QUESTIONS_FILE_PATTERN

if TYPE_CHECKING:
    from lms.courses.models import CourseVersion


Problem = tuple[int | None, str]
"""A problem in a question file: its 1-based line (None for the whole file) and a message."""


@dataclass(frozen=True)
class QuestionFileHandler:
    suffixes: tuple[str, ...]
    """File endings it reads and writes, e.g. (".gift", ".txt")."""
    check: Callable[[str, bytes], list[Problem]]
    """(suffix, the file's bytes) -> its problems; empty when the file imports as it is."""
    write: Callable[[CourseVersion, str, str], bytes | None]
    """(version, role such as "pre_test", file name) -> the file's bytes, or None when the version has no such quiz;
    ValueError when the file's format cannot hold the quiz."""
    load: Callable[[CourseVersion, str, str, bytes], str]
    """(version, role, file name, the file's bytes) -> one line saying what became of the version's quiz of that role
    (created, replaced, unchanged, or why it was left as it was); the file was checked before."""


_handlers: list[QuestionFileHandler] = []


def register_question_file_handler(handler: QuestionFileHandler) -> QuestionFileHandler:
    """Set the handler (idempotent: registering again replaces it)."""
    _handlers[:] = [handler]
    return handler


def _handler() -> QuestionFileHandler | None:
    return _handlers[0] if _handlers else None


def question_file_problems(path: Path) -> list[Problem]:
    """Problems of one named question file as it is on disk (missing, unreadable, not readable as questions)."""
    if not path.is_file():
        return [(None, f"question file '{path.name}' does not exist in {path.parent}")]
    handler = _handler()
    if handler is None:
        return []
    suffix = path.suffix.lower()
    if suffix not in handler.suffixes:
        return [(None, f"question files end in {' or '.join(handler.suffixes)}, not '{path.suffix or path.name}'")]
    try:
        data = path.read_bytes()
    except OSError as error:
        return [(None, f"cannot read file: {error.strerror or error}")]
    return handler.check(suffix, data)


def load_question_files(version: CourseVersion, folder: Path) -> list[str]:
    """Load the question files the version's course.yaml names into its quizzes (`lms courses import`); one line
    per file. The files were validated with the folder."""
    handler = _handler()
    if handler is None:
        return []
    return [
        handler.load(version, role, file_name, (Path(folder) / file_name).read_bytes())
        for role, file_name in version.questions
        if (Path(folder) / file_name).is_file()
    ]


@dataclass
class NamedFilesExport:
    written: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Named files the version has no quiz for (nothing to write), as 'role: file name'."""
    unwritable: list[str] = field(default_factory=list)
    """Named files whose format cannot hold the quiz (e.g. Aiken and a true/false question), with the reason."""


def write_question_files(version: CourseVersion, folder: Path) -> NamedFilesExport:
    """Write the question files the version's course.yaml names, each from the version's quiz of that role."""
    result = NamedFilesExport()
    handler = _handler()
    for role, file_name in version.questions:
        if not QUESTIONS_FILE_PATTERN.match(file_name):  # from the database: never a path outside the folder
            raise ValueError(f"question file name {file_name!r} cannot be used as a file name")
        try:
            data = handler.write(version, role, file_name) if handler else None
        except ValueError as error:  # the file's format cannot hold one of the quiz's questions
            result.unwritable.append(f"{file_name}: {error}")
            continue
        if data is None:
            result.missing.append(f"{role}: {file_name}")
            continue
        path = Path(folder) / file_name
        path.write_bytes(data)
        result.written.append(path)
    return result
