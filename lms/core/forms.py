"""Base forms: WTForms' own messages ("This field is required.") in the user's language; date-times typed in a zone;
decimals typed in the user's notation."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from babel import support
from flask import current_app, g
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.widgets import TextInput

from lms.core.numbers import UnreadableNumber, example_decimal, format_local_decimal, parse_local_decimal


def _wtforms_translations():
    # WTForms ships no Indonesian catalog, so ours (domain "wtforms") sits beside the app's messages.
    translations = g.get("wtforms_translations")
    if translations is None:
        translations = support.Translations.load(
            current_app.config["TRANSLATIONS_DIR"], [get_locale()], domain="wtforms"
        )
        g.wtforms_translations = translations
    return translations


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_translations()


class ZonedForm(Form):
    """A form whose date-times are typed in the user's zone (`zone`) and stored as timezone-aware UTC."""

    zone: tzinfo

    def utc(self, local: datetime | None) -> datetime | None:
        """A date-time typed in the user's zone, as the timezone-aware UTC datetime the services store."""
        return local.replace(tzinfo=self.zone).astimezone(UTC) if local is not None else None

    def local(self, value: datetime | None) -> datetime | None:
        """A stored UTC datetime as the naive local value a datetime-local field shows."""
        return value.astimezone(self.zone).replace(tzinfo=None) if value is not None else None


class LocalDecimalField(DecimalField):
    """A decimal typed the way the user's language writes it (`2,5` in Indonesian): a text box with a decimal
    keypad, since a browser's number box refuses a comma in some languages and sends nothing. Shows its value in
    the same notation, and says how to write a number when the text is not one."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, places=2, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        render_kw.pop("step", None)
        super().__init__(label, validators, places=places, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0]
        if not text or not text.strip():
            self.data = None
            return
        locale = str(get_locale())
        try:
            self.data = parse_local_decimal(text, locale)
        except UnreadableNumber:
            self.data = None
            raise ValueError(
                _("“%(text)s” is not a number. Write it like %(example)s.", text=text, example=example_decimal(locale))
            ) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_local_decimal(self.data, str(get_locale()), places=None).replace("\u00a0", "")
