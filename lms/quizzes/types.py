"""Question types as a registry: each type checks a learner's response, grades it and says what feedback to show.

Pure rules (no Flask app, no database): `QUESTION_TYPES[kind].grade(spec, response)` returns the credit as a
fraction 0..1. A response is first normalized with `normalize_response(spec, raw)`, which accepts what a form or a
JSON body sends and refuses anything else with `InvalidAnswer`; the normalized value is what `Answer.response` stores:

| kind       | stored response                                      |
|------------|------------------------------------------------------|
| single     | index of the chosen option in `spec.choices`         |
| multiple   | sorted list of chosen option indexes                 |
| true_false | true / false                                         |
| short      | the text typed, spaces collapsed                     |
| numerical  | the number as a string ("1.5"), a decimal comma read |

Indexes always refer to the spec's own option order, never the shuffled order one learner saw, so item analysis can
count options across attempts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from lms.core.errors import InvalidInput
from lms.core.i18n import lazy_gettext as _l  # translated through the request's kept catalog: reviews use many
from lms.quizzes.spec import QuestionKind, QuestionSpec

ZERO = Decimal(0)
ONE = Decimal(1)


class InvalidAnswer(InvalidInput):
    code = "invalid_answer"

    def default_message(self):
        return _l("This answer cannot be read; choose or type it again.")


def clamp(value: Decimal) -> Decimal:
    """Credit for a question never goes below 0 (penalties stay inside the question) nor above 1."""
    return min(ONE, max(ZERO, value))


@dataclass(frozen=True)
class ShownOption:
    """An option as one learner sees it: `index` in the spec, in the order of their attempt."""

    index: int
    text: str


class QuestionType:
    """Base of the registry entries; subclasses set `kind`, `label` and `template` and implement the rules."""

    kind: ClassVar[QuestionKind]
    label: ClassVar[Any]
    template: ClassVar[str]
    """Jinja template (under templates/) that renders the answer field(s) of this type."""
    has_options: ClassVar[bool] = False
    """The learner picks among `spec.choices` (their order may be shuffled per attempt)."""
    right_answers_in_words: ClassVar[bool] = False
    """`right_answers` says them in words of the catalog (translated per request), not only the spec's own texts."""

    def normalize_response(self, spec: QuestionSpec, raw: Any) -> Any:
        raise NotImplementedError

    def grade(self, spec: QuestionSpec, response: Any) -> Decimal:
        raise NotImplementedError

    def answer_feedback(self, spec: QuestionSpec, response: Any) -> list[str]:
        """The per-answer feedback written for what this response chose or typed."""
        return []

    def right_answers(self, spec: QuestionSpec) -> list[str]:
        """What a learner is shown as the right answer(s) in a review."""
        raise NotImplementedError

    def response_text(self, spec: QuestionSpec, response: Any) -> str:
        """The response in words, for reviews and exports."""
        return "" if response is None else str(response)

    def check_spec(self, spec: QuestionSpec) -> list[str]:
        """Problems that make the question unanswerable or ungradable (for the admin's form); empty when fine."""
        return []

    def is_blank(self, raw: Any) -> bool:
        """The learner cleared the answer (a Save with nothing chosen or typed): stored as not answered."""
        return raw is None or raw == "" or raw == []


def _index(raw: Any, spec: QuestionSpec) -> int:
    if isinstance(raw, bool):
        raise InvalidAnswer()
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int) or not 0 <= raw < len(spec.choices):
        raise InvalidAnswer(_l("Choose one of the options shown."))
    return raw


class SingleChoice(QuestionType):
    kind = QuestionKind.SINGLE
    label = _l("Single choice")
    template = "quizzes/types/single.html"
    has_options = True

    def normalize_response(self, spec, raw):
        if isinstance(raw, list) and len(raw) == 1:
            raw = raw[0]
        return _index(raw, spec)

    def grade(self, spec, response):
        if response is None:
            return ZERO
        return clamp(spec.choices[response].fraction)

    def answer_feedback(self, spec, response):
        if response is None:
            return []
        feedback = spec.choices[response].feedback
        return [feedback] if feedback else []

    def right_answers(self, spec):
        # Lists, not generators: every review shows every question's right answers.
        fractions = [c.fraction for c in spec.choices]
        best = max(fractions, default=ZERO)
        return (
            [c.text for c, fraction in zip(spec.choices, fractions, strict=True) if fraction == best]
            if best > 0
            else []
        )

    def response_text(self, spec, response):
        return "" if response is None else spec.choices[response].text

    def check_spec(self, spec):
        errors = []
        if len(spec.choices) < 2:
            errors.append(str(_l("Give at least two options.")))
        if not any(c.fraction >= ONE for c in spec.choices):
            errors.append(str(_l("Mark one option as the right answer.")))
        return errors


