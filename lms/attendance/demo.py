"""Demo data of the attendance feature for `lms demo` (idempotent: running it again changes nothing).

One PPNI cohort run by the demo facilitator, with the demo nurse and midwife enrolled: yesterday's session marked,
a session in a room today (its room QR screen works at once) and a webinar tomorrow.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from lms.accounts.services import find_user_by_email
from lms.attendance import services
from lms.attendance.models import AttendanceStatus, SessionMode
from lms.core.models import utcnow
from lms.courses import services as course_services
from lms.courses.models import Cohort, CohortMode
from lms.extensions import db

DEMO_COURSE = "PPI-DASAR"
DEMO_COHORT = "Angkatan Demo Presensi"
DEMO_FACILITATOR = "fasilitator@lentera.test"
DEMO_ADMIN = "ppni@lentera.test"
DEMO_LEARNERS = ("perawat@lentera.test", "bidan@lentera.test")


def load_demo() -> list[str]:
    """Create this feature's demo data; return lines for `lms demo` to print."""
    admin, facilitator = find_user_by_email(DEMO_ADMIN), find_user_by_email(DEMO_FACILITATOR)
    course = course_services.course_by_code(DEMO_COURSE)
    version = course.published_version if course else None
    if admin is None or facilitator is None or version is None:
        return []
    now = utcnow()
    cohort = db.session.execute(
        select(Cohort).where(Cohort.version_id == version.id, Cohort.name == DEMO_COHORT)
    ).scalar_one_or_none()
    if cohort is None:
        cohort = course_services.create_cohort(
            admin,
            version,
            name=DEMO_COHORT,
            mode=CohortMode.BLENDED.value,
            place="Aula Dinkes Provinsi Kalimantan Utara, Tanjung Selor",
            starts_on=now.date() - timedelta(days=1),
            ends_on=now.date() + timedelta(days=14),
            facilitators=[facilitator],
        )
    learners = [user for user in map(find_user_by_email, DEMO_LEARNERS) if user is not None]
    for learner in learners:
        course_services.enrol(learner, cohort, now)
    db.session.flush()
    if not services.sessions_of(cohort.id):
        _sessions(cohort, learners, now)
    sessions = services.sessions_of(cohort.id)
    return [
        f"Attendance: {DEMO_COHORT} ({DEMO_COURSE}) with {len(sessions)} sessions; "
        f"{DEMO_FACILITATOR} runs them at /attendance"
    ]


def _at(day: datetime, hour_utc: int) -> datetime:
    return datetime.combine(day.date(), time(hour_utc), tzinfo=day.tzinfo)


def _sessions(cohort: Cohort, learners: list, now: datetime) -> None:
    # 01:00 UTC is 08:00 WIB. Today's session runs from an hour ago for eight hours, whenever the demo is made,
    # so that its room QR screen and check-in can be tried at once.
    yesterday, tomorrow = now - timedelta(days=1), now + timedelta(days=1)
    started = now.replace(second=0, microsecond=0) - timedelta(hours=1)
    plan = [
        ("Hari 1: Kebijakan dan konsep PPI", _at(yesterday, 1), _at(yesterday, 5), 4, SessionMode.LURING),
        ("Hari 2: Kewaspadaan standar (praktik)", started, started + timedelta(hours=8), 4, SessionMode.LURING),
        ("Webinar: Surveilans HAIs", _at(tomorrow, 2), _at(tomorrow, 4), 2, SessionMode.DARING),
    ]
    sessions = [
        services.create_session(
            None,
            cohort,
            services.SessionFields(
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                jpl=jpl,
                mode=mode,
                place=cohort.place if mode == SessionMode.LURING else None,
            ),
        )
        for title, starts_at, ends_at, jpl, mode in plan
    ]
    first = sessions[0]
    for learner, status in zip(learners, (AttendanceStatus.HADIR, AttendanceStatus.TERLAMBAT), strict=False):
        services.mark_attendance(None, first, learner, status, first.starts_at)
