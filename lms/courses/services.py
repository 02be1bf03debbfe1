"""Course rules: importing a curriculum as a draft version, publishing, exporting, the public catalog."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Organization, Role, User
from lms.accounts.permissions import has_organization_role
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms.core.models import utcnow
from lms.core.storage import delete_after_commit, forget_on_rollback, get_storage
from lms.core.uploads import ATTACHMENT_TYPES, display_name, validate_upload
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
    LessonAttachment,
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


def _attachments_by_lesson(version: CourseVersion) -> dict[tuple[str, str], list[tuple[str, str, int, str]]]:
    """The version's attachments by (subject slug, lesson title): files are not part of the course files, so an
    import carries them over to the lessons it keeps."""
    return {
        (subject.slug, lesson.title): [(a.file_name, a.content_type, a.size, a.storage_key) for a in lesson.attachments]
        for subject in version.subjects
        for lesson in subject.lessons
        if lesson.attachments
    }


def _reattach(version: CourseVersion, kept: dict[tuple[str, str], list[tuple[str, str, int, str]]]) -> None:
    placed = set()
    for subject in version.subjects:
        for lesson in subject.lessons:
            for file_name, content_type, size, key in kept.get((subject.slug, lesson.title), []):
                lesson.attachments.append(
                    LessonAttachment(file_name=file_name, content_type=content_type, size=size, storage_key=key)
                )
                placed.add(key)
    _forget_unused_files([key for files in kept.values() for *_rest, key in files if key not in placed])


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
        # Read before the new version exists: loading them would flush it half-filled.
        kept = _attachments_by_lesson(latest) if latest else {}
        version = course.draft_version
        if version is None:
            version = CourseVersion(number=(latest.number + 1) if latest else 1, course=course)
            db.session.add(version)
        _fill_version(version, spec)
        _reattach(version, kept)
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


# --- authoring in the browser ------------------------------------------------------------------------------------
# Every change goes to the course's draft version; changing a course whose newest version is published first copies
# it into a new draft, so cohorts and learners keep the version they studied.


class InvalidField(InvalidInput):
    """A value the form could not judge alone (e.g. a course code already taken), shown beside `field`."""

    def __init__(self, field: str, message) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class CourseDetails:
    """Everything about a course version except its code, organization and curriculum."""

    title: str
    summary: str
    kind: CourseKind
    target_professions: tuple[str, ...]
    skp_ranah: Ranah
    skp_value: Decimal | None
    accreditation_number: str | None
    pass_mark: int
    attendance_threshold: int
    validity_months: int
    competencies: tuple[CompetencySpec, ...]
    sequential: bool = False
    require_lessons: bool = True
    require_post_test: bool = True
    require_attendance: bool = True
    certificate_needs_approval: bool = False


@dataclass(frozen=True)
class SubjectDetails:
    title: str
    type: SubjectType
    jpl_t: int
    jpl_p: int
    jpl_pl: int
    objectives: tuple[str, ...]


@dataclass(frozen=True)
class DraftProblem:
    """Something that keeps a draft from being published, and where it is (course, subject, lesson)."""

    message: str
    subject: Subject | None = None
    lesson: Lesson | None = None


def _require_course_admin(actor: User, organization_id: int) -> None:
    if not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()


def _apply_details(version: CourseVersion, details: CourseDetails) -> None:
    for name, value in vars(details).items():
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


def _refresh_fingerprint(version: CourseVersion) -> None:
    """Keep the stored fingerprint equal to the content, so that importing the same files later changes nothing."""
    db.session.flush()
    version.fingerprint = spec_from_version(version).fingerprint()


def create_course(actor: User, organization: Organization, code: str, details: CourseDetails) -> Course:
    """A new course whose first version is an empty draft (subjects and lessons are added next)."""
    from lms.courses.files import CODE_PATTERN

    _require_course_admin(actor, organization.id)
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise InvalidField("code", _l("Use capital letters, digits and hyphens, e.g. PPI-DASAR."))
    if course_by_code(code) is not None:
        raise InvalidField("code", _l("The course code %(code)s is already taken.", code=code))
    course = Course(code=code, organization=organization)
    version = CourseVersion(number=1, course=course, fingerprint="", questions=[])
    _apply_details(version, details)
    db.session.add(course)
    _refresh_fingerprint(version)
    record_audit(actor, "course.create", course, organization.id, code=code)
    return course


def draft_for_editing(actor: User, course: Course) -> CourseVersion:
    """The course's draft; when the newest version is published, a new draft copied from it."""
    _require_course_admin(actor, course.organization_id)
    draft = course.draft_version
    if draft is not None:
        return draft
    latest = course.latest_version
    with db.session.no_autoflush:  # the new row is complete only once filled
        draft = CourseVersion(number=latest.number + 1, course=course)
        _fill_version(draft, spec_from_version(latest))
    db.session.add(draft)
    new_lessons = [lesson for subject in draft.subjects for lesson in subject.lessons]
    for old, new in zip(latest.lessons, new_lessons, strict=True):
        # The copies share the stored files: a file is removed only when no row refers to it any more.
        new.attachments = [
            LessonAttachment(file_name=a.file_name, content_type=a.content_type, size=a.size, storage_key=a.storage_key)
            for a in old.attachments
        ]
    db.session.flush()
    record_audit(actor, "course.new_draft", draft, course.organization_id, code=course.code, number=draft.number)
    return draft


