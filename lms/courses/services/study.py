"""Studying: opening and completing lessons, progress, the courses feature's requirements, the cohort roster."""

from __future__ import annotations

from sqlalchemy import inspect, select

from lms.accounts.models import User
from lms.accounts.permissions import require_organization_role
from lms.core.audit import record_audit
from lms.core.errors import NotFound
from lms.core.i18n import (
    lazy_gettext as _l,  # the request's kept catalog: eligibility is decided after every passed test
)
from lms.core.lru import LruCache
from lms.courses.enrolment import LessonLocked, Progress, is_unlocked, progress_of
from lms.courses.models import Cohort, CourseVersion, Enrolment, EnrolmentStatus, Lesson, LessonCompletion, Subject
from lms.courses.requirements import (
    Requirement,
    progress_changed,
    requirements_for,
    unmet,
)
from lms.extensions import db

_frozen_lesson_ids: LruCache[tuple, tuple[int, ...]] = LruCache(256)


def lesson_ids_in_order(version: CourseVersion) -> list[int]:
    """The version's lessons, subject by subject, as ids. A published (frozen) version's lessons never change: they
    are kept per process, so that deciding eligibility after every passed post-test or completed lesson reads no
    subjects and lessons (with their bodies) again. The key holds the publication time and fingerprint as well as
    the id, so an id used again after rows were deleted (SQLite reuses them) cannot find another version's list."""
    if "subjects" not in inspect(version).unloaded or not version.is_frozen:
        return [lesson.id for lesson in version.lessons]
    key = (version.id, version.published_at, version.fingerprint)
    ids = _frozen_lesson_ids.get(key)
    if ids is None:
        ids = tuple(
            db.session.execute(
                select(Lesson.id)
                .join(Subject, Subject.id == Lesson.subject_id)
                .where(Subject.version_id == version.id)
                .order_by(Subject.position, Lesson.position)
            ).scalars()
        )
        _frozen_lesson_ids.put(key, ids)
    return list(ids)


def progress(enrolment: Enrolment) -> Progress:
    return progress_of(lesson_ids_in_order(enrolment.cohort.version), enrolment.completed_lesson_ids)


def enrolment_and_lesson_requirements(enrolment: Enrolment) -> list[Requirement]:
    """The courses feature's own rules: an active enrolment, and every lesson complete (when the course asks it)."""
    requirements = []
    if enrolment.status != EnrolmentStatus.ACTIVE:
        requirements.append(
            Requirement(
                "enrolment",
                str(_l("Enrolment")),
                False,
                str(_l("An active enrolment (now: %(status)s).", status=EnrolmentStatus(enrolment.status).label)),
            )
        )
    if enrolment.cohort.version.require_lessons:
        done = progress(enrolment)
        requirements.append(
            Requirement(
                "lessons",
                str(_l("Lessons")),
                done.complete,
                str(_l("Lessons completed: %(done)d of %(total)d.", done=done.done, total=done.total)),
            )
        )
    return requirements


def missing_for_certificate(enrolment: Enrolment) -> list[str]:
    """What the learner still lacks, from every feature's requirements (see lms.courses.requirements)."""
    return [requirement.detail for requirement in unmet(requirements_for(enrolment))]


def study_lesson(user: User, lesson_id: int) -> tuple[Enrolment, Lesson]:
    """The learner's active enrolment that contains this lesson; records it as where they left off."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound()
    enrolment = _studying(user, lesson)
    enrolment.last_lesson_id = lesson.id
    return enrolment, lesson


def _studying(user: User, lesson: Lesson) -> Enrolment:
    """The learner's active enrolment through which they may open `lesson` (NotFound / LessonLocked otherwise)."""
    enrolment = db.session.execute(
        select(Enrolment)
        .join(Cohort)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Cohort.version_id == lesson.subject.version_id,
        )
        .order_by(Enrolment.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if enrolment is None:
        raise NotFound(_l("Enrol in a cohort of this course to study its lessons."))
    order = lesson_ids_in_order(enrolment.cohort.version)
    if not is_unlocked(lesson.id, order, enrolment.completed_lesson_ids, enrolment.cohort.version.sequential):
        raise LessonLocked()
    return enrolment


def complete_lesson(user: User, lesson_id: int) -> tuple[Enrolment, Lesson]:
    """Mark a lesson complete (again is harmless) and return the enrolment and the lesson."""
    enrolment, lesson = study_lesson(user, lesson_id)
    if lesson.id not in enrolment.completed_lesson_ids:
        enrolment.completions.append(LessonCompletion(lesson_id=lesson.id))
        db.session.flush()
        progress_changed(enrolment)
    db.session.flush()
    return enrolment, lesson


def resume_lesson_id(enrolment: Enrolment) -> int | None:
    """Where to continue: the lesson left off if unfinished, else the next incomplete one, else the first."""
    order = lesson_ids_in_order(enrolment.cohort.version)
    completed = enrolment.completed_lesson_ids
    if enrolment.last_lesson_id in order and enrolment.last_lesson_id not in completed:
        return enrolment.last_lesson_id
    return progress_of(order, completed).next_lesson_id or (order[0] if order else None)


def roster_rows(actor: User, cohort: Cohort) -> list[list[object]]:
    """Active participants for enrolment on national platforms: the one export that carries the full NIK."""
    require_organization_role(actor, cohort.organization_id)
    from lms.accounts.identity import profession_name

    rows: list[list[object]] = [
        [
            _l("Name as on the STR"),
            "NIK",
            _l("E-mail"),
            _l("Profession"),
            _l("STR number"),
            _l("Facility"),
            _l("Status"),
        ]
    ]
    for e in cohort.enrolments:
        if e.status == EnrolmentStatus.ACTIVE:
            u = e.user
            rows.append(
                [u.full_name, u.nik, u.email, profession_name(u.profession_code), u.str_number, u.facility,
                 EnrolmentStatus(e.status)]
            )  # fmt: skip
    record_audit(actor, "cohort.roster_export", cohort, cohort.organization_id, rows=len(rows) - 1)
    return rows
