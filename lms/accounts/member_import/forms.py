"""Forms of the member import pages: the upload, and the CSRF-only buttons (confirm, resume, discard)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from lms.core.forms import Form


class MemberFileForm(Form):
    file = FileField(
        _l("Member list (CSV or XLSX)"),
        validators=[FileRequired(_l("Choose a CSV or XLSX file."))],
        description=_l("Start from the template: one row per member, the header in row 1."),
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    submit = SubmitField(_l("Check the file"))


class ImportActionForm(Form):
    """CSRF only: confirm, resume or discard the import named in the URL."""

    submit = SubmitField(_l("Confirm import"))
