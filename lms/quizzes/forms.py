"""Forms of the quizzes' organization-admin pages: a question per type, quiz settings, question-file import."""

from __future__ import annotations

from datetime import tzinfo
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import Form, ZonedForm
from lms.core.labels import choices_of
from lms.quizzes.models import GradingMethod, QuestionSelection, QuizLayout, ReviewShows, ReviewWhen
from lms.quizzes.spec import Choice, NumericAnswer, QuestionKind, QuestionSpec, TextFormat
from lms.quizzes.types import QUESTION_TYPES

LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
OPTION_ROWS = 6
"""Empty option rows offered on a new choice question (rows left empty are ignored)."""


def _tags(text: str) -> tuple[str, ...]:
    return tuple(sorted({t.strip() for t in (text or "").split(",") if t.strip()}))


class QuestionForm(Form):
    """Fields every question type shares; each type's form adds its own answer fields."""

    kind: QuestionKind
    text = TextAreaField(
        _l("Question"),
        validators=[DataRequired(), Length(max=5000)],
        render_kw={"rows": 4},
        description=_l("Markdown: **bold**, *italic*, lists."),
    )
    category = StringField(_l("Category"), validators=[Length(max=200)], description=_l("For example: post-test."))
    tags = StringField(_l("Tags (optional)"), validators=[Length(max=500)], description=_l("Separated by commas."))
    general_feedback = TextAreaField(
        _l("General feedback (optional)"),
        validators=[Length(max=2000)],
        render_kw={"rows": 2},
        description=_l("Shown after the attempt to everyone, whatever they answered."),
    )
    image = FileField(
        _l("Image (optional)"),
        validators=[FileAllowed(["png", "jpg", "jpeg", "webp"], _l("Upload a PNG, JPEG or WebP image."))],
    )
    remove_image = BooleanField(_l("Remove the current image"))
    submit = SubmitField(_l("Save question"))

    def common(self) -> dict:
        return {
            "kind": self.kind,
            "text": self.text.data.strip(),
            "text_format": TextFormat.MARKDOWN,
            "category": (self.category.data or "").strip(),
            "tags": _tags(self.tags.data),
            "general_feedback": (self.general_feedback.data or "").strip(),
        }

    def load_common(self, spec: QuestionSpec, category: str, tags: list[str]) -> None:
        self.text.data = spec.text
        self.category.data = category
        self.tags.data = ", ".join(tags)
        self.general_feedback.data = spec.general_feedback

    def to_spec(self) -> QuestionSpec:
        raise NotImplementedError

    def load(self, spec: QuestionSpec) -> None:
        raise NotImplementedError


class OptionForm(Form):
    class Meta:
        csrf = False

    text = StringField(_l("Option"), validators=[Length(max=1000)])
    fraction = DecimalField(
        _l("Credit (%)"),
        places=None,
        validators=[Optional(), NumberRange(min=-100, max=100)],
        render_kw={"inputmode": "decimal"},
    )
    feedback = StringField(_l("Feedback for this option"), validators=[Length(max=1000)])


def _choices_from(rows) -> tuple[Choice, ...]:
    return tuple(
        Choice(row.text.data.strip(), Decimal(row.fraction.data or 0) / 100, (row.feedback.data or "").strip())
        for row in rows
        if (row.text.data or "").strip()
    )


def _load_choices(rows: FieldList, choices: tuple[Choice, ...]) -> None:
    while len(rows) < max(len(choices) + 2, OPTION_ROWS):
        rows.append_entry()
    for row, choice in zip(rows, choices, strict=False):
        row.text.data = choice.text
        row.fraction.data = choice.fraction * 100
        row.feedback.data = choice.feedback


class ChoiceQuestionForm(QuestionForm):
    options = FieldList(FormField(OptionForm), min_entries=OPTION_ROWS)

    def to_spec(self) -> QuestionSpec:
        return QuestionSpec(choices=_choices_from(e.form for e in self.options), **self.common())

    def load(self, spec: QuestionSpec) -> None:
        _load_choices(self.options, spec.choices)


