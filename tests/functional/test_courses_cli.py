"""`lms courses validate|import|export` and `lms demo` on the shipped curricula."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import PROJECT_ROOT
from lms.courses.models import Course, CourseStatus, CourseVersion
from lms.extensions import db
from lms.quizzes.gift import read_gift
from tests.factories import make_organization

SHIPPED = sorted(p.parent for p in (PROJECT_ROOT / "courses").glob("*/course.yaml"))


@pytest.fixture
def shipped_orgs(app_ctx):
    for slug in ("ppni", "ibi", "idi"):
        make_organization(slug)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_validate_shipped_courses(runner):
    result = runner.invoke(args=["courses", "validate", str(PROJECT_ROOT / "courses")])
    assert result.exit_code == 0, result.output
    assert f"{len(SHIPPED)} course(s) valid." in result.output


def test_validate_reports_file_and_line_and_exits_1(runner, tmp_path):
    broken = tmp_path / "ppi"
    shutil.copytree(SHIPPED[0], broken)
    course_yaml = broken / "course.yaml"
    lines = course_yaml.read_text().splitlines()
    kind_line = next(i for i, line in enumerate(lines, start=1) if line.startswith("kind:"))
    lines[kind_line - 1] = "kind: kursus"
    course_yaml.write_text("\n".join(lines) + "\n")
    result = runner.invoke(args=["courses", "validate", str(broken)])
    assert result.exit_code == 1
    assert f"{course_yaml}:{kind_line}: kind must be one of" in result.output


@pytest.mark.parametrize("folder", SHIPPED, ids=[p.name for p in SHIPPED])
def test_import_then_export_gives_the_same_files(runner, shipped_orgs, tmp_path, folder):
    result = runner.invoke(args=["courses", "import", str(folder)])
    assert result.exit_code == 0, result.output
    code = db.session.execute(select(Course.code)).scalar_one()
    out = tmp_path / "export"
    result = runner.invoke(args=["courses", "export", code, str(out)])
    assert result.exit_code == 0, result.output
    shipped = {name: data for name, data in _files(folder).items() if name.endswith((".yaml", ".md"))}
    exported = _files(out)
    assert {name: data for name, data in exported.items() if name.endswith((".yaml", ".md"))} == shipped
    # The question files were loaded into the quizzes, and come back as the same questions.
    gift = sorted(name for name in _files(folder) if name.endswith(".gift"))
    assert sorted(name for name in exported if name.endswith(".gift")) == gift
    for name in gift:
        again = [replace(q, line=0) for q in read_gift(exported[name].decode()).questions]
        assert again == [replace(q, line=0) for q in read_gift((folder / name).read_text(encoding="utf-8")).questions]


def test_import_twice_changes_nothing_and_publish_freezes(runner, shipped_orgs):
    folder = str(SHIPPED[0])
    assert "version 1 updated, draft" in runner.invoke(args=["courses", "import", folder]).output
    assert "version 1 unchanged, draft" in runner.invoke(args=["courses", "import", folder]).output
    assert "version 1 unchanged, published" in runner.invoke(args=["courses", "import", "--publish", folder]).output
    assert db.session.execute(select(func.count(CourseVersion.id))).scalar_one() == 1


def test_bad_course_imports_nothing(runner, shipped_orgs, tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    shutil.copytree(SHIPPED[0], good)
    shutil.copytree(SHIPPED[1], bad)
    subject = next(bad.glob("02-*.md"))
    subject.write_text(subject.read_text().replace("<!-- minutes:", "<script>alert(1)</script>\n<!-- minutes:", 1))
    result = runner.invoke(args=["courses", "import", str(good), str(bad)])
    assert result.exit_code == 1
    assert str(subject) in result.output and "raw HTML" in result.output
    assert db.session.execute(select(func.count(Course.id))).scalar_one() == 0


def test_import_for_missing_organization_fails_cleanly(runner, app_ctx):
    result = runner.invoke(args=["courses", "import", str(SHIPPED[0])])
    assert result.exit_code == 1
    assert "Tidak ada organisasi dengan nama singkat ppni" in result.output  # CLI speaks the default language
    assert db.session.execute(select(func.count(Course.id))).scalar_one() == 0


def test_demo_imports_and_publishes_shipped_courses(runner, app_ctx):
    for _ in range(2):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
    statuses = db.session.execute(select(CourseVersion.status)).scalars().all()
    assert statuses == [CourseStatus.PUBLISHED] * len(SHIPPED)
