"""Forms of the attendance pages: a session, a webinar code, the status weights, a learner's code entry."""

from __future__ import annotations

from datetime import tzinfo
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.accounts.models import User
from lms.attendance.models import AttendanceStatus, SessionMode
from lms.core.forms import Form, LocalDecimalField, ZonedForm
from lms.core.labels import choices_of
from lms.courses.forms import LOCAL_DATETIME_FORMATS


class SessionForm(ZonedForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts"), validators=[InputRequired()], format=LOCAL_DATETIME_FORMATS)
    ends_at = DateTimeLocalField(_l("Ends"), validators=[InputRequired()], format=LOCAL_DATETIME_FORMATS)
    jpl = IntegerField(
        _l("JPL"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("Jam pelajaran this session is worth in the attendance share."),
        render_kw={"inputmode": "numeric", "min": 0},
    )
    mode = SelectField(_l("Mode"), choices=choices_of(SessionMode))
    place = StringField(_l("Place (optional)"), validators=[Optional(), Length(max=200)])
    latitude = DecimalField(
        _l("Latitude (optional)"),
        places=6,
        validators=[Optional(), NumberRange(min=-90, max=90)],
        description=_l("With longitude and radius: learners must be this close to check in (geofence)."),
        render_kw={"inputmode": "decimal"},
    )
    longitude = DecimalField(
        _l("Longitude (optional)"),
        places=6,
        validators=[Optional(), NumberRange(min=-180, max=180)],
        render_kw={"inputmode": "decimal"},
    )
    radius_m = IntegerField(
        _l("Radius in metres (optional)"),
        validators=[Optional(), NumberRange(min=10, max=5000)],
        render_kw={"inputmode": "numeric"},
    )
    facilitators = SelectMultipleField(
        _l("Facilitators (optional)"),
        coerce=int,
        validators=[Optional()],
        description=_l("Leave empty: all of the cohort's facilitators run this session."),
    )
    submit = SubmitField(_l("Save session"))

    def __init__(self, *args, zone: tzinfo, zone_label: str, facilitators: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        for time_field in (self.starts_at, self.ends_at):
            time_field.description = _l("In your time zone (%(zone)s).", zone=zone_label)
        self.facilitators.choices = [SelectChoice(str(u.id), u.full_name) for u in facilitators]


class CodeForm(Form):
    label = StringField(
        _l("Label (optional)"),
        validators=[Optional(), Length(max=60)],
        description=_l("For example: start, middle, end."),
    )
    minutes = IntegerField(
        _l("Open for (minutes)"),
        validators=[InputRequired(), NumberRange(min=1, max=240)],
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Create a code"))


class WeightsForm(Form):
    submit = SubmitField(_l("Save weights"))


def weights_form(data: dict[str, Decimal] | None = None, formdata=None) -> WeightsForm:
    """One decimal field per status, named after it."""

    class _Weights(WeightsForm):
        pass

    for status in AttendanceStatus:
        setattr(
            _Weights,
            status.value,
            LocalDecimalField(status.label, places=2, validators=[InputRequired(), NumberRange(min=0, max=1)]),
        )
    if formdata is None:
        return _Weights(data=data)
    return _Weights(formdata=formdata)


class CodeEntryForm(Form):
    code = StringField(
        _l("Code shown in the webinar"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    latitude = HiddenField()
    longitude = HiddenField()
    accuracy = HiddenField()
    submit = SubmitField(_l("Check in"))


class ConfirmQrForm(Form):
    grant = HiddenField(validators=[DataRequired()])
    latitude = HiddenField()
    longitude = HiddenField()
    accuracy = HiddenField()
    submit = SubmitField(_l("Check in now"))


class ScanTextForm(Form):
    """Without a camera (or JavaScript): the text printed under a learner's personal QR, typed in."""

    qr = StringField(_l("Text under the personal QR"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Check in this learner"))


class RosterForm(Form):
    """CSRF only: the statuses come as `status-<user id>` fields, one per participant."""

    submit = SubmitField(_l("Save attendance"))


class MarkAllPresentForm(Form):
    """CSRF only: everyone not marked yet becomes present."""

    submit = SubmitField(_l("Mark everyone not yet marked as present"))
