"""Course folders (course.yaml and one Markdown file per subject): read and validate them, write them canonically."""

from __future__ import annotations

import difflib
import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from yaml.constructor import SafeConstructor

from lms.accounts.identity import professions
from lms.courses.curriculum import (
    DEFAULT_CERTIFICATE_RULES,
    CompetencySpec,
    CourseKind,
    CourseSpec,
    LessonSpec,
    Ranah,
    SubjectDetails,
    SubjectSpec,
    SubjectType,
)

COURSE_FILE = "course.yaml"
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")
ORGANIZATION_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SUBJECT_FILE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.md$")
QUESTIONS_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
QUESTIONS_FILE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MINUTES_COMMENT = re.compile(r"^<!--\s*minutes:\s*(?P<minutes>[^;]*?)\s*(?:;\s*video:\s*(?P<video>.*?)\s*)?-->$")
RAW_HTML = re.compile(r"<[A-Za-z!/?]|\bon[A-Za-z]+\s*=|\b(?:java|vb)script\s*:", re.IGNORECASE)
SUMMARY_WIDTH = 88
"""Column at which write_course folds the summary (the two-space indent included)."""
FRONT_MATTER_FENCE = "---"

COURSE_FIELDS = (
    "code",
    "title",
    "summary",
    "kind",
    "organization",
    "target_professions",
    "skp",
    "accreditation_number",
    "pass_mark",
    "attendance_threshold",
    "validity_months",
    "sequential",
    "certificate",
    "competencies",
    "subjects",
    "questions",
)
COURSE_OPTIONAL = frozenset(
    {"accreditation_number", "pass_mark", "attendance_threshold", "sequential", "certificate", "questions"}
)
COURSE_REQUIRED = frozenset(COURSE_FIELDS) - COURSE_OPTIONAL
SKP_FIELDS = ("ranah", "value")
COMPETENCY_FIELDS = ("code", "name")
SUBJECT_FIELDS = ("title", "type", "jpl", "objectives")
JPL_FIELDS = ("t", "p", "pl")
CERTIFICATE_FIELDS = {
    "lessons": "require_lessons",
    "post_test": "require_post_test",
    "attendance": "require_attendance",
    "approval": "certificate_needs_approval",
}
"""course.yaml's `certificate` keys and the CourseSpec fields they set (each optional, defaults as in CourseSpec)."""


@dataclass(frozen=True)
class CourseFileError:
    """One problem in a course file, at a 1-based line when it has one."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else f"{self.path}"
        return f"{where}: {self.message}"


class CourseFilesInvalid(Exception):
    """A course folder could not be read; `errors` lists every problem found."""

    def __init__(self, errors: list[CourseFileError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


# Reading


@dataclass
class _Report:
    """Errors of one file; `offset` turns YAML node lines into file lines (front matter starts on line 2)."""

    path: Path
    offset: int = 0
    errors: list[CourseFileError] = field(default_factory=list)

    def add(self, line: int | None, message: str) -> None:
        self.errors.append(CourseFileError(self.path, line, message))

    def at(self, node: yaml.Node, message: str) -> None:
        self.add(self.line(node), message)

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.offset

    def sorted(self) -> list[CourseFileError]:
        return sorted(self.errors, key=lambda error: error.line or 0)


def _show(value: Any) -> str:
    """A value as the author wrote it, for messages: 'dua', 1.5, null, a list."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


class _Unreadable:
    """Stands for a value that composes but does not construct (e.g. a mapping with a list as key)."""

    def __str__(self) -> str:
        return "a value YAML cannot read"


def _value(node: yaml.Node) -> Any:
    """Python value of a node, by the same rules as yaml.safe_load."""
    try:
        return SafeConstructor().construct_document(node)
    except yaml.YAMLError:
        return _Unreadable()


