"""A question as plain data: what the GIFT and Aiken readers produce, the bank stores and the question types grade.

Stored in the database as `QuestionSpec.to_data()` (JSON) and read back with `QuestionSpec.from_data()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

IDNUMBER = "idnumber"
"""`extra` key of the question's ID number (Moodle's idnumber, GIFT `// [id:...]`): kept through edits and exported."""


class QuestionKind(StrEnum):
    """The supported question types; each has one class in the quizzes' question-type registry."""

    SINGLE = "single"
    """Single choice: one right answer among options (GIFT `{=right ~wrong}`)."""
    MULTIPLE = "multiple"
    """Multiple response: weighted options, partial credit, negative weights (GIFT `{~%50%a ~%-50%b}`)."""
    TRUE_FALSE = "true_false"
    SHORT = "short"
    """Short answer: one or more accepted texts, compared case- and space-insensitively (GIFT `{=a =b}`)."""
    NUMERICAL = "numerical"
    """A number within a tolerance or a range (GIFT `{#1.5:0.1}`, `{#1..2}`)."""


class TextFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    """Sanitized with nh3 before it reaches a browser."""
    PLAIN = "plain"
    MOODLE = "moodle"
    """Moodle's auto-format: plain text with line breaks kept."""


@dataclass(frozen=True)
class Choice:
    """An option (single, multiple, true/false) or an accepted answer (short answer)."""

    text: str
    fraction: Decimal
    """Credit for choosing it: 1 is full marks, 0.5 half, -0.25 a penalty (multiple response)."""
    feedback: str = ""


@dataclass(frozen=True)
class NumericAnswer:
    value: Decimal
    tolerance: Decimal = Decimal(0)
    """Accepted: value - tolerance <= x <= value + tolerance. A GIFT range `{#a..b}` is stored as its midpoint."""
    fraction: Decimal = Decimal(1)
    feedback: str = ""


@dataclass(frozen=True)
class QuestionSpec:
    kind: QuestionKind
    text: str
    text_format: TextFormat = TextFormat.MOODLE
    title: str = ""
    category: str = ""
    """Category path such as "PPI-DASAR/post-test" (GIFT `$CATEGORY:`)."""
    tags: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    """Single / multiple / short answer. True/false keeps its answer in `correct` instead."""
    numeric: tuple[NumericAnswer, ...] = ()
    correct: bool | None = None
    """True/false only: the right answer."""
    feedback_true: str = ""
    """True/false only: feedback for answering true (GIFT `{T#wrong-feedback#right-feedback}` order is resolved)."""
    feedback_false: str = ""
    general_feedback: str = ""
    image: str | None = None
    """Storage key of an optional image shown with the question."""
    blank_position: int | None = None
    """Where the answer blank stands in `text` (a question like "Tangan dicuci {...} detik."), else None."""
    line: int = 0
    """1-based line of the question in its source file (0 when made in the browser)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "text": self.text,
            "text_format": self.text_format.value,
            "title": self.title,
            "category": self.category,
            "tags": list(self.tags),
            "choices": [{"text": c.text, "fraction": str(c.fraction), "feedback": c.feedback} for c in self.choices],
            "numeric": [
                {
                    "value": str(n.value),
                    "tolerance": str(n.tolerance),
                    "fraction": str(n.fraction),
                    "feedback": n.feedback,
                }
                for n in self.numeric
            ],
            "correct": self.correct,
            "feedback_true": self.feedback_true,
            "feedback_false": self.feedback_false,
            "general_feedback": self.general_feedback,
            "image": self.image,
            "blank_position": self.blank_position,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> QuestionSpec:
        return cls(
            kind=QuestionKind(data["kind"]),
            text=data["text"],
            text_format=TextFormat(data.get("text_format", TextFormat.MOODLE)),
            title=data.get("title", ""),
            category=data.get("category", ""),
            tags=tuple(data.get("tags", ())),
            choices=tuple(
                Choice(c["text"], Decimal(c["fraction"]), c.get("feedback", "")) for c in data.get("choices", ())
            ),
            numeric=tuple(
                NumericAnswer(
                    Decimal(n["value"]), Decimal(n["tolerance"]), Decimal(n["fraction"]), n.get("feedback", "")
                )
                for n in data.get("numeric", ())
            ),
            correct=data.get("correct"),
            feedback_true=data.get("feedback_true", ""),
            feedback_false=data.get("feedback_false", ""),
            general_feedback=data.get("general_feedback", ""),
            image=data.get("image"),
            blank_position=data.get("blank_position"),
            extra=dict(data.get("extra", {})),
        )