class SingleChoiceForm(ChoiceQuestionForm):
    kind = QuestionKind.SINGLE
    help = _l("Give the right option full credit and the others none.")


class MultipleResponseForm(ChoiceQuestionForm):
    kind = QuestionKind.MULTIPLE
    help = _l("Split 100% among the right options (e.g. 50 and 50) and give wrong ones a penalty (e.g. -50).")


class ShortAnswerForm(ChoiceQuestionForm):
    kind = QuestionKind.SHORT
    help = _l("Each accepted answer with its credit; case and spaces do not matter.")


class TrueFalseForm(QuestionForm):
    kind = QuestionKind.TRUE_FALSE
    help = None
    correct = RadioField(
        _l("The statement is"),
        choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
        validators=[InputRequired(message=_l("Say whether the statement is true or false."))],
    )
    feedback_true = StringField(_l("Feedback for answering true"), validators=[Length(max=1000)])
    feedback_false = StringField(_l("Feedback for answering false"), validators=[Length(max=1000)])

    def to_spec(self) -> QuestionSpec:
        return QuestionSpec(
            correct=self.correct.data == "true",
            feedback_true=(self.feedback_true.data or "").strip(),
            feedback_false=(self.feedback_false.data or "").strip(),
            **self.common(),
        )

    def load(self, spec: QuestionSpec) -> None:
        self.correct.data = "true" if spec.correct else "false"
        self.feedback_true.data = spec.feedback_true
        self.feedback_false.data = spec.feedback_false


class NumericalForm(QuestionForm):
    kind = QuestionKind.NUMERICAL
    help = _l("The right number and how far an answer may be from it (0 for exact).")
    value = DecimalField(
        _l("Right answer"), places=None, validators=[InputRequired()], render_kw={"inputmode": "decimal"}
    )
    tolerance = DecimalField(
        _l("Tolerance (±)"),
        places=None,
        default=Decimal(0),
        validators=[Optional(), NumberRange(min=0)],
        render_kw={"inputmode": "decimal"},
    )
    answer_feedback = StringField(_l("Feedback for a right answer"), validators=[Length(max=1000)])

    def to_spec(self) -> QuestionSpec:
        answer = NumericAnswer(
            self.value.data, self.tolerance.data or Decimal(0), Decimal(1), (self.answer_feedback.data or "").strip()
        )
        return QuestionSpec(numeric=(answer,), **self.common())

    def load(self, spec: QuestionSpec) -> None:
        best = max(spec.numeric, key=lambda n: n.fraction, default=None)
        if best is not None:
            self.value.data, self.tolerance.data, self.answer_feedback.data = best.value, best.tolerance, best.feedback


QUESTION_FORMS: dict[str, type[QuestionForm]] = {
    form.kind.value: form
    for form in (SingleChoiceForm, MultipleResponseForm, TrueFalseForm, ShortAnswerForm, NumericalForm)
}
"""kind → the admin's form for that question type (the same keys as QUESTION_TYPES)."""
assert set(QUESTION_FORMS) == set(QUESTION_TYPES)


