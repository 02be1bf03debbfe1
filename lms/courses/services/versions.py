"""Course versions: importing a curriculum as a draft version, publishing it, exporting it back to a curriculum."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import Organization, User
from lms.accounts.permissions import require_organization_role
from lms.core.audit import record_audit
from lms.core.errors import Conflict, NotFound
from lms.courses.curriculum import (
    DETAIL_FIELDS,
    CompetencySpec,
    CourseDetails,
    CourseKind,
    CourseSpec,
    LessonSpec,
    Ranah,
    SubjectSpec,
    SubjectType,
    skp_for,
)
from lms.courses.events import version_drafted
from lms.courses.models import Course, CourseStatus, CourseVersion, Lesson, Subject
from lms.courses.services.stored_files import _attachments_by_lesson, _reattach
from lms.extensions import db


@dataclass(frozen=True)
class ImportResult:
    course: Course
    version: CourseVersion
    changed: bool
    published: bool


def skp_of(version: CourseVersion) -> Decimal:
    rate = Decimal(str(current_app.config["SKP_PER_CORE_JPL"]))
    return skp_for(version.core_jpl, version.skp_value, rate)


def store_details(version: CourseVersion, details: CourseDetails) -> None:
    """Write the details (a CourseDetails, or a whole CourseSpec) into the version's columns."""
    for name in DETAIL_FIELDS:
        value = getattr(details, name)
        if name == "competencies":
            value = [{"code": c.code, "name": c.name} for c in value]
        elif name in ("kind", "skp_ranah"):
            value = value.value
        elif name == "target_professions":
            value = list(value)
        elif name == "skp_value" and value is not None:
            # As the database stores it (two decimals), so that the fingerprint reads the same after a reload.
            value = value.quantize(Decimal("0.01"))
        setattr(version, name, value)


def stored_details(version: CourseVersion) -> dict:
    """The version's columns as CourseDetails values (the reverse of store_details)."""
    values = {name: getattr(version, name) for name in DETAIL_FIELDS}
    values["kind"] = CourseKind(version.kind)
    values["skp_ranah"] = Ranah(version.skp_ranah)
    values["target_professions"] = tuple(version.target_professions)
    values["competencies"] = tuple(CompetencySpec(c["code"], c["name"]) for c in version.competencies)
    return values


def _fill_version(version: CourseVersion, spec: CourseSpec) -> None:
    store_details(version, spec)
    version.questions = [list(pair) for pair in spec.questions]
    version.fingerprint = spec.fingerprint()
    version.subjects = [
        Subject(
            position=position,
            slug=subject.slug,
            title=subject.title,
            type=subject.type.value,
            jpl_t=subject.jpl_t,
            jpl_p=subject.jpl_p,
            jpl_pl=subject.jpl_pl,
            objectives=list(subject.objectives),
            lessons=[
                Lesson(
                    position=lesson_position,
                    title=lesson.title,
                    minutes=lesson.minutes,
                    body=lesson.body,
                    video_url=lesson.video_url,
                )
                for lesson_position, lesson in enumerate(subject.lessons, start=1)
            ],
        )
        for position, subject in enumerate(spec.subjects, start=1)
    ]


def course_by_code(code: str) -> Course | None:
    return db.session.execute(select(Course).where(Course.code == code.upper())).scalar_one_or_none()


def import_course(spec: CourseSpec, *, actor: User | None = None, publish: bool = False) -> ImportResult:
    """Create or update the draft version from a curriculum; files that did not change change nothing.

    `actor` None is the command line (trusted operator); otherwise the actor must administer the organization.
    """
    organization = db.session.execute(
        select(Organization).where(Organization.slug == spec.organization)
    ).scalar_one_or_none()
    if organization is None:
        raise NotFound(_l("No organization has the short name %(slug)s.", slug=spec.organization))
    require_organization_role(actor, organization.id)
    course = course_by_code(spec.code)
    if course is None:
        course = Course(code=spec.code, organization=organization)
        db.session.add(course)
    elif course.organization_id != organization.id:
        raise Conflict(_l("The course code %(code)s belongs to another organization.", code=spec.code))

    latest = course.latest_version
    changed = latest is None or latest.fingerprint != spec.fingerprint()
    version = latest
    if changed:
        # Read before the new version exists: loading them would flush it half-filled.
        kept = _attachments_by_lesson(latest) if latest else {}
        version = course.draft_version
        drafted_from = None
        if version is None:
            version = CourseVersion(number=(latest.number + 1) if latest else 1, course=course)
            db.session.add(version)
            drafted_from = latest
        _fill_version(version, spec)
        _reattach(version, kept)
        db.session.flush()
        record_audit(actor, "course.import", version, organization.id, code=course.code, number=version.number)
        if drafted_from is not None:
            version_drafted.send(course_id=course.id, from_version_id=drafted_from.id, version_id=version.id)
    published = False
    if publish and version.status == CourseStatus.DRAFT:
        publish_version(actor, version)
        published = True
    db.session.flush()
    return ImportResult(course, version, changed, published)


def publish_version(actor: User | None, version: CourseVersion) -> CourseVersion:
    require_organization_role(actor, version.course.organization_id)
    version.publish()
    record_audit(
        actor,
        "course.publish",
        version,
        version.course.organization_id,
        code=version.course.code,
        number=version.number,
    )
    return version


def spec_from_version(version: CourseVersion) -> CourseSpec:
    """The curriculum of a stored version, for export to files."""
    return CourseSpec(
        code=version.course.code,
        organization=version.course.organization.slug,
        **stored_details(version),
        subjects=tuple(
            SubjectSpec(
                slug=s.slug,
                title=s.title,
                type=SubjectType(s.type),
                jpl_t=s.jpl_t,
                jpl_p=s.jpl_p,
                jpl_pl=s.jpl_pl,
                objectives=tuple(s.objectives),
                lessons=tuple(
                    LessonSpec(lesson.title, lesson.minutes, lesson.body, lesson.video_url) for lesson in s.lessons
                ),
            )
            for s in version.subjects
        ),
        questions=tuple((pair[0], pair[1]) for pair in version.questions),
    )