def update_course(actor: User, course: Course, details: CourseDetails) -> CourseVersion:
    version = draft_for_editing(actor, course)
    _apply_details(version, details)
    _refresh_fingerprint(version)
    record_audit(actor, "course.edit", version, course.organization_id, code=course.code, number=version.number)
    return version


def _editable(actor: User, version: CourseVersion) -> None:
    _require_course_admin(actor, version.course.organization_id)
    version.ensure_editable()


def _audit_edit(actor: User, version: CourseVersion, action: str, obj, **details) -> None:
    _refresh_fingerprint(version)
    record_audit(actor, action, obj, version.course.organization_id, code=version.course.code, **details)


def _subject_slug(title: str, version: CourseVersion) -> str:
    """A file-name-safe slug from the title, unique in the version (it names the subject's file on export)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-") or "subject"
    taken = {subject.slug for subject in version.subjects}
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _set_subject(subject: Subject, details: SubjectDetails) -> None:
    subject.title = details.title
    subject.type = details.type.value
    subject.jpl_t, subject.jpl_p, subject.jpl_pl = details.jpl_t, details.jpl_p, details.jpl_pl
    subject.objectives = list(details.objectives)


def add_subject(actor: User, course: Course, details: SubjectDetails) -> Subject:
    version = draft_for_editing(actor, course)
    subject = Subject(position=len(version.subjects) + 1, slug=_subject_slug(details.title, version), lessons=[])
    _set_subject(subject, details)
    version.subjects.append(subject)
    db.session.flush()
    _audit_edit(actor, version, "course.subject_add", subject, title=subject.title)
    return subject


def update_subject(actor: User, subject: Subject, details: SubjectDetails) -> Subject:
    _editable(actor, subject.version)
    _set_subject(subject, details)
    _audit_edit(actor, subject.version, "course.subject_edit", subject, title=subject.title)
    return subject


def delete_subject(actor: User, subject: Subject) -> None:
    version = subject.version
    _editable(actor, version)
    keys = [a.storage_key for lesson in subject.lessons for a in lesson.attachments]
    version.subjects.remove(subject)
    _renumber(version.subjects)
    _forget_unused_files(keys)
    _audit_edit(actor, version, "course.subject_delete", subject, title=subject.title)


def _renumber(items: list) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


def _moved(items: list, item, step: int) -> list | None:
    """`items` with `item` moved one place up (step -1) or down (+1), renumbered; None at either end."""
    if step not in (-1, 1):
        raise InvalidInput()
    items = list(items)
    index = items.index(item)
    other = index + step
    if not 0 <= other < len(items):
        return None
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    return items


def move_subject(actor: User, subject: Subject, step: int) -> None:
    version = subject.version
    _editable(actor, version)
    moved = _moved(version.subjects, subject, step)
    if moved is not None:
        version.subjects = moved
        _audit_edit(actor, version, "course.subject_move", subject, position=subject.position)


def _set_lesson(lesson: Lesson, details: LessonSpec) -> None:
    lesson.title, lesson.minutes = details.title, details.minutes
    lesson.body, lesson.video_url = details.body, details.video_url


def add_lesson(actor: User, subject: Subject, details: LessonSpec) -> Lesson:
    _editable(actor, subject.version)
    lesson = Lesson(position=len(subject.lessons) + 1, attachments=[])
    _set_lesson(lesson, details)
    subject.lessons.append(lesson)
    db.session.flush()
    _audit_edit(actor, subject.version, "course.lesson_add", lesson, title=lesson.title)
    return lesson


def update_lesson(actor: User, lesson: Lesson, details: LessonSpec) -> Lesson:
    _editable(actor, lesson.subject.version)
    _set_lesson(lesson, details)
    _audit_edit(actor, lesson.subject.version, "course.lesson_edit", lesson, title=lesson.title)
    return lesson


def delete_lesson(actor: User, lesson: Lesson) -> None:
    subject = lesson.subject
    _editable(actor, subject.version)
    keys = [a.storage_key for a in lesson.attachments]
    subject.lessons.remove(lesson)
    _renumber(subject.lessons)
    _forget_unused_files(keys)
    _audit_edit(actor, subject.version, "course.lesson_delete", lesson, title=lesson.title)


def move_lesson(actor: User, lesson: Lesson, step: int) -> None:
    subject = lesson.subject
    _editable(actor, subject.version)
    moved = _moved(subject.lessons, lesson, step)
    if moved is not None:
        subject.lessons = moved
        _audit_edit(actor, subject.version, "course.lesson_move", lesson, position=lesson.position)


def add_attachment(actor: User, lesson: Lesson, file_name: str | None, data: bytes) -> LessonAttachment:
    """Validate an uploaded file by its content and size, store it, and attach it to the draft's lesson."""
    _editable(actor, lesson.subject.version)
    try:
        file_type = validate_upload(
            data, allowed=ATTACHMENT_TYPES, max_bytes=int(current_app.config["ATTACHMENT_MAX_BYTES"])
        )
    except InvalidInput as refused:
        raise InvalidField("file", refused.message) from refused
    key = get_storage().save(data, folder="attachments", suffix=file_type.suffix)
    forget_on_rollback(key)
    attachment = LessonAttachment(
        file_name=display_name(file_name, file_type),
        content_type=file_type.content_type,
        size=len(data),
        storage_key=key,
    )
    lesson.attachments.append(attachment)
    db.session.flush()
    record_audit(
        actor,
        "course.attachment_add",
        attachment,
        lesson.subject.version.course.organization_id,
        lesson_id=lesson.id,
        file_name=attachment.file_name,
        size=attachment.size,
    )
    return attachment