class MultipleResponse(QuestionType):
    """Several options may be chosen; each carries a weight (negative for wrong ones) and the sum is the credit."""

    kind = QuestionKind.MULTIPLE
    label = _l("Multiple response")
    template = "quizzes/types/multiple.html"
    has_options = True

    def normalize_response(self, spec, raw):
        if not isinstance(raw, list | tuple):
            raw = [raw]
        return sorted({_index(item, spec) for item in raw})

    def is_blank(self, raw):
        return super().is_blank(raw) or (isinstance(raw, list | tuple) and all(item in ("", None) for item in raw))

    def grade(self, spec, response):
        if not response:
            return ZERO
        return clamp(sum((spec.choices[i].fraction for i in response), ZERO))

    def answer_feedback(self, spec, response):
        return [spec.choices[i].feedback for i in response or () if spec.choices[i].feedback]

    def right_answers(self, spec):
        return [c.text for c in spec.choices if c.fraction > 0]

    def response_text(self, spec, response):
        return "; ".join(spec.choices[i].text for i in response or ())

    def check_spec(self, spec):
        errors = []
        if len(spec.choices) < 2:
            errors.append(str(_l("Give at least two options.")))
        if sum((c.fraction for c in spec.choices if c.fraction > 0), ZERO) < ONE:
            errors.append(str(_l("The weights of the right options must add up to at least 100%.")))
        return errors


_TRUE_WORDS = {"true", "t", "1", "yes", "benar", "b", "ya"}
_FALSE_WORDS = {"false", "f", "0", "no", "salah", "s", "tidak"}


class TrueFalse(QuestionType):
    kind = QuestionKind.TRUE_FALSE
    label = _l("True/false")
    template = "quizzes/types/true_false.html"
    right_answers_in_words = True

    def normalize_response(self, spec, raw):
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise InvalidAnswer(_l("Choose true or false."))

    def grade(self, spec, response):
        return ONE if response is not None and response == spec.correct else ZERO

    def answer_feedback(self, spec, response):
        if response is None:
            return []
        feedback = spec.feedback_true if response else spec.feedback_false
        return [feedback] if feedback else []

    def right_answers(self, spec):
        return [str(_l("True") if spec.correct else _l("False"))]

    def response_text(self, spec, response):
        return "" if response is None else str(_l("True") if response else _l("False"))

    def check_spec(self, spec):
        return [] if spec.correct is not None else [str(_l("Say whether the statement is true or false."))]


_SPACES = re.compile(r"\s+")


def comparable_text(text: str) -> str:
    """Short answers match case- and space-insensitively: "  Cuci   Tangan " equals "cuci tangan"."""
    return _SPACES.sub(" ", text).strip().casefold()


_WILDCARDS = re.compile(r"(?<!\\)\*+")


def matches_accepted(typed: str, accepted: str) -> bool:
    """Moodle's short-answer rule: `*` in an accepted answer stands for any run of characters (`cuci*tangan`,
    `*` alone for any answer), `\\*` for a literal asterisk; otherwise compared as `comparable_text`."""
    bits = _WILDCARDS.split(comparable_text(accepted))
    if len(bits) == 1:
        return comparable_text(typed) == bits[0].replace("\\*", "*")
    pattern = ".*".join(re.escape(bit.replace("\\*", "*")) for bit in bits)
    return re.fullmatch(pattern, comparable_text(typed), re.DOTALL) is not None


class BestMatchType(QuestionType):
    """A type whose answer earns the credit of the best accepted answer it matches (`_match`), with its feedback."""

    def _match(self, spec, response):
        raise NotImplementedError

    def grade(self, spec, response):
        match = self._match(spec, response)
        return clamp(match.fraction) if match else ZERO

    def answer_feedback(self, spec, response):
        match = self._match(spec, response)
        return [match.feedback] if match and match.feedback else []


