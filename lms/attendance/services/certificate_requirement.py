"""The attendance requirement of a certificate, offered to the courses' requirement list."""

from __future__ import annotations

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l

from lms.attendance.services.reports import learner_record
from lms.attendance.services.sessions import sessions_of
from lms.courses.models import Enrolment
from lms.courses.requirements import Requirement


def attendance_requirements(enrolment: Enrolment) -> list[Requirement]:
    """Met when the share reaches the course's threshold; only when the course asks it and the cohort has sessions."""
    if not enrolment.cohort.version.require_attendance:
        return []
    sessions = sessions_of(enrolment.cohort_id)
    if not sessions:
        return []
    record = learner_record(enrolment, sessions)
    url = url_for("attendance.my_record", enrolment_id=enrolment.id) if has_request_context() else None
    return [
        Requirement(
            "attendance",
            str(_l("Attendance")),
            record.met,
            str(_l("Attendance %(share)d%% of %(needed)d%% needed.", share=record.percent, needed=record.threshold)),
            url,
        )
    ]