def delete_attachment(actor: User, attachment: LessonAttachment) -> None:
    lesson = attachment.lesson
    _editable(actor, lesson.subject.version)
    record_audit(
        actor,
        "course.attachment_delete",
        attachment,
        lesson.subject.version.course.organization_id,
        lesson_id=lesson.id,
        file_name=attachment.file_name,
    )
    lesson.attachments.remove(attachment)
    _forget_unused_files([attachment.storage_key])


def _forget_unused_files(keys: list[str]) -> None:
    """Delete (after commit) the stored files that no attachment row refers to any more."""
    if not keys:
        return
    db.session.flush()
    used = set(
        db.session.execute(select(LessonAttachment.storage_key).where(LessonAttachment.storage_key.in_(keys))).scalars()
    )
    for key in set(keys) - used:
        delete_after_commit(key)


def attachment_for(user: User, attachment_id: int) -> LessonAttachment:
    """An attachment the user may download: an admin of the course's organization, or a learner who may study the
    lesson (active enrolment in a cohort of its version, and the lesson unlocked)."""
    attachment = db.session.get(LessonAttachment, attachment_id)
    if attachment is None:
        raise NotFound()
    version = attachment.lesson.subject.version
    if not has_organization_role(user, version.course.organization_id, (Role.ORG_ADMIN,)):
        _studying(user, attachment.lesson)
    return attachment


def draft_problems(version: CourseVersion) -> list[DraftProblem]:
    """What keeps the version from being a valid curriculum, by the very rules of the course-file validator: the
    version is written as course files and read back (the files are the one definition of a valid course)."""
    import tempfile
    from pathlib import Path

    from lms.courses.files import read_course, validate_courses, write_course

    spec = spec_from_version(version)
    subjects_by_file = {f"{subject.slug}.md": subject for subject in version.subjects}
    with tempfile.TemporaryDirectory(prefix="lms-draft-") as folder:
        try:
            write_course(spec, Path(folder))
        except ValueError as error:
            return [DraftProblem(str(error))]
        problems = []
        for error in validate_courses([Path(folder)]):
            subject = subjects_by_file.get(error.path.name)
            lesson = _lesson_at(subject, error.path, error.line) if subject else None
            problems.append(DraftProblem(error.message, subject, lesson))
        if not problems:
            read_course(Path(folder))  # raises if the validator and reader ever disagree
    return problems


def _lesson_at(subject: Subject, path, line: int | None) -> Lesson | None:
    """The lesson of a written subject file that holds `line` (lessons start at '# ' lines after the front matter)."""
    if line is None:
        return None
    text = path.read_text(encoding="utf-8").split("\n")
    fences = [i for i, row in enumerate(text) if row.rstrip() == "---"][:2]
    starts = [i + 1 for i, row in enumerate(text) if len(fences) == 2 and i > fences[1] and row.startswith("# ")]
    index = sum(1 for start in starts if start <= line) - 1
    return subject.lessons[index] if 0 <= index < len(subject.lessons) else None


def publish_draft(actor: User, course: Course) -> CourseVersion:
    """Publish the course's draft once it is a valid curriculum."""
    _require_course_admin(actor, course.organization_id)
    draft = course.draft_version
    if draft is None:
        raise Conflict(_l("%(code)s has no draft version to publish.", code=course.code))
    if draft_problems(draft):
        raise InvalidInput(_l("The draft has problems; fix them before publishing."))
    return publish_version(actor, draft)
