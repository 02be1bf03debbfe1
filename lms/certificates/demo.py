"""Demo data of the certificates feature for `lms demo` (idempotent: running it again changes nothing).

The demo nurse (perawat@lentera.test) gets the whole story at once: one course finished the real way — every lesson
completed, the post-test passed, every session attended — so its certificate was issued by the rules; and one course
in progress. Organization settings for PPNI (signatories, place) make the printed certificate look finished.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lms.accounts.models import Organization, User
from lms.accounts.services import find_user_by_email
from lms.certificates import services
from lms.certificates.models import CertificateSettings
from lms.core.models import utcnow
from lms.courses import services as course_services
from lms.courses.models import Cohort, CohortMode, CourseVersion, Enrolment
from lms.extensions import db

DEMO_LEARNER = "perawat@lentera.test"
DEMO_ADMIN = "ppni@lentera.test"
FINISHED_COURSE = "PPI-DASAR"
IN_PROGRESS_COURSE = "BHD-NAKES"
FINISHED_COHORT = "Angkatan Demo Selesai"
IN_PROGRESS_COHORT = "Angkatan Demo Berjalan"
DEMO_SIGNATORIES = [
    {"name": "Dr. Ns. Harif Fadhillah, S.Kp., S.H., M.Kep.", "title": "Ketua Umum DPP PPNI", "signature_key": None},
    {"name": "Budi Santoso, S.Kep., Ns., M.Kep.", "title": "Ketua Panitia Pelatihan", "signature_key": None},
]


def load_demo() -> list[str]:
    """Create this feature's demo data; return lines for `lms demo` to print."""
    learner = find_user_by_email(DEMO_LEARNER)
    admin = find_user_by_email(DEMO_ADMIN)
    finished = course_services.course_by_code(FINISHED_COURSE)
    in_progress = course_services.course_by_code(IN_PROGRESS_COURSE)
    if learner is None or admin is None or finished is None or in_progress is None:
        return []
    now = utcnow()
    _settings(finished.organization)

    enrolment = _enrolment(admin, learner, finished.published_version, FINISHED_COHORT, now, days_ago=21)
    _finish(learner, enrolment, now)
    certificate = services.live_certificate_of(enrolment)
    if certificate is None:  # e.g. the course needs approval: the demo admin approves it
        certificate = services.issue_certificate(admin, enrolment, now)

    studying = _enrolment(admin, learner, in_progress.published_version, IN_PROGRESS_COHORT, now, days_ago=3)
    for lesson in studying.cohort.version.lessons[:2]:
        course_services.complete_lesson(learner, lesson.id)
    db.session.flush()
    return [
        f"{learner.email}: {FINISHED_COURSE} finished, certificate {certificate.number};"
        f" {IN_PROGRESS_COURSE} in progress"
    ]


def _settings(organization: Organization) -> None:
    if db.session.get(CertificateSettings, organization.id) is None:
        settings = services.settings_for(organization.id)
        settings.place = "Jakarta"
        settings.signatories = [dict(s) for s in DEMO_SIGNATORIES]
        db.session.add(settings)
        db.session.flush()


def _enrolment(
    admin: User, learner: User, version: CourseVersion, name: str, now: datetime, *, days_ago: int
) -> Enrolment:
    cohort = db.session.execute(
        select(Cohort).where(Cohort.version_id == version.id, Cohort.name == name)
    ).scalar_one_or_none()
    if cohort is None:
        today = now.date()
        cohort = course_services.create_cohort(
            admin,
            version,
            name=name,
            mode=CohortMode.BLENDED.value,
            place="Jakarta",
            starts_on=today - timedelta(days=days_ago),
            ends_on=today + timedelta(days=30),
        )
    return course_services.enrol(learner, cohort, now)


def _finish(learner: User, enrolment: Enrolment, now: datetime) -> None:
    """Meet every requirement through the features' own services; the last one met issues the certificate."""
    for lesson in enrolment.cohort.version.lessons:
        course_services.complete_lesson(learner, lesson.id)
    _attend_every_session(learner, enrolment, now)
    _pass_post_test(learner, enrolment, now)
    db.session.flush()


def _attend_every_session(learner: User, enrolment: Enrolment, now: datetime) -> None:
    from lms.attendance import services as attendance
    from lms.attendance.models import AttendanceStatus

    sessions = attendance.sessions_of(enrolment.cohort_id)
    if not sessions:
        start = (now - timedelta(days=20)).replace(hour=1, minute=0, second=0, microsecond=0)
        for day, title in enumerate(("Pembukaan dan kebijakan PPI", "Praktik kewaspadaan standar")):
            starts_at = start + timedelta(days=day)
            fields = attendance.SessionFields(
                title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=4), jpl=4, place="Jakarta"
            )
            sessions.append(attendance.create_session(None, enrolment.cohort, fields))
    for session in sessions:
        attendance.mark_attendance(None, session, learner, AttendanceStatus.HADIR, session.starts_at)


def _pass_post_test(learner: User, enrolment: Enrolment, now: datetime) -> None:
    from lms.quizzes import services as quizzes
    from lms.quizzes.models import QuizKind

    quiz = quizzes.quiz_of_kind(enrolment.cohort.version, QuizKind.POST_TEST)
    if quiz is None or quizzes.quiz_status(learner, quiz, now).passed:
        return
    attempt, _started = quizzes.start_attempt(learner, quiz, now)
    for shown in quizzes.shown_questions(attempt):
        quizzes.save_answer(learner, attempt.id, shown.question_id, _best_response(shown), now)
    quizzes.submit_attempt(learner, attempt.id, now)


def _best_response(shown):
    """The response that scores highest, found with the question type's own grading (the demo's model learner)."""
    spec, kind = shown.spec, shown.type
    candidates: list = [
        *range(len(spec.choices)),
        [i for i, c in enumerate(spec.choices) if c.fraction > 0],
        *(c.text for c in spec.choices),
        *(str(n.value) for n in spec.numeric),
        True,
        False,
    ]
    best, best_score = None, None
    for candidate in candidates:
        try:
            score = kind.grade(spec, kind.normalize_response(spec, candidate))
        except Exception:  # a candidate of another type's shape; the type refuses it
            continue
        if best_score is None or score > best_score:
            best, best_score = candidate, score
    return best
