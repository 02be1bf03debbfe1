"""The question files course.yaml names: `lms courses export` writes them from the version's quizzes (regression: it
left them out) so that `lms questions import` reads them back byte for byte, and `lms courses validate` checks them
with file:line errors (regression: it ignored them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import PROJECT_ROOT
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.gift import read_gift
from lms.quizzes.models import Question, Quiz
from lms.quizzes.services.course_files import quiz_file_specs
from tests.conftest import _empty_tables
from tests.factories import make_organization

SHIPPED = PROJECT_ROOT / "courses" / "ppi-dasar"


@pytest.fixture
def course_folder(tmp_path) -> Path:
    folder = tmp_path / "ppi-dasar"
    shutil.copytree(SHIPPED, folder)
    return folder


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def invoke_ok(runner, *args: str):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def import_course_with_quizzes(runner, folder: Path, code: str) -> None:
    """`lms courses import` loads the named question files into the pre-test and post-test."""
    result = invoke_ok(runner, "courses", "import", "--publish", str(folder))
    assert f"{code}: version 1" in result.output


# --- validate ---------------------------------------------------------------------------------------------------


def test_validate_reports_a_missing_question_file_where_course_yaml_names_it(runner, course_folder):
    (course_folder / "post-test.gift").unlink()
    result = runner.invoke(args=["courses", "validate", str(course_folder)])
    assert result.exit_code == 1
    course_yaml = course_folder / "course.yaml"
    line = line_of(course_yaml, "post_test: post-test.gift")
    assert f"{course_yaml}:{line}: question file 'post-test.gift' does not exist" in result.output


def test_validate_reports_gift_errors_at_their_file_and_line(runner, course_folder):
    gift = course_folder / "pre-test.gift"
    line = line_of(gift, "::PPI-PRE-02")
    gift.write_text(gift.read_text().replace("::PPI-PRE-02 Dasar hukum PPI::", "::PPI-PRE-02 Dasar hukum PPI", 1))
    result = runner.invoke(args=["courses", "validate", str(course_folder)])
    assert result.exit_code == 1
    assert f"{gift}:{line}: " in result.output and "::" in result.output


def test_validate_reports_aiken_errors_non_utf8_and_skipped_types(runner, course_folder):
    course_yaml = course_folder / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("post_test: post-test.gift", "post_test: post-test.txt"))
    aiken = course_folder / "post-test.txt"
    aiken.write_text("Soal satu?\nA)Ya\nB)Tidak\nANSWER: A\n\nSoal dua?\nA. Ya\nANSWER: C\n", encoding="utf-8")
    gift = course_folder / "pre-test.gift"
    gift.write_bytes(gift.read_bytes() + "\n::Esai::Jelaskan caf\u00e9. {}\n".encode("cp1252"))
    result = runner.invoke(args=["courses", "validate", str(course_folder)])
    assert result.exit_code == 1
    assert f"{aiken}:8: " in result.output  # one option only; the options without a space are fine
    assert f"{aiken}:2" not in result.output
    assert f"{gift}:{len(gift.read_bytes().splitlines())}: file is not valid UTF-8" in result.output
    gift.write_bytes(gift.read_bytes().replace("caf\u00e9".encode("cp1252"), b"kopi"))
    result = runner.invoke(args=["courses", "validate", str(course_folder)])
    assert f"{gift}:{len(gift.read_bytes().splitlines())}: " in result.output and "Essay" in result.output


def test_import_refuses_a_course_whose_question_file_is_broken(runner, app_ctx, course_folder):
    make_organization("ppni")
    (course_folder / "pre-test.gift").write_text("::Q::Rusak {=ya ~tidak\n", encoding="utf-8")
    result = runner.invoke(args=["courses", "import", str(course_folder)])
    assert result.exit_code == 1
    assert f"{course_folder / 'pre-test.gift'}:1: " in result.output
    assert db.session.execute(select(Course.id)).first() is None


# --- export -----------------------------------------------------------------------------------------------------


def test_export_writes_the_named_question_files_that_read_back_as_the_quizzes(runner, app_ctx, course_folder, tmp_path):
    make_organization("ppni")
    import_course_with_quizzes(runner, course_folder, "PPI-DASAR")
    out = tmp_path / "export"
    result = invoke_ok(runner, "courses", "export", "PPI-DASAR", str(out))
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in SHIPPED.iterdir())
    assert "not written" not in result.output
    for kind, name in (("pre_test", "pre-test.gift"), ("post_test", "post-test.gift")):
        quiz = db.session.execute(select(Quiz).where(Quiz.kind == kind)).scalar_one()
        read = read_gift((out / name).read_text(encoding="utf-8"))
        assert not read.errors and not read.skipped
        exported = [q.to_data() | {"line": 0} for q in read.questions]
        assert exported == [q.to_data() | {"line": 0} for q in quiz_file_specs(quiz)]
        assert len(read.questions) == len(read_gift((SHIPPED / name).read_text(encoding="utf-8")).questions)
    invoke_ok(runner, "courses", "validate", str(out))


def test_export_then_questions_import_round_trips_byte_for_byte(runner, app_ctx, course_folder, tmp_path):
    make_organization("ppni")
    import_course_with_quizzes(runner, course_folder, "PPI-DASAR")
    first = tmp_path / "first"
    invoke_ok(runner, "courses", "export", "PPI-DASAR", str(first))
    # The exported folder as another course: import it, its question files into its quizzes, export again.
    copy = tmp_path / "copy"
    shutil.copytree(first, copy)
    course_yaml = copy / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("code: PPI-DASAR", "code: PPI-SALINAN", 1))
    import_course_with_quizzes(runner, copy, "PPI-SALINAN")
    second = tmp_path / "second"
    invoke_ok(runner, "courses", "export", "PPI-SALINAN", str(second))
    for name in ("pre-test.gift", "post-test.gift", "01-kebijakan-ppi.md"):
        assert (second / name).read_bytes() == (first / name).read_bytes(), name


def test_courses_import_loads_the_named_question_files_into_the_quizzes(runner, app_ctx, course_folder):
    make_organization("ppni")
    result = invoke_ok(runner, "courses", "import", str(course_folder))
    assert "pre-test.gift: pre_test created with" in result.output
    for kind, name in (("pre_test", "pre-test.gift"), ("post_test", "post-test.gift")):
        quiz = db.session.execute(select(Quiz).where(Quiz.kind == kind)).scalar_one()
        shipped = read_gift((SHIPPED / name).read_text(encoding="utf-8")).questions
        assert [q.text for q in quiz_file_specs(quiz)] == [q.text for q in shipped]
    bank_size = db.session.execute(select(func.count(Question.id))).scalar_one()
    again = invoke_ok(runner, "courses", "import", str(course_folder))
    assert "pre_test unchanged" in again.output and "post_test unchanged" in again.output
    assert db.session.execute(select(func.count(Question.id))).scalar_one() == bank_size
    # The draft's post-test follows an edited file; the questions it keeps are not added to the bank twice.
    gift = course_folder / "post-test.gift"
    kept = gift.read_text(encoding="utf-8")
    gift.write_text(kept + "\n::Tambahan::Cuci tangan sebelum memakai sarung tangan? {T}\n", encoding="utf-8")
    edited = invoke_ok(runner, "courses", "import", str(course_folder))
    assert "post-test.gift: post_test replaced with" in edited.output
    post = db.session.execute(select(Quiz).where(Quiz.kind == "post_test")).scalar_one()
    assert [q.title for q in quiz_file_specs(post)][-1] == "Tambahan"
    assert db.session.execute(select(func.count(Question.id))).scalar_one() == bank_size + 1


def test_export_then_import_into_a_fresh_database_gives_the_same_quizzes(runner, app_ctx, course_folder, tmp_path):
    make_organization("ppni")
    import_course_with_quizzes(runner, course_folder, "PPI-DASAR")
    before = {
        kind: [q.to_data() for q in quiz_file_specs(quiz)] for kind, quiz in db.session.execute(select(Quiz.kind, Quiz))
    }
    out = tmp_path / "export"
    invoke_ok(runner, "courses", "export", "PPI-DASAR", str(out))
    _empty_tables()
    make_organization("ppni")
    invoke_ok(runner, "courses", "import", "--publish", str(out))
    after = {
        kind: [q.to_data() for q in quiz_file_specs(quiz)] for kind, quiz in db.session.execute(select(Quiz.kind, Quiz))
    }
    assert set(after) == {"pre_test", "post_test"}
    assert after == before


def test_export_says_which_named_file_has_no_quiz(runner, app_ctx, course_folder, tmp_path):
    make_organization("ppni")
    invoke_ok(runner, "courses", "import", str(course_folder))
    db.session.delete(db.session.execute(select(Quiz).where(Quiz.kind == "pre_test")).scalar_one())
    db.session.commit()
    out = tmp_path / "export"
    result = invoke_ok(runner, "courses", "export", "PPI-DASAR", str(out))
    assert "has no quiz for pre_test: pre-test.gift" in result.output
    assert not (out / "pre-test.gift").exists()


def test_aiken_named_files_are_exported_as_aiken(runner, app_ctx, course_folder, tmp_path):
    make_organization("ppni")
    course_yaml = course_folder / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("post_test: post-test.gift", "post_test: post-test.txt"))
    aiken_text = (
        "Berapa momen cuci tangan?\nA. Tiga\nB. Lima\nANSWER: B\n\n"
        "APD dilepas\ndi mana?\nA. Ruang\nB. Anteroom\nANSWER: B\n"
    )
    (course_folder / "post-test.txt").write_text(aiken_text, encoding="utf-8")
    invoke_ok(runner, "courses", "import", "--publish", str(course_folder))  # loads post-test.txt into the post-test
    out = tmp_path / "export"
    invoke_ok(runner, "courses", "export", "PPI-DASAR", str(out))
    assert (out / "post-test.txt").read_text(encoding="utf-8") == aiken_text


def test_a_quiz_aiken_cannot_hold_is_reported_not_a_traceback(runner, app_ctx, course_folder, tmp_path):
    make_organization("ppni")
    course_yaml = course_folder / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("post_test: post-test.gift", "post_test: post-test.txt"))
    (course_folder / "post-test.txt").write_text("Soal?\nA. Ya\nB. Tidak\nANSWER: A\n", encoding="utf-8")
    invoke_ok(runner, "courses", "import", "--publish", str(course_folder))
    # The post-test gets a true/false question, which Aiken has no way to write.
    (tmp_path / "tf.gift").write_text("Benar? {T}\n", encoding="utf-8")
    invoke_ok(runner, "questions", "import", "--format", "gift", str(tmp_path / "tf.gift"), "--course", "PPI-DASAR",
              "--quiz", "post_test")  # fmt: skip
    out = tmp_path / "export"
    result = runner.invoke(args=["courses", "export", "PPI-DASAR", str(out)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "not written: post-test.txt: " in result.output and "Aiken" in result.output
    assert not (out / "post-test.txt").exists()
