"""What instruments show: a facilitator's own aggregates (only of enough responses), and a course's report across
the levels of evaluation — reaction, learning, behaviour — read with a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.courses.models import Cohort, Course, CourseVersion, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.instruments.files import shipped_instruments
from lms.instruments.items import InstrumentPurpose, Item
from lms.instruments.models import Instrument, InstrumentAnswer, InstrumentResponse
from lms.instruments.rules import (
    Distribution,
    StepDifficulty,
    add_months,
    distribution,
    facilitator_may_see,
)
from lms.instruments.services.authoring import DEFAULT_KEYS, checklists_of, latest_version, settings_for
from lms.instruments.services.checklists import difficulty

EVALUATION_PURPOSES = (
    InstrumentPurpose.FACILITATOR_EVALUATION,
    InstrumentPurpose.ORGANIZER_EVALUATION,
    InstrumentPurpose.POST_TRAINING,
)


def items_for(organization_id: int, purpose: InstrumentPurpose) -> list[Item]:
    """The items a report is drawn by: the newest version's (answers of older versions with the same item ids count
    in), or the shipped default's when the organization has none stored yet. Reads, never writes."""
    instrument = latest_version(organization_id, DEFAULT_KEYS[purpose])
    if instrument is not None:
        return instrument.items
    return list(shipped_instruments()[DEFAULT_KEYS[purpose]].items)


def _scale_items(items: list[Item]) -> list[Item]:
    return [item for item in items if item.choices()]


def _mean(counts: dict[int, int]) -> float | None:
    total = sum(counts.values())
    return sum(value * count for value, count in counts.items()) / total if total else None


def _likert_ids(items: list[Item]) -> set[str]:
    return {item.id for item in items if item.kind == "likert"}


# --- a facilitator's own page ------------------------------------------------------------------------------------


@dataclass
class FacilitatorCourseSummary:
    course: Course
    responses: int
    distributions: list[Distribution]
    """Empty while there are fewer responses than MIN_RESPONSES_SHOWN."""

    @property
    def visible(self) -> bool:
        return facilitator_may_see(self.responses)

    @property
    def mean(self) -> float | None:
        counts: dict[int, int] = defaultdict(int)
        for dist in self.distributions:
            if dist.item.kind == "likert":
                for value, _, count in dist.counts:
                    counts[value] += count
        return _mean(counts)


