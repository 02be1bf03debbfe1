"""Skills checklists at a station: a facilitator scores a learner (also offline, synced later with a client-made id
so a resent score is recorded once), repeats are kept, and passing can be a certificate requirement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.attendance.services import can_run_cohort
from lms.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.courses.requirements import Requirement, progress_changed
from lms.extensions import db
from lms.instruments.events import checklist_scored
from lms.instruments.items import InstrumentPurpose, InvalidAnswer, check_answers
from lms.instruments.models import Instrument, InstrumentResponse
from lms.instruments.rules import StepDifficulty, checklist_dedupe_key, checklist_result, step_difficulty
from lms.instruments.services.authoring import checklists_of, latest_version, settings_for
from lms.instruments.services.responses import answer_values, record_response

CLIENT_ID_MAX = 64


class NotAParticipant(InvalidInput):
    def default_message(self):
        return _l("This learner is not an active participant of this cohort.")


def cohort_for_assessor(actor: User, cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_run_cohort(actor, cohort):
        raise NotFound()
    return cohort


def station_checklist(cohort: Cohort, instrument_id: int) -> Instrument:
    """A checklist the cohort's course names, in any of its versions (a phone may still hold an older one)."""
    instrument = db.session.get(Instrument, instrument_id)
    course = cohort.version.course
    if (
        instrument is None
        or instrument.purpose != InstrumentPurpose.CHECKLIST
        or instrument.organization_id != course.organization_id
        or instrument.key not in (settings_for(course).checklist_keys or [])
    ):
        raise NotFound()
    return instrument


def participants(cohort: Cohort) -> list[Enrolment]:
    return list(
        db.session.execute(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(Enrolment.id)
        ).scalars()
    )


@dataclass(frozen=True)
class ScoreOutcome:
    client_id: str
    result: str
    """recorded, already (this client id was recorded before) or refused."""
    learner_id: int | None = None
    name: str | None = None
    passed: bool | None = None
    percent: int | None = None
    code: str | None = None
    message: str | None = None


def score_learner(
    actor: User,
    cohort: Cohort,
    instrument: Instrument,
    learner_id: int,
    raw_answers: dict,
    *,
    client_id: str,
    scored_at: datetime | None = None,
    remarks: str = "",
) -> tuple[InstrumentResponse, bool]:
    """Record one scoring of a learner on a checklist; (response, False) when this client id was recorded before."""
    if not can_run_cohort(actor, cohort):
        raise PermissionDenied()
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > CLIENT_ID_MAX:
        raise InvalidInput(_l("Each score needs its own id of at most %(n)d characters.", n=CLIENT_ID_MAX))
    enrolment = db.session.execute(
        select(Enrolment).where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.user_id == learner_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    ).scalar_one_or_none()
    if enrolment is None:
        raise NotAParticipant()
    items = instrument.items
    try:
        answers = check_answers(items, raw_answers)
    except InvalidAnswer as error:
        raise InvalidInput(error.message) from None
    if len(remarks or "") > 2000:
        raise InvalidInput(_l("Remarks: at most %(n)d characters.", n=2000))
    result = checklist_result(items, answers, instrument.pass_percent or 0)
    response, recorded = record_response(
        instrument,
        enrolment.id,
        checklist_dedupe_key(client_id),
        answers,
        respondent_role="assessor",
        answered_at=scored_at,
        assessor_id=actor.id,
        points=result.points,
        max_points=result.max_points,
        passed=result.passed,
        remarks=(remarks or "").strip(),
    )
    if recorded:
        checklist_scored.send(
            response_id=response.id,
            enrolment_id=enrolment.id,
            user_id=enrolment.user_id,
            checklist_key=instrument.key,
            passed=result.passed,
            scored_at=response.answered_at,
        )
        if result.passed:
            db.session.flush()
            progress_changed(enrolment)
    return response, recorded


