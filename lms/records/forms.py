"""Forms of the competency record: the SIP, reporting an activity, reviewing one, making a share link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import Form
from lms.core.labels import choices_of
from lms.courses.curriculum import Ranah
from lms.records.models import ActivityKind
from lms.records.skp import PracticeArea


class LicenceForm(Form):
    sip_number = StringField(_l("SIP number"), validators=[Optional(), Length(max=80)])
    starts_on = DateField(
        _l("SIP issued on"),
        validators=[InputRequired()],
        description=_l("The 5-year SKP cycle runs from this date."),
    )
    area = SelectField(
        _l("Where you practise"),
        choices=choices_of(PracticeArea),
        default=PracticeArea.NORMAL.value,
        description=_l("Remote areas and special assignments need a smaller share of pembelajaran."),
    )


class ActivityForm(Form):
    kind = SelectField(_l("Kind of activity"), choices=choices_of(ActivityKind))
    ranah = SelectField(_l("Ranah"), choices=choices_of(Ranah))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    organizer = StringField(_l("Organizer"), validators=[DataRequired(), Length(max=200)])
    held_on = DateField(_l("Date"), validators=[InputRequired()])
    skp_claimed = DecimalField(
        _l("SKP claimed"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0.01, max=100)],
        render_kw={"inputmode": "decimal", "step": "0.01"},
    )
    organization_id = SelectField(
        _l("Organization that reviews it"),
        coerce=int,
        description=_l("Usually your professional organization."),
    )
    evidence = FileField(
        _l("Evidence (PDF or image)"),
        validators=[FileRequired(_l("Attach the certificate or letter as evidence."))],
        description=_l("A certificate, letter or photo; PDF, PNG, JPEG or WebP, at most 5 MB."),
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,.webp,application/pdf,image/*"},
    )


class ReviewForm(Form):
    decision = HiddenField(validators=[AnyOf(["approve", "reject"])])
    skp_granted = StringField(_l("SKP granted"), validators=[Optional(), Length(max=10)])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=500)], render_kw={"rows": 2})


class ShareLinkForm(Form):
    label = StringField(
        _l("For whom (optional)"), validators=[Optional(), Length(max=120)], description=_l("For example: RSUD Tarakan")
    )
    days = IntegerField(_l("Valid for (days)"), default=30, validators=[InputRequired(), NumberRange(min=1, max=365)])
