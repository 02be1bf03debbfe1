"""Course rules: importing a curriculum as a draft version, publishing, exporting, the public catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Organization, Role, User
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms.core.models import utcnow
from lms.core.permissions import has_organization_role
from lms.courses.curriculum import (
    CERTIFICATE_RULE_FIELDS,
    CompetencySpec,
    CourseKind,
    CourseSpec,
    LessonSpec,
    Ranah,
    SubjectSpec,
    SubjectType,
    skp_for,
)
from lms.courses.enrolment import LessonLocked, Progress, enrolment_status_for, is_unlocked, progress_of
from lms.courses.models import (
    Cohort,
    CohortMode,
    Course,
    CourseStatus,
    CourseVersion,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonCompletion,
    Subject,
)
from lms.courses.requirements import (
    Requirement,
    progress_changed,
    register_requirement_provider,
    requirements_for,
    unmet,
)
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


def _fill_version(version: CourseVersion, spec: CourseSpec) -> None:
    version.title = spec.title
    version.summary = spec.summary
    version.kind = spec.kind.value
    version.target_professions = list(spec.target_professions)
    version.skp_ranah = spec.skp_ranah.value
    version.skp_value = spec.skp_value
    version.accreditation_number = spec.accreditation_number
    version.pass_mark = spec.pass_mark
    version.attendance_threshold = spec.attendance_threshold
    version.validity_months = spec.validity_months
    version.competencies = [{"code": c.code, "name": c.name} for c in spec.competencies]
    version.sequential = spec.sequential
    for name in CERTIFICATE_RULE_FIELDS:
        setattr(version, name, getattr(spec, name))
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
    if actor is not None and not has_organization_role(actor, organization.id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
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
        version = course.draft_version
        if version is None:
            version = CourseVersion(number=(latest.number + 1) if latest else 1, course=course)
            db.session.add(version)
        _fill_version(version, spec)
        db.session.flush()
        record_audit(actor, "course.import", version, organization.id, code=course.code, number=version.number)
    published = False
    if publish and version.status == CourseStatus.DRAFT:
        publish_version(actor, version)
        published = True
    db.session.flush()
    return ImportResult(course, version, changed, published)


def publish_version(actor: User | None, version: CourseVersion) -> CourseVersion:
    if actor is not None and not has_organization_role(actor, version.course.organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
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
        title=version.title,
        summary=version.summary,
        kind=CourseKind(version.kind),
        organization=version.course.organization.slug,
        target_professions=tuple(version.target_professions),
        skp_ranah=Ranah(version.skp_ranah),
        skp_value=version.skp_value,
        accreditation_number=version.accreditation_number,
        pass_mark=version.pass_mark,
        attendance_threshold=version.attendance_threshold,
        validity_months=version.validity_months,
        competencies=tuple(CompetencySpec(c["code"], c["name"]) for c in version.competencies),
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
        sequential=version.sequential,
        questions=tuple((pair[0], pair[1]) for pair in version.questions),
        **{name: getattr(version, name) for name in CERTIFICATE_RULE_FIELDS},
    )


def catalog(
    *, search: str = "", profession: str = "", organization: str = "", kind: str = "", mode: str = ""
) -> list[CourseVersion]:
    """The newest published version of every course, filtered; the public catalog.

    `mode` "daring" (online) or "luring" (in person) keeps courses with an upcoming cohort run that way
    (a blended cohort counts as both).
    """
    newest = (
        select(CourseVersion.course_id, func.max(CourseVersion.number).label("number"))
        .where(CourseVersion.status == CourseStatus.PUBLISHED)
        .group_by(CourseVersion.course_id)
        .subquery()
    )
    stmt = (
        select(CourseVersion)
        .join(newest, (CourseVersion.course_id == newest.c.course_id) & (CourseVersion.number == newest.c.number))
        .join(Course)
        .join(Organization)
        .options(selectinload(CourseVersion.subjects), selectinload(CourseVersion.course))
        .order_by(CourseVersion.title)
    )
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(CourseVersion.title).like(pattern),
                func.lower(CourseVersion.summary).like(pattern),
                func.lower(Course.code).like(pattern),
            )
        )
    if organization:
        stmt = stmt.where(Organization.slug == organization)
    if kind:
        stmt = stmt.where(CourseVersion.kind == kind)
    if mode in (CohortMode.DARING, CohortMode.LURING):
        upcoming = (
            select(CourseVersion.course_id)
            .join(Cohort, Cohort.version_id == CourseVersion.id)
            .where(Cohort.mode.in_([mode, CohortMode.BLENDED]), Cohort.ends_on >= date.today())
        )
        stmt = stmt.where(CourseVersion.course_id.in_(upcoming))
    versions = list(db.session.execute(stmt).scalars())
    if profession:
        # Target professions are a short JSON list; filtering here keeps the query portable across databases.
        versions = [v for v in versions if profession in v.target_professions]
    return versions


def published_course(code: str) -> CourseVersion:
    course = course_by_code(code)
    version = course.published_version if course else None
    if version is None:
        raise NotFound()
    return version


# --- cohorts, enrolment and study ------------------------------------------------------------------------------


class InvalidCohort(InvalidInput):
    pass


def create_cohort(
    actor: User,
    version: CourseVersion,
    *,
    name: str,
    mode: str,
    place: str | None,
    starts_on: date,
    ends_on: date,
    enrol_opens_at: datetime | None = None,
    enrol_closes_at: datetime | None = None,
    capacity: int | None = None,
    needs_approval: bool = False,
    facilitators: list[User] | None = None,
) -> Cohort:
    organization_id = version.course.organization_id
    if not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
    if version.status != CourseStatus.PUBLISHED:
        raise InvalidCohort(_l("Cohorts run a published version: publish the course first."))
    if ends_on < starts_on:
        raise InvalidCohort(_l("The cohort cannot end before it starts."))
    if enrol_opens_at and enrol_closes_at and enrol_closes_at < enrol_opens_at:
        raise InvalidCohort(_l("Enrolment cannot close before it opens."))
    if capacity is not None and capacity < 1:
        raise InvalidCohort(_l("Capacity must be at least 1, or empty for no limit."))
    if not name.strip():
        raise InvalidCohort(_l("Give the cohort a name."))
    if mode not in {m.value for m in CohortMode}:
        raise InvalidCohort(_l("Choose online, in person or blended."))
    for facilitator in facilitators or []:
        if Role.FACILITATOR not in facilitator.roles_in(organization_id):
            raise InvalidCohort(_l("%(name)s is not a facilitator of this organization.", name=facilitator.full_name))
    cohort = Cohort(
        version=version,
        name=name.strip(),
        mode=CohortMode(mode).value,
        place=(place or "").strip() or None,
        starts_on=starts_on,
        ends_on=ends_on,
        enrol_opens_at=enrol_opens_at,
        enrol_closes_at=enrol_closes_at,
        capacity=capacity,
        needs_approval=needs_approval,
        facilitators=list(facilitators or []),
    )
    db.session.add(cohort)
    db.session.flush()
    record_audit(actor, "cohort.create", cohort, organization_id, course=version.course.code, name=cohort.name)
    return cohort


def upcoming_cohorts(course: Course, today: date) -> list[Cohort]:
    return list(
        db.session.execute(
            select(Cohort)
            .join(CourseVersion)
            .where(CourseVersion.course_id == course.id, Cohort.ends_on >= today)
            .order_by(Cohort.starts_on)
        ).scalars()
    )


def _lock_cohort(cohort: Cohort) -> None:
    """Serialize seat counting per cohort on PostgreSQL (a no-op on SQLite, whose writes are serialized)."""
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())


def seats_taken_in(cohorts: list[Cohort]) -> dict[int, int]:
    """Seats held (active or pending) per cohort id, in one query for a list page."""
    counts = dict.fromkeys((c.id for c in cohorts), 0)
    if counts:
        rows = db.session.execute(
            select(Enrolment.cohort_id, func.count(Enrolment.id))
            .where(
                Enrolment.cohort_id.in_(counts),
                Enrolment.status.in_([EnrolmentStatus.ACTIVE, EnrolmentStatus.PENDING]),
            )
            .group_by(Enrolment.cohort_id)
        )
        counts.update({cohort_id: count for cohort_id, count in rows})
    return counts


def seats_taken(cohort: Cohort) -> int:
    return seats_taken_in([cohort])[cohort.id]


def enrol(user: User, cohort: Cohort, now: datetime) -> Enrolment:
    """Self-enrol or ask to be enrolled; asking again returns the same enrolment (one per learner and cohort)."""
    enrolment = db.session.execute(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    ).scalar_one_or_none()
    if enrolment is not None and enrolment.status not in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.DECLINED):
        return enrolment
    _lock_cohort(cohort)
    status = enrolment_status_for(
        now=now,
        opens_at=cohort.enrol_opens_at,
        closes_at=cohort.enrol_closes_at,
        capacity=cohort.capacity,
        seats_taken=seats_taken(cohort),
        needs_approval=cohort.needs_approval,
    )
    if enrolment is None:
        enrolment = Enrolment(cohort=cohort, user=user, status=status)
        db.session.add(enrolment)
    else:
        enrolment.status, enrolment.decline_reason, enrolment.decided_at = status, None, None
    db.session.flush()
    return enrolment


def decide_enrolment(actor: User, enrolment: Enrolment, *, approve: bool, reason: str = "") -> Enrolment:
    """An organization admin approves a pending or waitlisted request, or declines it with a reason."""
    organization_id = enrolment.cohort.organization_id
    if not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
    if enrolment.status not in (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED):
        raise Conflict(_l("This request has already been decided."))
    if approve:
        _lock_cohort(enrolment.cohort)
        capacity = enrolment.cohort.capacity
        taken = seats_taken(enrolment.cohort) - (1 if enrolment.status == EnrolmentStatus.PENDING else 0)
        if capacity is not None and taken >= capacity:
            raise Conflict(_l("The cohort is full; the request stays on the waiting list."))
        enrolment.status = EnrolmentStatus.ACTIVE
    else:
        if not reason.strip():
            raise InvalidInput(_l("Give a reason for declining; the learner sees it."))
        held_seat = enrolment.status == EnrolmentStatus.PENDING
        enrolment.status = EnrolmentStatus.DECLINED
        enrolment.decline_reason = reason.strip()
        if held_seat:
            _promote_from_waiting_list(enrolment.cohort)
    enrolment.decided_at = utcnow()
    record_audit(
        actor,
        "enrolment.approve" if approve else "enrolment.decline",
        enrolment,
        organization_id,
        user_id=enrolment.user_id,
        reason=enrolment.decline_reason,
    )
    return enrolment


def withdraw(user: User, enrolment: Enrolment) -> Enrolment:
    """The learner leaves; the first on the waiting list moves up (to pending where approval is needed)."""
    if enrolment.user_id != user.id:
        raise NotFound()
    was_holding_seat = enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PENDING)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    if was_holding_seat:
        _promote_from_waiting_list(enrolment.cohort)
    return enrolment


def _promote_from_waiting_list(cohort: Cohort) -> None:
    """A seat came free: the first on the waiting list moves up (to pending where approval is needed)."""
    db.session.flush()
    waiting = db.session.execute(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.created_at, Enrolment.id)
        .limit(1)
    ).scalar_one_or_none()
    if waiting is not None:
        waiting.status = EnrolmentStatus.PENDING if cohort.needs_approval else EnrolmentStatus.ACTIVE


def lesson_ids_in_order(version: CourseVersion) -> list[int]:
    return [lesson.id for lesson in version.lessons]


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
                str(_l("An active enrolment (now: %(status)s).", status=enrolment.status)),
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


register_requirement_provider(enrolment_and_lesson_requirements, order=0)


def missing_for_certificate(enrolment: Enrolment) -> list[str]:
    """What the learner still lacks, from every feature's requirements (see lms.courses.requirements)."""
    return [requirement.detail for requirement in unmet(requirements_for(enrolment))]


