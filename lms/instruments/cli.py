"""`lms instruments ...`: check and import instrument files written beside a course."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

instruments_group = AppGroup("instruments", help="Checklists and evaluation instruments.")


@instruments_group.command("validate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate_command(folder: Path) -> None:
    """Check FOLDER/instruments/*.yaml (or FOLDER/*.yaml); every problem printed as file:line."""
    from lms.courses.files import CourseFilesInvalid
    from lms.instruments.files import read_instrument_folder

    try:
        specs = read_instrument_folder(folder)
    except CourseFilesInvalid as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1) from None
    for spec in specs:
        click.echo(f"{spec.key}: {spec.title} ({len(spec.items)} items)")


@instruments_group.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--course", "code", required=True, help="The course code the instruments belong to.")
def import_command(folder: Path, code: str) -> None:
    """Import FOLDER's instruments into the course's organization; nothing is written if any file has a problem.
    Checklists are named in the course's settings."""
    from lms.courses.files import CourseFilesInvalid
    from lms.courses.services import course_by_code
    from lms.extensions import db
    from lms.instruments.services import import_course_instruments

    course = course_by_code(code)
    if course is None:
        raise click.ClickException(f"No course {code}.")
    try:
        saved = import_course_instruments(course, folder)
    except CourseFilesInvalid as invalid:
        db.session.rollback()
        for error in invalid.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1) from None
    db.session.commit()
    for instrument, changed in saved:
        state = "saved" if changed else "unchanged"
        click.echo(f"{instrument.key} v{instrument.version}: {state}")