def facilitator_summary(facilitator: User) -> list[FacilitatorCourseSummary]:
    """Per course, the aggregates of what learners said about `facilitator`: counts only below five responses, and
    never a single response, a name or a comment."""
    course_of_response = (
        select(InstrumentResponse.id.label("response_id"), CourseVersion.course_id.label("course_id"))
        .join(Enrolment, InstrumentResponse.enrolment_id == Enrolment.id)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(CourseVersion, Cohort.version_id == CourseVersion.id)
        .where(
            InstrumentResponse.facilitator_id == facilitator.id,
            InstrumentResponse.purpose == InstrumentPurpose.FACILITATOR_EVALUATION,
        )
        .subquery()
    )
    counts = dict(
        db.session.execute(
            select(course_of_response.c.course_id, func.count()).group_by(course_of_response.c.course_id)
        ).all()
    )
    if not counts:
        return []
    visible = [course_id for course_id, n in counts.items() if facilitator_may_see(n)]
    values: dict[int, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    if visible:
        rows = db.session.execute(
            select(course_of_response.c.course_id, InstrumentAnswer.item_id, InstrumentAnswer.value, func.count())
            .join(InstrumentAnswer, InstrumentAnswer.response_id == course_of_response.c.response_id)
            .where(course_of_response.c.course_id.in_(visible), InstrumentAnswer.value.is_not(None))
            .group_by(course_of_response.c.course_id, InstrumentAnswer.item_id, InstrumentAnswer.value)
        ).all()
        for course_id, item_id, value, count in rows:
            values[course_id][item_id][value] = count
    courses = {c.id: c for c in db.session.execute(select(Course).where(Course.id.in_(list(counts)))).scalars()}
    summaries = []
    for course_id, n in sorted(counts.items()):
        course = courses[course_id]
        distributions = []
        if course_id in visible:
            items = _scale_items(items_for(course.organization_id, InstrumentPurpose.FACILITATOR_EVALUATION))
            distributions = [distribution(item, values[course_id].get(item.id, {})) for item in items]
        summaries.append(FacilitatorCourseSummary(course, n, distributions))
    return summaries


# --- the organization's course report ------------------------------------------------------------------------------


@dataclass
class FacilitatorRow:
    facilitator: User
    responses: int
    mean: float | None
    trend: list[tuple[Cohort, float | None, int]]
    """(cohort, mean of the Likert answers about this facilitator, responses), oldest cohort first."""


@dataclass
class Comment:
    purpose: InstrumentPurpose
    cohort: Cohort
    item_text: str
    text: str
    about: str = ""
    """The facilitator a comment is about (the organization may see this; never the learner who wrote it)."""


@dataclass
class PostTrainingRow:
    cohort: Cohort
    due: int
    """Alumni of the cohort asked by now."""
    self_responses: int
    supervisor_responses: int
    self_mean: float | None
    supervisor_mean: float | None

    @property
    def response_rate(self) -> int:
        return round(100 * self.self_responses / self.due) if self.due else 0

    @property
    def supervisor_rate(self) -> int:
        return round(100 * self.supervisor_responses / self.due) if self.due else 0


@dataclass
class ChecklistSummary:
    instrument: Instrument
    scorings: int
    learners_scored: int
    learners_passed: int
    difficulty: list[StepDifficulty]


@dataclass
class LearningRow:
    cohort: Cohort
    pre_mean: float | None
    post_mean: float | None

    @property
    def gain(self) -> float | None:
        return None if self.pre_mean is None or self.post_mean is None else self.post_mean - self.pre_mean


@dataclass
class CourseReport:
    course: Course
    cohorts: list[Cohort]
    responses: dict[str, int]
    """Responses per purpose ("post_training" counts the alumni's own; "post_training_supervisor" the supervisors')."""
    facilitators: list[FacilitatorRow]
    distributions: dict[str, list[Distribution]]
    organizer_trend: list[tuple[Cohort, float | None, int]]
    comments: list[Comment]
    post_training: list[PostTrainingRow]
    post_training_months: int
    checklists: list[ChecklistSummary] = field(default_factory=list)
    learning: list[LearningRow] = field(default_factory=list)
    aggregate_rows: list[tuple] = field(default_factory=list)
    """(purpose, respondent role, facilitator id, cohort id, item id, value, count): what the CSV holds."""


COMMENT_LIMIT = 300


def course_report(course: Course, today: date, *, with_learning: bool = True) -> CourseReport:
    """The evaluation report of a course across its cohorts: a fixed number of queries, whatever the responses."""
    organization_id = course.organization_id
    cohorts = list(
        db.session.execute(
            select(Cohort)
            .join(CourseVersion, Cohort.version_id == CourseVersion.id)
            .where(CourseVersion.course_id == course.id)
            .order_by(Cohort.starts_on, Cohort.id)
        ).scalars()
    )
    cohort_by_id = {c.id: c for c in cohorts}
    in_course = (
        select(
            InstrumentResponse.id,
            InstrumentResponse.purpose,
            InstrumentResponse.respondent_role,
            InstrumentResponse.facilitator_id,
            Enrolment.cohort_id,
        )
        .join(Enrolment, InstrumentResponse.enrolment_id == Enrolment.id)
        .where(
            Enrolment.cohort_id.in_(list(cohort_by_id) or [0]),
            InstrumentResponse.purpose != InstrumentPurpose.CHECKLIST,
        )
        .subquery()
    )
    group = (in_course.c.purpose, in_course.c.respondent_role, in_course.c.facilitator_id, in_course.c.cohort_id)
    counts = db.session.execute(select(*group, func.count()).group_by(*group)).all()
    aggregate_rows = db.session.execute(
        select(*group, InstrumentAnswer.item_id, InstrumentAnswer.value, func.count())
        .join(InstrumentAnswer, InstrumentAnswer.response_id == in_course.c.id)
        .where(InstrumentAnswer.value.is_not(None))
        .group_by(*group, InstrumentAnswer.item_id, InstrumentAnswer.value)
    ).all()
    comment_rows = db.session.execute(
        select(
            in_course.c.purpose,
            in_course.c.facilitator_id,
            in_course.c.cohort_id,
            InstrumentAnswer.item_id,
            InstrumentAnswer.text,
        )
        .join(InstrumentAnswer, InstrumentAnswer.response_id == in_course.c.id)
        .where(InstrumentAnswer.text.is_not(None), InstrumentAnswer.text != "")
        .order_by(in_course.c.id.desc())
        .limit(COMMENT_LIMIT)
    ).all()
    facilitator_ids = {row[2] for row in counts if row[2] is not None}
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(facilitator_ids or {0}))).scalars()}
    items = {purpose: items_for(organization_id, purpose) for purpose in EVALUATION_PURPOSES}

    responses: dict[str, int] = defaultdict(int)
    per_facilitator: dict[int, int] = defaultdict(int)
    per_facilitator_cohort: dict[tuple[int, int], int] = defaultdict(int)
    organizer_per_cohort: dict[int, int] = defaultdict(int)
    post_per_cohort: dict[tuple[str, int], int] = defaultdict(int)
    for purpose, role, facilitator_id, cohort_id, n in counts:
        name = f"{purpose}_supervisor" if role == "supervisor" else purpose
        responses[name] += n
        if purpose == InstrumentPurpose.FACILITATOR_EVALUATION and facilitator_id is not None:
            per_facilitator[facilitator_id] += n
            per_facilitator_cohort[(facilitator_id, cohort_id)] += n
        elif purpose == InstrumentPurpose.ORGANIZER_EVALUATION:
            organizer_per_cohort[cohort_id] += n
        elif purpose == InstrumentPurpose.POST_TRAINING:
            post_per_cohort[(role, cohort_id)] += n

    item_values: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    likert_by_facilitator: dict[tuple[int, int | None], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    likert_organizer: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    likert_post: dict[tuple[str, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    likert_ids = {purpose: _likert_ids(items[purpose]) for purpose in EVALUATION_PURPOSES}
    for purpose, role, facilitator_id, cohort_id, item_id, value, n in aggregate_rows:
        bucket = f"{purpose}_supervisor" if role == "supervisor" else purpose
        item_values[(bucket, item_id)][value] += n
        if item_id not in likert_ids.get(purpose, set()):
            continue
        if purpose == InstrumentPurpose.FACILITATOR_EVALUATION and facilitator_id is not None:
            likert_by_facilitator[(facilitator_id, cohort_id)][value] += n
            likert_by_facilitator[(facilitator_id, None)][value] += n
        elif purpose == InstrumentPurpose.ORGANIZER_EVALUATION:
            likert_organizer[cohort_id][value] += n
        elif purpose == InstrumentPurpose.POST_TRAINING:
            likert_post[(role, cohort_id)][value] += n

    distributions = {}
    for purpose in EVALUATION_PURPOSES:
        buckets = [purpose.value] + (
            [f"{purpose.value}_supervisor"] if purpose == InstrumentPurpose.POST_TRAINING else []
        )
        for bucket in buckets:
            distributions[bucket] = [
                distribution(item, item_values.get((bucket, item.id), {})) for item in _scale_items(items[purpose])
            ]
    facilitators = [
        FacilitatorRow(
            users[facilitator_id],
            per_facilitator[facilitator_id],
            _mean(likert_by_facilitator[(facilitator_id, None)]),
            [
                (
                    c,
                    _mean(likert_by_facilitator.get((facilitator_id, c.id), {})),
                    per_facilitator_cohort[(facilitator_id, c.id)],
                )
                for c in cohorts
            ],
        )
        for facilitator_id in sorted(per_facilitator, key=lambda i: users[i].full_name)
    ]
    organizer_trend = [(c, _mean(likert_organizer.get(c.id, {})), organizer_per_cohort[c.id]) for c in cohorts]
    texts = {(purpose, item.id): item.text for purpose in EVALUATION_PURPOSES for item in items[purpose]}
    comments = [
        Comment(
            InstrumentPurpose(purpose),
            cohort_by_id[cohort_id],
            texts.get((purpose, item_id), item_id),
            text,
            users[facilitator_id].full_name if facilitator_id in users else "",
        )
        for purpose, facilitator_id, cohort_id, item_id, text in comment_rows
    ]

    settings = settings_for(course)
    months = settings.post_training_months
    due_by_cohort: dict[int, int] = {}
    if months:
        asked = [c.id for c in cohorts if add_months(c.ends_on, months) <= today]
        due_by_cohort = dict(
            db.session.execute(
                select(Enrolment.cohort_id, func.count())
                .where(Enrolment.cohort_id.in_(asked or [0]), Enrolment.status == EnrolmentStatus.ACTIVE)
                .group_by(Enrolment.cohort_id)
            ).all()
        )
    post_training = [
        PostTrainingRow(
            c,
            due_by_cohort.get(c.id, 0),
            post_per_cohort[("learner", c.id)],
            post_per_cohort[("supervisor", c.id)],
            _mean(likert_post.get(("learner", c.id), {})),
            _mean(likert_post.get(("supervisor", c.id), {})),
        )
        for c in cohorts
        if c.id in due_by_cohort or post_per_cohort[("learner", c.id)]
    ]
    report = CourseReport(
        course,
        cohorts,
        dict(responses),
        facilitators,
        distributions,
        organizer_trend,
        comments,
        post_training,
        months,
        aggregate_rows=[tuple(row) for row in aggregate_rows],
    )
    report.checklists = [_checklist_summary(course, instrument) for instrument in checklists_of(course)]
    if with_learning:
        report.learning = _learning(course)
    return report


def _checklist_summary(course: Course, instrument: Instrument) -> ChecklistSummary:
    rows = db.session.execute(
        select(InstrumentResponse.enrolment_id, InstrumentResponse.passed)
        .join(Instrument, InstrumentResponse.instrument_id == Instrument.id)
        .join(Enrolment, InstrumentResponse.enrolment_id == Enrolment.id)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(CourseVersion, Cohort.version_id == CourseVersion.id)
        .where(
            CourseVersion.course_id == course.id,
            Instrument.organization_id == course.organization_id,
            Instrument.key == instrument.key,
        )
    ).all()
    scored = {enrolment_id for enrolment_id, _ in rows}
    passed = {enrolment_id for enrolment_id, ok in rows if ok}
    return ChecklistSummary(
        instrument, len(rows), len(scored), len(passed), difficulty(course.organization_id, instrument.key, course.id)
    )


def _learning(course: Course) -> list[LearningRow]:
    """Learning (level 2): the mean pre-test and post-test grade per cohort, from the quizzes' gain report."""
    from lms.quizzes.reports import gain_report_data

    version = course.published_version
    if version is None:
        return []
    data = gain_report_data(version)
    rows = []
    for cohort_scores in data.cohorts:
        pre = [float(s.pre) for s in cohort_scores.scores if s.pre is not None]
        post = [float(s.post) for s in cohort_scores.scores if s.post is not None]
        rows.append(
            LearningRow(
                cohort_scores.cohort, sum(pre) / len(pre) if pre else None, sum(post) / len(post) if post else None
            )
        )
    return rows
