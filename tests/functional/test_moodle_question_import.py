"""Importing question files as Moodle users have them: Windows-1252 files (regression: `lms questions import` died with
a traceback), bytes that are no text, and ID numbers and tags in `//` comments kept in the bank and exported."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes.models import Question
from tests.factories.quizzes import make_course

Q1 = "Apa arti \u201cAPD\u201d \u2013 alat pelindung diri?"
WINDOWS_1252_GIFT = f"::Q1::{Q1} {{T}}\n\n::Q2::Caf\u00e9 itu minuman? {{F}}\n"

MOODLE_EXPORT = """// question: 12  name: Q1
// [id:PPI-07] [tag:apd] [tag:kewaspadaan standar]
::Q1::Masker N95 dipakai untuk kewaspadaan transmisi udara.{TRUE}

// question: 13  name: Q2
::Q2::Sebutkan satu APD.{=masker =sarung*}
"""


def count_questions() -> int:
    return db.session.execute(select(func.count(Question.id))).scalar_one()


def test_cli_reads_a_windows_1252_file_with_a_notice_instead_of_a_traceback(runner, app_ctx, tmp_path):
    make_course()
    source = tmp_path / "soal-windows.gift"
    source.write_bytes(WINDOWS_1252_GIFT.encode("cp1252"))
    result = runner.invoke(args=["questions", "import", "--format", "gift", str(source), "--course", "PPI-DASAR"])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert f"{source}: " in result.output and "Windows-1252" in result.output
    texts = db.session.execute(select(Question.spec_data).order_by(Question.id)).scalars().all()
    assert [t["text"] for t in texts] == [Q1, "Caf\u00e9 itu minuman?"]


def test_cli_refuses_bytes_that_are_no_text_in_one_line(runner, app_ctx, tmp_path):
    make_course()
    source = tmp_path / "soal.docx"
    source.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
    result = runner.invoke(args=["questions", "import", "--format", "gift", str(source), "--course", "PPI-DASAR"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and not isinstance(result.exception, UnicodeDecodeError)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"{source}: ") and "UTF-8" in lines[0]
    assert count_questions() == 0


def test_upload_page_reads_windows_1252_and_says_so(client, auth, app_ctx):
    organization, admin, _version = make_course()
    auth.login(admin.email)
    data = {"file": (io.BytesIO(WINDOWS_1252_GIFT.encode("cp1252")), "soal.gift"), "format": "gift", "category": ""}
    response = client.post(
        f"/organizations/{organization.id}/courses/PPI-DASAR/questions/import",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Windows-1252" in response.text
    assert count_questions() == 2


def test_idnumber_and_tags_from_moodle_comments_are_kept_and_exported(runner, app_ctx, tmp_path):
    make_course()
    source = tmp_path / "moodle.gift"
    source.write_text(MOODLE_EXPORT, encoding="utf-8")
    result = runner.invoke(args=["questions", "import", "--format", "gift", str(source), "--course", "PPI-DASAR"])
    assert result.exit_code == 0, result.output
    first, second = db.session.execute(select(Question).order_by(Question.id)).scalars().all()
    assert first.tags == ["apd", "kewaspadaan standar"]
    assert first.spec.extra["idnumber"] == "PPI-07"
    assert second.tags == []
    target = tmp_path / "ekspor.gift"
    assert runner.invoke(args=["questions", "export", "--course", "PPI-DASAR", str(target)]).exit_code == 0
    exported = target.read_text(encoding="utf-8")
    assert "// [id:PPI-07] [tag:apd] [tag:kewaspadaan standar]\n::Q1::" in exported
    assert "sarung*" in exported


def test_editing_an_imported_question_in_the_browser_keeps_its_idnumber(client, auth, runner, app_ctx, tmp_path):
    organization, admin, _version = make_course()
    source = tmp_path / "moodle.gift"
    source.write_text(MOODLE_EXPORT, encoding="utf-8")
    assert (
        runner.invoke(args=["questions", "import", "--format", "gift", str(source), "--course", "PPI-DASAR"]).exit_code
        == 0
    )
    question = db.session.execute(select(Question).order_by(Question.id)).scalars().first()
    auth.login(admin.email)
    url = f"/organizations/{organization.id}/courses/PPI-DASAR/questions/{question.id}/edit"
    data = {"text": "Masker N95 untuk transmisi udara.", "category": "default", "tags": "apd", "correct": "true"}
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    edited = db.session.get(Question, question.id)
    assert edited.spec.text == "Masker N95 untuk transmisi udara."
    assert edited.spec.extra["idnumber"] == "PPI-07"