def user_enrolments(user: User) -> list[Enrolment]:
    return list(
        db.session.execute(
            select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.created_at.desc())
        ).scalars()
    )


def enrolment_of(user: User, enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        raise NotFound()
    return enrolment


def study_lesson(user: User, lesson_id: int) -> tuple[Enrolment, Lesson]:
    """The learner's active enrolment that contains this lesson; records it as where they left off."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound()
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
    enrolment.last_lesson_id = lesson.id
    return enrolment, lesson


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


def roster_rows(actor: User, cohort: Cohort) -> list[list[str]]:
    """Active participants for enrolment on national platforms: the one export that carries the full NIK."""
    if not has_organization_role(actor, cohort.organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
    from lms.accounts.identity import profession_name

    rows = [["nama_sesuai_str", "nik", "email", "profesi", "nomor_str", "fasyankes", "status"]]
    for e in cohort.enrolments:
        if e.status == EnrolmentStatus.ACTIVE:
            u = e.user
            rows.append(
                [u.full_name, u.nik or "", u.email, profession_name(u.profession_code), u.str_number or "",
                 u.facility or "", e.status]
            )  # fmt: skip
    record_audit(actor, "cohort.roster_export", cohort, cohort.organization_id, rows=len(rows) - 1)
    return rows
