"""The manual verification form: the printed certificate number and its verification code, always together."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from lms.core.forms import Form


class ManualVerifyForm(Form):
    number = StringField(
        _l("Certificate number"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("As printed, for example PPNI/PPI-DASAR/2026/000123."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    code = StringField(
        _l("Verification code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("The short code printed beside the number, for example K7QF-2M9X."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Check"))
