"""Forms for the organization admin's course pages: opening a cohort, deciding an enrolment request."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from lms.accounts.models import User
from lms.core.forms import Form
from lms.courses.models import CohortMode

COHORT_MODE_LABELS = {
    CohortMode.DARING: _l("Online"),
    CohortMode.LURING: _l("In person"),
    CohortMode.BLENDED: _l("Blended"),
}

# The browser's datetime-local input sends "2025-03-01T08:00"; the other formats accept hand-typed values.
LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class CohortForm(Form):
    name = StringField(
        _l("Cohort name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("For example: Angkatan 1 Kaltara 2025."),
    )
    mode = SelectField(
        _l("Mode"),
        choices=[SelectChoice(mode.value, label) for mode, label in COHORT_MODE_LABELS.items()],
        default=CohortMode.DARING.value,
    )
    place = StringField(
        _l("Place (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l("Venue and city for in-person or blended cohorts."),
    )
    # InputRequired, not DataRequired: it keeps the field's own "Not a valid date value." for a mistyped date.
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired()])
    enrol_opens_at = DateTimeLocalField(
        _l("Enrolment opens (optional)"), validators=[Optional()], format=LOCAL_DATETIME_FORMATS
    )
    enrol_closes_at = DateTimeLocalField(
        _l("Enrolment closes (optional)"), validators=[Optional()], format=LOCAL_DATETIME_FORMATS
    )
    capacity = IntegerField(
        _l("Capacity (optional)"),
        validators=[Optional(), NumberRange(min=1, message=_l("Capacity must be at least 1, or empty for no limit."))],
        description=_l("Leave empty for no limit. Requests beyond it go on a waiting list."),
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    needs_approval = BooleanField(_l("Each enrolment needs the organization's approval"))
    facilitators = SelectMultipleField(_l("Facilitators (optional)"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Create cohort"))

    def __init__(self, *args, zone: tzinfo, zone_label: str, facilitators: list[User], **kwargs):
        """`zone` is the admin's time zone, in which the enrolment window is typed."""
        super().__init__(*args, **kwargs)
        self.zone = zone
        for window_field in (self.enrol_opens_at, self.enrol_closes_at):
            window_field.description = _l("In your time zone (%(zone)s). Leave empty for no limit.", zone=zone_label)
        self.facilitators.choices = [SelectChoice(str(user.id), _facilitator_label(user)) for user in facilitators]
        if facilitators:
            self.facilitators.description = _l("To choose more than one, hold Ctrl (⌘ on a Mac) while clicking.")
        else:
            self.facilitators.description = _l(
                "Nobody holds the facilitator role here yet; add people on the organization page."
            )

    def utc(self, local: datetime | None) -> datetime | None:
        """A date-time typed in the admin's zone, as the timezone-aware UTC datetime the services store."""
        return local.replace(tzinfo=self.zone).astimezone(UTC) if local is not None else None


def _facilitator_label(user: User) -> str:
    return f"{user.full_name} ({user.email})"


class EnrolmentDecisionForm(Form):
    """Approve or decline one request; the reason is required for declining (the service enforces it)."""

    decision = HiddenField(validators=[AnyOf(["approve", "decline"])])
    reason = TextAreaField(
        _l("Reason for declining"),
        validators=[Length(max=500)],
        description=_l("The learner sees this reason."),
        render_kw={"rows": 2},
    )
