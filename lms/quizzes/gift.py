"""Moodle's GIFT question format: reading it (the types Lentera grades); writing is in gift_writer.py.

The reader follows Moodle's qformat_gift: questions are separated by blank lines; lines starting with `//` are
comments; `$CATEGORY: path` sets the category of the questions after it; `::title::`; a `[markdown]`, `[html]`,
`[plain]` or `[moodle]` text format; one answer block `{...}`, whose kind is decided as Moodle decides it:
`{}` essay, `{#...}` numerical, any `~` choice (single when some answer starts with `=`, else multiple response),
`=a -> b` matching, `{T}`/`{TRUE}`/`{F}`/`{FALSE}` true/false, anything else short answer. `\\` escapes
`~ = # { } :` and itself; `\n` is a line break. Where Moodle would silently import nonsense (a title never
closed, a weight out of range, several answer blocks) the reader reports an error instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from lms.quizzes.question_files import (
    Message,
    QuestionFileError,
    QuestionFileResult,
    SkippedQuestion,
    question_reader,
)
from lms.quizzes.spec import IDNUMBER, Choice, NumericAnswer, QuestionKind, QuestionSpec, TextFormat

WHITESPACE = " \t\n\r\0\x0b"
"""What Moodle's trim() removes (PHP's default set): a non-breaking space is text, not padding."""
ESCAPES = {"\\": "\\", "~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "n": "\n"}
CATEGORY_PREFIX = "$CATEGORY:"
TRUE_WORDS = frozenset({"T", "TRUE"})
FALSE_WORDS = frozenset({"F", "FALSE"})
WEIGHT = re.compile(r"%([^%\s]*)%")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?")
"""A decimal number; the exponent is bounded so that no arithmetic on it can overflow."""
HUNDRED = Decimal(100)
ID_MARK = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
TAG_MARK = re.compile(r"\[tag:((?:\\\]|[^\]<>\x00-\x1f\x7f])*)\]")
MOODLE_HEADER = re.compile(r"//\s*question:\s*\d+\s+name:")
"""The first comment line Moodle's GIFT export writes before each question (`// question: 12  name: ...`)."""
OTHER_FEEDBACK = "other_feedback"
"""`extra` key of a numerical question's feedback for any other answer (GIFT `{#2:0 ~#feedback}`)."""


class _Invalid(Exception):
    """A question that cannot be read: where and why; caught per question, never leaves the reader."""

    def __init__(self, line: int, message: Message) -> None:
        super().__init__(str(message))
        self.line = line
        self.message = message


