"""A revised course never drops its quizzes: every new draft version carries the quizzes of the version it was made
from (browser authoring and course-file import alike), and a cohort on the new version still needs its post-test."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from lms.courses import services as course_services
from lms.courses.models import CourseStatus
from lms.courses.requirements import requirements_for
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import Quiz, QuizKind
from tests.factories import make_course_spec, make_user
from tests.factories.courses import course_form_data, publish_through_review
from tests.factories.quizzes import enrol, make_cohort, make_quiz_setup, single_spec


def _quizzes_of(version) -> list[tuple[str, str, str | None, list[int], int | None]]:
    quizzes = db.session.execute(select(Quiz).where(Quiz.version_id == version.id).order_by(Quiz.id)).scalars()
    return [
        (
            quiz.kind,
            quiz.title,
            quiz.subject.slug if quiz.subject else None,
            [item.question_id for item in quiz.quiz_questions],
            quiz.attempts_allowed,
        )
        for quiz in quizzes
    ]


def _with_pre_test_and_subject_quiz(setup):
    pre = services.save_quiz(setup.admin, setup.version, QuizKind.PRE_TEST, title="Pre-test", attempts_allowed=1)
    services.add_to_quiz(setup.admin, pre, setup.questions[:2])
    subject = setup.version.subjects[1]
    subject_quiz = services.save_quiz(
        setup.admin, setup.version, QuizKind.SUBJECT_QUIZ, title="Kuis materi inti", subject_id=subject.id
    )
    services.add_to_quiz(setup.admin, subject_quiz, setup.questions[:1])
    db.session.commit()


def test_editing_a_published_course_in_the_browser_keeps_every_quiz(client, auth, app_ctx):
    setup = make_quiz_setup([single_spec(n) for n in range(1, 4)], attempts_allowed=3)
    _with_pre_test_and_subject_quiz(setup)
    before = _quizzes_of(setup.version)
    assert [kind for kind, *_ in before] == ["post_test", "pre_test", "subject_quiz"]

    auth.login(setup.admin.email)
    response = client.post(
        f"/organizations/{setup.organization.id}/courses/PPI-DASAR/details",
        data=course_form_data(code=None, title="PPI Dasar edisi 2"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    course = course_services.course_by_code("PPI-DASAR")
    draft = course.draft_version
    assert draft.number == 2 and draft.title == "PPI Dasar edisi 2"
    # Same kinds, titles, subjects (the draft's own rows), questions in order and settings.
    assert _quizzes_of(draft) == before
    draft_quizzes = db.session.execute(select(Quiz).where(Quiz.version_id == draft.id)).scalars().all()
    assert all(q.subject is None or q.subject.version_id == draft.id for q in draft_quizzes)
    # The published version keeps its own quizzes untouched.
    assert _quizzes_of(setup.version) == before


def test_a_cohort_on_the_republished_version_still_needs_its_post_test(client, auth, app_ctx):
    setup = make_quiz_setup([single_spec(1)])
    auth.login(setup.admin.email)
    base = f"/organizations/{setup.organization.id}/courses/PPI-DASAR"
    client.post(f"{base}/details", data=course_form_data(code=None, title="PPI Dasar edisi 2"))
    assert publish_through_review(client, base).status_code == 302
    db.session.expire_all()
    version = course_services.course_by_code("PPI-DASAR").latest_version
    assert (version.number, version.status) == (2, CourseStatus.PUBLISHED)

    cohort = make_cohort(setup.admin, version, name="Angkatan 2")
    learner = make_user("kedua@example.test")
    enrolment = enrol(learner, cohort)
    post_test = next(r for r in requirements_for(enrolment) if r.key == "post_test")
    assert post_test.met is False


def test_importing_changed_course_files_keeps_the_quizzes_too(app_ctx):
    setup = make_quiz_setup([single_spec(n) for n in range(1, 3)])
    before = _quizzes_of(setup.version)
    changed = replace(make_course_spec(), title="PPI Dasar (revisi)")
    result = course_services.import_course(changed)
    db.session.commit()
    assert result.changed and result.version.number == 2
    assert _quizzes_of(result.version) == before
    # Importing the same files again changes nothing, and copies nothing twice.
    again = course_services.import_course(changed)
    db.session.commit()
    assert not again.changed
    assert _quizzes_of(result.version) == before


def test_a_draft_made_twice_gets_its_quizzes_once(client, auth, app_ctx):
    setup = make_quiz_setup([single_spec(1)])
    auth.login(setup.admin.email)
    base = f"/organizations/{setup.organization.id}/courses/PPI-DASAR"
    client.post(f"{base}/draft")
    client.post(f"{base}/draft")
    db.session.expire_all()
    draft = course_services.course_by_code("PPI-DASAR").draft_version
    assert [kind for kind, *_ in _quizzes_of(draft)] == ["post_test"]
