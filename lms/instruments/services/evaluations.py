"""Evaluations asked of learners: each attended session's facilitators, the organizer at the end of the course, and
the post-training self-evaluation months later; answered once; optionally required before the certificate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.attendance.models import AttendanceMark, AttendanceSession, AttendanceStatus
from lms.core.errors import Conflict, InvalidInput, NotFound
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.courses.requirements import Requirement, progress_changed
from lms.extensions import db
from lms.instruments.events import evaluation_submitted, post_training_answered
from lms.instruments.items import InstrumentPurpose, InvalidAnswer, check_answers
from lms.instruments.models import Instrument, InstrumentResponse
from lms.instruments.rules import EvaluationKey, add_months, organizer_evaluation_open
from lms.instruments.services.authoring import instrument_for_purpose, settings_for, settings_of_courses
from lms.instruments.services.responses import record_response

ATTENDED = (AttendanceStatus.HADIR, AttendanceStatus.TERLAMBAT)


@dataclass
class AskedEvaluation:
    """One evaluation a learner is asked for now."""

    key: EvaluationKey
    purpose: InstrumentPurpose
    enrolment: Enrolment
    title: str
    """What is rated, e.g. "Ns. Rina — Hari 1: Kebijakan PPI" or the course title."""
    session: AttendanceSession | None = None
    facilitator: User | None = None
    answered: bool = False
    _instrument: Instrument | None = None

    @property
    def instrument(self) -> Instrument:
        """The organization's instrument for this purpose (the shipped default copied in on first use)."""
        if self._instrument is None:
            self._instrument = instrument_for_purpose(self.enrolment.cohort.organization_id, self.purpose)
        return self._instrument


def asked_of(enrolment: Enrolment, now: datetime) -> list[AskedEvaluation]:
    """Everything the enrolment's learner is asked to evaluate by now, answered or not."""
    return asked_of_many([enrolment], now)[enrolment.id]


def asked_of_many(enrolments: Sequence[Enrolment], now: datetime) -> dict[int, list[AskedEvaluation]]:
    """`asked_of` for many enrolments, by enrolment id, in the same few statements however many they are: their
    cohorts' sessions (with facilitators), the attended marks, the answers given and the courses' settings."""
    if not enrolments:
        return {}
    cohort_ids = {e.cohort_id for e in enrolments}
    sessions = list(
        db.session.execute(
            select(AttendanceSession)
            .where(AttendanceSession.cohort_id.in_(cohort_ids))
            .options(
                selectinload(AttendanceSession.own_facilitators),
                joinedload(AttendanceSession.cohort).selectinload(Cohort.facilitators),
            )
            .order_by(AttendanceSession.starts_at, AttendanceSession.id)
        ).scalars()
    )
    sessions_of: dict[int, list[AttendanceSession]] = {cohort_id: [] for cohort_id in cohort_ids}
    for session in sessions:
        sessions_of[session.cohort_id].append(session)
    attended: dict[int, set[int]] = defaultdict(set)
    for user_id, session_id in db.session.execute(
        select(AttendanceMark.user_id, AttendanceMark.session_id).where(
            AttendanceMark.user_id.in_({e.user_id for e in enrolments}),
            AttendanceMark.session_id.in_([s.id for s in sessions]),
            AttendanceMark.status.in_([s.value for s in ATTENDED]),
        )
    ):
        attended[user_id].add(session_id)
    answered: dict[int, set[str]] = defaultdict(set)
    for enrolment_id, dedupe_key in db.session.execute(
        select(InstrumentResponse.enrolment_id, InstrumentResponse.dedupe_key).where(
            InstrumentResponse.enrolment_id.in_([e.id for e in enrolments])
        )
    ):
        answered[enrolment_id].add(dedupe_key)
    settings = settings_of_courses(e.cohort.version.course_id for e in enrolments)
    return {
        e.id: _asked(
            e,
            sessions_of[e.cohort_id],
            attended[e.user_id],
            answered[e.id],
            settings[e.cohort.version.course_id].post_training_months,
            now,
        )
        for e in enrolments
    }


def _asked(
    enrolment: Enrolment,
    sessions: list[AttendanceSession],
    attended: set[int],
    answered: set[str],
    post_training_months: int | None,
    now: datetime,
) -> list[AskedEvaluation]:
    cohort = enrolment.cohort
    asked: list[AskedEvaluation] = []
    for session in sessions:
        if session.id not in attended or session.ends_at > now:
            continue
        for facilitator in session.facilitators:
            key = EvaluationKey(enrolment.id, "session", session.id, facilitator.id)
            asked.append(
                AskedEvaluation(
                    key,
                    InstrumentPurpose.FACILITATOR_EVALUATION,
                    enrolment,
                    f"{facilitator.full_name} — {session.title}",
                    session,
                    facilitator,
                    key.dedupe_key in answered,
                )
            )
    today = now.date()
    if organizer_evaluation_open(cohort.ends_on, today, [s.ends_at for s in sessions], now):
        key = EvaluationKey(enrolment.id, "org")
        title = f"{cohort.version.title} — {cohort.name}"
        asked.append(
            AskedEvaluation(
                key, InstrumentPurpose.ORGANIZER_EVALUATION, enrolment, title, answered=key.dedupe_key in answered
            )
        )
    opens_on = add_months(cohort.ends_on, post_training_months) if post_training_months else None
    if opens_on is not None and today >= opens_on:
        key = EvaluationKey(enrolment.id, "post")
        asked.append(
            AskedEvaluation(
                key,
                InstrumentPurpose.POST_TRAINING,
                enrolment,
                cohort.version.title,
                answered=key.dedupe_key in answered,
            )
        )
    return asked


