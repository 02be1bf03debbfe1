"""Builders for attendance tests: a running cohort with a facilitator and learners, and its sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lms.accounts.models import Membership, Organization, Role, User
from lms.attendance import services
from lms.attendance.models import AttendanceSession
from lms.core.models import utcnow
from lms.courses import services as course_services
from lms.courses.models import Cohort
from lms.extensions import db
from tests.factories import make_course_spec, make_organization, make_user


@dataclass
class Training:
    organization: Organization
    admin: User
    facilitator: User
    cohort: Cohort
    learners: list[User]


def make_training(
    *, slug: str = "ppni", code: str = "PPI-DASAR", learners: int = 2, threshold: int = 95, **spec_changes
) -> Training:
    """An organization with an admin and a facilitator, a published course, one cohort running today with the
    facilitator listed, and `learners` active learners."""
    organization = make_organization(slug, name=slug.upper())
    admin = make_user(role=Role.ORG_ADMIN, organization=organization)
    facilitator = make_user(role=Role.FACILITATOR, organization=organization, full_name=f"Fasilitator {slug}")
    spec = make_course_spec(code=code, organization=slug, attendance_threshold=threshold, **spec_changes)
    version = course_services.import_course(spec, publish=True).version
    today = date.today()
    cohort = course_services.create_cohort(
        admin, version, name=f"Angkatan {code}", mode="luring", place="Aula",
        starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=30), facilitators=[facilitator],
    )  # fmt: skip
    people = []
    for n in range(learners):
        learner = make_user(full_name=f"Peserta {code} {n + 1}")
        course_services.enrol(learner, cohort, utcnow())
        people.append(learner)
    db.session.commit()
    return Training(organization, admin, facilitator, cohort, people)


def make_session(
    cohort: Cohort,
    *,
    starts_at: datetime | None = None,
    hours: float = 2,
    jpl: int = 2,
    title: str = "Sesi",
    mode: str = "luring",
    **fields,
) -> AttendanceSession:
    """A session starting at `starts_at` (default: five minutes ago, so check-in is open and on time)."""
    starts_at = starts_at or utcnow() - timedelta(minutes=5)
    session = services.create_session(
        None,
        cohort,
        services.SessionFields(
            title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), jpl=jpl, mode=mode, **fields
        ),
    )
    db.session.commit()
    return session


def add_member(user: User, organization: Organization, role: Role) -> None:
    db.session.add(Membership(user=user, organization=organization, role=role))
    db.session.commit()
