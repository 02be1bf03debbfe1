"""Writing Moodle's GIFT format (the GIFT export): questions as text that `read_gift` (and Moodle) reads back to the
same questions, headed by the `// question: N  name: ...` comment and the ID number and tags in a `//` comment
line as Moodle writes them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from lms.quizzes.gift import IDNUMBER, OTHER_FEEDBACK, WHITESPACE, _percent
from lms.quizzes.spec import QuestionKind, QuestionSpec, TextFormat

SPECIAL = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:",
                         "\n": "\\n", "\r": ""})  # fmt: skip
NAME_LENGTH = 80
"""Longest question name written in the header comment, as Moodle shortens a name made from the question text."""


def write_gift(questions: Iterable[QuestionSpec]) -> str:
    """Questions as GIFT that `read_gift` (and Moodle) reads back to the same questions; the GIFT export.

    Each question starts with Moodle's header comment `// question: N  name: ...` and then its ID number and tags
    (`// [id:x] [tag:y]`), as Moodle writes them. N is the question's place in the file (Moodle writes its database
    id), so that exporting what was imported gives the same bytes; a category change is Moodle's pseudo-question
    `// question: 0  name: Switch category to ...` with its `$CATEGORY:` line. Images have no place in GIFT and are
    left out.
    """
    parts: list[str] = []
    category = ""
    for number, question in enumerate(questions, start=1):
        if question.category != category:
            category = question.category
            # An empty `$CATEGORY:` goes back to the importer's default category.
            parts.append(
                f"{header_line(0, f'Switch category to {category}'.strip())}"
                + (f"$CATEGORY: {category}\n" if category else "$CATEGORY:\n")
            )
        parts.append(header_line(number, question_name(question)) + _write_question(question))
    return "\n".join(parts)


def header_line(number: int, name: str) -> str:
    """Moodle's first comment line of an exported question; `read_gift` takes no ID number or tag from it."""
    return f"// question: {number}  name: {name}\n"


def question_name(question: QuestionSpec) -> str:
    """The name Moodle shows for a question: its title, else the start of its text on one line (as Moodle names a
    GIFT question that has no `::title::`)."""
    name = " ".join((question.title or question.text).split())
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1].rstrip() + "…"


def _write_question(question: QuestionSpec) -> str:
    text_format = question.text_format
    head = f"::{_escape(question.title)}::" if question.title or question.text.startswith("//") else ""
    marker = f"[{text_format.value}]" if text_format != TextFormat.MOODLE or _has_format(question.text) else ""
    answers = WRITERS[question.kind](question)
    block = "{" + answers + _general_feedback(question, on_own_line=answers.endswith("\n")) + "}"
    position = question.blank_position
    if position is not None and 0 <= position < len(question.text) and question.text[position:].strip(WHITESPACE):
        body = _escape(question.text[:position]) + block + _escape(question.text[position:])
    else:
        body = _escape(question.text) + " " + block
    return f"{_comment_marks_line(question)}{head}{marker}{body}\n"


def _comment_marks_line(question: QuestionSpec) -> str:
    idnumber = question.extra.get(IDNUMBER, "")
    marks = [f"[id:{_mark_text(idnumber)}]"] if idnumber else []
    marks += [f"[tag:{_mark_text(tag)}]" for tag in question.tags]
    return f"// {' '.join(marks)}\n" if marks else ""


def _mark_text(text: str) -> str:
    return " ".join(text.split()).replace("]", "\\]")


def _escape(text: str) -> str:
    return text.translate(SPECIAL)


def _has_format(text: str) -> bool:
    return any(text.startswith(f"[{name}]") for name in TextFormat._value2member_map_)


def _text(text: str, text_format: TextFormat) -> str:
    """An answer or feedback text; a leading `[html]`-like word is protected by the question's own marker."""
    return (f"[{text_format.value}]" if _has_format(text) else "") + _escape(text)


def _feedback(feedback: str, text_format: TextFormat) -> str:
    return f"#{_text(feedback, text_format)}" if feedback else ""


def _general_feedback(question: QuestionSpec, *, on_own_line: bool) -> str:
    if not question.general_feedback:
        return ""
    feedback = f"####{_text(question.general_feedback, question.text_format)}"
    return f"\t{feedback}\n" if on_own_line else feedback


def _weight_mark(fraction: Decimal) -> str:
    return f"%{_percent(fraction)}%"


def _write_choices(question: QuestionSpec) -> str:
    lines = []
    for choice in question.choices:
        if question.kind == QuestionKind.SINGLE and choice.fraction == 1:
            mark = "="
        elif choice.fraction == 0 and not choice.text.startswith("%"):
            mark = "~"
        else:
            mark = "~" + _weight_mark(choice.fraction)
        fmt = question.text_format
        lines.append(f"\n\t{mark}{_text(choice.text, fmt)}{_feedback(choice.feedback, fmt)}")
    return "".join(lines) + "\n"


def _write_short(question: QuestionSpec) -> str:
    lines = []
    for choice in question.choices:
        weight = "" if choice.fraction == 1 and not choice.text.startswith("%") else _weight_mark(choice.fraction)
        fmt = question.text_format
        lines.append(f"\n\t={weight}{_text(choice.text, fmt)}{_feedback(choice.feedback, fmt)}")
    return "".join(lines) + "\n"


def _write_true_false(question: QuestionSpec) -> str:
    right, wrong = (
        (question.feedback_true, question.feedback_false)
        if question.correct
        else (question.feedback_false, question.feedback_true)
    )
    fmt = question.text_format
    out = "TRUE" if question.correct else "FALSE"
    if wrong or right:
        out += "#" + _text(wrong, fmt)
    if right:
        out += "#" + _text(right, fmt)
    return out


def _write_numerical(question: QuestionSpec) -> str:
    fmt = question.text_format
    lines = [
        f"\n\t={_weight_mark(answer.fraction)}{_number_text(answer.value)}:{_number_text(answer.tolerance)}"
        f"{_feedback(answer.feedback, fmt)}"
        for answer in question.numeric
    ]
    other = question.extra.get(OTHER_FEEDBACK, "")
    if other:
        lines.append(f"\n\t~#{_text(other, fmt)}")
    return "#" + "".join(lines) + "\n"


def _number_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


WRITERS = {
    QuestionKind.SINGLE: _write_choices,
    QuestionKind.MULTIPLE: _write_choices,
    QuestionKind.SHORT: _write_short,
    QuestionKind.TRUE_FALSE: _write_true_false,
    QuestionKind.NUMERICAL: _write_numerical,
}
