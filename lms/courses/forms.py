"""Forms for the organization admin's course pages: authoring a course, its subjects and lessons, attaching files,
opening, editing and cancelling a cohort, deciding enrolment requests, enrolling people."""

from __future__ import annotations

from dataclasses import fields
from datetime import tzinfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from lms.accounts.identity import profession_choices
from lms.accounts.models import User
from lms.core.forms import Form, LocalDecimalField, ZonedForm
from lms.core.labels import choices_of
from lms.courses.curriculum import CompetencySpec, CourseKind, LessonSpec, Ranah, SubjectType
from lms.courses.files import CODE_PATTERN, is_video_url, raw_html_in, splits_lesson
from lms.courses.models import CohortMode, CourseVersion, Lesson, Subject
from lms.courses.services import CourseDetails, SubjectDetails

# The browser's datetime-local input sends "2025-03-01T08:00"; the other formats accept hand-typed values.
LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class CohortForm(ZonedForm):
    name = StringField(
        _l("Cohort name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("For example: Angkatan 1 Kaltara 2025."),
    )
    mode = SelectField(
        _l("Mode"),
        choices=choices_of(CohortMode),
        default=CohortMode.DARING.value,
    )
    place = StringField(
        _l("Place (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l("Venue and city for in-person or blended cohorts."),
    )
    # InputRequired, not DataRequired: it keeps the field's own "Not a valid date value." for a mistyped date.
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired()])
    enrol_opens_at = DateTimeLocalField(
        _l("Enrolment opens (optional)"), validators=[Optional()], format=LOCAL_DATETIME_FORMATS
    )
    enrol_closes_at = DateTimeLocalField(
        _l("Enrolment closes (optional)"), validators=[Optional()], format=LOCAL_DATETIME_FORMATS
    )
    capacity = IntegerField(
        _l("Capacity (optional)"),
        validators=[Optional(), NumberRange(min=1, message=_l("Capacity must be at least 1, or empty for no limit."))],
        description=_l("Leave empty for no limit. Requests beyond it go on a waiting list."),
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    needs_approval = BooleanField(_l("Each enrolment needs the organization's approval"))
    facilitators = SelectMultipleField(_l("Facilitators (optional)"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Create cohort"))

    def __init__(self, *args, zone: tzinfo, zone_label: str, facilitators: list[User], **kwargs):
        """`zone` is the admin's time zone, in which the enrolment window is typed."""
        super().__init__(*args, **kwargs)
        self.zone = zone
        for window_field in (self.enrol_opens_at, self.enrol_closes_at):
            window_field.description = _l("In your time zone (%(zone)s). Leave empty for no limit.", zone=zone_label)
        self.facilitators.choices = [SelectChoice(str(user.id), _facilitator_label(user)) for user in facilitators]
        if facilitators:
            self.facilitators.description = _l("To choose more than one, hold Ctrl (⌘ on a Mac) while clicking.")
        else:
            self.facilitators.description = _l(
                "Nobody holds the facilitator role here yet; add people on the organization page."
            )
        self._facilitators = facilitators

    def cohort_values(self) -> dict:
        """What the admin typed, as the cohort services take it (times in UTC, the chosen facilitators)."""
        chosen = set(self.facilitators.data or [])
        return {
            "name": self.name.data,
            "mode": self.mode.data,
            "place": self.place.data,
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "enrol_opens_at": self.utc(self.enrol_opens_at.data),
            "enrol_closes_at": self.utc(self.enrol_closes_at.data),
            "capacity": self.capacity.data,
            "needs_approval": self.needs_approval.data,
            "facilitators": [user for user in self._facilitators if user.id in chosen],
        }


def _facilitator_label(user: User) -> str:
    return f"{user.full_name} ({user.email})"


class EnrolmentDecisionForm(Form):
    """Approve or decline one request; the reason is required for declining (the service enforces it)."""

    decision = HiddenField(validators=[AnyOf(["approve", "decline"])])
    reason = TextAreaField(
        _l("Reason for declining"),
        validators=[Length(max=500)],
        description=_l("The learner sees this reason."),
        render_kw={"rows": 2},
    )


# --- authoring ---------------------------------------------------------------------------------------------------


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _no_raw_html(form, field) -> None:
    found = raw_html_in(field.data or "")
    if found:
        raise ValidationError(_l("Raw HTML is not allowed (found %(found)s); use Markdown.", found=found))


def _percent(label, default: int):
    return IntegerField(
        label,
        default=default,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        render_kw={"min": 0, "max": 100},
    )


class CourseForm(Form):
    """A course's details; the code only when the course is created (it names the course for good)."""

    code = StringField(
        _l("Course code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Capital letters, digits and hyphens, e.g. PPI-DASAR. It cannot be changed later."),
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), _no_raw_html])
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Two to four sentences for the catalog."),
        render_kw={"rows": 4},
    )
    kind = SelectField(_l("Kind"), choices=choices_of(CourseKind))
    target_professions = SelectMultipleField(
        _l("Target professions"),
        validators=[DataRequired()],
        description=_l("To choose more than one, hold Ctrl (⌘ on a Mac) while clicking."),
        render_kw={"size": 8},
    )
    skp_ranah = SelectField(_l("SKP ranah"), choices=choices_of(Ranah))
    skp_value = LocalDecimalField(
        _l("SKP (optional)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=99999)],
        description=_l("Leave empty to compute SKP from the JPL of the core (inti) subjects."),
    )
    accreditation_number = StringField(_l("Accreditation number (optional)"), validators=[Optional(), Length(max=80)])
    # The defaults are those of the course files (courses/README.md).
    pass_mark = _percent(_l("Pass mark (post-test score, 0–100)"), 70)
    attendance_threshold = _percent(_l("Attendance threshold (percent)"), 95)
    validity_months = IntegerField(
        _l("Validity of the competency (months)"),
        default=36,
        validators=[InputRequired(), NumberRange(min=1, max=1200)],
        render_kw={"min": 1},
    )
    competencies = TextAreaField(
        _l("Competencies"),
        validators=[DataRequired()],
        description=_l("One per line: code, a colon, the name. For example: PPI-KT: Melakukan kebersihan tangan"),
        render_kw={"rows": 4},
    )
    sequential = BooleanField(_l("Learners study the lessons in order"))
    require_lessons = BooleanField(_l("Certificate: every lesson completed"), default=True)
    require_post_test = BooleanField(_l("Certificate: post-test passed (when the course has one)"), default=True)
    require_attendance = BooleanField(
        _l("Certificate: attendance threshold met (when the cohort has sessions)"), default=True
    )
    certificate_needs_approval = BooleanField(_l("Certificate: issued only after the organization approves"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_professions.choices = profession_choices()
        if not creating:
            del self.code

    def validate_code(self, field) -> None:
        if field.data and not CODE_PATTERN.match(field.data.strip().upper()):
            raise ValidationError(_l("Use capital letters, digits and hyphens, e.g. PPI-DASAR."))

    def validate_competencies(self, field) -> None:
        self.parsed_competencies = []
        codes = set()
        for line in _lines(field.data):
            code, colon, name = line.partition(":")
            code, name = code.strip().upper(), name.strip()
            if not colon or not name or not CODE_PATTERN.match(code):
                raise ValidationError(_l("Write each competency as CODE: name (found “%(line)s”).", line=line))
            if code in codes:
                raise ValidationError(_l("The competency code %(code)s appears twice.", code=code))
            codes.add(code)
            self.parsed_competencies.append(CompetencySpec(code, name))

    @classmethod
    def for_version(cls, version: CourseVersion, **kwargs) -> CourseForm:
        """A form filled from a stored version (the form data of a POST wins)."""
        data = {f.name: getattr(version, f.name) for f in fields(CourseDetails)}
        data["competencies"] = "\n".join(f"{c['code']}: {c['name']}" for c in version.competencies)
        return cls(data=data, creating=False, **kwargs)

    def details(self) -> CourseDetails:
        return CourseDetails(
            title=self.title.data.strip(),
            summary=" ".join(self.summary.data.split()),
            kind=CourseKind(self.kind.data),
            target_professions=tuple(self.target_professions.data),
            skp_ranah=Ranah(self.skp_ranah.data),
            skp_value=self.skp_value.data,
            accreditation_number=(self.accreditation_number.data or "").strip() or None,
            pass_mark=self.pass_mark.data,
            attendance_threshold=self.attendance_threshold.data,
            validity_months=self.validity_months.data,
            competencies=tuple(self.parsed_competencies),
            sequential=self.sequential.data,
            require_lessons=self.require_lessons.data,
            require_post_test=self.require_post_test.data,
            require_attendance=self.require_attendance.data,
            certificate_needs_approval=self.certificate_needs_approval.data,
        )


class SubjectForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), _no_raw_html])
    type = SelectField(_l("Type"), choices=choices_of(SubjectType))
    jpl_t = IntegerField(_l("JPL teori (T, 45 min)"), validators=[InputRequired(), NumberRange(min=0, max=200)])
    jpl_p = IntegerField(_l("JPL penugasan (P, 45 min)"), validators=[InputRequired(), NumberRange(min=0, max=200)])
    jpl_pl = IntegerField(
        _l("JPL praktik lapangan (PL, 60 min)"), validators=[InputRequired(), NumberRange(min=0, max=200)]
    )
    objectives = TextAreaField(
        _l("Learning objectives"),
        validators=[DataRequired(), _no_raw_html],
        description=_l("One per line."),
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Save"))

    @classmethod
    def for_subject(cls, subject: Subject) -> SubjectForm:
        return cls(
            data={
                "title": subject.title,
                "type": subject.type,
                "jpl_t": subject.jpl_t,
                "jpl_p": subject.jpl_p,
                "jpl_pl": subject.jpl_pl,
                "objectives": "\n".join(subject.objectives),
            }
        )

    def details(self) -> SubjectDetails:
        return SubjectDetails(
            title=self.title.data.strip(),
            type=SubjectType(self.type.data),
            jpl_t=self.jpl_t.data,
            jpl_p=self.jpl_p.data,
            jpl_pl=self.jpl_pl.data,
            objectives=tuple(_lines(self.objectives.data)),
        )


class LessonForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), _no_raw_html])
    minutes = IntegerField(
        _l("Estimated minutes"), validators=[InputRequired(), NumberRange(min=1, max=1000)], render_kw={"min": 1}
    )
    body = TextAreaField(
        _l("Lesson text (Markdown)"),
        validators=[DataRequired(), _no_raw_html],
        description=_l(
            "Markdown: **bold**, *italic*, lists with “- ”, headings with “## ” (not “# ”), tables. No HTML."
        ),
        render_kw={"rows": 18, "data-markdown-editor": ""},
    )
    video_url = StringField(
        _l("Video link (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("An https:// link; learners open it only when they ask for it."),
        render_kw={"inputmode": "url"},
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))

    def validate_body(self, field) -> None:
        if splits_lesson(field.data or ""):
            raise ValidationError(_l("Start headings inside a lesson with “## ”; “# ” is kept for lesson titles."))

    def validate_video_url(self, field) -> None:
        if field.data and not is_video_url(field.data.strip()):
            raise ValidationError(_l("The video link must start with https:// and contain no spaces."))

    @classmethod
    def for_lesson(cls, lesson: Lesson) -> LessonForm:
        return cls(
            data={
                "title": lesson.title,
                "minutes": lesson.minutes,
                "body": lesson.body,
                "video_url": lesson.video_url or "",
            }
        )

    def details(self) -> LessonSpec:
        body = "\n".join(line.rstrip() for line in (self.body.data or "").replace("\r\n", "\n").split("\n"))
        return LessonSpec(
            self.title.data.strip(), self.minutes.data, body.strip("\n"), (self.video_url.data or "").strip() or None
        )


