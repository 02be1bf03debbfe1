"""Quiz report pages for organization admins, on a known data set whose figures were worked out by hand."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest

from lms.accounts.models import Role
from lms.courses import services as course_services
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.quizzes.models import Answer, Attempt, AttemptState, CloseReason, Question, Quiz, QuizKind
from lms.quizzes.spec import Choice, QuestionKind, QuestionSpec
from tests.csv_files import csv_in
from tests.factories import make_course_spec, make_organization, make_user
from tests.statements import counted_statements

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _question(course, spec: QuestionSpec) -> Question:
    question = Question(course_id=course.id, kind=spec.kind, title=spec.title, spec_data=spec.to_data(), tags=[])
    db.session.add(question)
    return question


def _attempt(quiz, enrolment, number, answers, *, graded=True) -> Attempt:
    """An attempt at `quiz` answering {question: (response, credit)}; graded ones carry a row per question shown."""
    layout = [{"question_id": q.id, "order": []} for q in answers]
    points = sum((Decimal(str(credit)) for _, credit in answers.values()), Decimal(0)) if graded else None
    attempt = Attempt(
        quiz=quiz,
        user_id=enrolment.user_id,
        enrolment=enrolment,
        number=number,
        state=AttemptState.GRADED if graded else AttemptState.OPEN,
        started_at=NOW,
        submitted_at=NOW + timedelta(minutes=20) if graded else None,
        close_reason=CloseReason.SUBMITTED if graded else None,
        layout=layout,
        points=points,
        score=(points * 100 / len(answers)).quantize(Decimal("0.01"), ROUND_HALF_UP) if graded else None,
    )
    db.session.add(attempt)
    db.session.flush()
    if graded:
        attempt.open_slot = None  # set after the insert: the column's default would replace a None given at first
        db.session.flush()
    for question, (response, credit) in answers.items():
        if graded or response is not None:
            db.session.add(
                Answer(
                    attempt_id=attempt.id,
                    question_id=question.id,
                    response=response,
                    fraction=Decimal(str(credit)) if graded else None,
                    saved_at=NOW,
                )
            )
    return attempt


@pytest.fixture
def world(app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    ibi = make_organization("ibi", name="IBI")
    admin = make_user("admin-ppni@example.test", role=Role.ORG_ADMIN, organization=ppni, locale="en")
    ibi_admin = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=ibi, locale="en")
    version = course_services.import_course(make_course_spec("PPI-DASAR", organization="ppni"), publish=True).version
    db.session.commit()
    course = version.course
    cohorts = [
        Cohort(version=version, name=name, mode="daring", starts_on=date(2026, 11, d), ends_on=date(2026, 11, d + 2))
        for name, d in (("Angkatan 1", 2), ("Angkatan 2", 16))
    ]
    db.session.add_all(cohorts)
    names = ["Ani", "Budi", "Citra", "Dewi", "Eka", '=HYPERLINK("http://x")']
    learners = [make_user(f"learner{i}@example.test", full_name=name) for i, name in enumerate(names, 1)]
    enrolments = [
        Enrolment(cohort=cohorts[0 if i < 4 else 1], user=user, status=EnrolmentStatus.ACTIVE)
        for i, user in enumerate(learners)
    ]
    db.session.add_all(enrolments)

    q1 = _question(
        course,
        QuestionSpec(QuestionKind.SINGLE, "Berapa lama cuci tangan?", title="Q1 cuci tangan",
                     choices=(Choice("40-60 detik", Decimal(1)), Choice("10 detik", Decimal(0)),
                              Choice("5 menit", Decimal(0)))),
    )  # fmt: skip
    q2 = _question(course, QuestionSpec(QuestionKind.TRUE_FALSE, "APD dipakai sebelum tindakan.", correct=True))
    q3 = _question(
        course, QuestionSpec(QuestionKind.SHORT, "Singkatan PPI?", choices=(Choice("pencegahan", Decimal(1)),))
    )
    pre = Quiz(version=version, kind=QuizKind.PRE_TEST, title="Pre-test PPI")
    post = Quiz(version=version, kind=QuizKind.POST_TEST, title="Post-test PPI", grading_method="highest")
    db.session.add_all([pre, post])
    db.session.flush()

    e1, e2, e3, e4, e5, e6 = enrolments
    # Post-test, first attempts. Responses as stored: single -> option index, true/false -> bool, short -> text.
    _attempt(post, e1, 1, {q1: (0, 1), q2: (True, 1), q3: ("pencegahan", 1)})  # 100
    _attempt(post, e2, 1, {q1: (0, 1), q2: (True, 1), q3: ("pengobatan", 0)})  # 66.67
    _attempt(post, e3, 1, {q1: (1, 0), q2: (True, 1), q3: ("pencegahan", 1)})  # 66.67
    _attempt(post, e4, 1, {q1: (1, 0), q2: (False, 0), q3: ("", 0)})  # 0
    _attempt(post, e5, 1, {q1: (0, 1), q2: (True, 1), q3: (None, 0)})  # 66.67, q3 left blank
    _attempt(post, e6, 1, {q1: (None, 0), q2: (True, 1), q3: ("x", 0)})  # 33.33, q1 left blank
    # Dewi tries again and gets everything right: her grade (highest) is 100, but item analysis keeps attempt 1.
    _attempt(post, e4, 2, {q1: (0, 1), q2: (True, 1), q3: ("pencegahan", 1)})
    # An attempt still open counts nowhere.
    _attempt(post, e6, 2, {q1: (0, None), q2: (None, None), q3: (None, None)}, graded=False)
    # Pre-test: Ani 33.33, Budi 33.33, Citra 0, Dewi 100; Eka 66.67; the last learner skipped it.
    _attempt(pre, e1, 1, {q1: (0, 1), q2: (False, 0), q3: ("", 0)})
    _attempt(pre, e2, 1, {q1: (1, 0), q2: (True, 1), q3: ("", 0)})
    _attempt(pre, e3, 1, {q1: (1, 0), q2: (False, 0), q3: ("", 0)})
    _attempt(pre, e4, 1, {q1: (0, 1), q2: (True, 1), q3: ("pencegahan", 1)})
    _attempt(pre, e5, 1, {q1: (0, 1), q2: (True, 1), q3: ("", 0)})
    db.session.commit()
    return SimpleNamespace(
        ppni=ppni, ibi=ibi, admin=admin, ibi_admin=ibi_admin, version=version, cohorts=cohorts, learners=learners,
        pre=pre, post=post, questions=(q1, q2, q3), course=course,
    )  # fmt: skip


def _report_url(world, quiz=None, organization=None, suffix=""):
    organization = organization or world.ppni
    quiz = quiz or world.post
    return f"/organizations/{organization.id}/quizzes/{quiz.id}/report{suffix}"


def _gain_url(world, organization=None, suffix=""):
    return f"/organizations/{(organization or world.ppni).id}/course-versions/{world.version.id}/learning-gain{suffix}"


def _attr(html: str, testid: str, name: str) -> str:
    """The value of data-`name` on the element with data-testid=`testid`."""
    tag = re.search(rf'<[^>]*data-testid="{re.escape(testid)}"[^>]*>', html, re.S)
    assert tag, f"no element {testid}"
    value = re.search(rf'data-{name}="([^"]*)"', tag.group(0))
    assert value, f"{testid} has no data-{name}"
    return value.group(1)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_score_distribution_pass_rate_and_attempts(client, auth, world):
    auth.login(world.admin.email)
    html = client.get(_report_url(world)).get_data(as_text=True)
    # Grades (highest): Ani 100, Budi 66.67, Citra 66.67, Dewi 100 (second try), Eka 66.67, the last 33.33.
    assert _attr(html, "summary", "learners") == "6"
    assert _attr(html, "summary", "attempts") == "7"  # the open attempt is not counted
    assert _attr(html, "summary", "passed") == "2"  # pass mark 70: Ani and Dewi
    assert _attr(html, "summary", "pass-rate") == "0.3333"
    assert _attr(html, "summary", "mean") == "72.22"  # (100 + 66.67 * 3 + 100 + 33.33) / 6 = 72.2233
    # Bars: one learner in 30-39, three in 60-69, two in 90-100.
    counts = [int(c) for c in re.findall(r'data-testid="bar" data-count="(\d+)"', html)]
    assert counts == [0, 0, 0, 1, 0, 0, 3, 0, 0, 2]
    assert '<svg viewBox="0 0 520 240" role="img"' in html
    assert 'data-testid="distribution-table"' in html  # the same figures as a table, for screen readers


def test_item_analysis_uses_first_attempts(client, auth, world):
    auth.login(world.admin.email)
    html = client.get(_report_url(world)).get_data(as_text=True)
    q1, q2, q3 = world.questions
    # First attempts ranked: Ani 100, Budi 66.67, Citra 66.67, Eka 66.67, last learner 33.33, Dewi 0.
    # 27% of 6 rounds to 2: upper = Ani, Budi; lower = the last learner, Dewi.
    # Q1: right Ani, Budi, Eka -> p = 3/6; upper 1, lower 0 -> D = 1. Option C nobody chose.
    assert (_attr(html, f"item-{q1.id}", "p"), _attr(html, f"item-{q1.id}", "d")) == ("0.500", "1.000")
    assert _attr(html, f"item-{q1.id}", "responses") == "6"
    assert _attr(html, f"item-{q1.id}", "flags") == "unchosen_option"
    assert re.findall(r'data-option="\d" data-count="(\d+)"', _row(html, f"item-{q1.id}")) == ["3", "2", "0"]
    # Q2: all right but Dewi -> p = 5/6; upper 1, lower (1 + 0)/2 -> D = 0.5. True 5, False 1.
    assert (_attr(html, f"item-{q2.id}", "p"), _attr(html, f"item-{q2.id}", "d")) == ("0.833", "0.500")
    assert re.findall(r'data-option="\d" data-count="(\d+)"', _row(html, f"item-{q2.id}")) == ["5", "1"]
    assert _attr(html, f"item-{q2.id}", "flags") == ""
    # Q3: right Ani, Citra -> p = 2/6; upper (1 + 0)/2, lower 0 -> D = 0.5.
    assert (_attr(html, f"item-{q3.id}", "p"), _attr(html, f"item-{q3.id}", "d")) == ("0.333", "0.500")


def _row(html: str, testid: str) -> str:
    match = re.search(rf'<tr data-testid="{testid}".*?</tr>', html, re.S)
    assert match
    return match.group(0)


def test_poor_items_are_flagged_with_the_reason(client, auth, world, app):
    auth.login(world.admin.email)
    html = client.get(_report_url(world)).get_data(as_text=True)
    q1 = world.questions[0]
    row = _row(html, f"item-{q1.id}")
    assert 'class="poor-item"' in row
    with app.test_request_context():
        from flask_babel import force_locale

        from lms.quizzes.report_views import ItemFlag

        with force_locale("en"):
            expected = str(ItemFlag(ItemFlag.UNCHOSEN_OPTION).label % {"option": "C"})
    assert expected in row


def test_learning_gain_per_cohort(client, auth, world):
    auth.login(world.admin.email)
    html = client.get(_gain_url(world)).get_data(as_text=True)
    first, second = world.cohorts
    # Angkatan 1: pre 33.33, 33.33, 0, 100 -> 41.665; post 100, 66.67, 66.67, 100 -> 83.335;
    # <g> = (83.335 - 41.665) / (100 - 41.665) = 0.7143. Own gains: 1.0, 0.5001, 0.6667 (Dewi at 100 left out).
    row = f"cohort-{first.id}"
    assert float(_attr(html, row, "mean-pre")) == pytest.approx(41.665, abs=0.006)
    assert float(_attr(html, row, "mean-post")) == pytest.approx(83.335, abs=0.006)
    assert _attr(html, row, "gain") == "0.714"
    assert _attr(html, row, "both") == "4"
    assert _attr(html, row, "learner-gain") == "0.722"
    # Angkatan 2: pre only Eka 66.67; post 66.67 and 33.33 -> 50; <g> = (50 - 66.67) / 33.33 = -0.500.
    row = f"cohort-{second.id}"
    assert (_attr(html, row, "mean-pre"), _attr(html, row, "mean-post")) == ("66.67", "50.00")
    assert _attr(html, row, "gain") == "-0.500"
    assert _attr(html, row, "both") == "1"
    assert _attr(html, row, "learner-gain") == "0.000"
    assert _attr(html, "all-cohorts", "both") == "5"


def _in(locale: str, *cells: str) -> list[str]:
    """Cells as the English CSV writes them, with Indonesian's decimal comma when `locale` is "id"."""
    return [c.replace(".", ",") if locale == "id" and re.fullmatch(r"\d+\.\d+", c) else c for c in cells]


