"""Base form: WTForms' own messages ("This field is required.") in the user's language."""

from __future__ import annotations

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
