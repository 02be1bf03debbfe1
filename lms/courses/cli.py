"""`lms courses validate|import|export`: curricula as files in courses/."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

courses_group = AppGroup("courses", help="Validate, import and export curricula kept as files.")


def _course_folders(paths: tuple[Path, ...]) -> list[Path]:
    """Each PATH is a course folder (with course.yaml) or a folder of course folders."""
    folders = []
    for path in paths:
        if (path / "course.yaml").exists() or not path.is_dir():
            folders.append(path)
        else:
            folders.extend(sorted(p.parent for p in path.glob("*/course.yaml")))
    return folders


@courses_group.command("validate", with_appcontext=False)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check course folders; print every error as file:line: message."""
    from lms.courses.files import validate_courses

    folders = _course_folders(paths)
    errors = validate_courses(folders)
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        raise SystemExit(1)
    click.echo(f"{len(folders)} course(s) valid.")


@courses_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--publish", is_flag=True, help="Publish the imported draft (freezes it as a version).")
def import_command(paths: tuple[Path, ...], publish: bool) -> None:
    """Create or update draft versions from course folders (nothing changes when the files did not), and load the
    question files course.yaml names into the version's pre-test and post-test."""
    from lms.core.errors import DomainError
    from lms.courses.files import read_course, validate_courses
    from lms.courses.named_files import load_question_files
    from lms.courses.services import import_course
    from lms.extensions import db

    folders = _course_folders(paths)
    errors = validate_courses(folders)
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        raise SystemExit(1)
    try:
        results = []
        for folder in folders:
            result = import_course(read_course(folder), publish=publish)
            results.append((result, load_question_files(result.version, folder)))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    for result, question_lines in results:
        state = "published" if result.published else result.version.status
        change = "updated" if result.changed else "unchanged"
        click.echo(f"{result.course.code}: version {result.version.number} {change}, {state}")
        for line in question_lines:
            click.echo(f"  {line}")


@courses_group.command("export")
@click.argument("code")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def export_command(code: str, directory: Path) -> None:
    """Write the newest version of course CODE as files into DIRECTORY, with the question files course.yaml names
    (each from the version's quiz of that role, as `lms questions import` reads it back)."""
    from lms.courses.files import write_course
    from lms.courses.named_files import write_question_files
    from lms.courses.services import course_by_code, spec_from_version

    course = course_by_code(code)
    if course is None or course.latest_version is None:
        raise click.ClickException(f"No course with code {code}.")
    version = course.latest_version
    written = write_course(spec_from_version(version), directory)
    questions = write_question_files(version, directory)
    for missing in questions.missing:
        click.echo(f"{directory}: not written: version {version.number} has no quiz for {missing}", err=True)
    for unwritable in questions.unwritable:
        click.echo(f"{directory}: not written: {unwritable}", err=True)
    click.echo(f"Wrote {len(written) + len(questions.written)} files to {directory}")
    if questions.unwritable:
        raise SystemExit(1)