ITEM_HEADER = {
    "id": ["Nomor soal", "Soal", "Jawaban", "Tingkat kesukaran (p)", "Daya beda (D)", "Point-biserial (r)", "Catatan"],
    "en": ["Question number", "Question", "Responses", "Difficulty (p)", "Discrimination (D)", "Point-biserial (r)",
           "Flags"],
}  # fmt: skip


@pytest.mark.parametrize("locale", ["id", "en"])
def test_item_analysis_csv(client, auth, world, locale):
    auth.login(world.admin.email)
    rows = csv_in(client, _report_url(world, suffix="/items.csv"), locale)
    q1, q2, q3 = world.questions
    assert rows[0][:7] == ITEM_HEADER[locale]
    assert rows[0][7] == {"id": "Opsi A dipilih", "en": "Option A chosen"}[locale]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[str(q1.id)][1:5] == _in(locale, "Q1 cuci tangan", "6", "0.500", "1.000")
    assert by_id[str(q1.id)][7:10] == ["3", "2", "0"]
    assert by_id[str(q2.id)][3:5] == _in(locale, "0.833", "0.500")
    assert by_id[str(q3.id)][3:5] == _in(locale, "0.333", "0.500")


@pytest.mark.parametrize("locale", ["id", "en"])
def test_scores_csv_is_spreadsheet_safe(client, auth, world, locale):
    auth.login(world.admin.email)
    rows = csv_in(client, _report_url(world, suffix="/scores.csv"), locale)
    assert (
        rows[0]
        == {
            "id": ["Angkatan", "Nama", "E-mail", "Percobaan", "Penilaian", "Lulus"],
            "en": ["Cohort", "Name", "E-mail", "Attempts", "Grade", "Passed"],
        }[locale]
    )
    yes, no = {"id": ("Ya", "Tidak"), "en": ("Yes", "No")}[locale]
    assert rows[1:5] == [
        _in(locale, "Angkatan 1", "Ani", "learner1@example.test", "1", "100.00", yes),
        _in(locale, "Angkatan 1", "Budi", "learner2@example.test", "1", "66.67", no),
        _in(locale, "Angkatan 1", "Citra", "learner3@example.test", "1", "66.67", no),
        _in(locale, "Angkatan 1", "Dewi", "learner4@example.test", "2", "100.00", yes),
    ]
    assert _in(locale, "Angkatan 2", '\'=HYPERLINK("http://x")', "learner6@example.test", "1", "33.33", no) in rows