class ShortAnswer(BestMatchType):
    kind = QuestionKind.SHORT
    label = _l("Short answer")
    template = "quizzes/types/short.html"
    max_length: ClassVar[int] = 500

    def normalize_response(self, spec, raw):
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise InvalidAnswer()
        text = _SPACES.sub(" ", str(raw)).strip()
        if len(text) > self.max_length:
            raise InvalidAnswer(_l("The answer is too long (at most %(n)d characters).", n=self.max_length))
        return text

    def is_blank(self, raw):
        return super().is_blank(raw) or (isinstance(raw, str) and not raw.strip())

    def _match(self, spec, response):
        if response is None:
            return None
        # The first accepted answer that matches decides, as in Moodle (a catch-all `*` comes last).
        return next((c for c in spec.choices if matches_accepted(response, c.text)), None)

    def right_answers(self, spec):
        return [c.text for c in spec.choices if c.fraction >= ONE] or [c.text for c in spec.choices if c.fraction > 0]

    def check_spec(self, spec):
        return [] if any(c.fraction > 0 for c in spec.choices) else [str(_l("Give at least one accepted answer."))]


_NUMBER = re.compile(r"^[+-]?(\d+|\d*[.,]\d+|\d{1,3}([.,]\d{3})+([.,]\d+)?)$")


def parse_number(text: str) -> Decimal:
    """A number as people type it here: "1.5", "1,5" (Indonesian decimal comma), "1.234,5" or "1,234.5".

    With both separators the last one is the decimal mark; with only a comma it is the decimal mark (the Indonesian
    habit); with only points a single point is the decimal point. Raises InvalidAnswer otherwise.
    """
    value = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.match(value):
        raise InvalidAnswer(_l("Type a number, for example 1,5."))
    if "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        value = value.replace(thousands, "").replace(decimal_mark, ".")
    elif value.count(",") == 1:
        value = value.replace(",", ".")
    elif value.count(",") > 1 or value.count(".") > 1:
        value = value.replace(",", "").replace(".", "")  # only thousands separators: 1.000.000
    try:
        return Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the pattern above already refused it
        raise InvalidAnswer() from error


def format_number(value: Decimal) -> str:
    """Plain notation without exponent or trailing zeros: Decimal("1.50") → "1.5"."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


class Numerical(BestMatchType):
    kind = QuestionKind.NUMERICAL
    label = _l("Numerical")
    template = "quizzes/types/numerical.html"
    right_answers_in_words = True  # "between 1.4 and 1.6"

    def normalize_response(self, spec, raw):
        if isinstance(raw, bool):
            raise InvalidAnswer()
        if isinstance(raw, int | float | Decimal):
            raw = str(raw)
        if not isinstance(raw, str):
            raise InvalidAnswer()
        return format_number(parse_number(raw))

    def is_blank(self, raw):
        return super().is_blank(raw) or (isinstance(raw, str) and not raw.strip())

    def _match(self, spec, response):
        if response is None:
            return None
        value = Decimal(response)
        matches = [n for n in spec.numeric if abs(value - n.value) <= n.tolerance]
        return max(matches, key=lambda n: n.fraction, default=None)

    def right_answers(self, spec):
        best = max((n.fraction for n in spec.numeric), default=ZERO)
        shown = []
        for n in spec.numeric:
            if n.fraction != best:
                continue
            if n.tolerance:
                low, high = format_number(n.value - n.tolerance), format_number(n.value + n.tolerance)
                shown.append(str(_l("between %(low)s and %(high)s", low=low, high=high)))
            else:
                shown.append(format_number(n.value))
        return shown

    def check_spec(self, spec):
        errors = []
        if not any(n.fraction > 0 for n in spec.numeric):
            errors.append(str(_l("Give the right number.")))
        if any(n.tolerance < 0 for n in spec.numeric):
            errors.append(str(_l("The tolerance cannot be negative.")))
        return errors


QUESTION_TYPES: dict[str, QuestionType] = {
    question_type.kind.value: question_type
    for question_type in (SingleChoice(), MultipleResponse(), TrueFalse(), ShortAnswer(), Numerical())
}
"""kind → the type's rules, e.g. `QUESTION_TYPES["single"].grade(spec, 2)`."""


def type_of(spec: QuestionSpec) -> QuestionType:
    # A kind (a StrEnum) finds its type by itself; grading and every review call this once per question shown.
    question_type = QUESTION_TYPES.get(spec.kind)
    return QUESTION_TYPES[QuestionKind(spec.kind).value] if question_type is None else question_type


def normalize_or_blank(spec: QuestionSpec, raw: Any) -> Any:
    """The stored response for what a learner sent: None for a cleared answer, else the normalized response."""
    question_type = type_of(spec)
    return None if question_type.is_blank(raw) else question_type.normalize_response(spec, raw)


def grade_response(spec: QuestionSpec, response: Any) -> Decimal:
    """Credit 0..1 for a stored response (None = not answered = 0)."""
    return ZERO if response is None else type_of(spec).grade(spec, response)