class AttachmentForm(Form):
    file = FileField(_l("File"), validators=[FileRequired()])
    submit = SubmitField(_l("Attach"))


class MoveForm(Form):
    """Move a subject or a lesson one place up (-1) or down (1); the buttons carry the step."""

    step = StringField(validators=[AnyOf(["-1", "1"])])


class PublishForm(Form):
    """The confirmation of a publish review: the token of the draft the admin reviewed."""

    reviewed = HiddenField(validators=[DataRequired(), Length(max=64)])


# --- running a cohort: edit, cancel, enrol people, decide many requests ------------------------------------------


class CohortEditForm(CohortForm):
    submit = SubmitField(_l("Save changes"))


class CancelCohortForm(Form):
    reason = TextAreaField(
        _l("Reason for cancelling"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("Everyone enrolled, waiting or asking is told this reason."),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Cancel the cohort"))


class EnrolPeopleForm(Form):
    """People chosen by ticking them in a search result or a member list (`user_id`), or typed as e-mails."""

    user_id = SelectMultipleField(coerce=int, validate_choice=False, validators=[Optional()])
    emails = TextAreaField(
        _l("E-mail addresses (optional)"),
        validators=[Optional(), Length(max=100_000)],
        description=_l("One per line, or separated by commas. People must already have an account."),
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Enrol the chosen people"))

    def email_list(self) -> list[str]:
        text = (self.emails.data or "").replace(",", "\n").replace(";", "\n")
        return [line.strip() for line in text.splitlines() if line.strip()]


class BulkDecisionForm(Form):
    """Approve or decline every ticked request (`enrolment_id`) at once."""

    enrolment_id = SelectMultipleField(coerce=int, validate_choice=False)
    decision = HiddenField(validators=[AnyOf(["approve", "decline"])])
    reason = TextAreaField(
        _l("Reason for declining"),
        validators=[Length(max=500)],
        description=_l("The learners see this reason."),
        render_kw={"rows": 2},
    )
