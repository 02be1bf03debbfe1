"""Demo data of the instruments feature for `lms demo` (idempotent: running it again changes nothing).

BHD-NAKES gets its adult-CPR checklist (from courses/bhd-nakes/instruments/), scored twice for the demo nurse (a
failed first try and a passing repeat); the demo nurse is asked to evaluate PPI-DASAR's facilitator and organizer
(the attendance and certificate demos' sessions); and an alumni cohort of K3-FASYANKES, ended four months ago, has
her post-training self-evaluation and her supervisor's answer already in.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from lms.accounts.services import find_user_by_email
from lms.core.models import utcnow
from lms.courses import services as course_services
from lms.courses.models import Cohort, CohortMode, Enrolment
from lms.extensions import db
from lms.instruments import services
from lms.instruments.items import InstrumentPurpose
from lms.instruments.models import SupervisorInvitation
from lms.instruments.rules import EvaluationKey

DEMO_LEARNER = "perawat@lentera.test"
DEMO_FACILITATOR = "fasilitator@lentera.test"
DEMO_ADMIN = "ppni@lentera.test"
CHECKLIST_COURSE = "BHD-NAKES"
ALUMNI_COURSE = "K3-FASYANKES"
ALUMNI_COHORT = "Angkatan Demo Alumni"
FAILED_TRY = {"kedalaman": 1, "rekoil": 1}
"""The first try: compressions too shallow (a critical step) and incomplete recoil."""


def load_demo() -> list[str]:
    learner, facilitator, admin = map(find_user_by_email, (DEMO_LEARNER, DEMO_FACILITATOR, DEMO_ADMIN))
    if learner is None or facilitator is None or admin is None:
        return []
    lines = []
    now = utcnow()
    course = course_services.course_by_code(CHECKLIST_COURSE)
    if course is not None:
        lines += _checklist(course, learner, facilitator, now)
    alumni = course_services.course_by_code(ALUMNI_COURSE)
    if alumni is not None and alumni.published_version is not None:
        lines += _post_training(admin, learner, alumni.published_version, now)
    pending = services.pending_for(learner, now)
    for asked in pending:
        _ = asked.instrument
    lines.append(f"{learner.email}: {len(pending)} evaluation(s) to fill in at /evaluations")
    db.session.flush()
    return lines


def _checklist(course, learner, facilitator, now) -> list[str]:
    services.import_course_instruments(course, Path(current_app.config["COURSES_DIR"]) / "bhd-nakes")
    enrolment = db.session.execute(
        select(Enrolment)
        .join(Cohort)
        .where(Enrolment.user_id == learner.id, Cohort.version_id == course.published_version.id)
    ).scalar_one_or_none()
    checklist = next(iter(services.checklists_of(course)), None)
    if enrolment is None or checklist is None:
        return []
    cohort = enrolment.cohort
    if facilitator not in cohort.facilitators:
        cohort.facilitators.append(facilitator)
        db.session.flush()
    correct = {item.id: 2 for item in checklist.items if item.kind == "step"}
    tries = [
        ("demo-rjp-perawat-1", {**correct, **FAILED_TRY}, "Kompresi terlalu dangkal; latih lagi kedalaman 5-6 cm.", 1),
        ("demo-rjp-perawat-2", correct, "Baik. Kedalaman dan kecepatan kompresi sudah tepat.", 0),
    ]
    for client_id, answers, remarks, days_ago in tries:
        services.score_learner(
            facilitator,
            cohort,
            checklist,
            learner.id,
            answers,
            client_id=client_id,
            scored_at=now - timedelta(days=days_ago, hours=1),
            remarks=remarks,
        )
    return [f"{CHECKLIST_COURSE}: checklist {checklist.key} scored for {learner.email} (failed, then passed)"]


def _post_training(admin, learner, version, now) -> list[str]:
    cohort = db.session.execute(
        select(Cohort).where(Cohort.version_id == version.id, Cohort.name == ALUMNI_COHORT)
    ).scalar_one_or_none()
    today = now.date()
    if cohort is None:
        cohort = course_services.create_cohort(
            admin,
            version,
            name=ALUMNI_COHORT,
            mode=CohortMode.LURING.value,
            place="Bapelkes Cikarang",
            starts_on=today - timedelta(days=130),
            ends_on=today - timedelta(days=125),
        )
    enrolment = course_services.enrol(learner, cohort, now - timedelta(days=135))
    db.session.flush()
    organizer = services.instrument_for_purpose(cohort.organization_id, InstrumentPurpose.ORGANIZER_EVALUATION)
    rated = {item.id: 4 for item in organizer.items if item.kind == "likert"}
    rated.update(rekomendasi=1, kesan="Praktik pajanan darah sangat bermanfaat.")
    services.submit(learner, str(EvaluationKey(enrolment.id, "org")), rated, now - timedelta(days=125))
    key = str(EvaluationKey(enrolment.id, "post"))
    instrument = services.instrument_for_purpose(cohort.organization_id, InstrumentPurpose.POST_TRAINING)
    self_answers = {"penerapan": 3, "sesuai-standar": 3, "percaya-diri": 3, "berbagi": 2, "perubahan": 1,
                    "frekuensi": 12, "hambatan": "APD kadang tidak tersedia di ruang tindakan."}  # fmt: skip
    services.submit(learner, key, self_answers, now - timedelta(days=5), instrument_id=instrument.id)
    invitation = db.session.execute(
        select(SupervisorInvitation).where(SupervisorInvitation.enrolment_id == enrolment.id)
    ).scalar_one_or_none()
    if invitation is None:
        invitation = services.invite_supervisor(
            learner, key, "dr. Sri Wahyuni (Kepala Puskesmas)", None, now - timedelta(days=5)
        )
        supervisor_answers = {"penerapan": 3, "sesuai-standar": 4, "percaya-diri": 3, "berbagi": 3, "perubahan": 1}
        services.supervisor_submit(services.token_for(invitation), supervisor_answers, now - timedelta(days=2))
    return [f"{ALUMNI_COURSE}: post-training evaluation of {learner.email} answered by her and her supervisor"]