def _compose(text: str, report: _Report) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        report.add(mark.line + 1 + report.offset if mark else None, f"YAML syntax error: {problem}{context}")
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 + report.offset if isinstance(exc.position, int) else None
        report.add(line, f"YAML syntax error: character {exc.character!r} is not allowed")
    except yaml.YAMLError as exc:
        report.add(None, f"YAML syntax error: {exc}")
    return None


def _fields(
    node: yaml.Node, known: tuple[str, ...], required: frozenset[str] | tuple[str, ...], what: str, report: _Report
) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
    """The key and value nodes of a mapping by field name; reports unknown, duplicate and missing fields."""
    if not isinstance(node, yaml.MappingNode):
        report.at(node, f"{what} must be a mapping of fields, got {_show(_value(node))}")
        return None
    fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            report.at(key_node, f"field names in {what} must be plain words")
            continue
        name = key_node.value
        if name in fields:
            first = report.line(fields[name][0])
            report.at(key_node, f"duplicate field '{name}' in {what} (also on line {first})")
        elif name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; known fields: {', '.join(known)}"
            report.at(key_node, f"unknown field '{name}' in {what}{hint}")
        else:
            fields[name] = (key_node, value_node)
    for name in known:
        if name in required and name not in fields:
            report.at(node, f"missing required field '{name}' in {what}")
    return fields


def _text(node: yaml.Node, name: str, report: _Report, *, nullable: bool = False) -> str | None:
    value = _value(node)
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value.strip():
        kind = "text or null" if nullable else "non-empty text"
        report.at(node, f"{name} must be {kind}, got {_show(value)}")
        return None
    return value


def _whole(node: yaml.Node, name: str, report: _Report, low: int, high: int | None = None) -> int | None:
    value = _value(node)
    if type(value) is not int:
        report.at(node, f"{name} must be a whole number, got {_show(value)}")
        return None
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        report.at(node, f"{name} must be a whole number {bounds}, got {value}")
        return None
    return value


def _choice(node: yaml.Node, name: str, enum: type, report: _Report) -> Any:
    value = _value(node)
    allowed = [member.value for member in enum]
    if value not in allowed:
        report.at(node, f"{name} must be one of {', '.join(allowed)}, got {_show(value)}")
        return None
    return enum(value)


def _items(node: yaml.Node, name: str, report: _Report) -> list[yaml.Node] | None:
    """The item nodes of a non-empty list."""
    if not isinstance(node, yaml.SequenceNode):
        report.at(node, f"{name} must be a list, got {_show(_value(node))}")
        return None
    if not node.value:
        report.at(node, f"{name} must not be empty")
        return None
    return list(node.value)


def _code(node: yaml.Node, name: str, report: _Report) -> str | None:
    value = _value(node)
    if not isinstance(value, str) or not CODE_PATTERN.match(value):
        report.at(
            node, f"{name} must be upper-case letters, digits and hyphens ({CODE_PATTERN.pattern}), got {_show(value)}"
        )
        return None
    return value


def _unique(nodes_and_values: list[tuple[yaml.Node, Any]], what: str, report: _Report) -> None:
    seen: dict[Any, int] = {}
    for node, value in nodes_and_values:
        if value is None:
            continue
        if value in seen:
            report.at(node, f"duplicate {what} {_show(value)} (also on line {seen[value]})")
        else:
            seen[value] = report.line(node)


@dataclass
class _CourseYaml:
    """What course.yaml says, before the subject files are read."""

    values: dict[str, Any]
    subject_files: list[tuple[str, int]]
    code_line: int | None
    question_files: dict[str, int] = field(default_factory=dict)
    """Named question file -> the course.yaml line that names it."""


