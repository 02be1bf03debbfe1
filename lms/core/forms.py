"""Base forms: WTForms' own messages ("This field is required.") in the user's language; date-times typed in a zone."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from babel import support
from flask import current_app, g
from flask_babel import get_locale
from flask_wtf import FlaskForm


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
