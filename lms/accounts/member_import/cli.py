"""`lms members import FILE --organization SLUG [--dry-run]`: an organization's member list from CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

members_group = AppGroup("members", help="Import an organization's members.")


@members_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organization", "slug", required=True, help="The organization's short name, e.g. ppni.")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; write nothing.")
def import_command(file: Path, slug: str, dry_run: bool) -> None:
    """Check FILE (every problem as `row N: message`, exit 1, nothing written), then import it: accounts matched by
    NIK or e-mail or created and invited, memberships with their number, facility staff. Importing the same file
    again changes nothing."""
    from sqlalchemy import select

    from lms.accounts.member_import.runner import run_import
    from lms.accounts.member_import.services import check_file, confirm_import, stage_import
    from lms.accounts.models import Organization
    from lms.core.models import utcnow
    from lms.extensions import db

    organization = db.session.execute(select(Organization).where(Organization.slug == slug.lower())).scalar()
    if organization is None:
        raise click.ClickException(f"No organization with the short name {slug}.")
    checked = check_file(file.read_bytes())
    for problem in checked.problems:
        click.echo(str(problem), err=True)
    if not checked.ok:
        raise SystemExit(1)
    summary = (
        f"{len(checked.rows)} rows: {checked.new_accounts} new people (invited by e-mail), "
        f"{checked.matched_accounts} existing accounts"
    )
    if dry_run:
        click.echo(f"{summary}. Dry run: nothing written.")
        return
    member_import = stage_import(None, organization, file.name, checked, utcnow())
    confirm_import(None, member_import, utcnow())
    db.session.commit()
    done = run_import(member_import.id)
    counts = ", ".join(f"{key} {value}" for key, value in sorted(done.counts.items()))
    click.echo(f"{summary}. Imported as import {done.id}: {counts}.")
