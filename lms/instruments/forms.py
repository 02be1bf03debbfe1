"""Forms of the instruments pages: an instrument as text, a course's settings, the supervisor's name. The items of
an instrument are rendered from its item kinds (templates/instruments/_items.html), not from a form class."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from lms.core.forms import Form


class InstrumentTextForm(Form):
    text = TextAreaField(
        _l("Instrument (YAML)"),
        validators=[DataRequired(), Length(max=100_000)],
        description=_l("The same format as instrument files beside a course. Items: id, type, text; "
                       "types likert (with scale 4 or 5), step (critical: true), yes_no, number, text."),
        render_kw={"rows": 24, "spellcheck": "false"},
    )  # fmt: skip
    submit = SubmitField(_l("Save"))


class FromDefaultForm(Form):
    organization_id = SelectField(_l("Organization"), coerce=int)
    key = SelectField(_l("Start from"))
    submit = SubmitField(_l("Create"))


class CourseSettingsForm(Form):
    checklists = SelectMultipleField(_l("Skills checklists of this course"), choices=[])
    require_checklists = BooleanField(_l("The certificate needs every checklist passed"))
    require_evaluations = BooleanField(_l("The certificate needs the facilitator and organizer evaluations"))
    post_training_months = IntegerField(
        _l("Post-training evaluation, months after the training"),
        validators=[InputRequired(), NumberRange(min=0, max=36)],
        description=_l("0 switches it off."),
    )
    submit = SubmitField(_l("Save"))


class SupervisorForm(Form):
    supervisor_name = StringField(
        _l("Your supervisor's name (atasan langsung)"), validators=[DataRequired(), Length(max=120)]
    )
    supervisor_email = EmailField(
        _l("Supervisor's e-mail (optional)"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l("The link is sent there; you can also copy it and send it yourself."),
    )
    submit = SubmitField(_l("Make the link"))
