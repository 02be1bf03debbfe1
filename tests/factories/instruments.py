"""Builders for instrument tests: a training whose learners attended an ended session, and a course checklist."""

from __future__ import annotations

from datetime import timedelta

from lms.attendance import services as attendance
from lms.attendance.models import AttendanceStatus
from lms.core.models import utcnow
from lms.extensions import db
from lms.instruments import services
from lms.instruments.files import parse_instrument
from tests.factories.attendance import Training, make_session, make_training

CHECKLIST_YAML = """key: rjp-uji
title: RJP uji
purpose: checklist
pass_percent: 75
items:
  - {id: aman, type: step, text: Lingkungan aman, critical: true}
  - {id: respons, type: step, text: Cek respons}
  - {id: kompresi, type: step, text: Kompresi, critical: true}
  - {id: catatan, type: text, text: Catatan, required: false}
"""

ALL_CORRECT = {"aman": 2, "respons": 2, "kompresi": 2}
MISSED_CRITICAL = {"aman": 2, "respons": 2, "kompresi": 1}


def make_attended_training(learners: int = 2, **changes) -> tuple[Training, object]:
    """A training whose learners all attended a session that ended an hour ago, run by the facilitator."""
    training = make_training(learners=learners, **changes)
    session = make_session(training.cohort, starts_at=utcnow() - timedelta(hours=3), hours=2, title="Sesi 1")
    for learner in training.learners:
        attendance.mark_attendance(None, session, learner, AttendanceStatus.HADIR, session.starts_at)
    db.session.commit()
    return training, session


def add_checklist(training: Training, *, required: bool = False):
    course = training.cohort.version.course
    instrument, _ = services.save_spec(None, training.organization.id, parse_instrument(CHECKLIST_YAML))
    services.update_settings(
        training.admin,
        course,
        checklist_keys=[instrument.key],
        require_checklists=required,
        require_evaluations=False,
        post_training_months=3,
    )
    db.session.commit()
    return instrument
