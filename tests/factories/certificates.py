"""Builders for certificate tests: an organization with its admin, a published course, a cohort, finished learners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lms.accounts.models import Organization, Role, User
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.courses import services as course_services
from lms.courses.models import Cohort, CourseVersion, Enrolment
from lms.extensions import db
from tests.factories import make_course_spec, make_organization, make_user


@dataclass
class CertificateWorld:
    organization: Organization
    admin: User
    version: CourseVersion
    cohort: Cohort


def make_published_version(code: str = "PPI-DASAR", organization: str = "ppni", **changes) -> CourseVersion:
    """A published course; the post-test and attendance rules are off unless asked for (lessons only)."""
    rules = {"require_post_test": False, "require_attendance": False} | changes
    version = course_services.import_course(make_course_spec(code, organization=organization, **rules), publish=True)
    db.session.commit()
    return version.version


def make_cohort(version: CourseVersion, name: str = "Angkatan 1", **fields) -> Cohort:
    cohort = Cohort(
        version=version,
        name=name,
        mode=fields.pop("mode", "daring"),
        starts_on=fields.pop("starts_on", date.today() - timedelta(days=3)),
        ends_on=fields.pop("ends_on", date.today() + timedelta(days=3)),
        **fields,
    )
    db.session.add(cohort)
    db.session.commit()
    return cohort


def make_certificate_world(slug: str = "ppni", code: str = "PPI-DASAR", **rules) -> CertificateWorld:
    organization = make_organization(slug, name=f"Organisasi {slug.upper()}")
    admin = make_user(f"admin-{slug}@example.test", role=Role.ORG_ADMIN, organization=organization, locale="en")
    version = make_published_version(code, organization=slug, **rules)
    return CertificateWorld(organization, admin, version, make_cohort(version))


def enrol(user: User, cohort: Cohort) -> Enrolment:
    enrolment = course_services.enrol(user, cohort, datetime.now(UTC))
    db.session.commit()
    return enrolment


def complete_lessons(user: User, enrolment: Enrolment, *, leave_open: int = 0) -> None:
    """Complete every lesson of the enrolment's course but the last `leave_open`, committing like the view."""
    lessons = enrolment.cohort.version.lessons
    for lesson in lessons[: len(lessons) - leave_open]:
        course_services.complete_lesson(user, lesson.id)
        db.session.commit()


def make_learner(email: str | None = None, **fields) -> User:
    return make_user(email, full_name=fields.pop("full_name", "Rina Marlina, A.Md.Kep."), locale="en", **fields)


def finished_learner(cohort: Cohort, email: str | None = None, **fields) -> tuple[User, Enrolment]:
    """A learner who completed every lesson (with automatic issuance on, they now hold a certificate)."""
    user = make_learner(email, **fields)
    enrolment = enrol(user, cohort)
    complete_lessons(user, enrolment)
    return user, enrolment


def issue(actor: User | None, enrolment: Enrolment, now: datetime | None = None) -> Certificate:
    certificate = services.issue_certificate(actor, enrolment, now or datetime.now(UTC))
    db.session.commit()
    return certificate
