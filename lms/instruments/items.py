"""Item kinds of an instrument (Likert, checklist step, yes/no, number, free text) as a registry, and their answers.

Each kind checks a value a respondent gave and says how many points it is worth, so that a checklist's score, an
evaluation's distribution and the validation of an API call all read one rule. No Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class InstrumentPurpose(StrEnum):
    """What an instrument is used for: one engine, used three (four) ways."""

    CHECKLIST = "checklist"
    """Daftar tilik: a facilitator scores a learner's skill at a station."""
    FACILITATOR_EVALUATION = "facilitator_evaluation"
    """Evaluasi fasilitator: learners rate a session's facilitators."""
    ORGANIZER_EVALUATION = "organizer_evaluation"
    """Evaluasi penyelenggaraan: learners rate how the training was organized."""
    POST_TRAINING = "post_training"
    """Evaluasi pasca pelatihan: the alumnus and the supervisor rate the practice at work months later."""

    @property
    def label(self):
        return PURPOSE_LABELS[self]


class RespondentRole(StrEnum):
    """Who filled in a response: the learner, the assessor at a station, or the alumnus's supervisor."""

    LEARNER = "learner"
    ASSESSOR = "assessor"
    SUPERVISOR = "supervisor"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            RespondentRole.LEARNER: _l("Learner"),
            RespondentRole.ASSESSOR: _l("Assessor"),
            RespondentRole.SUPERVISOR: _l("Supervisor"),
        }[self]


PURPOSE_LABELS = {
    InstrumentPurpose.CHECKLIST: _l("Skills checklist"),
    InstrumentPurpose.FACILITATOR_EVALUATION: _l("Facilitator evaluation"),
    InstrumentPurpose.ORGANIZER_EVALUATION: _l("Organizer evaluation"),
    InstrumentPurpose.POST_TRAINING: _l("Post-training evaluation"),
}


class InvalidAnswer(ValueError):
    """A value a kind refuses; `message` is shown to the respondent."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class Item:
    """One question or step of an instrument, as stored in the instrument's `items` JSON."""

    id: str
    kind: str
    text: str
    critical: bool = False
    """Checklist steps only: must be done correctly for the learner to pass."""
    scale: int | None = None
    """Likert only: 4 or 5 points."""
    labels: tuple[str, ...] = ()
    """Names of the points of a scale, lowest first."""
    required: bool = True

    def to_json(self) -> dict:
        data: dict = {"id": self.id, "type": self.kind, "text": self.text}
        if self.critical:
            data["critical"] = True
        if self.scale is not None:
            data["scale"] = self.scale
        if self.labels:
            data["labels"] = list(self.labels)
        if not self.required:
            data["required"] = False
        return data

    @classmethod
    def from_json(cls, data: dict) -> Item:
        return cls(
            id=data["id"],
            kind=data["type"],
            text=data["text"],
            critical=bool(data.get("critical", False)),
            scale=data.get("scale"),
            labels=tuple(data.get("labels") or ()),
            required=bool(data.get("required", True)),
        )

    @property
    def kind_class(self) -> ItemKind:
        return ITEM_KINDS[self.kind]

    def choices(self) -> list[tuple[int, str]]:
        return self.kind_class.choices(self)

    def check(self, value):
        return self.kind_class.check(self, value)


@dataclass(frozen=True)
class Answer:
    """A checked value: `value` for kinds with numbers, `text` for free text."""

    value: int | None = None
    text: str | None = None


class ItemKind:
    key: str = ""
    label = _l("Item")
    scored: bool = False
    """Whether the value is a point on a scale (distributions and means are drawn of it)."""
    allowed_scales: tuple[int, ...] = ()

    @classmethod
    def choices(cls, item: Item) -> list[tuple[int, str]]:
        return []

    @classmethod
    def check(cls, item: Item, value) -> Answer:
        raise NotImplementedError

    @classmethod
    def points(cls, item: Item, answer: Answer) -> tuple[int, int] | None:
        """(points got, points possible) for checklist scoring, or None when the kind scores no points."""
        return None

    @classmethod
    def spec_problems(cls, item: Item) -> list[str]:
        """What is wrong with an item of this kind as written in a file (missing scale, wrong labels)."""
        return []


