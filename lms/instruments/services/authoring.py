"""Instruments of an organization: made from the shipped defaults or from files, edited as a new version once
answered; and a course's instrument settings."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.accounts.permissions import has_organization_role, organization_ids_for
from lms.core.audit import record_audit
from lms.core.errors import InvalidInput, NotFound, PermissionDenied
from lms.courses.files import CourseFilesInvalid
from lms.courses.models import Course
from lms.extensions import db
from lms.instruments.files import InstrumentSpec, parse_instrument, read_instrument_folder, shipped_instruments
from lms.instruments.items import InstrumentPurpose
from lms.instruments.models import CourseInstrumentSettings, Instrument

DEFAULT_KEYS = {
    InstrumentPurpose.FACILITATOR_EVALUATION: "evaluasi-fasilitator",
    InstrumentPurpose.ORGANIZER_EVALUATION: "evaluasi-penyelenggaraan",
    InstrumentPurpose.POST_TRAINING: "evaluasi-pasca-pelatihan",
}
"""The shipped instrument each evaluation uses unless the organization makes its own with that key."""


class InvalidInstrument(InvalidInput):
    """An instrument text with problems; `errors` lists them as `line N: message`."""

    def __init__(self, invalid: CourseFilesInvalid):
        self.errors = [f"{error.line}: {error.message}" if error.line else error.message for error in invalid.errors]
        # A plain string, not a lazy one: flask_babel's lazy strings count as safe HTML, and these messages quote
        # what the author typed.
        super().__init__(str(_l("The instrument has errors: %(errors)s", errors="; ".join(self.errors))))


def may_author(user: User, organization_id: int) -> bool:
    return has_organization_role(user, organization_id, (Role.ORG_ADMIN,))


def authored_organization_ids(user: User) -> set[int] | None:
    """None for platform admins (every organization)."""
    return None if user.is_platform_admin else organization_ids_for(user, (Role.ORG_ADMIN,))


def latest_instruments(user: User) -> list[Instrument]:
    """The newest version of every instrument in the organizations `user` administers."""
    newest = select(Instrument.organization_id, Instrument.key, func.max(Instrument.version).label("version"))
    ids = authored_organization_ids(user)
    if ids is not None:
        newest = newest.where(Instrument.organization_id.in_(ids))
    newest = newest.group_by(Instrument.organization_id, Instrument.key).subquery()
    stmt = select(Instrument).join(
        newest,
        (Instrument.organization_id == newest.c.organization_id)
        & (Instrument.key == newest.c.key)
        & (Instrument.version == newest.c.version),
    )
    return list(db.session.execute(stmt.order_by(Instrument.organization_id, Instrument.key)).scalars())


def latest_version(organization_id: int, key: str) -> Instrument | None:
    return db.session.execute(
        select(Instrument)
        .where(Instrument.organization_id == organization_id, Instrument.key == key)
        .order_by(Instrument.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def instrument_for_author(user: User, instrument_id: int) -> Instrument:
    instrument = db.session.get(Instrument, instrument_id)
    if instrument is None or not may_author(user, instrument.organization_id):
        raise NotFound()
    return instrument


def save_spec(actor: User | None, organization_id: int, spec: InstrumentSpec) -> tuple[Instrument, bool]:
    """Store `spec` as the organization's instrument with its key: in place while the newest version has no
    responses, else as a new version. Returns (instrument, changed); saving the same content changes nothing."""
    if actor is not None and not may_author(actor, organization_id):
        raise PermissionDenied()
    current = latest_version(organization_id, spec.key)
    content = {
        "purpose": spec.purpose.value,
        "title": spec.title,
        "description": spec.description,
        "items_json": [item.to_json() for item in spec.items],
        "pass_percent": spec.pass_percent,
    }
    if current is not None:
        if current.purpose != spec.purpose:
            raise InvalidInput(
                _l("The key %(key)s is already a %(purpose)s.", key=spec.key, purpose=current.purpose_label)
            )
        if all(getattr(current, name) == value for name, value in content.items()):
            return current, False
        if not current.is_frozen:
            for name, value in content.items():
                setattr(current, name, value)
            db.session.flush()
            record_audit(actor, "instrument.edit", current, organization_id, key=spec.key, version=current.version)
            return current, True
    instrument = Instrument(
        organization_id=organization_id, key=spec.key, version=(current.version + 1 if current else 1), **content
    )
    db.session.add(instrument)
    db.session.flush()
    record_audit(actor, "instrument.create", instrument, organization_id, key=spec.key, version=instrument.version)
    return instrument, True


def save_text(actor: User, organization_id: int, text: str) -> Instrument:
    """An instrument edited in the browser as YAML: the same parser as files, so the same `line: message` errors."""
    try:
        spec = parse_instrument(text, "instrument.yaml")
    except CourseFilesInvalid as invalid:
        raise InvalidInstrument(invalid) from None
    return save_spec(actor, organization_id, spec)[0]


def create_from_default(actor: User, organization_id: int, key: str) -> Instrument:
    spec = shipped_instruments().get(key)
    if spec is None:
        raise NotFound()
    return save_spec(actor, organization_id, spec)[0]


def instrument_for_purpose(organization_id: int, purpose: InstrumentPurpose) -> Instrument:
    """The organization's evaluation instrument with the default key: its own if made, else the shipped default
    copied into the organization (so responses always point at a stored, frozen version)."""
    key = DEFAULT_KEYS[purpose]
    instrument = latest_version(organization_id, key)
    if instrument is None:
        instrument, _ = save_spec(None, organization_id, shipped_instruments()[key])
    return instrument


def import_course_instruments(course: Course, folder: Path) -> list[tuple[Instrument, bool]]:
    """Read `folder/instruments/*.yaml` (all files checked before anything is written) into the course's
    organization; checklists are named in the course's settings."""
    specs = read_instrument_folder(folder)
    saved = [save_spec(None, course.organization_id, spec) for spec in specs]
    checklists = [spec.key for spec in specs if spec.purpose == InstrumentPurpose.CHECKLIST]
    if checklists:
        settings = settings_for(course, create=True)
        settings.checklist_keys = sorted(set(settings.checklist_keys or []) | set(checklists))
    db.session.flush()
    return saved