def _read_course_yaml(path: Path, report: _Report) -> _CourseYaml | None:
    text = _read_text(path, report)
    if text is None:
        return None
    root = _compose(text, report)
    if root is None:
        if not report.errors:
            report.add(1, "course.yaml is empty")
        return None
    fields = _fields(root, COURSE_FIELDS, COURSE_REQUIRED, "course.yaml", report)
    if fields is None:
        return None
    values: dict[str, Any] = {
        "accreditation_number": None,
        "pass_mark": 70,
        "attendance_threshold": 95,
        "sequential": False,
        "questions": (),
        "skp_value": None,
    }
    readers: dict[str, Callable[[yaml.Node], Any]] = {
        "code": lambda n: _code(n, "code", report),
        "title": lambda n: _text(n, "title", report),
        "summary": lambda n: _text(n, "summary", report),
        "kind": lambda n: _choice(n, "kind", CourseKind, report),
        "organization": lambda n: _organization(n, report),
        "target_professions": lambda n: _professions(n, report),
        "accreditation_number": lambda n: _text(n, "accreditation_number", report, nullable=True),
        "pass_mark": lambda n: _whole(n, "pass_mark", report, 0, 100),
        "attendance_threshold": lambda n: _whole(n, "attendance_threshold", report, 0, 100),
        "validity_months": lambda n: _whole(n, "validity_months", report, 1),
        "sequential": lambda n: _flag(n, "sequential", report),
        "competencies": lambda n: _competencies(n, report),
    }
    question_files: dict[str, int] = {}
    code_line = None
    subject_files: list[tuple[str, int]] = []
    for name, (key_node, value_node) in fields.items():
        if name == "skp":
            ranah, value = _skp(value_node, report)
            values["skp_ranah"], values["skp_value"] = ranah, value
        elif name == "certificate":
            values.update(_certificate(value_node, report))
        elif name == "subjects":
            subject_files = _subject_files(value_node, path.parent, report)
        elif name == "questions":
            values[name] = _questions(value_node, report, question_files)
        else:
            values[name] = readers[name](value_node)
            if name == "code" and values[name] is not None:
                code_line = report.line(key_node)
    return _CourseYaml(values, subject_files, code_line, question_files)


def _organization(node: yaml.Node, report: _Report) -> str | None:
    value = _value(node)
    if not isinstance(value, str) or not ORGANIZATION_PATTERN.match(value):
        report.at(node, f"organization must be a lower-case slug such as 'ppni', got {_show(value)}")
        return None
    return value


def _flag(node: yaml.Node, name: str, report: _Report) -> bool | None:
    value = _value(node)
    if not isinstance(value, bool):
        report.at(node, f"{name} must be true or false, got {_show(value)}")
        return None
    return value


def _certificate(node: yaml.Node, report: _Report) -> dict[str, bool]:
    fields = _fields(node, tuple(CERTIFICATE_FIELDS), (), "certificate", report)
    rules = {}
    for key, (_key_node, value_node) in (fields or {}).items():
        rules[CERTIFICATE_FIELDS[key]] = _flag(value_node, f"certificate.{key}", report)
    return rules


def _professions(node: yaml.Node, report: _Report) -> tuple[str, ...] | None:
    items = _items(node, "target_professions", report)
    if items is None:
        return None
    known = professions()
    codes = []
    for item in items:
        value = _value(item)
        if not isinstance(value, str) or value not in known:
            report.at(item, f"unknown profession {_show(value)} in target_professions (see lms/data/professions.yaml)")
            codes.append(None)
        else:
            codes.append(value)
    _unique(list(zip(items, codes, strict=True)), "profession", report)
    return None if None in codes else tuple(codes)


def _skp(node: yaml.Node, report: _Report) -> tuple[Ranah | None, Decimal | None]:
    fields = _fields(node, SKP_FIELDS, ("ranah",), "skp", report)
    if fields is None:
        return None, None
    ranah = _choice(fields["ranah"][1], "skp.ranah", Ranah, report) if "ranah" in fields else None
    value = None
    if "value" in fields:
        value_node = fields["value"][1]
        raw = _value(value_node)
        if raw is None:
            value = None
        elif isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or raw < 0:
            report.at(value_node, f"skp.value must be null or a number of at least 0, got {_show(raw)}")
        else:
            value = Decimal(raw) if isinstance(raw, int) else Decimal(str(raw))
    return ranah, value


