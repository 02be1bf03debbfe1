"""What Lentera holds about a person (UU 27/2022 PDP): gathered for the "My data" page and its download, and the
erasure of an account with the records the law keeps.

Kept after erasure, as the issuer's record: issued certificates (their signed text cannot change, and a verifier
must still get an answer), the training record they rest on (enrolments, quiz attempts and answers, attendance
marks) and the audit log, all tied to an account whose name, e-mail, NIK, STR number and workplace are emptied.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select
from werkzeug.security import check_password_hash

from lms.accounts.consent import consents_of
from lms.accounts.models import ApiToken, Consent, DataRequest, Membership, RecoveryCode, User
from lms.attendance.models import AttendanceMark, session_facilitators
from lms.certificates.models import Certificate
from lms.core.audit import AuditEntry, describe_entries, record_audit
from lms.core.errors import InvalidInput, PermissionDenied
from lms.core.models import utcnow
from lms.core.storage import delete_after_commit, get_storage
from lms.courses.models import Enrolment, cohort_facilitators
from lms.extensions import db
from lms.quizzes.models import Answer, Attempt
from lms.records.models import ExternalActivity, PracticeLicence, RecordShareLink, SkpCycleTotal, SkpEntry

ERASED_NAME = "—"


@dataclass(frozen=True)
class HeldData:
    """Everything held about one person, as plain values ready for JSON."""

    sections: dict[str, Any]
    evidence: list[tuple[str, str]]
    """(stored key, file name in the download) of each evidence file she uploaded."""

    def count(self, section: str) -> int:
        value = self.sections.get(section)
        return len(value) if isinstance(value, list) else int(value is not None)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(statement, *fields: str) -> list[dict[str, Any]]:
    return [{field: _plain(getattr(row, field)) for field in fields} for row in db.session.execute(statement).scalars()]


def held_data(user: User) -> HeldData:
    """Every record about `user`: profile, roles, consents, learning, marks, certificates, activities, evidence,
    requests, tokens and the audit entries naming her. The NIK stays masked, as everywhere outside the roster."""
    profile = {
        "email": user.email,
        "full_name": user.full_name,
        "profession_code": user.profession_code,
        "nik_masked": user.masked_nik,
        "str_number": user.str_number,
        "facility": user.facility,
        "phone": user.phone,
        "timezone": str(user.timezone),
        "locale": user.locale,
        "created_at": _plain(user.created_at),
        "last_login_at": _plain(user.last_login_at),
        "two_factor": user.has_two_factor,
    }
    memberships = [
        {"organization": m.organization.name, "role": str(m.role), "since": _plain(m.created_at)}
        for m in user.memberships
    ]
    enrolments = [
        {
            "id": e.id,
            "course": e.cohort.version.course.code,
            "title": e.cohort.version.title,
            "cohort": e.cohort.name,
            "organization": e.cohort.version.course.organization.name,
            "status": e.status,
            "enrolled_at": _plain(e.created_at),
            "lessons_completed": [
                {"lesson_id": c.lesson_id, "completed_at": _plain(c.completed_at)} for c in e.completions
            ],
        }
        for e in db.session.execute(select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.id))
        .unique()
        .scalars()
    ]
    attempts = []
    for attempt in db.session.execute(select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.id)).scalars():
        answers = db.session.execute(select(Answer).where(Answer.attempt_id == attempt.id).order_by(Answer.id))
        attempts.append(
            {
                "quiz": attempt.quiz.title,
                "number": attempt.number,
                "state": attempt.state,
                "started_at": _plain(attempt.started_at),
                "submitted_at": _plain(attempt.submitted_at),
                "score": _plain(attempt.score),
                "answers": [
                    {"question_id": a.question_id, "response": a.response, "fraction": _plain(a.fraction)}
                    for a in answers.scalars()
                ],
            }
        )
    marks = [
        {"session": m.session.title, "starts_at": _plain(m.session.starts_at), "status": m.status, "method": m.method,
         "marked_at": _plain(m.marked_at)}
        for m in db.session.execute(
            select(AttendanceMark).where(AttendanceMark.user_id == user.id).order_by(AttendanceMark.id)
        ).scalars()
    ]  # fmt: skip
    certificates = [
        {"number": c.number, "course": c.version.title, "organization": c.organization.name, "status": c.status,
         "issued_at": _plain(c.issued_at), "holder_name_printed": (c.snapshot or {}).get("holder_name")}
        for c in db.session.execute(
            select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
        ).scalars()
    ]  # fmt: skip
    activities = (
        db.session.execute(
            select(ExternalActivity).where(ExternalActivity.user_id == user.id).order_by(ExternalActivity.id)
        )
        .scalars()
        .all()
    )
    sections = {
        "profile": profile,
        "memberships": memberships,
        "consents": [
            {"purpose": c.purpose, "organization": c.organization.name if c.organization else None,
             "facility": c.facility.name if c.facility else None, "wording": c.wording, "locale": c.locale,
             "given_at": _plain(c.given_at), "withdrawn_at": _plain(c.withdrawn_at)}
            for c in consents_of(user)
        ],  # fmt: skip
        "enrolments": enrolments,
        "quiz_attempts": attempts,
        "attendance": marks,
        "certificates": certificates,
        "skp_ledger": _rows(select(SkpEntry).where(SkpEntry.user_id == user.id).order_by(SkpEntry.id),
                            "source", "ranah", "skp", "jpl", "earned_on", "title", "organizer", "reversed_at"),
        "activities": [
            {"title": a.title, "kind": a.kind, "organizer": a.organizer, "held_on": _plain(a.held_on),
             "skp_claimed": _plain(a.skp_claimed), "status": a.status, "evidence": a.evidence_name}
            for a in activities
        ],
        "practice_licence": _rows(select(PracticeLicence).where(PracticeLicence.user_id == user.id),
                                  "sip_number", "starts_on", "area"),
        "share_links": _rows(select(RecordShareLink).where(RecordShareLink.user_id == user.id),
                             "label", "expires_at", "revoked_at", "last_viewed_at"),
        "api_tokens": _rows(select(ApiToken).where(ApiToken.user_id == user.id),
                            "name", "prefix", "created_at", "last_used_at", "revoked_at"),
        "correction_requests": _rows(select(DataRequest).where(DataRequest.user_id == user.id),
                                     "message", "status", "answer", "created_at", "answered_at"),
        "audit_entries": _audit_rows(user),
    }  # fmt: skip
    evidence = [(a.evidence_key, f"evidence/{a.id}-{a.evidence_name}") for a in activities]
    return HeldData(sections, evidence)


def _audit_rows(user: User) -> list[dict[str, Any]]:
    """The entries about her, each with its sentence in her language beside the stored fields."""
    entries = list(db.session.execute(audit_entries_about(user)).scalars())
    describe_entries(entries)
    fields = ("at", "action", "object_type", "object_id", "details")
    return [
        {**{field: _plain(getattr(entry, field)) for field in fields}, "sentence": entry.sentence} for entry in entries
    ]


def audit_entries_about(user: User):
    """Entries she made, entries about her account, and entries naming her (a role given, a mark changed)."""
    return (
        select(AuditEntry)
        .where(
            or_(
                AuditEntry.actor_id == user.id,
                (AuditEntry.object_type == "User") & (AuditEntry.object_id == str(user.id)),
                AuditEntry.details["user_id"].as_integer() == user.id,
            )
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )


def export_json(data: HeldData) -> bytes:
    return json.dumps(data.sections, ensure_ascii=False, indent=2, default=str).encode()


def export_zip(data: HeldData) -> bytes:
    """`data.json` and every evidence file she uploaded."""
    storage = get_storage()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", export_json(data))
        for key, name in data.evidence:
            try:
                archive.writestr(name, storage.read(key))
            except Exception:  # a file missing from storage: the JSON still lists it
                continue
    return out.getvalue()


# --- correction requests -----------------------------------------------------------------------------------------


def request_correction(user: User, message: str) -> DataRequest:
    message = (message or "").strip()
    if not message:
        raise InvalidInput(_l("Say what is wrong and what it should be."))
    if len(message) > 2000:
        raise InvalidInput(_l("Keep the request under 2,000 characters."))
    request = DataRequest(user_id=user.id, message=message)
    db.session.add(request)
    db.session.flush()
    record_audit(user, "data.correction_request", request, user_id=user.id)
    return request


def answer_request(actor: User, request: DataRequest, answer: str) -> DataRequest:
    if not actor.is_platform_admin:
        raise PermissionDenied()
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput(_l("Write what was done, for the person to read."))
    request.answer = answer[:2000]
    request.status = "done"
    request.answered_by_id = actor.id
    request.answered_at = utcnow()
    record_audit(actor, "data.correction_answer", request, user_id=request.user_id)
    return request


# --- erasure -------------------------------------------------------------------------------------------------------


def erase_account(user: User, password: str) -> None:
    """Delete the account at its owner's request: personal fields emptied, login impossible, self-reported data and
    evidence files deleted; certificates, the training record and the audit log kept (see the module docstring)."""
    if not check_password_hash(user.password_hash, password or ""):
        raise InvalidInput(_l("The password is not correct."))
    if user.is_platform_admin:
        raise InvalidInput(_l("A platform admin cannot delete the account: ask another admin to take the role first."))
    for activity in db.session.execute(select(ExternalActivity).where(ExternalActivity.user_id == user.id)).scalars():
        delete_after_commit(activity.evidence_key)
        db.session.delete(activity)
    for model in (
        SkpEntry,
        SkpCycleTotal,
        PracticeLicence,
        RecordShareLink,
        ApiToken,
        RecoveryCode,
        DataRequest,
        Membership,
    ):
        db.session.execute(delete(model).where(model.user_id == user.id))
    for table in (cohort_facilitators, session_facilitators):
        db.session.execute(delete(table).where(table.c.user_id == user.id))
    for consent in db.session.execute(select(Consent).where(Consent.user_id == user.id)).scalars():
        consent.withdrawn_at = consent.withdrawn_at or utcnow()
    user.email = f"erased-{user.id}@erased.invalid"
    user.full_name = ERASED_NAME
    user.profession_code = user.nik = user.str_number = user.facility = user.phone = user.locale = None
    user.password_hash = "!"  # no password hashes to this
    user.totp_secret_sealed = user.totp_enabled_at = user.totp_last_counter = None
    user.is_active_account = False
    user.erased_at = utcnow()
    user.end_all_sessions()
    db.session.expire(user, ["memberships"])
    record_audit(user, "account.erase", user, user_id=user.id)  # fmt: skip