class QuizForm(ZonedForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    subject_id = SelectField(_l("Subject (for a subject quiz)"), coerce=int, validators=[Optional()])
    selection = RadioField(
        _l("Questions"),
        choices=choices_of(QuestionSelection),
        default=QuestionSelection.FIXED.value,
    )
    draw_count = IntegerField(
        _l("How many to draw"), validators=[Optional(), NumberRange(min=1)], render_kw={"inputmode": "numeric"}
    )
    draw_categories = StringField(
        _l("Draw from categories (optional)"), description=_l("Separated by commas; empty means all.")
    )
    draw_tags = StringField(_l("Draw questions with tags (optional)"), description=_l("Separated by commas."))
    shuffle_questions = BooleanField(_l("Shuffle the questions for each learner"), default=True)
    shuffle_options = BooleanField(_l("Shuffle the options of each question"), default=True)
    layout = SelectField(_l("Pages"), choices=choices_of(QuizLayout))
    opens_at = DateTimeLocalField(_l("Opens (optional)"), validators=[Optional()], format=LOCAL_DATETIME_FORMATS)
    closes_at = DateTimeLocalField(_l("Closes (optional)"), validators=[Optional()], format=LOCAL_DATETIME_FORMATS)
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes (optional)"),
        validators=[Optional(), NumberRange(min=1)],
        render_kw={"inputmode": "numeric"},
    )
    attempts_allowed = IntegerField(
        _l("Attempts allowed (empty: unlimited)"),
        validators=[Optional(), NumberRange(min=1)],
        default=1,
        render_kw={"inputmode": "numeric"},
    )
    grading_method = SelectField(_l("Grade"), choices=choices_of(GradingMethod))
    pass_mark = IntegerField(
        _l("Pass mark in % (empty: the course's)"),
        validators=[Optional(), NumberRange(min=0, max=100)],
        render_kw={"inputmode": "numeric"},
    )
    review_shows = SelectField(
        _l("After submitting the learner sees"),
        choices=choices_of(ReviewShows),
    )
    review_when = SelectField(_l("When"), choices=choices_of(ReviewWhen))
    submit = SubmitField(_l("Save quiz"))

    def __init__(self, *args, zone: tzinfo, zone_label: str, subjects: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        for field in (self.opens_at, self.closes_at):
            field.description = _l("In your time zone (%(zone)s).", zone=zone_label)
        self.subject_id.choices = [SelectChoice(0, "—")] + [SelectChoice(s.id, s.title) for s in subjects]

    def settings(self) -> dict:
        return {
            "title": self.title.data,
            "subject_id": self.subject_id.data or None,
            "selection": self.selection.data,
            "draw_count": self.draw_count.data,
            "draw_categories": list(_tags(self.draw_categories.data)),
            "draw_tags": list(_tags(self.draw_tags.data)),
            "shuffle_questions": self.shuffle_questions.data,
            "shuffle_options": self.shuffle_options.data,
            "layout": self.layout.data,
            "opens_at": self.utc(self.opens_at.data),
            "closes_at": self.utc(self.closes_at.data),
            "time_limit_minutes": self.time_limit_minutes.data,
            "attempts_allowed": self.attempts_allowed.data,
            "grading_method": self.grading_method.data,
            "pass_mark": self.pass_mark.data,
            "review_shows": self.review_shows.data,
            "review_when": self.review_when.data,
        }

    def load(self, quiz) -> None:
        for name in ("title", "selection", "draw_count", "shuffle_questions", "shuffle_options", "layout",
                     "time_limit_minutes", "attempts_allowed", "grading_method", "pass_mark", "review_shows",
                     "review_when"):  # fmt: skip
            getattr(self, name).data = getattr(quiz, name)
        self.subject_id.data = quiz.subject_id or 0
        self.draw_categories.data = ", ".join(quiz.draw_categories)
        self.draw_tags.data = ", ".join(quiz.draw_tags)
        self.opens_at.data = self.local(quiz.opens_at)
        self.closes_at.data = self.local(quiz.closes_at)


class ImportForm(Form):
    file = FileField(
        _l("Question file"),
        validators=[FileRequired(), FileAllowed(["gift", "txt"], _l("Upload a .gift or .txt file."))],
    )
    format = RadioField(
        _l("Format"),
        choices=[SelectChoice("gift", "GIFT (Moodle)"), SelectChoice("aiken", "Aiken")],
        default="gift",
        validators=[DataRequired()],
    )
    category = StringField(
        _l("Category for questions without $CATEGORY"), validators=[Length(max=200)], default="default"
    )
    quiz_id = SelectField(_l("Also add them to quiz (optional)"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Import"))