def _competencies(node: yaml.Node, report: _Report) -> tuple[CompetencySpec, ...] | None:
    items = _items(node, "competencies", report)
    if items is None:
        return None
    competencies: list[CompetencySpec | None] = []
    codes: list[tuple[yaml.Node, Any]] = []
    for item in items:
        fields = _fields(item, COMPETENCY_FIELDS, COMPETENCY_FIELDS, "a competency", report)
        if fields is None:
            competencies.append(None)
            continue
        code = _code(fields["code"][1], "competency code", report) if "code" in fields else None
        name = _text(fields["name"][1], "competency name", report) if "name" in fields else None
        if "code" in fields:
            codes.append((fields["code"][1], code))
        competencies.append(CompetencySpec(code, name) if code and name else None)
    _unique(codes, "competency code", report)
    return None if None in competencies else tuple(competencies)


def _subject_files(node: yaml.Node, folder: Path, report: _Report) -> list[tuple[str, int]]:
    """The subject file names with the line that lists them; only those that exist and are not repeated."""
    items = _items(node, "subjects", report)
    if items is None:
        return []
    files = []
    seen: dict[str, int] = {}
    for item in items:
        value = _value(item)
        line = report.line(item)
        if not isinstance(value, str) or not SUBJECT_FILE_PATTERN.match(value):
            report.at(item, f"subjects must list file names ending in .md in this folder, got {_show(value)}")
        elif value in seen:
            report.at(item, f"duplicate subject file '{value}' (also on line {seen[value]})")
        elif not (folder / value).is_file():
            seen[value] = line
            report.at(item, f"subject file '{value}' does not exist in {folder}")
        elif not is_inside(folder, folder / value):
            seen[value] = line
            report.at(item, f"subject file '{value}' is a link to a file outside the course folder: copy the file in")
        else:
            seen[value] = line
            files.append((value, line))
    return files


def is_inside(folder: Path, path: Path) -> bool:
    """Whether `path`, with every symbolic link followed, is in `folder`: a course folder (perhaps uploaded or
    checked out from elsewhere) must not make the importer read `/etc/passwd` or another course's files."""
    try:
        return path.resolve(strict=True).is_relative_to(folder.resolve(strict=True))
    except (OSError, RuntimeError):  # a broken or looping link
        return False


def _questions(node: yaml.Node, report: _Report, lines: dict[str, int]) -> tuple[tuple[str, str], ...] | None:
    """(role, file name) pairs; `lines` gets the line naming each file (its content is checked by _read)."""
    if not isinstance(node, yaml.MappingNode):
        report.at(node, f"questions must be a mapping such as 'pre_test: pre-test.gift', got {_show(_value(node))}")
        return None
    pairs = []
    seen: dict[str, int] = {}
    ok = True
    for key_node, value_node in node.value:
        key, value = _value(key_node), _value(value_node)
        if not isinstance(key, str) or not QUESTIONS_KEY_PATTERN.match(key):
            report.at(key_node, f"questions keys must be lower-case names such as 'pre_test', got {_show(key)}")
            ok = False
        elif key in seen:
            report.at(key_node, f"duplicate field '{key}' in questions (also on line {seen[key]})")
            ok = False
        elif not isinstance(value, str) or not QUESTIONS_FILE_PATTERN.match(value):
            report.at(value_node, f"questions.{key} must be a file name such as 'pre-test.gift', got {_show(value)}")
            ok = False
        else:
            seen[key] = report.line(key_node)
            lines.setdefault(value, report.line(value_node))
            pairs.append((key, value))
    return tuple(pairs) if ok else None


