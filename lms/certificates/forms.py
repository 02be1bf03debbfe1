"""Forms of the certificates feature: the organization's certificate settings, uploads, and status changes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from lms.certificates.services import MAX_REASON_LENGTH
from lms.core.forms import Form

COLOUR = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("A colour is written as # and six hexadecimal digits, e.g. #0b6e4f."))


class CertificateSettingsForm(Form):
    number_pattern = StringField(
        _l("Number pattern"),
        validators=[DataRequired(), Length(max=120)],
        description=_l(
            "Placeholders: {ORG} organization, {COURSE} course code, {YEAR}, {MONTH}, {SEQ} or {SEQ:06} the running "
            "number (required). Numbers are never reused."
        ),
    )
    layout = SelectField(_l("Layout"))
    primary_colour = StringField(_l("Main colour"), validators=[DataRequired(), COLOUR], render_kw={"type": "color"})
    accent_colour = StringField(_l("Accent colour"), validators=[DataRequired(), COLOUR], render_kw={"type": "color"})
    place = StringField(
        _l("Place (optional)"),
        validators=[Optional(), Length(max=80)],
        description=_l("City printed beside the date; without it, the cohort's place."),
    )
    submit = SubmitField(_l("Save settings"))

    def __init__(self, *args, layouts: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.layout.choices = [SelectChoice(key, label) for key, label in layouts.items()]


class LogoForm(Form):
    logo = FileField(
        _l("Logo"),
        validators=[FileRequired(_l("Choose an image file."))],
        description=_l("PNG, JPEG or WebP. It is checked, stripped of hidden data and resized."),
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )
    submit = SubmitField(_l("Upload logo"))


class SignatoryForm(Form):
    name = StringField(_l("Name as printed"), validators=[DataRequired(), Length(max=120)])
    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=160)],
        description=_l("For example: Ketua DPW PPNI Kalimantan Utara."),
    )
    signature = FileField(
        _l("Signature image (optional)"),
        description=_l("A scan or photo on white paper; PNG, JPEG or WebP."),
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )
    submit = SubmitField(_l("Add signatory"))


class ReasonForm(Form):
    """Revoke, suspend or re-issue: the reason is shown to whoever verifies the certificate."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=MAX_REASON_LENGTH)],
        description=_l("Shown on the verification page."),
        render_kw={"rows": 2, "maxlength": MAX_REASON_LENGTH},
    )


class ReinstateForm(Form):
    reason = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=MAX_REASON_LENGTH)],
        render_kw={"rows": 2, "maxlength": MAX_REASON_LENGTH},
    )
