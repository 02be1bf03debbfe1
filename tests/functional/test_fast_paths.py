"""The rules still hold on the paths made fast for load: bulk certificate issuance (batched eligibility, multi-row
inserts), the two-statement answer save, progress listeners told only of gradings that can meet a requirement, and
the verify page kept per certificate state for visitors without a session."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from sqlalchemy import event, func, select

from lms.accounts.models import User
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.core.audit import AuditEntry
from lms.courses import requirements
from lms.courses.requirements import requirements_for
from lms.extensions import db
from lms.quizzes import services as quizzes
from lms.quizzes.models import Answer, QuizKind
from lms.records.models import EntrySource, SkpEntry
from lms.records.services import post_certificate_credits
from tests.conftest import csrf_token_from
from tests.factories.certificates import enrol, finished_learner, make_certificate_world, make_learner
from tests.factories.quizzes import make_quiz_setup, single_spec
from tests.statements import driver_statements_counted

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with driver_statements_counted(statements):  # the quiz path's, on PostgreSQL (rows_in_transaction)
            yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _post_test(world, attempts_allowed: int = 3):
    quiz = quizzes.save_quiz(
        world.admin, world.version, QuizKind.POST_TEST, title="Post-test", shuffle_questions=False,
        shuffle_options=False, attempts_allowed=attempts_allowed,
    )  # fmt: skip
    quizzes.add_to_quiz(world.admin, quiz, [quizzes.add_question(world.admin, world.version.course, single_spec())])
    db.session.commit()
    return quiz


def _take(user, quiz, option: int, now: datetime) -> None:
    """One attempt at the one-question quiz (option 1 is right), committed like the view."""
    attempt, _started = quizzes.start_attempt(user, quiz, now)
    (shown,) = quizzes.shown_questions(attempt)
    quizzes.save_answer(user, attempt.id, shown.question_id, option, now)
    quizzes.submit_attempt(user, attempt.id, now)
    db.session.commit()


# --- bulk issuance --------------------------------------------------------------------------------------------------


def _mixed_cohort():
    """Approval needed (nothing issued on its own), lessons and post-test required: two learners qualify."""
    world = make_certificate_world(certificate_needs_approval=True, require_post_test=True)
    quiz = _post_test(world)
    passed = finished_learner(world.cohort)
    _take(passed[0], quiz, 1, NOW)
    failed = finished_learner(world.cohort)
    _take(failed[0], quiz, 0, NOW)
    second_try = finished_learner(world.cohort)
    _take(second_try[0], quiz, 0, NOW)
    _take(second_try[0], quiz, 1, NOW + timedelta(minutes=5))
    studying = make_learner()
    studying_enrolment = enrol(studying, world.cohort)
    _take(studying, quiz, 1, NOW)
    untested = finished_learner(world.cohort)
    enrolments = [passed[1], failed[1], second_try[1], studying_enrolment, untested[1]]
    return world, enrolments, {passed[1].id, second_try[1].id}


def test_bulk_issuance_decides_eligibility_as_the_single_path_does(app_ctx):
    world, enrolments, qualified = _mixed_cohort()
    one_by_one = {e.id: requirements_for(e) for e in enrolments}
    with quizzes.quiz_requirements_prefetched(enrolments):
        assert {e.id: requirements_for(e) for e in enrolments} == one_by_one
    issued = services.issue_for_cohort(world.admin, world.cohort, NOW)
    db.session.commit()
    assert {c.enrolment_id for c in issued} == qualified


def test_bulk_issuance_numbers_each_once_with_one_audit_entry_and_one_ledger_credit_each(app_ctx):
    world = make_certificate_world(certificate_needs_approval=True)
    enrolments = [finished_learner(world.cohort)[1] for _ in range(6)]

    issued = services.issue_for_cohort(world.admin, world.cohort, NOW)
    db.session.commit()

    assert sorted(c.enrolment_id for c in issued) == sorted(e.id for e in enrolments)
    numbers = [c.number for c in issued]
    assert len(set(numbers)) == 6 and sorted(n[-6:] for n in numbers) == [f"{n:06d}" for n in range(1, 7)]
    audits = db.session.execute(select(AuditEntry).where(AuditEntry.action == "certificate.issue")).scalars().all()
    assert sorted(a.object_id for a in audits) == sorted(str(c.id) for c in issued)
    assert all(a.actor_id == world.admin.id and a.details["bulk"] is True for a in audits)
    by_certificate = {a.object_id: a.details for a in audits}
    assert all(by_certificate[str(c.id)]["number"] == c.number for c in issued)
    credits = db.session.execute(select(SkpEntry).where(SkpEntry.source == EntrySource.CERTIFICATE)).scalars().all()
    assert sorted((e.source_id, e.user_id) for e in credits) == sorted((c.public_id, c.user_id) for c in issued)
    assert all(e.skp > 0 and e.title.endswith(f"({c.number})") for e, c in zip(
        sorted(credits, key=lambda e: e.source_id), sorted(issued, key=lambda c: c.public_id), strict=True
    ))  # fmt: skip

    # Crediting again adds nothing; a second run issues nothing; later certificates number on.
    post_certificate_credits(issued)
    assert services.issue_for_cohort(world.admin, world.cohort, NOW) == []
    db.session.commit()
    assert db.session.execute(select(func.count(SkpEntry.id))).scalar_one() == 6
    later = services.issue_for_cohort(world.admin, world.cohort, NOW)
    assert later == []
    finished_learner(world.cohort)
    (seventh,) = services.issue_for_cohort(world.admin, world.cohort, NOW)
    db.session.commit()
    assert seventh.number[-6:] == "000007"
    assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 7


# --- quizzes --------------------------------------------------------------------------------------------------------


def test_an_answer_save_is_two_statements_and_returns_what_is_stored(app_ctx):
    setup = make_quiz_setup([single_spec(1), single_spec(2)])
    attempt, _ = quizzes.start_attempt(setup.learner, setup.quiz, T0)
    db.session.commit()
    attempt_id = attempt.id
    question_id, _learner_id = setup.questions[1].id, setup.learner.id  # loaded again after the commit, not counted
    with counted_statements() as statements:
        saved = quizzes.save_answer(setup.learner, attempt_id, question_id, "1", T0)
    assert len(statements) == 2, statements
    assert (saved.question_id, saved.response, saved.saved_at) == (question_id, 1, T0)
    again = quizzes.save_answer(setup.learner, attempt_id, question_id, "", T0 + timedelta(seconds=3))
    assert (again.response, again.saved_at) == (None, T0 + timedelta(seconds=3))
    rows = db.session.execute(select(Answer.response).where(Answer.attempt_id == attempt_id)).scalars().all()
    assert rows == [None]


def test_a_learner_cannot_save_into_someone_elses_attempt_or_an_unshown_question(app_ctx):
    from lms.core.errors import NotFound

    setup = make_quiz_setup([single_spec(1)])
    attempt, _ = quizzes.start_attempt(setup.learner, setup.quiz, T0)
    other = make_learner()
    for user, question_id in ((other, setup.questions[0].id), (setup.learner, setup.questions[0].id + 999)):
        try:
            quizzes.save_answer(user, attempt.id, question_id, 1, T0)
        except NotFound:
            continue
        raise AssertionError("the save should have been refused")


def test_listeners_hear_only_of_gradings_that_can_meet_a_requirement(app_ctx):
    heard: list[int] = []
    listener = requirements.register_progress_listener(lambda enrolment: heard.append(enrolment.id))
    try:
        pre = make_quiz_setup([single_spec()], kind=QuizKind.PRE_TEST, code="PRE-TEST")
        attempt, _ = quizzes.start_attempt(pre.learner, pre.quiz, T0)
        quizzes.save_answer(pre.learner, attempt.id, pre.questions[0].id, 1, T0)
        quizzes.submit_attempt(pre.learner, attempt.id, T0)
        assert attempt.score == 100 and heard == []  # the pre-test is information only

        post = make_quiz_setup([single_spec()], code="NOT-REQUIRED")
        post.version.require_post_test = False
        attempt, _ = quizzes.start_attempt(post.learner, post.quiz, T0)
        quizzes.save_answer(post.learner, attempt.id, post.questions[0].id, 1, T0)
        quizzes.submit_attempt(post.learner, attempt.id, T0)
        assert attempt.score == 100 and heard == []  # not a rule of this course

        post.version.require_post_test = True
        second, _ = quizzes.start_attempt(post.learner, post.quiz, T0 + timedelta(minutes=1))
        quizzes.save_answer(post.learner, second.id, post.questions[0].id, 1, T0 + timedelta(minutes=1))
        quizzes.submit_attempt(post.learner, second.id, T0 + timedelta(minutes=1))
        assert heard == [second.enrolment_id]
    finally:
        requirements._LISTENERS.remove(listener)


# --- the verify page for visitors without a session -----------------------------------------------------------------


@pytest.fixture
def own_key_store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


def _attribute(html: str, name: str) -> str:
    marker = f'{name}="'
    assert marker in html, html[:300]
    return html.split(marker, 1)[1].split('"', 1)[0]


def _label(app, locale: str, message: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return babel_gettext(message)


def test_verify_page_without_a_session_sets_no_cookie_and_shows_each_status_change_at_once(app, own_key_store):
    client = app.test_client()
    with app.app_context():
        world = make_certificate_world()
        _user, enrolment = finished_learner(world.cohort)
        certificate = services.live_certificate_of(enrolment)
        path, certificate_id, admin_id = f"/v/{certificate.token}", certificate.id, world.admin.id

    first = client.get(path)
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    assert _attribute(first.get_data(as_text=True), "data-verdict") == "valid"
    before = datetime.now(UTC)
    again = client.get(path)  # the same state again: the kept page, with the moment of this check
    html = again.get_data(as_text=True)
    assert _attribute(html, "data-verdict") == "valid"
    assert datetime.fromisoformat(_attribute(html, "data-checked-at")) >= before
    assert "1901" not in html

    with app.app_context():
        admin = db.session.get(User, admin_id)
        suspended_at = services.suspend_certificate(
            admin, db.session.get(Certificate, certificate_id), "Ditinjau", NOW
        ).status_changed_at
        db.session.commit()
    suspended = client.get(path).get_data(as_text=True)
    assert _attribute(suspended, "data-verdict") == "suspended" and "Ditinjau" in suspended
    with app.app_context():
        services.reinstate_certificate(
            db.session.get(User, admin_id), db.session.get(Certificate, certificate_id), "Selesai",
            suspended_at + timedelta(minutes=1),
        )  # fmt: skip
        db.session.commit()
    assert _attribute(client.get(path).get_data(as_text=True), "data-verdict") == "valid"


def test_language_buttons_without_a_session_reload_the_page_in_that_language(app, own_key_store):
    client = app.test_client()
    with app.app_context():
        world = make_certificate_world()
        _user, enrolment = finished_learner(world.cohort)
        path = f"/v/{services.live_certificate_of(enrolment).token}"

    english = client.get(path + "?locale=en")
    html = english.get_data(as_text=True)
    assert 'lang="en"' in html and _label(app, "en", "VALID") in html
    assert '<form method="get" class="language-switch">' in html and "csrf_token" not in html
    assert "Set-Cookie" not in english.headers
    indonesian = client.get(path).get_data(as_text=True)
    assert '<html lang="id">' in indonesian and _label(app, "id", "VALID") in indonesian
    assert client.get(path + "?locale=xx").status_code == 200  # an unknown language is the default one
    # The offline shell every verifier's service worker fetches makes no session either.
    shell = client.get("/verify/offline")
    assert shell.status_code == 200 and "Set-Cookie" not in shell.headers


def test_a_visitor_with_a_session_keeps_the_stored_language_form_with_its_csrf_token(app, client, auth, own_key_store):
    with app.app_context():
        world = make_certificate_world()
        user, enrolment = finished_learner(world.cohort)
        path, email = f"/v/{services.live_certificate_of(enrolment).token}", user.email
    auth.login(email)
    html = client.get(path).get_data(as_text=True)
    assert _attribute(html, "data-verdict") == "valid"
    assert csrf_token_from(html) and 'action="/language"' in html
    # A link with ?locale= (e.g. followed from an anonymous page) shows the page in that language for them too.
    assert '<html lang="en">' in html  # this learner's own language
    assert '<html lang="id">' in client.get(path + "?locale=id").get_data(as_text=True)