def _read_text(path: Path, report: _Report) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        report.add(None, f"file is not valid UTF-8 ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        report.add(None, f"cannot read file: {exc.strerror or exc}")
    return None


def _read_subject(path: Path) -> tuple[SubjectSpec | None, list[CourseFileError]]:
    report = _Report(path)
    text = _read_text(path, report)
    if text is None:
        return None, report.errors
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0].rstrip() != FRONT_MATTER_FENCE:
        report.add(1, "front matter missing: the file must start with a '---' line, then the subject's YAML fields")
        return None, report.errors
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == FRONT_MATTER_FENCE), None)
    if close is None:
        report.add(1, "front matter not closed: no second '---' line after the subject's YAML fields")
        return None, report.errors
    details = _read_front_matter("\n".join(lines[1:close]), path, report)
    lessons = _read_lessons(lines, close + 1, report)
    if report.errors or details is None or lessons is None:
        return None, report.sorted()
    return SubjectSpec(slug=path.stem, lessons=lessons, **vars(details)), []


def _read_front_matter(text: str, path: Path, report: _Report) -> SubjectDetails | None:
    front = _Report(path, offset=1)
    root = _compose(text, front)
    if root is None:
        if not front.errors:
            front.add(1, "front matter is empty: expected title, type, jpl and objectives")
        report.errors.extend(front.errors)
        return None
    fields = _fields(root, SUBJECT_FIELDS, SUBJECT_FIELDS, "the front matter", front)
    header = None
    if fields is not None:
        title = _text(fields["title"][1], "title", front) if "title" in fields else None
        subject_type = _choice(fields["type"][1], "type", SubjectType, front) if "type" in fields else None
        jpl = _jpl(fields["jpl"][1], front) if "jpl" in fields else None
        objectives = _objectives(fields["objectives"][1], front) if "objectives" in fields else None
        if not front.errors:
            jpl_t, jpl_p, jpl_pl = jpl
            header = SubjectDetails(
                title=title, type=subject_type, jpl_t=jpl_t, jpl_p=jpl_p, jpl_pl=jpl_pl, objectives=objectives
            )
    report.errors.extend(front.errors)
    return header


def _jpl(node: yaml.Node, report: _Report) -> tuple[int, int, int] | None:
    fields = _fields(node, JPL_FIELDS, JPL_FIELDS, "jpl", report)
    if fields is None:
        return None
    values = [_whole(fields[name][1], f"jpl.{name}", report, 0) if name in fields else None for name in JPL_FIELDS]
    return None if None in values else tuple(values)


def _objectives(node: yaml.Node, report: _Report) -> tuple[str, ...] | None:
    items = _items(node, "objectives", report)
    if items is None:
        return None
    objectives = [_text(item, "each objective", report) for item in items]
    return None if None in objectives else tuple(objectives)


def _is_heading(line: str) -> bool:
    return line.startswith("# ") or line.rstrip() == "#"


def _read_lessons(lines: list[str], start: int, report: _Report) -> tuple[LessonSpec, ...] | None:
    """Lessons from line index `start` on: `# Title`, the minutes comment, the body up to the next `# `."""
    headings = [i for i in range(start, len(lines)) if _is_heading(lines[i])]
    first = headings[0] if headings else len(lines)
    stray = next((i for i in range(start, first) if lines[i].strip()), None)
    if stray is not None:
        report.add(stray + 1, "text before the first lesson: a lesson starts with a '# Title' line")
    if not headings:
        report.add(None, "the subject has no lessons: add a '# Title' line followed by '<!-- minutes: N -->'")
        return None
    lessons = []
    titles: dict[str, int] = {}
    for number, index in enumerate(headings):
        end = headings[number + 1] if number + 1 < len(headings) else len(lines)
        lessons.append(_read_lesson(lines, index, end, titles, report))
    return None if None in lessons else tuple(lessons)


