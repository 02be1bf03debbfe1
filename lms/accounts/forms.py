"""Forms for registration, login, passwords, profiles, organizations and memberships."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from lms.accounts.consent import REGISTRATION_CONSENT
from lms.accounts.identity import PhoneInvalid, is_valid_nik, normalize_nik, normalize_phone, profession_choices
from lms.accounts.models import OrganizationKind, Role, TimeZone
from lms.core.forms import Form
from lms.core.labels import choices_of

TIMEZONE_CHOICES = [
    SelectChoice(TimeZone.WIB.value, _l("WIB (Western Indonesia, Asia/Jakarta)")),
    SelectChoice(TimeZone.WITA.value, _l("WITA (Central Indonesia, Asia/Makassar)")),
    SelectChoice(TimeZone.WIT.value, _l("WIT (Eastern Indonesia, Asia/Jayapura)")),
]


def _profession_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— choose —")), *profession_choices()]


def email_address(form, field) -> None:
    """Syntax check only; the reserved .test domain is allowed because the demo logins use it."""
    try:
        validate_email(field.data or "", check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise ValidationError(_l("Enter a valid e-mail address.")) from error


def validate_nik_field(form, field) -> None:
    nik = normalize_nik(field.data)
    if nik is not None and not is_valid_nik(nik):
        raise ValidationError(_l("A NIK has 16 digits, as on the KTP."))


def validate_phone_field(form, field) -> None:
    try:
        normalize_phone(field.data)
    except PhoneInvalid as error:
        raise ValidationError(PhoneInvalid.message) from error


class ProfileFields:
    """Fields shared by registration and the profile form."""

    full_name = StringField(
        _l("Name as written on your STR"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("Certificates print this name exactly."),
    )
    profession_code = SelectField(_l("Profession"), validators=[DataRequired()])
    nik = StringField(
        _l("NIK (optional)"),
        validators=[Optional(), validate_nik_field],
        description=_l("16 digits, as on the KTP. Always shown masked."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    str_number = StringField(
        _l("STR number (optional)"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9./\- ]+$", message=_l("Letters and digits only.")),
        ],
    )
    facility = StringField(_l("Health facility where you work (optional)"), validators=[Optional(), Length(max=160)])
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES, default=TimeZone.WIB.value)


def _minimum_password_length(form, field) -> None:
    """The password minimum of the settings (PASSWORD_MIN_LENGTH), read when the form is checked."""
    Length(min=current_app.config["PASSWORD_MIN_LENGTH"], max=200)(form, field)


def new_password_field(label) -> PasswordField:
    """A field for choosing a password: the one place its rules and hint are written."""
    return PasswordField(
        label,
        validators=[DataRequired(), _minimum_password_length],
        description=LazyString(
            lambda: gettext("At least %(n)d characters.", n=current_app.config["PASSWORD_MIN_LENGTH"])
        ),
        render_kw={"autocomplete": "new-password"},
    )


class RegistrationForm(ProfileFields, Form):
    facility = None  # chosen from the facility list instead (membership_forms.RegistrationChoices)
    email = EmailField(_l("E-mail"), validators=[DataRequired(), email_address, Length(max=254)])
    password = new_password_field(_l("Password"))
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    consent = BooleanField(
        REGISTRATION_CONSENT,
        validators=[DataRequired(message=_l("An account needs your agreement to keep your data."))],
    )
    submit = SubmitField(_l("Create account"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profession_code.choices = _profession_choices()


class ProfileForm(ProfileFields, Form):
    phone = StringField(
        _l("WhatsApp number (optional)"),
        validators=[Optional(), Length(max=30), validate_phone_field],
        description=_l(
            "Only your facilitators and the organizations you belong to see it, to contact you on WhatsApp."
        ),
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profession_code.choices = _profession_choices()


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), email_address], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new_password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), email_address])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(Form):
    new_password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    revoke_api_tokens = BooleanField(
        _l("Also revoke all my API tokens"),
        default=True,
        description=_l("Every session ends with the reset. Apps using your tokens will need a new token."),
    )
    submit = SubmitField(_l("Set new password"))


class ApiTokenForm(Form):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Create token"))


class OrganizationForm(Form):
    slug = StringField(
        _l("Short name"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[a-z0-9-]+$", message=_l("Lower-case letters, digits and hyphens only.")),
        ],
        description=_l("Used in addresses and certificate numbers, e.g. ppni."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    kind = SelectField(_l("Kind"), choices=choices_of(OrganizationKind))
    province = StringField(_l("Province"), validators=[Optional(), Length(max=80)])
    regency = StringField(_l("Regency / city"), validators=[Optional(), Length(max=80)])
    admins_require_two_factor = BooleanField(
        _l("Its admins must use two-factor authentication"),
        default=True,
        description=_l("They issue and revoke certificates: a stolen password alone must not be enough."),
    )
    submit = SubmitField(_l("Save"))


class MemberForm(Form):
    email = EmailField(_l("E-mail of the person"), validators=[DataRequired(), email_address])
    role = SelectField(
        _l("Role"),
        # A worker's membership is by her consent (an invitation on the members page), never a role given here.
        choices=choices_of(r for r in Role if r != Role.MEMBER),
        default=Role.FACILITATOR.value,
    )
    submit = SubmitField(_l("Add"))


class TwoFactorCodeForm(Form):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )
    submit = SubmitField(_l("Confirm"))
