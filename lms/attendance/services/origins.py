"""Where a check-in try comes from (the client device), and the record of a refused try."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.attendance.checkin_rules import CheckinRefused
from lms.attendance.models import AttendanceSession, RefusedCheckin
from lms.core.errors import InvalidInput
from lms.extensions import db


@dataclass(frozen=True)
class Client:
    """The device a check-in came from, as far as the request tells (the view fills it in)."""

    device_id: str | None = None
    user_agent: str = ""
    ip: str | None = None
    position: tuple[float, float] | None = None
    accuracy_m: float = 0

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.device_id}|{self.user_agent}".encode()).hexdigest()[:16]


REFUSALS_KEPT_PER_PERSON = 20
REFUSAL_WINDOW = timedelta(minutes=10)


def record_refusal(
    session: AttendanceSession,
    method: str,
    error: CheckinRefused | InvalidInput,
    *,
    user_id: int | None,
    actor: User | None,
    client: Client,
    now: datetime,
) -> RefusedCheckin | None:
    """Keep a refused try for the facilitator; past REFUSALS_KEPT_PER_PERSON of one person's tries in a session
    within REFUSAL_WINDOW, later ones are not kept (they add nothing, and must not grow the log without end)."""
    if user_id is not None:
        recent = db.session.execute(
            select(func.count(RefusedCheckin.id)).where(
                RefusedCheckin.session_id == session.id,
                RefusedCheckin.user_id == user_id,
                RefusedCheckin.at > now - REFUSAL_WINDOW,
            )
        ).scalar_one()
        if recent >= REFUSALS_KEPT_PER_PERSON:
            return None
    refusal = RefusedCheckin(
        session_id=session.id,
        user_id=user_id,
        actor_id=getattr(actor, "id", None),
        at=now,
        method=method,
        reason=error.code,
        message=str(error.message)[:300],
        device_id=(client.device_id or None),
        fingerprint=client.fingerprint,
        ip=client.ip,
    )
    db.session.add(refusal)
    db.session.flush()
    return refusal