def _read_lesson(lines: list[str], index: int, end: int, titles: dict[str, int], report: _Report) -> LessonSpec | None:
    line_number = index + 1
    title = lines[index][1:].strip()
    ok = True
    if not title:
        report.add(line_number, "lesson title is empty: write it after '# '")
        ok = False
    elif title in titles:
        report.add(line_number, f"duplicate lesson title '{title}' (also on line {titles[title]})")
        ok = False
    else:
        titles[title] = line_number
    _refuse_html(title, line_number, report)
    body_start = index + 1
    minutes, video = None, None
    comment = lines[index + 1].strip() if index + 1 < end else ""
    match = MINUTES_COMMENT.match(comment)
    if match:
        body_start += 1
        minutes = _minutes(match["minutes"], index + 2, report)
        if match["video"] is not None:
            video = _video(match["video"], index + 2, report)
            ok = ok and video is not None
    elif comment.startswith("<!--"):
        body_start += 1
        report.add(index + 2, f"malformed minutes comment, expected '<!-- minutes: N -->', got '{comment}'")
    else:
        report.add(line_number, "a lesson heading must be followed by a '<!-- minutes: N -->' line")
    body = lines[body_start:end]
    for offset, line in enumerate(body):
        _refuse_html(line, body_start + offset + 1, report)
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    if not ok or minutes is None:
        return None
    return LessonSpec(title, minutes, "\n".join(body), video)


def _minutes(raw: str, line: int, report: _Report) -> int | None:
    if not re.fullmatch(r"[0-9]+", raw) or int(raw) < 1:
        report.add(line, f"minutes must be a positive whole number, got '{raw}'")
        return None
    return int(raw)


def is_video_url(raw: str) -> bool:
    """The lesson video rule: an https:// URL with a host and no spaces, quotes or angle brackets."""
    parts = urlsplit(raw) if not re.search(r"[\s\"'<>\\]", raw) else None
    return parts is not None and parts.scheme == "https" and bool(parts.hostname)


def raw_html_in(text: str) -> str | None:
    """The first raw-HTML construct in lesson text (a tag, an on…= handler, a script URL), or None.
    The browser editor applies the same rule as the file validator."""
    found = RAW_HTML.search(text)
    if not found:
        return None
    tag = re.match(r"<[!/?]?[A-Za-z0-9-]*", text[found.start() :])
    return tag.group(0) if tag else found.group(0)


def splits_lesson(body: str) -> bool:
    """True when a line of `body` starts with '# ', which in a subject file would begin a new lesson."""
    return any(_is_heading(line) for line in body.split("\n"))


def _video(raw: str, line: int, report: _Report) -> str | None:
    if not is_video_url(raw):
        report.add(line, f"video must be an https:// URL, got '{raw}'")
        return None
    return raw


def _refuse_html(line: str, line_number: int, report: _Report) -> None:
    found = raw_html_in(line)
    if found:
        report.add(line_number, f"raw HTML is not allowed in lessons (found '{found}')")


def _read(
    folder: Path, *, question_files: bool = True
) -> tuple[CourseSpec | None, list[CourseFileError], tuple[str, int] | None]:
    """The course, every error, and (code, line) of its code for the duplicate check across folders.

    With `question_files`, the question files course.yaml names are checked too (present, readable as questions).
    """
    course_path = folder / COURSE_FILE
    report = _Report(course_path)
    if not folder.is_dir():
        problem = "no such directory" if not folder.exists() else "expected a directory holding course.yaml"
        return None, [CourseFileError(folder, None, f"not a course folder: {problem}")], None
    if not course_path.is_file():
        report.add(None, "file not found: every course folder needs a course.yaml")
        return None, report.errors, None
    if not is_inside(folder, course_path):
        report.add(None, "course.yaml is a link to a file outside the course folder: copy the file in")
        return None, report.errors, None
    course = _read_course_yaml(course_path, report)
    errors = report.sorted()
    subjects = []
    for name, _line in course.subject_files if course else []:
        subject, subject_errors = _read_subject(folder / name)
        errors.extend(subject_errors)
        subjects.append(subject)
    for name, line in course.question_files.items() if course and question_files else []:
        if (folder / name).exists() and not is_inside(folder, folder / name):
            message = f"question file '{name}' is a link to a file outside the course folder: copy the file in"
            errors.append(CourseFileError(course_path, line, message))
            continue
        errors.extend(_question_file_errors(folder / name, course_path, line))
    code = course.values.get("code") if course else None
    code_at = (code, course.code_line) if code and course and course.code_line else None
    if errors or course is None:
        return None, errors, code_at
    values = dict(course.values, subjects=tuple(subjects))
    values["target_professions"] = tuple(values["target_professions"])
    return CourseSpec(**values), [], code_at