def active_enrolments(user: User) -> list[Enrolment]:
    return list(
        db.session.execute(
            select(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(Enrolment.id)
        ).scalars()
    )


def _asked_of_user(user: User, now: datetime) -> list[AskedEvaluation]:
    return [asked for each in asked_of_many(active_enrolments(user), now).values() for asked in each]


def pending_for(user: User, now: datetime) -> list[AskedEvaluation]:
    """What the user is asked to evaluate now and has not answered yet."""
    return [asked for asked in _asked_of_user(user, now) if not asked.answered]


def answered_by(user: User, now: datetime) -> list[AskedEvaluation]:
    return [asked for asked in _asked_of_user(user, now) if asked.answered]


def find_asked(user: User, key_text: str, now: datetime) -> AskedEvaluation:
    key = EvaluationKey.parse(key_text)
    enrolment = db.session.get(Enrolment, key.enrolment_id) if key else None
    if enrolment is None or enrolment.user_id != user.id or enrolment.status != EnrolmentStatus.ACTIVE:
        raise NotFound()
    for asked in asked_of(enrolment, now):
        if asked.key == key:
            return asked
    raise NotFound(_l("This evaluation is not open (yet)."))


class InstrumentVersionChanged(Conflict):
    code = "instrument_version_changed"

    def default_message(self):
        return _l("This evaluation's questions have changed; reload it and answer the current ones.")


def submit(
    user: User, key_text: str, raw_answers: dict, now: datetime, *, instrument_id: int | None = None
) -> tuple[InstrumentResponse, bool]:
    """Record the user's answer to an evaluation; (response, False) when answered before: the first answer is kept."""
    asked = find_asked(user, key_text, now)
    instrument = asked.instrument
    if instrument_id is not None and instrument_id != instrument.id:
        raise InstrumentVersionChanged()
    try:
        answers = check_answers(instrument.items, raw_answers)
    except InvalidAnswer as error:
        raise InvalidInput(error.message) from None
    response, recorded = record_response(
        instrument,
        asked.enrolment.id,
        asked.key.dedupe_key,
        answers,
        respondent_role="learner",
        answered_at=now,
        session_id=asked.session.id if asked.session else None,
        facilitator_id=asked.facilitator.id if asked.facilitator else None,
    )
    if recorded:
        _announce(asked, response)
    if recorded and settings_for(asked.enrolment.cohort.version.course).require_evaluations:
        db.session.flush()
        progress_changed(asked.enrolment)
    return response, recorded


def _announce(asked: AskedEvaluation, response: InstrumentResponse) -> None:
    if asked.purpose == InstrumentPurpose.POST_TRAINING:
        post_training_answered.send(
            response_id=response.id,
            enrolment_id=asked.enrolment.id,
            user_id=asked.enrolment.user_id,
            respondent="learner",
            answered_at=response.answered_at,
        )
    else:
        evaluation_submitted.send(
            response_id=response.id,
            enrolment_id=asked.enrolment.id,
            purpose=asked.purpose.value,
            facilitator_id=asked.facilitator.id if asked.facilitator else None,
        )


def evaluation_requirements(enrolment: Enrolment) -> list[Requirement]:
    """When the course asks it: every attended session's facilitators and the organizer evaluated."""
    if not settings_for(enrolment.cohort.version.course).require_evaluations:
        return []
    from lms.core.models import utcnow

    asked = [a for a in asked_of(enrolment, utcnow()) if a.purpose != InstrumentPurpose.POST_TRAINING]
    organizer_open = any(a.purpose == InstrumentPurpose.ORGANIZER_EVALUATION for a in asked)
    open_count = sum(not a.answered for a in asked)
    url = url_for("instruments.my_evaluations") if has_request_context() else None
    if not organizer_open:
        detail, met = _l("The evaluation of the organizer opens at the end of the course."), False
    elif open_count:
        detail, met = _l("%(n)d evaluations still to fill in.", n=open_count), False
    else:
        detail, met = _l("All evaluations filled in."), True
    return [Requirement("evaluations", str(_l("Evaluations")), met, str(detail), url)]
