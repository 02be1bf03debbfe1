"""Running a confirmed member import to its end, a committed chunk at a time: the function a job queue would run.

Until the job queue exists (issue 13), the import page starts it in a thread of the web process; if that process
stops, the progress page offers to resume, and the rows already applied are not applied again.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import text

from lms.accounts.member_import.models import MemberImport
from lms.accounts.member_import.services import ChunkResult, apply_next_chunk, send_next_invitations
from lms.accounts.models import User
from lms.accounts.services import invitation_token
from lms.core.models import utcnow
from lms.extensions import db

log = logging.getLogger(__name__)


def set_password_link(user: User) -> str:
    """The invitation's set-password link on the public address (built without a request: CLI, thread, job)."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")
    return adapter.build("accounts.reset_password", {"token": invitation_token(user)}, force_external=True)


def apply_chunk(import_id: int) -> ChunkResult:
    """Apply and commit the next chunk. On PostgreSQL the tables it filled are analyzed afterwards: thousands of
    new rows leave the planner's statistics stale, and the next chunk's look-ups by e-mail and NIK would scan."""
    result = apply_next_chunk(import_id, utcnow())
    db.session.commit()
    if result.new_user_ids and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE users, worker_memberships, facility_staff"))
        db.session.commit()
    return result


def run_import(import_id: int) -> MemberImport | None:
    """Apply every remaining chunk, committing each; then invite the people it created."""
    while not apply_chunk(import_id).finished:
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


def start_import(app: Flask, import_id: int) -> None:
    """Apply a confirmed import: in a background thread of this process, or here when so configured (the
    functional tests do; the browser test watches the thread's progress)."""
    if not app.config["MEMBER_IMPORT_IN_BACKGROUND"]:
        run_import(import_id)
        return

    def work() -> None:
        with app.app_context():
            try:
                run_import(import_id)
            except Exception:
                log.exception("member import %s stopped; it can be resumed from its page", import_id)
            finally:
                db.session.remove()

    threading.Thread(target=work, name=f"member-import-{import_id}", daemon=True).start()
