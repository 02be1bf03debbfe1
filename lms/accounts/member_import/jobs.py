"""The member import's job: apply a confirmed import through the job queue, with progress for its page."""

from __future__ import annotations

from lms.jobs import job

IMPORT_MEMBERS_JOB = "accounts.member_import"
"""The kind of the job run an import's page shows."""


def run_subject(import_id: int) -> str:
    return f"member_import:{import_id}"


@job(retries=3, retry_delay=30)
def import_members(run_id: int, import_id: int) -> int:
    """Apply the rows of a confirmed import a committed chunk at a time, then send the invitations. Idempotent: a
    retry, a resumed import or a second run of a finished one applies only the rows not applied yet (none, then).
    Returns the rows applied by this run."""
    from lms.accounts.member_import.models import MemberImport
    from lms.accounts.member_import.runner import run_import
    from lms.extensions import db
    from lms.jobs import runs

    member_import = db.session.get(MemberImport, import_id)
    run = runs.begin(run_id, member_import.total_rows, member_import.processed_rows)
    applied = 0

    def advance(rows: int) -> None:
        nonlocal applied
        applied += rows
        runs.advance(run, rows)

    try:
        done = run_import(import_id, advance)
        runs.finish(run, rows=done.processed_rows, applied=applied)
    except Exception as error:
        runs.fail(run_id, f"{type(error).__name__}: {error}")
        raise
    return applied