class _Skip(Exception):
    """A well-formed question of a type Lentera does not support."""

    def __init__(self, kind: str, reason: Message) -> None:
        super().__init__(str(reason))
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class _Text:
    """Part of a question after escapes are resolved: each character knows whether it was escaped (and so is
    never syntax) and the file line it came from, so that errors point at the right line."""

    text: str
    escaped: tuple[bool, ...]
    lines: tuple[int, ...]
    end_line: int
    """The line an empty part is reported at."""

    @classmethod
    def from_source(cls, source: Sequence[tuple[int, str]]) -> _Text:
        chars: list[str] = []
        escaped: list[bool] = []
        lines: list[int] = []
        for index, (number, line) in enumerate(source):
            if index:
                chars.append("\n")
                escaped.append(False)
                lines.append(number)
            i = 0
            while i < len(line):
                char = line[i]
                if char == "\\" and i + 1 < len(line) and line[i + 1] in ESCAPES:
                    chars.append(ESCAPES[line[i + 1]])
                    escaped.append(True)
                    i += 2
                else:
                    chars.append(char)
                    escaped.append(False)
                    i += 1
                lines.append(number)
        end_line = source[-1][0] if source else 0
        return cls("".join(chars), tuple(escaped), tuple(lines), end_line)

    def __len__(self) -> int:
        return len(self.text)

    def __getitem__(self, part: slice) -> _Text:
        start, stop, _ = part.indices(len(self.text))
        end_line = self.lines[start] if start < len(self.lines) else self.end_line
        return _Text(self.text[part], self.escaped[part], self.lines[part], end_line)

    @property
    def line(self) -> int:
        return self.lines[0] if self.lines else self.end_line

    def line_at(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.end_line

    def _is_syntax(self, index: int, length: int) -> bool:
        return not any(self.escaped[index : index + length])

    def find(self, sub: str, start: int = 0) -> int:
        """Index of the first `sub` none of whose characters was escaped, or -1."""
        index = self.text.find(sub, start)
        while index != -1 and not self._is_syntax(index, len(sub)):
            index = self.text.find(sub, index + 1)
        return index

    def rfind(self, sub: str) -> int:
        index = self.text.rfind(sub)
        while index != -1 and not self._is_syntax(index, len(sub)):
            index = self.text.rfind(sub, 0, index + len(sub) - 1)
        return index

    def startswith(self, prefix: str) -> bool:
        return self.text.startswith(prefix) and self._is_syntax(0, len(prefix))

    def strip(self, *, left: bool = True, right: bool = True) -> _Text:
        """Without unescaped white space at the ends (an escaped `\\n` is kept)."""
        start, stop = 0, len(self.text)
        while left and start < stop and self.text[start] in WHITESPACE and not self.escaped[start]:
            start += 1
        while right and stop > start and self.text[stop - 1] in WHITESPACE and not self.escaped[stop - 1]:
            stop -= 1
        return self[start:stop]

    def split_at(self, markers: str) -> tuple[_Text, list[_Text]]:
        """The text before the first unescaped marker character, and each piece that starts with a marker."""
        cuts = [i for i, char in enumerate(self.text) if char in markers and not self.escaped[i]]
        if not cuts:
            return self, []
        pieces = [self[start:stop] for start, stop in zip(cuts, [*cuts[1:], len(self.text)], strict=True)]
        return self[: cuts[0]], pieces

    def split_once(self, separator: str) -> tuple[_Text, _Text | None]:
        index = self.find(separator)
        if index == -1:
            return self, None
        return self[:index], self[index + len(separator) :]


# Reading


@question_reader("gift")
def read_gift(text: str) -> QuestionFileResult:
    """Every question of a GIFT file; bad questions become errors and unsupported types skips, never exceptions."""
    result = QuestionFileResult()
    category = ""
    for block, comments in _blocks(text):
        first_line, first = block[0]
        if first.startswith(CATEGORY_PREFIX):
            category = _Text.from_source([(first_line, first)])[len(CATEGORY_PREFIX) :].strip().text
            # Moodle would glue the following lines into the category name; they are read as a question.
            block = block[1:]
            if not block:
                continue
        line = block[0][0]
        try:
            question = _read_question(_Text.from_source(block).strip(), category, line)
            result.questions.append(_with_comment_marks(question, comments))
        except _Invalid as invalid:
            result.errors.append(QuestionFileError(invalid.line, invalid.message))
        except _Skip as skip:
            result.skipped.append(SkippedQuestion(line, skip.kind, skip.reason))
    return result


def _blocks(text: str) -> Iterable[tuple[list[tuple[int, str]], str]]:
    """Questions as lists of (line number, trimmed line) and the text of their `//` comment lines; blank lines
    separate them (a comment after a blank line belongs to the next question, as in Moodle). Moodle's header line
    `// question: N  name: ...` is left out of the comments: a `[tag:...]` inside a question's name is not a tag."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    block: list[tuple[int, str]] = []
    comments: list[str] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(WHITESPACE)
        if not line:
            if block:
                yield block, "\n".join(comments)
            block, comments = [], []
        elif line.startswith("//"):
            if not MOODLE_HEADER.match(line):
                comments.append(line)
        else:
            block.append((number, line))
    if block:
        yield block, "\n".join(comments)


def comment_marks(comment: str) -> tuple[str, tuple[str, ...]]:
    """The idnumber and tags Moodle writes in a question's comment lines: `// [id:PPI-01] [tag:apd] [tag:ppi]`.

    As Moodle reads them: the first `[id:...]` only, every `[tag:...]`, each trimmed, `\\]` standing for `]`; a mark
    never spans two lines; a tag holds no `<` or `>`.
    """
    found = ID_MARK.search(comment)
    idnumber = found.group(1).strip().replace("\\]", "]") if found else ""
    tags = tuple(tag.strip().replace("\\]", "]") for tag in TAG_MARK.findall(comment))
    return idnumber, tuple(tag for tag in tags if tag)


def _with_comment_marks(question: QuestionSpec, comments: str) -> QuestionSpec:
    idnumber, tags = comment_marks(comments)
    if not idnumber and not tags:
        return question
    extra = {**question.extra, IDNUMBER: idnumber} if idnumber else question.extra
    return replace(question, tags=tuple(dict.fromkeys((*question.tags, *tags))), extra=extra)


def _read_question(source: _Text, category: str, line: int) -> QuestionSpec:
    title = ""
    if source.startswith("::"):
        close = source.find("::", 2)
        if close == -1:
            raise _Invalid(source.line, _l("The question title is not closed with ::."))
        title = source[2:close].strip().text
        source = source[close + 2 :].strip()

    opening, closing = source.find("{"), source.find("}")
    if opening == -1 and closing == -1:
        raise _Skip("description", _l("Text without an answer block {…} is a description; it is not imported."))
    if closing == -1:
        raise _Invalid(source.line_at(opening), _l("The answer block opened here is never closed with }."))
    if opening == -1 or closing < opening:
        raise _Invalid(source.line_at(closing), _l("This } closes no answer block; write \\} for a brace in text."))
    rest = source[closing + 1 :]
    stray = min((i for i in (rest.find("{"), rest.find("}")) if i != -1), default=-1)
    if stray != -1:
        raise _Invalid(
            rest.line_at(stray),
            _l("A question has one answer block; write \\{ and \\} for braces in text."),
        )

    text_format, before = _split_format(source[:opening], TextFormat.MOODLE)
    if rest.strip().text:
        # The blank in the middle of a sentence: the text around it keeps its spaces ("Cuci tangan {…} detik.").
        before, after = before.strip(right=False), rest.strip(left=False)
        question_text, blank_position = before.text + after.text, len(before.text)
    else:
        question_text, blank_position = before.strip().text, None
    if not question_text.strip(WHITESPACE):
        raise _Invalid(line, _l("The question has no text."))

    answers = source[opening + 1 : closing].strip()
    general_feedback = ""
    separator = answers.rfind("####")
    if separator != -1:
        general_feedback = _split_format(answers[separator + 4 :].strip(), text_format)[1].strip().text
        answers = answers[:separator].strip()

    spec = QuestionSpec(
        kind=QuestionKind.SINGLE,
        text=question_text,
        text_format=text_format,
        title=title,
        category=category,
        general_feedback=general_feedback,
        blank_position=blank_position,
        line=line,
    )
    return _answer_kind(answers).read(spec, answers, text_format, source[opening:closing].line)


def _split_format(text: _Text, default: TextFormat) -> tuple[TextFormat, _Text]:
    """A leading `[markdown]`/`[html]`/`[plain]`/`[moodle]` sets the format; anything else in brackets is text."""
    text = text.strip(right=False)
    if text.startswith("["):
        close = text.text.find("]")
        if close != -1 and text.text[1:close] in TextFormat._value2member_map_:
            return TextFormat(text.text[1:close]), text[close + 1 :].strip(right=False)
    return default, text


def _plain(text: _Text, default: TextFormat) -> str:
    return _split_format(text, default)[1].strip().text


# Answer blocks, one class per kind (Moodle's order of decision is kept in _answer_kind)


class _AnswerBlock:
    def read(self, spec: QuestionSpec, answers: _Text, text_format: TextFormat, line: int) -> QuestionSpec:
        raise NotImplementedError


class _Unsupported(_AnswerBlock):
    def __init__(self, kind: str, reason: Message) -> None:
        self.kind, self.reason = kind, reason

    def read(self, spec: QuestionSpec, answers: _Text, text_format: TextFormat, line: int) -> QuestionSpec:
        raise _Skip(self.kind, self.reason)


class _ChoiceBlock(_AnswerBlock):
    """`{=right ~wrong}` single choice; `{~%50%a ~%50%b ~%-100%c}` (no `=`) multiple response."""

    def read(self, spec: QuestionSpec, answers: _Text, text_format: TextFormat, line: int) -> QuestionSpec:
        single = answers.find("=") != -1
        lead, pieces = answers.split_at("~=")
        marked = [(piece.text[0], piece[1:].strip()) for piece in pieces]
        # Moodle keeps text before the first marker as a wrong answer.
        if lead.strip().text:
            marked.insert(0, ("~", lead.strip()))
        choices = []
        for marker, body in marked:
            if marker == "=":
                if WEIGHT.match(body.text):
                    raise _Invalid(
                        body.line,
                        _l(
                            "In a choice question = marks the right answer and takes no weight; write %(example)s.",
                            example="~%50%",
                        ),
                    )
                fraction = Decimal(1)
            else:
                fraction, body = _weight(body, low=-HUNDRED, default=Decimal(0))
            choice_text, feedback = body.split_once("#")
            if not choice_text.strip().text:
                raise _Invalid(body.line, _l("An answer is empty."))
            choices.append(
                Choice(
                    _plain(choice_text, text_format),
                    fraction,
                    _plain(feedback, text_format) if feedback is not None else "",
                )
            )
        if len(choices) < 2:
            raise _Invalid(line, _l("A choice question needs at least two answers."))
        if single:
            return replace(spec, kind=QuestionKind.SINGLE, choices=tuple(choices))
        positive = sum((c.fraction for c in choices if c.fraction > 0), Decimal(0))
        if positive == 0:
            raise _Invalid(
                line,
                _l(
                    "The choice question has no right answer: mark one with = or give weights like %(example)s.",
                    example="~%50%",
                ),
            )
        # Moodle's rule: the positive weights of a multiple-response question add up to 100% (rounded to whole %).
        if round(positive * HUNDRED) != HUNDRED:
            raise _Invalid(
                line,
                _l(
                    "The positive weights of a multiple-response question add up to %(total)s%%, not 100%%.",
                    total=_percent(positive),
                ),
            )
        return replace(spec, kind=QuestionKind.MULTIPLE, choices=tuple(choices))


class _TrueFalseBlock(_AnswerBlock):
    """`{T}`, `{FALSE}`; `{T#shown for a wrong answer#shown for the right answer}` (Moodle's order)."""

    def read(self, spec: QuestionSpec, answers: _Text, text_format: TextFormat, line: int) -> QuestionSpec:
        word, rest = answers.split_once("#")
        wrong, right = rest.split_once("#") if rest is not None else (None, None)
        wrong_feedback = _plain(wrong, text_format) if wrong is not None else ""
        right_feedback = _plain(right, text_format) if right is not None else ""
        correct = word.strip().text in TRUE_WORDS
        return replace(
            spec,
            kind=QuestionKind.TRUE_FALSE,
            correct=correct,
            feedback_true=right_feedback if correct else wrong_feedback,
            feedback_false=wrong_feedback if correct else right_feedback,
        )


class _ShortBlock(_AnswerBlock):
    """`{=a =b}`, `{=a#feedback =%50%b}`: accepted answers with weights 0-100%."""

    def read(self, spec: QuestionSpec, answers: _Text, text_format: TextFormat, line: int) -> QuestionSpec:
        lead, pieces = answers.split_at("=")
        pieces = [lead, *pieces] if lead.strip().text else pieces
        choices = []
        for piece in pieces:
            body = piece[1:].strip() if piece.startswith("=") else piece.strip()
            fraction, body = _weight(body, low=Decimal(0), default=Decimal(1))
            accepted, feedback = body.split_once("#")
            if not accepted.strip().text:
                raise _Invalid(piece.line, _l("An answer is empty."))
            choices.append(
                Choice(
                    _plain(accepted, text_format),
                    fraction,
                    _plain(feedback, text_format) if feedback is not None else "",
                )
            )
        if not choices:
            raise _Invalid(line, _l("A short-answer question needs at least one answer."))
        _require_full_marks((c.fraction for c in choices), line)
        return replace(spec, kind=QuestionKind.SHORT, choices=tuple(choices))


class _NumericalBlock(_AnswerBlock):
    """`{#1.5:0.1}`, `{#1..2}`, `{#=%100%2:0 =%50%2:1 ~#feedback for any other answer}`."""

    def read(self, spec: QuestionSpec, answers: _Text, text_format: TextFormat, line: int) -> QuestionSpec:
        answers = answers[1:]
        other = answers.find("~")
        other_feedback = ""
        if other != -1:
            feedback = answers[other + 1 :].split_once("#")[1]
            other_feedback = _plain(feedback, text_format) if feedback is not None else ""
            answers = answers[:other]
        lead, pieces = answers.split_at("=")
        pieces = [lead, *pieces] if lead.strip().text else pieces
        numeric = []
        for piece in pieces:
            body = piece[1:].strip() if piece.startswith("=") else piece.strip()
            fraction, body = _weight(body, low=Decimal(0), default=Decimal(1))
            value_text, feedback = body.split_once("#")
            value, tolerance = _number_and_tolerance(value_text.strip().text, piece.line)
            numeric.append(
                NumericAnswer(value, tolerance, fraction, _plain(feedback, text_format) if feedback is not None else "")
            )
        if not numeric:
            raise _Invalid(line, _l("A numerical question needs at least one answer."))
        _require_full_marks((n.fraction for n in numeric), line)
        extra = {OTHER_FEEDBACK: other_feedback} if other_feedback else {}
        return replace(spec, kind=QuestionKind.NUMERICAL, numeric=tuple(numeric), extra=extra)


def _has_matching_pairs(answers: _Text) -> bool:
    """Moodle's matching pairs (`=a -> b`): an arrow in an answer's own text. An arrow in a feedback (after `#`)
    is only words, as our writer leaves it."""
    _, parts = answers.split_at("=")
    return any("->" in part.split_once("#")[0].text for part in parts)


def _answer_kind(answers: _Text) -> _AnswerBlock:
    if not answers.text:
        return _Unsupported("essay", _l("Essay questions ({}) are not supported; the question is not imported."))
    if answers.startswith("#"):
        return _NumericalBlock()
    if answers.find("~") != -1:
        return _ChoiceBlock()
    if _has_matching_pairs(answers):
        return _Unsupported("matching", _l("Matching questions (->) are not supported; the question is not imported."))
    word = answers.split_once("#")[0].strip().text
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return _TrueFalseBlock()
    return _ShortBlock()


def _weight(body: _Text, *, low: Decimal, default: Decimal) -> tuple[Decimal, _Text]:
    """A leading `%50%` (a percentage, low..100) as a fraction, and the rest of the answer."""
    match = WEIGHT.match(body.text)
    if not match:
        return default, body
    number = _decimal(match.group(1))
    if number is None or not low <= number <= HUNDRED:
        raise _Invalid(
            body.line,
            _l("The weight %(weight)s is not a percentage between %(low)s and 100.", weight=match.group(0), low=low),
        )
    return number / HUNDRED, body[match.end() :].strip()


def _number_and_tolerance(text: str, line: int) -> tuple[Decimal, Decimal]:
    """`1.5:0.1` (value and tolerance), `1..2` (a range, kept as its midpoint and half-width) or `1.5`."""
    if text.find("..") > 0:
        low_text, high_text = text.split("..", 1)
        low, high = _number(low_text, line), _number(high_text, line)
        if low > high:
            raise _Invalid(
                line, _l("The range %(low)s..%(high)s is empty: its start is above its end.", low=low, high=high)
            )
        middle = (low + high) / 2
        return middle, high - middle
    if text.find(":") > 0:
        value_text, tolerance_text = text.split(":", 1)
        value, tolerance = _number(value_text, line), _number(tolerance_text, line)
        if tolerance < 0:
            raise _Invalid(line, _l("The tolerance %(tolerance)s is negative.", tolerance=tolerance))
        return value, tolerance
    return _number(text, line), Decimal(0)


def _number(text: str, line: int) -> Decimal:
    number = _decimal(text.strip(WHITESPACE))
    if number is None:
        raise _Invalid(
            line, _l("%(value)s is not a number (write decimals with a point: 1.5).", value=repr(text.strip()))
        )
    return number


def _decimal(text: str) -> Decimal | None:
    if not NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _require_full_marks(fractions: Iterable[Decimal], line: int) -> None:
    if max(fractions, default=Decimal(0)) != 1:
        raise _Invalid(line, _l("No answer gives full marks: one answer needs %(full)s.", full="100%"))


def _percent(fraction: Decimal) -> str:
    return format((fraction * HUNDRED).normalize(), "f")
