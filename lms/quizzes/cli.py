"""`lms questions import|export`: question files (GIFT, Aiken) for a course's bank; `lms quizzes close-expired`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lms.quizzes import bp

questions_group = AppGroup("questions", help="Import and export a course's questions (GIFT, Aiken).")


def _course(code: str):
    from lms.courses.services import course_by_code

    course = course_by_code(code)
    if course is None:
        raise click.ClickException(f"No course with code {code}.")
    return course


@questions_group.command("import")
@click.option("--format", "file_format", type=click.Choice(["gift", "aiken"]), required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "code", required=True, help="Course code, e.g. PPI-DASAR.")
@click.option(
    "--quiz",
    "quiz_kind",
    type=click.Choice(["pre_test", "post_test"]),
    help="Also add the questions to this quiz of the course's published version (created if missing).",
)
@click.option("--category", default="default", show_default=True, help="For questions without $CATEGORY.")
def import_command(file_format: str, file: Path, code: str, quiz_kind: str | None, category: str) -> None:
    """Import FILE into the course's question bank; every error as FILE:line: message, and nothing imported."""
    from lms.extensions import db
    from lms.quizzes import services
    from lms.quizzes.question_files import UnreadableFile, decode_question_file

    course = _course(code)
    try:
        decoded = decode_question_file(file.read_bytes())
    except UnreadableFile as error:
        click.echo(f"{file}: {error.message}", err=True)
        raise SystemExit(1) from None
    if decoded.notice:
        click.echo(f"{file}: {decoded.notice}", err=True)
    quiz = None
    if quiz_kind:
        version = course.published_version or course.latest_version
        quiz = services.quiz_of_kind(version, quiz_kind) or services.save_quiz(
            None, version, quiz_kind, **services.default_quiz_settings(quiz_kind)
        )
    outcome = services.import_question_file(
        None, course, decoded.text, file_format, default_category=category, quiz=quiz
    )
    for skipped in outcome.skipped:
        click.echo(f"{file}:{skipped.line}: skipped: {skipped.reason}", err=True)
    if outcome.errors:
        db.session.rollback()
        for error in outcome.errors:
            click.echo(f"{file}:{error.line}: {error.message}" if error.line else f"{file}: {error.message}", err=True)
        raise SystemExit(1)
    db.session.commit()
    where = f" and {quiz.title}" if quiz else ""
    click.echo(f"{len(outcome.questions)} question(s) imported into the bank of {course.code}{where}.")


@questions_group.command("export")
@click.option("--course", "code", required=True, help="Course code, e.g. PPI-DASAR.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(code: str, file: Path) -> None:
    """Write the course's question bank to FILE in GIFT."""
    from lms.quizzes.gift_writer import write_gift
    from lms.quizzes.services import export_specs

    specs = export_specs(_course(code))
    file.write_text(write_gift(specs), encoding="utf-8")
    click.echo(f"Wrote {len(specs)} question(s) to {file}")


@bp.cli.command("close-expired")
def close_expired_command() -> None:
    """Grade every attempt left open past its deadline, with the answers saved before it (run it from cron)."""
    from lms.core.models import utcnow
    from lms.extensions import db
    from lms.quizzes.services import close_expired_attempts

    closed = close_expired_attempts(utcnow())
    db.session.commit()
    click.echo(f"{closed} expired attempt(s) graded.")