def _whole(value) -> int:
    if isinstance(value, bool):
        raise InvalidAnswer(_l("Give a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise InvalidAnswer(_l("Give a whole number."))


class _ScaleKind(ItemKind):
    scored = True

    @classmethod
    def values(cls, item: Item) -> range:
        raise NotImplementedError

    @classmethod
    def labels_of(cls, item: Item) -> list[str]:
        raise NotImplementedError

    @classmethod
    def choices(cls, item: Item) -> list[tuple[int, str]]:
        return list(zip(cls.values(item), cls.labels_of(item), strict=True))

    @classmethod
    def check(cls, item: Item, value) -> Answer:
        number = _whole(value)
        allowed = cls.values(item)
        if number not in allowed:
            raise InvalidAnswer(
                _l("%(value)s is outside the scale %(low)d–%(high)d.", value=number, low=allowed[0], high=allowed[-1])
            )
        return Answer(value=number)


LIKERT_LABELS = {
    5: (_l("Very poor"), _l("Poor"), _l("Fair"), _l("Good"), _l("Very good")),
    4: (_l("Poor"), _l("Fair"), _l("Good"), _l("Very good")),
}


class Likert(_ScaleKind):
    """A rating on 1–5 or 1–4, each point with a label."""

    key = "likert"
    label = _l("Rating scale (Likert)")
    allowed_scales = (4, 5)

    @classmethod
    def values(cls, item):
        return range(1, (item.scale or 5) + 1)

    @classmethod
    def labels_of(cls, item):
        return list(item.labels) if item.labels else [str(label) for label in LIKERT_LABELS[item.scale or 5]]

    @classmethod
    def spec_problems(cls, item):
        if item.scale is None:
            return [str(_l("a Likert item needs a scale (4 or 5)"))]
        if item.scale not in cls.allowed_scales:
            return [str(_l("the scale must be 4 or 5, not %(scale)s", scale=item.scale))]
        if item.labels and len(item.labels) != item.scale:
            return [str(_l("give %(n)d labels, one per point of the scale", n=item.scale))]
        return []


STEP_LABELS = (_l("Not done"), _l("Done imperfectly"), _l("Done correctly"))


class ChecklistStep(_ScaleKind):
    """A step of a skills checklist: 0 not done, 1 done imperfectly, 2 done correctly; may be critical."""

    key = "step"
    label = _l("Checklist step (0/1/2)")
    CORRECT = 2

    @classmethod
    def values(cls, item):
        return range(0, 3)

    @classmethod
    def labels_of(cls, item):
        return list(item.labels) if item.labels else [str(label) for label in STEP_LABELS]

    @classmethod
    def points(cls, item, answer):
        return (answer.value or 0, cls.CORRECT)

    @classmethod
    def spec_problems(cls, item):
        if item.labels and len(item.labels) != 3:
            return [str(_l("give 3 labels: not done, done imperfectly, done correctly"))]
        return []


class YesNo(_ScaleKind):
    key = "yes_no"
    label = _l("Yes / no")

    @classmethod
    def values(cls, item):
        return range(0, 2)

    @classmethod
    def labels_of(cls, item):
        return [str(_l("No")), str(_l("Yes"))]


class Number(ItemKind):
    """A whole number, e.g. how many times a procedure was done last month."""

    key = "number"
    label = _l("Number")
    LIMIT = 1_000_000

    @classmethod
    def check(cls, item, value):
        number = _whole(value)
        if not 0 <= number <= cls.LIMIT:
            raise InvalidAnswer(_l("Give a number from 0 to %(limit)d.", limit=cls.LIMIT))
        return Answer(value=number)


class FreeText(ItemKind):
    key = "text"
    label = _l("Free text")
    MAX_LENGTH = 2000

    @classmethod
    def check(cls, item, value):
        if not isinstance(value, str):
            raise InvalidAnswer(_l("Give a text."))
        text = value.strip()
        if len(text) > cls.MAX_LENGTH:
            raise InvalidAnswer(_l("At most %(n)d characters.", n=cls.MAX_LENGTH))
        return Answer(text=text)


ITEM_KINDS: dict[str, type[ItemKind]] = {kind.key: kind for kind in (Likert, ChecklistStep, YesNo, Number, FreeText)}


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_answers(items: list[Item], raw: dict[str, object]) -> dict[str, Answer]:
    """Every answer checked against its item; raises InvalidAnswer naming the item on the first problem.

    An item id that is not in `items` (another instrument or another version of it) is refused, so an answer can
    never land on a question the respondent did not see."""
    by_id = {item.id: item for item in items}
    for item_id in raw:
        if item_id not in by_id:
            raise InvalidAnswer(_l("'%(item)s' is not an item of this instrument version.", item=item_id))
    answers: dict[str, Answer] = {}
    for item in items:
        value = raw.get(item.id)
        if is_blank(value):
            if item.required and item.kind != FreeText.key:
                raise InvalidAnswer(_l("Answer “%(text)s”.", text=item.text))
            continue
        try:
            answers[item.id] = item.check(value)
        except InvalidAnswer as error:
            raise InvalidAnswer(f"{item.text}: {error.message}") from None
    return answers