@pytest.mark.parametrize("locale", ["id", "en"])
def test_learning_gain_csv(client, auth, world, locale):
    auth.login(world.admin.email)
    rows = csv_in(client, _gain_url(world, suffix=".csv"), locale)
    assert (
        rows[0]
        == {
            "id": ["Angkatan", "Nama", "E-mail", "Pre-test", "Post-test", "Gain ternormalisasi"],
            "en": ["Cohort", "Name", "E-mail", "Pre-test", "Post-test", "Normalized gain"],
        }[locale]
    )
    assert _in(locale, "Angkatan 1", "Ani", "learner1@example.test", "33.33", "100.00", "1.000") in rows
    assert _in(locale, "Angkatan 1", "Dewi", "learner4@example.test", "100.00", "100.00", "") in rows  # no room
    assert _in(locale, "Angkatan 2", "Eka", "learner5@example.test", "66.67", "66.67", "0.000") in rows
    assert _in(locale, "Angkatan 2", '\'=HYPERLINK("http://x")', "learner6@example.test", "", "33.33", "") in rows


def test_index_lists_the_quizzes_with_counts(client, auth, world):
    auth.login(world.admin.email)
    html = client.get(f"/organizations/{world.ppni.id}/quiz-reports").get_data(as_text=True)
    assert _report_url(world) in html
    assert _report_url(world, quiz=world.pre) in html
    assert _gain_url(world) in html
    assert re.search(rf'data-testid="quiz-{world.post.id}">.*?<td[^>]*>6</td>\s*<td[^>]*>7</td>', html, re.S)


