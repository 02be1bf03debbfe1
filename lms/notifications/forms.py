"""Forms of the notifications feature: each person's e-mail choice per kind."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from lms.core.forms import Form
from lms.notifications.kinds import KINDS


def preferences_form(choices: dict[str, bool]):
    """One checkbox per kind ("e-mail too"); unticked means in-app only. A POST's form data wins over `choices`."""

    class PreferencesForm(Form):
        pass

    for key, kind in KINDS.items():
        setattr(PreferencesForm, key, BooleanField(kind.label, description=_l("E-mail too")))
    return PreferencesForm(data=choices)
