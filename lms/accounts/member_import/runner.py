"""Running a confirmed member import to its end, a committed chunk at a time: the body of the import job
(lms.accounts.member_import.jobs) and of `lms members import`. A stopped run resumes where it stopped: the rows
already applied are not applied again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import text

from lms.accounts.member_import.models import MemberImport
from lms.accounts.member_import.services import ChunkResult, apply_next_chunk, send_next_invitations
from lms.accounts.models import User
from lms.accounts.services import invitation_token
from lms.core.models import utcnow
from lms.extensions import db

log = logging.getLogger(__name__)


def set_password_link(user: User) -> str:
    """The invitation's set-password link on the public address (built without a request: CLI, job)."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")
    return adapter.build("accounts.reset_password", {"token": invitation_token(user)}, force_external=True)


def apply_chunk(import_id: int, on_applied: Callable[[int], None] | None = None) -> ChunkResult:
    """Apply and commit the next chunk (`on_applied(rows)` runs before the commit, so a progress count is committed
    with the rows it counts). On PostgreSQL the tables it filled are analyzed afterwards: thousands of new rows
    leave the planner's statistics stale, and the next chunk's look-ups by e-mail and NIK would scan."""
    result = apply_next_chunk(import_id, utcnow())
    if on_applied is not None and result.applied:
        on_applied(result.applied)
    db.session.commit()
    if result.new_user_ids and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE users, worker_memberships, facility_staff"))
        db.session.commit()
    return result


def run_import(import_id: int, on_applied: Callable[[int], None] | None = None) -> MemberImport | None:
    """Apply every remaining chunk, committing each; then invite the people it created. Run again on a finished
    import, it writes nothing."""
    while not apply_chunk(import_id, on_applied).finished:
        pass
    send_invitations(import_id)
    return db.session.get(MemberImport, import_id)


def send_invitations(import_id: int) -> int:
    """Send the set-password invitations still due, a committed batch at a time (resumable like the import)."""
    sent = 0
    while True:
        try:
            batch = send_next_invitations(import_id, set_password_link)
        except OSError:  # the accounts exist; "send a reset link" on the user admin page reaches them later
            db.session.rollback()
            log.exception("invitations of member import %s could not all be sent", import_id)
            return sent
        db.session.commit()
        if not batch:
            return sent
        sent += batch