def _question_file_errors(path: Path, course_path: Path, line: int) -> list[CourseFileError]:
    from lms.courses.named_files import question_file_problems

    problems = question_file_problems(path)
    # A missing file is reported where course.yaml names it; a problem inside a file, at its own line.
    return [
        CourseFileError(path, problem_line, message) if path.is_file() else CourseFileError(course_path, line, message)
        for problem_line, message in problems
    ]


def read_course(folder: Path, *, question_files: bool = True) -> CourseSpec:
    """The curriculum in a course folder; raises CourseFilesInvalid listing every problem found."""
    spec, errors, _code_at = _read(Path(folder), question_files=question_files)
    if errors or spec is None:
        raise CourseFilesInvalid(errors)
    return spec


def validate_courses(folders: list[Path], *, question_files: bool = True) -> list[CourseFileError]:
    """Every problem in the given course folders, including a course code used by more than one of them (and, with
    `question_files`, in the question files course.yaml names)."""
    errors: list[CourseFileError] = []
    codes: dict[str, Path] = {}
    seen: set[Path] = set()
    for folder in folders:
        if Path(folder).resolve() in seen:
            continue
        seen.add(Path(folder).resolve())
        _spec, folder_errors, code_at = _read(Path(folder), question_files=question_files)
        errors.extend(folder_errors)
        if code_at is None:
            continue
        code, line = code_at
        path = Path(folder) / COURSE_FILE
        if code in codes:
            errors.append(CourseFileError(path, line, f"duplicate course code '{code}' (also in {codes[code]})"))
        else:
            codes[code] = path
    return errors


# Writing


_YAML_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)
_FOLDABLE = re.compile(r"[^\s]+(?: [^\s]+)*")


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    escaped = _YAML_NON_PRINTABLE.sub(lambda m: _escape_char(m.group(0)), escaped)
    return f'"{escaped}"'