# --- course settings -----------------------------------------------------------------------------------------------


def _default_settings(course_id: int) -> CourseInstrumentSettings:
    return CourseInstrumentSettings(
        course_id=course_id,
        checklist_keys=[],
        require_checklists=False,
        require_evaluations=False,
        post_training_months=3,
    )


def settings_for(course: Course, *, create: bool = False) -> CourseInstrumentSettings:
    settings = db.session.execute(
        select(CourseInstrumentSettings).where(CourseInstrumentSettings.course_id == course.id)
    ).scalar_one_or_none()
    if settings is None:
        settings = _default_settings(course.id)
        if create:
            db.session.add(settings)
    return settings


def settings_of_courses(course_ids: Iterable[int]) -> dict[int, CourseInstrumentSettings]:
    """The settings of many courses in one statement (the defaults, not stored, for a course without its own)."""
    ids = set(course_ids)
    stored = db.session.execute(
        select(CourseInstrumentSettings).where(CourseInstrumentSettings.course_id.in_(ids))
    ).scalars()
    settings = {s.course_id: s for s in stored}
    return {course_id: settings.get(course_id) or _default_settings(course_id) for course_id in ids}


def course_for_author(user: User, course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not may_author(user, course.organization_id):
        raise NotFound()
    return course


def checklists_of(course: Course) -> list[Instrument]:
    """The newest version of each checklist the course names."""
    keys = settings_for(course).checklist_keys or []
    found = [latest_version(course.organization_id, key) for key in keys]
    return [instrument for instrument in found if instrument is not None]


def update_settings(
    actor: User,
    course: Course,
    *,
    checklist_keys: list[str],
    require_checklists: bool,
    require_evaluations: bool,
    post_training_months: int,
) -> CourseInstrumentSettings:
    if not may_author(actor, course.organization_id):
        raise PermissionDenied()
    for key in checklist_keys:
        instrument = latest_version(course.organization_id, key)
        if instrument is None or instrument.purpose != InstrumentPurpose.CHECKLIST:
            raise InvalidInput(_l("%(key)s is not a checklist of this organization.", key=key))
    if not 0 <= post_training_months <= 36:
        raise InvalidInput(_l("Months after the training: from 0 (off) to 36."))
    settings = settings_for(course, create=True)
    settings.checklist_keys = list(checklist_keys)
    settings.require_checklists = require_checklists
    settings.require_evaluations = require_evaluations
    settings.post_training_months = post_training_months
    db.session.flush()
    record_audit(
        actor,
        "instrument.course_settings",
        settings,
        course.organization_id,
        checklists=list(checklist_keys),
        require_checklists=require_checklists,
        require_evaluations=require_evaluations,
        post_training_months=post_training_months,
    )
    return settings


def organization_checklists(organization_id: int) -> list[Instrument]:
    newest = [
        latest_version(organization_id, key)
        for key in db.session.execute(
            select(Instrument.key)
            .where(Instrument.organization_id == organization_id, Instrument.purpose == InstrumentPurpose.CHECKLIST)
            .distinct()
        ).scalars()
    ]
    return sorted((i for i in newest if i is not None), key=lambda i: i.title)
