"""Forms for memberships, workplaces and facilities: join or invite, confirm, say where one works, add a facility."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from lms.accounts.forms import RegistrationForm, email_address
from lms.accounts.models import FACILITY_KIND_LABELS
from lms.core.forms import Form

SHARING_CONSENT_LABEL = _l("I agree to the sharing described here")
SHARING_CONSENT_HELP = _l(
    "The professional organization you choose sees your competency record (SKP per ranah, SIP renewal date, "
    "certificates and activities) once it confirms your membership; the health office (Dinas Kesehatan) over your "
    "facility's area sees your SKP standing, SIP renewal date and competencies. You can withdraw this in your "
    "profile by leaving the organization or the facility. The exact words are kept with the date."
)


def facility_choices(facilities, blank: str) -> list[SelectChoice]:
    """Facilities grouped by regency (an optgroup each), after a blank choice."""
    return [SelectChoice("", blank)] + [
        SelectChoice(str(f.id), f.name, optgroup=f"{f.regency}, {f.province}") for f in facilities
    ]


def organization_choices(organizations, blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [SelectChoice(str(o.id), o.name) for o in organizations]


class MembershipNumberField(StringField):
    def __init__(self, label=None, **kwargs):
        super().__init__(
            label or _l("Membership number (nomor KTA)"),
            validators=[
                Optional(),
                Length(max=40),
                Regexp(r"^[A-Za-z0-9./\- ]+$", message=_l("Letters and digits only.")),
            ],
            **kwargs,
        )


class RegistrationChoices:
    """Workplace and membership asked at registration (both optional); filed as requests with the consent."""

    facility_id = SelectField(_l("Health facility where you work"), validators=[Optional()])
    organization_id = SelectField(_l("Professional organization"), validators=[Optional()])
    membership_number = MembershipNumberField()
    sharing_consent = BooleanField(SHARING_CONSENT_LABEL, description=SHARING_CONSENT_HELP)

    def validate_sharing_consent(self, field) -> None:
        if (self.facility_id.data or self.organization_id.data) and not field.data:
            raise ValidationError(_l("Tick the box to agree, or leave the facility and organization empty."))


class WorkerRegistrationForm(RegistrationChoices, RegistrationForm):
    """Registration: the account, then where she works and her organization."""


class JoinOrganizationForm(Form):
    organization_id = SelectField(_l("Organization"), validators=[InputRequired()])
    membership_number = MembershipNumberField()
    sharing_consent = BooleanField(
        SHARING_CONSENT_LABEL,
        validators=[DataRequired(message=_l("Tick the box to agree, or the organization cannot confirm you."))],
        description=_l(
            "Once it confirms your membership, the organization sees your competency record: SKP per ranah for "
            "your SIP cycle, SIP renewal date, certificates and activities. You can leave at any time."
        ),
    )
    submit = SubmitField(_l("Ask to join"))


class JoinFacilityForm(Form):
    facility_id = SelectField(_l("Health facility"), validators=[InputRequired()])
    sharing_consent = BooleanField(
        SHARING_CONSENT_LABEL,
        validators=[DataRequired(message=_l("Tick the box to agree."))],
        description=_l(
            "The health office (Dinas Kesehatan) over the facility's area sees your SKP standing, SIP renewal date "
            "and competencies, to supervise the facility. You can leave the facility at any time."
        ),
    )
    submit = SubmitField(_l("I work here"))


class InviteMemberForm(Form):
    email = EmailField(_l("E-mail of the person"), validators=[DataRequired(), email_address, Length(max=254)])
    membership_number = MembershipNumberField()
    submit = SubmitField(_l("Invite"))


class ConfirmRequestForm(Form):
    membership_number = MembershipNumberField()


class FacilityForm(Form):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9.\-]+$", message=_l("Letters, digits, dots and hyphens only.")),
        ],
        description=_l("The facility's registry code (e.g. from the Kemenkes facility list)."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in FACILITY_KIND_LABELS.items()])
    province = StringField(_l("Province"), validators=[DataRequired(), Length(max=80)])
    regency = StringField(_l("Regency / city"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Add facility"))
