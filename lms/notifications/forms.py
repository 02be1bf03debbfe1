"""Forms of the notifications feature: each person's e-mail choice per kind; a message to a whole cohort or to
some of its learners."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from lms.core.forms import Form
from lms.notifications.cohort_messages import MESSAGE_MAX
from lms.notifications.kinds import KINDS

BEHIND = "behind"
SELECTED = "selected"


def preferences_form(choices: dict[str, bool]):
    """One checkbox per kind ("e-mail too"); unticked means in-app only. A POST's form data wins over `choices`."""

    class PreferencesForm(Form):
        pass

    for key, kind in KINDS.items():
        setattr(PreferencesForm, key, BooleanField(kind.label, description=_l("E-mail too")))
    return PreferencesForm(data=choices)


class CohortMessageForm(Form):
    """The message to the whole cohort. Its length is checked by the service (`cohort_messages.message_text`), for the
    page and the API alike; `maxlength` only stops a browser typing more."""

    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(message=_l("Write the message the learners are to receive."))],
        description=_l(
            "Each learner finds it in Lentera, and by e-mail if she chose e-mail for messages to her cohort."
        ),
        render_kw={"rows": 6, "maxlength": MESSAGE_MAX},
    )
    submit = SubmitField(_l("Send to the cohort"))


class MessageLearnersForm(Form):
    """To whom (everyone behind, or the learners ticked in the table: `user_ids`, choices set by the view) and what."""

    recipients = RadioField(
        _l("Send to"),
        choices=[
            SelectChoice(BEHIND, _l("Everyone who is behind")),
            SelectChoice(SELECTED, _l("The learners I tick below")),
        ],
        default=BEHIND,
    )
    user_ids = SelectMultipleField(_l("Learners"), coerce=int, validate_choice=True)
    text = TextAreaField(
        _l("Message"),
        validators=[DataRequired(message=_l("Write the message the learners are to receive."))],
        description=_l(
            "Each learner finds it in Lentera, and by e-mail if she chose e-mail for messages to her cohort."
        ),
        render_kw={"rows": 6, "maxlength": MESSAGE_MAX},
    )
    submit = SubmitField(_l("Send"))