def sync_scores(actor: User, cohort: Cohort, scores: list[dict]) -> list[ScoreOutcome]:
    """Scores sent by a facilitator's phone, possibly made offline; each answered on its own."""
    outcomes = []
    for score in scores:
        client_id = str(score.get("client_id") or "")
        learner = db.session.get(User, score.get("learner_id") or 0)
        try:
            instrument = station_checklist(cohort, score.get("instrument_id") or 0)
            if learner is None:
                raise NotAParticipant()
            response, recorded = score_learner(
                actor,
                cohort,
                instrument,
                learner.id,
                score.get("answers") or {},
                client_id=client_id,
                scored_at=score.get("scored_at"),
                remarks=score.get("remarks") or "",
            )
        except DomainError as error:
            outcomes.append(ScoreOutcome(client_id, "refused", code=error.code, message=str(error.message)))
            continue
        outcomes.append(
            ScoreOutcome(
                client_id,
                "recorded" if recorded else "already",
                learner.id,
                learner.full_name,
                response.passed,
                response.percent,
            )
        )
    return outcomes


def cohort_scores(cohort: Cohort, key: str) -> list[InstrumentResponse]:
    """Every scoring of the cohort's learners on the checklist with this key, newest first."""
    return list(
        db.session.execute(
            select(InstrumentResponse)
            .join(Instrument, InstrumentResponse.instrument_id == Instrument.id)
            .join(Enrolment, InstrumentResponse.enrolment_id == Enrolment.id)
            .where(Enrolment.cohort_id == cohort.id, Instrument.key == key, InstrumentResponse.purpose == "checklist")
            .order_by(InstrumentResponse.answered_at.desc(), InstrumentResponse.id.desc())
        ).scalars()
    )


def learner_results(user: User) -> list[InstrumentResponse]:
    """The learner's own checklist scorings (result, points and the facilitator's remarks), newest first."""
    return list(
        db.session.execute(
            select(InstrumentResponse)
            .join(Enrolment, InstrumentResponse.enrolment_id == Enrolment.id)
            .where(Enrolment.user_id == user.id, InstrumentResponse.purpose == InstrumentPurpose.CHECKLIST)
            .order_by(InstrumentResponse.answered_at.desc(), InstrumentResponse.id.desc())
        ).scalars()
    )


def passed_keys(enrolment_id: int) -> set[str]:
    return set(
        db.session.execute(
            select(Instrument.key)
            .join(InstrumentResponse, InstrumentResponse.instrument_id == Instrument.id)
            .where(InstrumentResponse.enrolment_id == enrolment_id, InstrumentResponse.passed.is_(True))
        ).scalars()
    )


def difficulty(organization_id: int, key: str, course_id: int | None = None) -> list[StepDifficulty]:
    """Which steps of a checklist people most often miss, over every scoring (of one course's cohorts if given)."""
    newest = latest_version(organization_id, key)
    if newest is None:
        return []
    stmt = (
        select(InstrumentResponse.id)
        .join(Instrument, InstrumentResponse.instrument_id == Instrument.id)
        .where(Instrument.organization_id == organization_id, Instrument.key == key)
    )
    if course_id is not None:
        from lms.courses.models import CourseVersion

        stmt = (
            stmt.join(Enrolment, InstrumentResponse.enrolment_id == Enrolment.id)
            .join(Cohort, Enrolment.cohort_id == Cohort.id)
            .join(CourseVersion, Cohort.version_id == CourseVersion.id)
            .where(CourseVersion.course_id == course_id)
        )
    ids = list(db.session.execute(stmt).scalars())
    answers = answer_values(ids)
    scorings = [{item_id: answer.value for item_id, answer in by_item.items()} for by_item in answers.values()]
    return step_difficulty(newest.items, scorings)


def checklist_requirements(enrolment: Enrolment) -> list[Requirement]:
    """One requirement per checklist the course names, when the course makes passing them a certificate rule."""
    course = enrolment.cohort.version.course
    settings = settings_for(course)
    if not settings.require_checklists or not settings.checklist_keys:
        return []
    passed = passed_keys(enrolment.id)
    url = url_for("instruments.my_evaluations") if has_request_context() else None
    requirements = []
    for instrument in checklists_of(course):
        met = instrument.key in passed
        detail = _l("Passed at the skills station.") if met else _l("Not yet passed at the skills station.")
        requirements.append(Requirement(f"checklist:{instrument.key}", instrument.title, met, str(detail), url))
    return requirements