def test_another_organizations_admin_sees_nothing(client, auth, world):
    auth.login(world.ibi_admin.email)
    # Through the other organization's address: not theirs.
    for url in (_report_url(world), _report_url(world, suffix="/items.csv"), _gain_url(world, suffix=".csv"),
                f"/organizations/{world.ppni.id}/quiz-reports"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    # Through their own organization's address: the quiz is not found there.
    ibi = world.ibi
    for url in (_report_url(world, organization=ibi), _report_url(world, organization=ibi, suffix="/scores.csv"),
                _gain_url(world, organization=ibi)):  # fmt: skip
        assert client.get(url).status_code == 404, url
    html = client.get(f"/organizations/{world.ibi.id}/quiz-reports").get_data(as_text=True)
    assert "Post-test PPI" not in html


def test_learners_and_visitors_are_kept_out(client, auth, world):
    assert client.get(_report_url(world)).status_code in (302, 401)
    auth.login(world.learners[0].email)
    assert client.get(_report_url(world)).status_code == 403
    assert client.get(_gain_url(world)).status_code == 403


def test_the_report_runs_a_fixed_number_of_queries(client, auth, world, app):
    auth.login(world.admin.email)

    def queries(url):
        with counted_statements() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    before = queries(_report_url(world))
    gain_before = queries(_gain_url(world))
    # Six more questions answered in a new cohort by three more learners: the page reads the same number of times.
    extra = [
        _question(world.course, QuestionSpec(QuestionKind.TRUE_FALSE, f"Pernyataan {i}", correct=True))
        for i in range(6)
    ]
    cohort = Cohort(version=world.version, name="Angkatan 3", mode="daring", starts_on=date(2026, 12, 1),
                    ends_on=date(2026, 12, 3))  # fmt: skip
    db.session.add(cohort)
    for i in range(3):
        user = make_user(f"more{i}@example.test")
        enrolment = Enrolment(cohort=cohort, user=user, status=EnrolmentStatus.ACTIVE)
        db.session.add(enrolment)
        db.session.flush()
        _attempt(world.post, enrolment, 1, {q: (bool(i), 1 if i else 0) for q in (*world.questions[1:2], *extra)})
        _attempt(world.pre, enrolment, 1, {q: (True, 1) for q in extra})
    db.session.commit()
    assert queries(_report_url(world)) == before
    assert queries(_gain_url(world)) == gain_before
    assert before <= 10
