"""Where a check-in try comes from (the client device), and the record of a refused try."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

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


def record_refusal(
    session: AttendanceSession,
    method: str,
    error: CheckinRefused | InvalidInput,
    *,
    user_id: int | None,
    actor: User | None,
    client: Client,
    now: datetime,
) -> RefusedCheckin:
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