def _escape_char(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _loads_as(document: str, expected: Any) -> bool:
    try:
        return yaml.safe_load(document) == expected
    except yaml.YAMLError:
        return False


def _scalar(text: str) -> str:
    """A string in block context: plain when YAML reads it back unchanged, else double-quoted."""
    plain = text and text == text.strip() and "\n" not in text and not _YAML_NON_PRINTABLE.search(text)
    return text if plain and _loads_as(f"k: {text}\n", {"k": text}) else _quoted(text)


def _flow_item(text: str) -> str:
    plain = text and text == text.strip() and "\n" not in text and not _YAML_NON_PRINTABLE.search(text)
    return text if plain and _loads_as(f"[{text}]\n", [text]) else _quoted(text)


def _key(text: str) -> str:
    plain = text and text == text.strip() and "\n" not in text and not _YAML_NON_PRINTABLE.search(text)
    return text if plain and _loads_as(f"{text}: v\n", {text: "v"}) else _quoted(text)


def _folded(name: str, text: str) -> list[str]:
    """`name: >-` with the text wrapped at SUMMARY_WIDTH, when folding gives the same text back."""
    if not _FOLDABLE.fullmatch(text) or _YAML_NON_PRINTABLE.search(text):
        return [f"{name}: {_quoted(text)}"]
    wrapped = textwrap.wrap(
        text, width=SUMMARY_WIDTH - 2, break_long_words=False, break_on_hyphens=False, expand_tabs=False
    )
    return [f"{name}: >-", *(f"  {line}" for line in wrapped)]


def _course_yaml(spec: CourseSpec) -> str:
    lines = [
        f"code: {_scalar(spec.code)}",
        f"title: {_quoted(spec.title)}",
        *_folded("summary", spec.summary),
        f"kind: {_scalar(str(spec.kind))}",
        f"organization: {_scalar(spec.organization)}",
        f"target_professions: [{', '.join(_flow_item(code) for code in spec.target_professions)}]",
        "skp:",
        f"  ranah: {_scalar(str(spec.skp_ranah))}",
        f"  value: {'null' if spec.skp_value is None else format(spec.skp_value, 'f')}",
        f"accreditation_number: {'null' if spec.accreditation_number is None else _scalar(spec.accreditation_number)}",
        f"pass_mark: {spec.pass_mark}",
        f"attendance_threshold: {spec.attendance_threshold}",
        f"validity_months: {spec.validity_months}",
    ]
    if spec.sequential:
        lines.append("sequential: true")
    if spec.certificate_rules != DEFAULT_CERTIFICATE_RULES:
        lines.append("certificate:")
        lines += [f"  {key}: {'true' if getattr(spec, name) else 'false'}" for key, name in CERTIFICATE_FIELDS.items()]
    lines.append("competencies:" if spec.competencies else "competencies: []")
    for competency in spec.competencies:
        lines += [f"  - code: {_scalar(competency.code)}", f"    name: {_quoted(competency.name)}"]
    lines.append("subjects:" if spec.subjects else "subjects: []")
    lines += [f"  - {_scalar(subject.slug + '.md')}" for subject in spec.subjects]
    if spec.questions:
        lines.append("questions:")
        lines += [f"  {_key(key)}: {_scalar(file_name)}" for key, file_name in spec.questions]
    return "\n".join(lines) + "\n"


def _subject_markdown(subject: SubjectSpec) -> str:
    lines = [
        FRONT_MATTER_FENCE,
        f"title: {_scalar(subject.title)}",
        f"type: {_scalar(str(subject.type))}",
        f"jpl: {{t: {subject.jpl_t}, p: {subject.jpl_p}, pl: {subject.jpl_pl}}}",
        "objectives:" if subject.objectives else "objectives: []",
        *(f"  - {_scalar(objective)}" for objective in subject.objectives),
        FRONT_MATTER_FENCE,
    ]
    for number, lesson in enumerate(subject.lessons):
        if number:
            lines.append("")
        if not lesson.title.strip() or "\n" in lesson.title or lesson.title != lesson.title.strip():
            raise ValueError(f"{subject.slug}: lesson title {lesson.title!r} cannot be written as a '# ' heading")
        lines.append(f"# {lesson.title}")
        if lesson.video_url and re.search(r"\s|-->", lesson.video_url):
            raise ValueError(f"{subject.slug}: video URL {lesson.video_url!r} cannot be written in a comment")
        video = f"; video: {lesson.video_url}" if lesson.video_url else ""
        lines.append(f"<!-- minutes: {lesson.minutes}{video} -->")
        body = lesson.body.split("\n")
        while body and not body[0].strip():
            body.pop(0)
        while body and not body[-1].strip():
            body.pop()
        if splits_lesson("\n".join(body)):
            raise ValueError(f"{subject.slug}: lesson {lesson.title!r} has a line starting with '# ' in its body")
        if body:
            lines += ["", *body]
    return "\n".join(lines) + "\n"


def write_course(spec: CourseSpec, folder: Path) -> list[Path]:
    """Write course.yaml and one `<slug>.md` per subject in the canonical format; returns the paths written."""
    folder = Path(folder)
    for subject in spec.subjects:
        # The slug may come from the database: never let it name a file outside the folder.
        if not SUBJECT_FILE_PATTERN.match(f"{subject.slug}.md"):
            raise ValueError(f"subject slug {subject.slug!r} cannot be used as a file name")
    folder.mkdir(parents=True, exist_ok=True)
    contents = [(folder / COURSE_FILE, _course_yaml(spec))]
    contents += [(folder / f"{subject.slug}.md", _subject_markdown(subject)) for subject in spec.subjects]
    for path, text in contents:
        path.write_text(text, encoding="utf-8", newline="\n")
    return [path for path, _text in contents]
