"""Organization-admin quiz pages and the questions CLI: bank, question forms per type, import/export, quiz settings,
and that another organization's admin reaches none of it."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.gift import read_gift
from lms.quizzes.models import Question, Quiz, QuizKind
from tests.factories import make_organization, make_user
from tests.factories.courses import PNG
from tests.factories.quizzes import make_course, make_quiz_setup, single_spec

GOOD_GIFT = """$CATEGORY: PPI-DASAR/impor

::Q1::Cuci tangan minimal berapa detik? {=40-60 detik ~10 detik ~5 detik}

::Q2::Sarung tangan menggantikan cuci tangan. {F}

::Q3::Cocokkan. {=a -> b =c -> d =e -> f}
"""

BAD_GIFT = """::Q1::Pertanyaan baik? {=ya ~tidak}

::Q2::Pertanyaan rusak {=ya ~tidak
"""


def count_questions() -> int:
    return db.session.execute(select(func.count(Question.id))).scalar_one()


@pytest.fixture
def course_admin(app_ctx, client, auth):
    organization, admin, version = make_course()
    auth.login(admin.email)
    return organization, admin, version


def bank_url(organization, suffix: str = "") -> str:
    return f"/organizations/{organization.id}/courses/PPI-DASAR/questions{suffix}"


@pytest.mark.parametrize(
    ("kind", "fields", "check"),
    [
        (
            "single",
            {"options-0-text": "Benar", "options-0-fraction": "100",
             "options-1-text": "Salah", "options-1-fraction": "0"},
            lambda s: [c.fraction for c in s.choices] == [1, 0],
        ),
        (
            "multiple",
            {"options-0-text": "A", "options-0-fraction": "50", "options-1-text": "B", "options-1-fraction": "50",
             "options-2-text": "C", "options-2-fraction": "-50", "options-2-feedback": "Bukan"},
            lambda s: [c.fraction for c in s.choices] == [Decimal("0.5"), Decimal("0.5"), Decimal("-0.5")],
        ),
        ("true_false", {"correct": "false", "feedback_true": "Keliru"}, lambda s: s.correct is False),
        ("short", {"options-0-text": "APD", "options-0-fraction": "100"}, lambda s: s.choices[0].text == "APD"),
        ("numerical", {"value": "0.5", "tolerance": "0.05"}, lambda s: s.numeric[0].tolerance == Decimal("0.05")),
    ],
)  # fmt: skip
def test_admin_adds_a_question_of_every_type_in_the_browser(client, course_admin, kind, fields, check):
    organization, _admin, _version = course_admin
    form = client.get(bank_url(organization, f"/new/{kind}"))
    assert form.status_code == 200
    data = {"text": f"Soal {kind}?", "category": "bank/umum", "tags": "who, dasar", **fields}
    response = client.post(bank_url(organization, f"/new/{kind}"), data=data)
    assert response.status_code == 302, response.text
    question = db.session.execute(select(Question)).scalar_one()
    assert (question.kind, question.category, question.tags) == (kind, "bank/umum", ["dasar", "who"])
    assert check(question.spec)
    listing = client.get(bank_url(organization, "?category=bank&tag=who"))
    assert f'data-question-id="{question.id}"' in listing.text
    assert f'data-question-id="{question.id}"' not in client.get(bank_url(organization, "?tag=lain")).text


def test_an_unusable_question_is_refused_with_the_form_kept(client, course_admin):
    organization, _admin, _version = course_admin
    response = client.post(
        bank_url(organization, "/new/single"),
        data={"text": "Soal tanpa jawaban benar?", "options-0-text": "A", "options-0-fraction": "0",
              "options-1-text": "B", "options-1-fraction": "0"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Soal tanpa jawaban benar?" in response.text
    assert count_questions() == 0


def test_edit_and_delete_a_question(client, course_admin):
    organization, admin, version = course_admin
    question = services.add_question(admin, version.course, single_spec())
    db.session.commit()
    edit = client.get(bank_url(organization, f"/{question.id}/edit"))
    assert "Pertanyaan pilihan tunggal 1?" in edit.text
    data = {"text": "Teks diubah?", "category": "c", "options-0-text": "X", "options-0-fraction": "100",
            "options-1-text": "Y", "options-1-fraction": "0"}  # fmt: skip
    assert client.post(bank_url(organization, f"/{question.id}/edit"), data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question.id).spec.text == "Teks diubah?"
    assert client.post(bank_url(organization, f"/{question.id}/delete")).status_code == 302
    assert count_questions() == 0


def test_question_image_upload_is_checked_and_served(client, course_admin):
    organization, _admin, _version = course_admin
    png = PNG
    data = {"text": "Lihat gambar.", "correct": "true", "image": (io.BytesIO(png), "gambar.png")}
    response = client.post(bank_url(organization, "/new/true_false"), data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    question = db.session.execute(select(Question)).scalar_one()
    assert question.spec.image.startswith("questions/")
    image = client.get(bank_url(organization, f"/{question.id}/image"))
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == png
    fake = {"text": "Bukan gambar.", "correct": "true", "image": (io.BytesIO(b"<svg/>"), "x.png")}
    refused = client.post(bank_url(organization, "/new/true_false"), data=fake, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert count_questions() == 1


def test_import_page_imports_lists_skipped_and_adds_to_a_quiz(client, course_admin):
    organization, admin, version = course_admin
    quiz = services.save_quiz(admin, version, QuizKind.PRE_TEST, title="Pre-test")
    db.session.commit()
    data = {
        "file": (io.BytesIO(GOOD_GIFT.encode()), "soal.gift"),
        "format": "gift",
        "category": "x",
        "quiz_id": str(quiz.id),
    }
    response = client.post(bank_url(organization, "/import"), data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'data-testid="import-skipped"' in response.text
    assert "line 7" in response.text or "baris 7" in response.text
    questions = db.session.execute(select(Question).order_by(Question.id)).scalars().all()
    assert [(q.kind, q.category) for q in questions] == [
        ("single", "PPI-DASAR/impor"),
        ("true_false", "PPI-DASAR/impor"),
    ]
    db.session.refresh(quiz)
    assert [qq.question_id for qq in quiz.quiz_questions] == [q.id for q in questions]


def test_import_page_shows_line_errors_and_imports_nothing(client, course_admin):
    organization, _admin, _version = course_admin
    data = {"file": (io.BytesIO(BAD_GIFT.encode()), "soal.gift"), "format": "gift", "category": "x"}
    response = client.post(bank_url(organization, "/import"), data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    errors = response.text.split('data-testid="import-errors"')[1].split("</section>")[0]
    assert "<li>baris 3: " in errors
    assert count_questions() == 0


def test_gift_export_reads_back_as_the_same_questions(client, course_admin):
    organization, admin, version = course_admin
    services.add_question(admin, version.course, single_spec(category="ekspor"))
    db.session.commit()
    response = client.get(bank_url(organization, ".gift"))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    result = read_gift(response.data.decode())
    assert not result.errors
    assert [(q.text, q.category) for q in result.questions] == [("Pertanyaan pilihan tunggal 1?", "ekspor")]


def test_quiz_settings_create_edit_and_choose_questions(client, course_admin):
    organization, admin, version = course_admin
    question = services.add_question(admin, version.course, single_spec())
    db.session.commit()
    base = f"/organizations/{organization.id}/courses/PPI-DASAR/quizzes"
    assert client.get(base).status_code == 200
    data = {"title": "Post-test PPI", "selection": "fixed", "layout": "all_on_one_page", "time_limit_minutes": "30",
            "attempts_allowed": "2", "grading_method": "average", "pass_mark": "75", "review_shows": "answers",
            "review_when": "immediately", "shuffle_questions": "y", "opens_at": "2026-03-01T08:00",
            "closes_at": "2026-03-08T17:00"}  # fmt: skip
    created = client.post(f"{base}/new/post_test", data=data)
    assert created.status_code == 302, created.text
    quiz = db.session.execute(select(Quiz)).scalar_one()
    assert (quiz.kind, quiz.version_id, quiz.grading_method, quiz.pass_mark) == ("post_test", version.id, "average", 75)
    assert quiz.opens_at.hour == 1  # 08:00 WIB is 01:00 UTC
    assert quiz.shuffle_questions and not quiz.shuffle_options
    assert client.post(f"{base}/new/post_test", data=data).status_code == 422  # one post-test per version
    edit_url = f"/organizations/{organization.id}/quizzes/{quiz.id}/edit"
    assert (
        client.post(edit_url, data={**data, "title": "Post-test baru", "closes_at": "2026-02-01T08:00"}).status_code
        == 422
    )
    assert client.post(edit_url, data={**data, "title": "Post-test baru"}).status_code == 302
    chosen = client.post(
        f"/organizations/{organization.id}/quizzes/{quiz.id}/questions", data={"question_id": [str(question.id)]}
    )
    assert chosen.status_code == 302
    db.session.expire_all()
    quiz = db.session.get(Quiz, quiz.id)
    assert quiz.title == "Post-test baru"
    assert [qq.question_id for qq in quiz.quiz_questions] == [question.id]


def test_another_organizations_admin_reaches_nothing(client, auth, app_ctx):
    setup = make_quiz_setup([single_spec()])
    other_org = make_organization("ibi", name="IBI")
    other_admin = make_user(role=Role.ORG_ADMIN, organization=other_org)
    question = setup.questions[0]
    auth.login(other_admin.email)
    own = f"/organizations/{setup.organization.id}/courses/PPI-DASAR"
    for url in (f"{own}/questions", f"{own}/questions/new/single", f"{own}/questions/{question.id}/edit",
                f"{own}/questions/import", f"{own}/questions.gift", f"{own}/quizzes",
                f"/organizations/{setup.organization.id}/quizzes/{setup.quiz.id}/edit"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    # Through their own organization's URLs, the foreign course and quiz do not exist.
    mine = f"/organizations/{other_org.id}"
    for url in (f"{mine}/courses/PPI-DASAR/questions", f"{mine}/courses/PPI-DASAR/questions/{question.id}/edit",
                f"{mine}/quizzes/{setup.quiz.id}/edit"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post(f"{mine}/courses/PPI-DASAR/questions/{question.id}/delete").status_code == 404
    assert client.post(f"{mine}/quizzes/{setup.quiz.id}/questions", data={"question_id": []}).status_code == 404
    assert count_questions() == 1 and len(setup.quiz.quiz_questions) == 1


def test_a_learner_reaches_no_admin_page(client, auth, app_ctx):
    setup = make_quiz_setup([single_spec()])
    auth.login(setup.learner.email)
    assert client.get(f"/organizations/{setup.organization.id}/courses/PPI-DASAR/questions").status_code == 403


# --- the command line ---------------------------------------------------------------------------------------------


def test_cli_import_into_the_bank_and_a_quiz_then_export(runner, app_ctx, tmp_path):
    make_course()
    source = tmp_path / "soal.gift"
    source.write_text(GOOD_GIFT, encoding="utf-8")
    result = runner.invoke(
        args=["questions", "import", "--format", "gift", str(source), "--course", "ppi-dasar", "--quiz", "post_test"]
    )
    assert result.exit_code == 0, result.output
    assert "2 question(s) imported" in result.output
    assert f"{source}:7: skipped" in result.output
    quiz = db.session.execute(select(Quiz)).scalar_one()
    assert (quiz.kind, len(quiz.quiz_questions), quiz.time_limit_minutes, quiz.attempts_allowed) == (
        "post_test",
        2,
        30,
        2,
    )
    target = tmp_path / "ekspor.gift"
    exported = runner.invoke(args=["questions", "export", "--course", "PPI-DASAR", str(target)])
    assert exported.exit_code == 0, exported.output
    assert len(read_gift(target.read_text(encoding="utf-8")).questions) == 2


def test_cli_import_with_errors_prints_file_line_and_imports_nothing(runner, app_ctx, tmp_path):
    make_course()
    source = tmp_path / "rusak.gift"
    source.write_text(BAD_GIFT, encoding="utf-8")
    result = runner.invoke(args=["questions", "import", "--format", "gift", str(source), "--course", "PPI-DASAR"])
    assert result.exit_code == 1
    assert f"{source}:3: " in result.output
    assert count_questions() == 0


def test_cli_import_aiken_and_unknown_course(runner, app_ctx, tmp_path):
    make_course()
    source = tmp_path / "soal.txt"
    source.write_text("Berapa kali momen cuci tangan?\nA. Tiga\nB. Lima\nANSWER: B\n", encoding="utf-8")
    result = runner.invoke(args=["questions", "import", "--format", "aiken", str(source), "--course", "PPI-DASAR"])
    assert result.exit_code == 0, result.output
    question = db.session.execute(select(Question)).scalar_one()
    assert (question.kind, question.category) == ("single", "default")
    missing = runner.invoke(args=["questions", "import", "--format", "aiken", str(source), "--course", "NOPE"])
    assert missing.exit_code != 0 and "No course with code NOPE" in missing.output


def test_cli_close_expired_grades_open_attempts_past_their_deadline(runner, app_ctx):
    from datetime import UTC, datetime, timedelta

    from lms.quizzes.models import Attempt

    setup = make_quiz_setup([single_spec()], time_limit_minutes=5)
    attempt, _ = services.start_attempt(setup.learner, setup.quiz, datetime.now(UTC) - timedelta(hours=1))
    db.session.commit()
    result = runner.invoke(args=["quizzes", "close-expired"])
    assert result.exit_code == 0 and "1 expired attempt(s) graded." in result.output
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).close_reason == "expired"


def test_demo_makes_pre_and_post_tests_from_the_shipped_files_once(runner, app_ctx):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    quizzes = db.session.execute(select(Quiz)).scalars().all()
    assert quizzes, "the shipped courses have question files"
    assert {q.kind for q in quizzes} == {"pre_test", "post_test"}
    assert all(len(q.quiz_questions) >= 15 and q.time_limit_minutes == 30 and q.shuffle_questions for q in quizzes)
    assert all(q.attempts_allowed == (2 if q.kind == "post_test" else 1) for q in quizzes)
    before = (len(quizzes), count_questions())
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert (len(db.session.execute(select(Quiz)).scalars().all()), count_questions()) == before
