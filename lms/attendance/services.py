"""Attendance rules: sessions, check-in through the method registry, marks, refused tries, reports, the share."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased, lazyload

from lms.accounts.models import Role, User
from lms.accounts.permissions import has_organization_role
from lms.attendance.checkin_rules import (
    CheckinRefused,
    CodeInvalid,
    CodeNotOpen,
    CodeOtherSession,
    Margins,
    NotEnrolled,
    QrExpired,
    QrInvalid,
    RotatingCode,
    check_geofence,
    derive_key,
    new_code,
    normalize_code,
    parse_rotating_qr,
    personal_token,
    rotating_qr_url,
    status_at,
    status_from_codes,
    user_id_from_personal_token,
    verify_rotating,
)
from lms.attendance.models import (
    DEFAULT_STATUS_WEIGHTS,
    AttendanceMark,
    AttendanceSession,
    AttendanceStatus,
    CheckinCode,
    CodeEntry,
    RefusedCheckin,
    SessionMode,
    StatusWeight,
)
from lms.attendance.share import attendance_share, share_percent
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms.core.models import utcnow
from lms.courses.models import Cohort, Enrolment, EnrolmentStatus
from lms.courses.requirements import Requirement, progress_changed, register_requirement_provider
from lms.extensions import db

# --- who may run a session ---------------------------------------------------------------------------------------


def can_run_cohort(user: User, cohort: Cohort) -> bool:
    """Org admins of the course's organization, and the cohort's facilitators who hold that role there."""
    if not user.is_authenticated:
        return False
    organization_id = cohort.organization_id
    if has_organization_role(user, organization_id, (Role.ORG_ADMIN,)):
        return True
    return Role.FACILITATOR in user.roles_in(organization_id) and any(f.id == user.id for f in cohort.facilitators)


def can_run(user: User, session: AttendanceSession) -> bool:
    if not user.is_authenticated:
        return False
    organization_id = session.organization_id
    if has_organization_role(user, organization_id, (Role.ORG_ADMIN,)):
        return True
    return Role.FACILITATOR in user.roles_in(organization_id) and any(f.id == user.id for f in session.facilitators)


def session_for_runner(actor: User, session_id: int) -> AttendanceSession:
    """The session if `actor` runs it; anyone else is told it does not exist (no probing of other organizations)."""
    session = db.session.get(AttendanceSession, session_id)
    if session is None or not can_run(actor, session):
        raise NotFound()
    return session


def cohort_for_runner(actor: User, cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_run_cohort(actor, cohort):
        raise NotFound()
    return cohort


def runnable_cohorts(actor: User) -> list[Cohort]:
    """Cohorts whose sessions `actor` may run: all of their org-admin organizations, and those they facilitate."""
    from lms.accounts.permissions import organization_ids_for
    from lms.courses.models import Course, CourseVersion

    stmt = select(Cohort).join(CourseVersion, Cohort.version_id == CourseVersion.id).join(Course)
    if not actor.is_platform_admin:
        admin_of = organization_ids_for(actor, (Role.ORG_ADMIN,))
        facilitated = select(Cohort.id).where(Cohort.facilitators.any(id=actor.id))
        stmt = stmt.where(Course.organization_id.in_(admin_of) | Cohort.id.in_(facilitated))
    cohorts = db.session.execute(stmt.order_by(Cohort.starts_on.desc(), Cohort.id.desc())).scalars()
    return [cohort for cohort in cohorts if can_run_cohort(actor, cohort)]


# --- sessions ----------------------------------------------------------------------------------------------------


class InvalidSession(InvalidInput):
    pass


@dataclass
class SessionFields:
    title: str
    starts_at: datetime
    ends_at: datetime
    jpl: int
    mode: str = SessionMode.LURING
    place: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    radius_m: int | None = None
    facilitators: list[User] = field(default_factory=list)


def _check_session_fields(cohort: Cohort, fields: SessionFields) -> None:
    if not fields.title.strip():
        raise InvalidSession(_l("Give the session a title."))
    if fields.ends_at <= fields.starts_at:
        raise InvalidSession(_l("The session must end after it starts."))
    if fields.jpl < 0 or fields.jpl > 100:
        raise InvalidSession(_l("JPL must be between 0 and 100."))
    if fields.mode not in {m.value for m in SessionMode}:
        raise InvalidSession(_l("Choose in person or online."))
    geofence = (fields.latitude, fields.longitude, fields.radius_m)
    if any(value is not None for value in geofence) and not all(value is not None for value in geofence):
        raise InvalidSession(_l("A geofence needs latitude, longitude and radius together (or none of them)."))
    if fields.latitude is not None and not (-90 <= fields.latitude <= 90 and -180 <= fields.longitude <= 180):
        raise InvalidSession(_l("Latitude is between -90 and 90, longitude between -180 and 180."))
    if fields.radius_m is not None and not 10 <= fields.radius_m <= 5000:
        raise InvalidSession(_l("The radius must be between 10 and 5,000 metres."))
    cohort_facilitator_ids = {f.id for f in cohort.facilitators}
    for facilitator in fields.facilitators:
        if facilitator.id not in cohort_facilitator_ids:
            raise InvalidSession(_l("%(name)s is not a facilitator of this cohort.", name=facilitator.full_name))


def _apply(session: AttendanceSession, fields: SessionFields) -> None:
    session.title = fields.title.strip()
    session.starts_at, session.ends_at = fields.starts_at, fields.ends_at
    session.jpl = fields.jpl
    session.mode = SessionMode(fields.mode).value
    session.place = (fields.place or "").strip() or None
    session.latitude, session.longitude, session.radius_m = fields.latitude, fields.longitude, fields.radius_m
    session.own_facilitators = list(fields.facilitators)


def create_session(actor: User | None, cohort: Cohort, fields: SessionFields) -> AttendanceSession:
    """`actor` None is the command line or the demo (a trusted operator)."""
    if actor is not None and not can_run_cohort(actor, cohort):
        raise PermissionDenied()
    _check_session_fields(cohort, fields)
    session = AttendanceSession(cohort=cohort)
    _apply(session, fields)
    db.session.add(session)
    db.session.flush()
    record_audit(actor, "attendance.session.create", session, cohort.organization_id, title=session.title)
    return session


def update_session(actor: User, session: AttendanceSession, fields: SessionFields) -> AttendanceSession:
    if not can_run(actor, session):
        raise PermissionDenied()
    _check_session_fields(session.cohort, fields)
    _apply(session, fields)
    db.session.flush()
    record_audit(actor, "attendance.session.update", session, session.organization_id, title=session.title)
    return session


def sessions_of(cohort_id: int) -> list[AttendanceSession]:
    return list(
        db.session.execute(
            select(AttendanceSession)
            .where(AttendanceSession.cohort_id == cohort_id)
            .order_by(AttendanceSession.starts_at, AttendanceSession.id)
        ).scalars()
    )


def margins() -> Margins:
    config = current_app.config
    return Margins(
        opens_before=timedelta(minutes=config["ATTENDANCE_OPENS_BEFORE_MINUTES"]),
        late_after=timedelta(minutes=config["ATTENDANCE_LATE_AFTER_MINUTES"]),
        closes_after_end=timedelta(minutes=config["ATTENDANCE_CLOSES_AFTER_END_MINUTES"]),
    )


def session_status_at(session: AttendanceSession, now: datetime) -> AttendanceStatus:
    """Hadir or Terlambat for a check-in at `now`; raises when check-in is not open."""
    return status_at(session.starts_at, session.ends_at, now, margins())


# --- keys and codes shown to learners ------------------------------------------------------------------------------


def _key(purpose: str) -> bytes:
    return derive_key(current_app.config["SECRET_KEY"], purpose)


def rotating_qr_text(session: AttendanceSession, now: datetime) -> str:
    return rotating_qr_url(current_app.config["PUBLIC_URL"], _key("rotating-qr"), session.id, now)


def personal_qr_text(user: User) -> str:
    return personal_token(_key("personal-qr"), user.id)


def _grant_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lentera.attendance.qr-grant")


def grant_for_scan(session: AttendanceSession, code: RotatingCode, now: datetime) -> str:
    """A signed note that the room QR was scanned in time, so that logging in and confirming may take a few
    minutes while the QR itself is good for 15-30 seconds. Verifies the scan first (raises when refused)."""
    verify_rotating(_key("rotating-qr"), session.id, code, now)
    return _grant_serializer().dumps({"s": session.id, "t": code.step})


def _verify_grant(session: AttendanceSession, grant: str) -> None:
    try:
        data = _grant_serializer().loads(grant, max_age=current_app.config["ATTENDANCE_QR_GRANT_SECONDS"])
    except SignatureExpired:
        raise QrExpired() from None
    except BadSignature:
        raise QrInvalid() from None
    if data.get("s") != session.id:
        raise QrInvalid()


# --- check-in methods (a registry) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """What a method's verify() found: the learner (personal QR), the code entered (webinar), a chosen status."""

    user_id: int | None = None
    code: CheckinCode | None = None
    codes_in_session: int = 0
    """With a webinar code: how many codes the session has (what "all codes" means)."""
    status: AttendanceStatus | None = None


class CheckinMethod:
    key = ""
    label = _l("Check-in")
    self_service = True
    """Learners use it themselves (else a facilitator does)."""
    checks_position = True
    """The session's geofence applies (a facilitator in the room needs no position)."""
    checks_window = True

    def verify(self, session: AttendanceSession, payload: dict, now: datetime) -> Verified:
        raise NotImplementedError


class RotatingQr(CheckinMethod):
    key = "rotating_qr"
    label = _l("Room QR")

    def verify(self, session, payload, now):
        if payload.get("grant"):
            _verify_grant(session, payload["grant"])
            return Verified()
        if payload.get("qr"):
            code = parse_rotating_qr(payload["qr"])
        else:
            try:
                code = RotatingCode(session.id, int(payload.get("t", "")), str(payload.get("c", "")))
            except ValueError:
                raise QrInvalid() from None
        verify_rotating(_key("rotating-qr"), session.id, code, now)
        return Verified()


class PersonalQr(CheckinMethod):
    key = "personal_qr"
    label = _l("Personal QR")
    self_service = False
    checks_position = False

    def verify(self, session, payload, now):
        return Verified(user_id=user_id_from_personal_token(_key("personal-qr"), str(payload.get("qr", ""))))


class WebinarCode(CheckinMethod):
    key = "webinar_code"
    label = _l("Webinar code")

    def verify(self, session, payload, now):
        typed = normalize_code(str(payload.get("code", "")))
        if not typed:
            raise CodeInvalid()
        # The session's number of codes comes along in the same query: every first check-in needs it.
        sibling = aliased(CheckinCode)
        in_session = (
            select(func.count(sibling.id)).where(sibling.session_id == CheckinCode.session_id).scalar_subquery()
        )
        rows = db.session.execute(select(CheckinCode, in_session).where(CheckinCode.code == typed)).all()
        found = next(((c, n) for c, n in rows if c.session_id == session.id), None)
        if found is None:
            raise CodeOtherSession() if rows else CodeInvalid()
        code, total = found
        if not code.is_open(now):
            raise CodeNotOpen()
        return Verified(code=code, codes_in_session=total)


class ByHand(CheckinMethod):
    key = "manual"
    label = _l("By hand")
    self_service = False
    checks_position = False
    checks_window = False

    def verify(self, session, payload, now):
        try:
            return Verified(user_id=int(payload["user_id"]), status=AttendanceStatus(payload["status"]))
        except (KeyError, ValueError, TypeError):
            raise InvalidInput(_l("Choose a learner and one of the statuses.")) from None


CHECKIN_METHODS: dict[str, CheckinMethod] = {
    method.key: method for method in (RotatingQr(), PersonalQr(), WebinarCode(), ByHand())
}


# --- where a try comes from ----------------------------------------------------------------------------------------


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


# --- marks ---------------------------------------------------------------------------------------------------------


def active_enrolment(session: AttendanceSession, user_id: int) -> Enrolment | None:
    # Lesson completions, the learner (already loaded as the caller) and the cohort only when asked for: this runs
    # once per check-in.
    return db.session.execute(
        select(Enrolment)
        .where(
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.user_id == user_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
        .options(lazyload(Enrolment.completions), lazyload(Enrolment.user), lazyload(Enrolment.cohort))
    ).scalar_one_or_none()


def mark_of(session_id: int, user_id: int) -> AttendanceMark | None:
    return db.session.execute(
        select(AttendanceMark).where(AttendanceMark.session_id == session_id, AttendanceMark.user_id == user_id)
    ).scalar_one_or_none()


def _insert_or_ignore(model, values: dict, unique: list[str]):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the row: the new ORM object (or, given a Table, the new id), or
    None when a row with the same `unique` columns exists (sent twice, or two requests at once). One round trip,
    no savepoint, no lock wait."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    returning = model.c.id if hasattr(model, "c") else model
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=unique).returning(returning)
    return db.session.execute(stmt).scalar_one_or_none()


def _insert_mark(**values) -> tuple[AttendanceMark, bool]:
    """Insert (True), or return the learner's existing mark of the session (False)."""
    mark = _insert_or_ignore(AttendanceMark, values, ["session_id", "user_id"])
    if mark is None:
        return mark_of(values["session_id"], values["user_id"]), False
    return mark, True


@dataclass(frozen=True)
class CheckinResult:
    mark: AttendanceMark
    recorded: bool
    """False when the learner was already checked in (nothing changed): sending twice records once."""


def check_in(
    actor: User,
    session: AttendanceSession,
    method_key: str,
    payload: dict,
    now: datetime,
    client: Client,
    enrolment: Enrolment | None = None,
) -> CheckinResult:
    """A learner checks themselves in with a room QR or a webinar code. A refused try is recorded (the caller
    commits it) and the refusal raised. `enrolment`: the actor's active enrolment when the caller has it already."""
    method = CHECKIN_METHODS.get(method_key)
    if method is None or not method.self_service:
        raise InvalidInput(_l("Unknown check-in method."))
    try:
        enrolment = enrolment or active_enrolment(session, actor.id)
        if enrolment is None or enrolment.user_id != actor.id or enrolment.cohort_id != session.cohort_id:
            raise NotEnrolled()
        timely = session_status_at(session, now)
        verified = method.verify(session, payload, now)
        if method.checks_position and session.has_geofence:
            check_geofence(
                (float(session.latitude), float(session.longitude)),
                session.radius_m,
                client.position,
                client.accuracy_m,
            )
    except CheckinRefused as error:
        # verify() only reads, so the refusal is the one change this try leaves for the caller to commit.
        record_refusal(session, method.key, error, user_id=actor.id, actor=actor, client=client, now=now)
        raise
    if verified.code is not None:
        return _enter_code(actor, enrolment, session, verified, timely, now, client)
    return _record_self(actor, enrolment, session, method.key, timely, now, client)


def _record_self(
    actor: User,
    enrolment: Enrolment,
    session: AttendanceSession,
    method: str,
    status: AttendanceStatus,
    now: datetime,
    client: Client,
) -> CheckinResult:
    existing = mark_of(session.id, actor.id)
    if existing is not None:
        return CheckinResult(existing, recorded=False)
    mark, inserted = _insert_mark(
        session_id=session.id,
        user_id=actor.id,
        status=status,
        method=method,
        marked_at=now,
        marked_by_id=actor.id,
        device_id=client.device_id,
    )
    if inserted:
        _progress(session, actor.id, enrolment)
    return CheckinResult(mark, recorded=inserted)


def _enter_code(
    actor: User,
    enrolment: Enrolment,
    session: AttendanceSession,
    verified: Verified,
    timely: AttendanceStatus,
    now: datetime,
    client: Client,
) -> CheckinResult:
    entry = {"code_id": verified.code.id, "user_id": actor.id, "entered_at": now}
    entered = _insert_or_ignore(CodeEntry.__table__, entry, ["code_id", "user_id"])
    if entered is None:  # this code was entered before: nothing changes
        mark = mark_of(session.id, actor.id)
        if mark is not None:
            return CheckinResult(mark, recorded=False)
    mark, inserted = _insert_mark(
        session_id=session.id,
        user_id=actor.id,
        status=timely,
        method=WebinarCode.key,
        marked_at=now,
        marked_by_id=actor.id,
        device_id=client.device_id,
    )
    before = mark.status
    if inserted:
        # The learner's first code (every code entered makes a mark): one of however many codes there are.
        mark.status = status_from_codes(1, verified.codes_in_session, timely)
    else:
        _recompute_code_status(session, mark)
    if inserted or mark.status != before:
        _progress(session, actor.id, enrolment)
    return CheckinResult(mark, recorded=True)


def _recompute_code_status(session: AttendanceSession, mark: AttendanceMark, total: int | None = None) -> None:
    """Webinar presence from the codes entered; a status set by hand is left alone."""
    if mark.method != WebinarCode.key:
        return
    if total is None:
        total = db.session.execute(
            select(func.count(CheckinCode.id)).where(CheckinCode.session_id == session.id)
        ).scalar_one()
    entered, first_at = db.session.execute(
        select(func.count(CodeEntry.id), func.min(CodeEntry.entered_at))
        .join(CheckinCode, CodeEntry.code_id == CheckinCode.id)
        .where(CheckinCode.session_id == session.id, CodeEntry.user_id == mark.user_id)
    ).one()
    if first_at is not None and first_at.tzinfo is None:  # SQLite's min() comes back as naive UTC
        from datetime import UTC

        first_at = first_at.replace(tzinfo=UTC)
    first_status = (
        AttendanceStatus.HADIR
        if first_at is None or first_at <= session.starts_at + margins().late_after
        else AttendanceStatus.TERLAMBAT
    )
    mark.status = status_from_codes(entered, total, first_status)


def _progress(session: AttendanceSession, user_id: int, enrolment: Enrolment | None = None) -> None:
    """Tell the progress listeners (certificate issuance) — but only when this mark leaves the attendance
    requirement met: a mark cannot meet any other requirement. A check-in during its session never does (the
    session counts once ended; closing it tells the listeners), so a webinar burst pays no eligibility checks."""
    if not session.has_ended(utcnow()):
        return  # the mark does not count yet, so it cannot meet anything
    enrolment = enrolment or active_enrolment(session, user_id)
    if enrolment is None:
        return
    db.session.flush()
    requirements = attendance_requirements(enrolment)
    if requirements and requirements[0].met:
        progress_changed(enrolment)


def mark_attendance(
    actor: User | None,
    session: AttendanceSession,
    user: User,
    status: AttendanceStatus | str,
    now: datetime,
    method: str = ByHand.key,
) -> AttendanceMark:
    """Set a learner's status by hand (or for the demo: `actor` None). Every change is audited."""
    if actor is not None and not can_run(actor, session):
        raise PermissionDenied()
    status = AttendanceStatus(status)
    if active_enrolment(session, user.id) is None:
        raise NotEnrolled(_l("%(name)s is not an active participant of this cohort.", name=user.full_name))
    mark = mark_of(session.id, user.id)
    before = mark.status if mark is not None else None
    if mark is None:
        mark, inserted = _insert_mark(
            session_id=session.id,
            user_id=user.id,
            status=status,
            method=method,
            marked_at=now,
            marked_by_id=getattr(actor, "id", None),
        )
        before = None if inserted else mark.status
    if mark.status != status:
        mark.status, mark.method, mark.marked_by_id = status, method, getattr(actor, "id", None)
    if before != status:
        db.session.flush()
        record_audit(
            actor, "attendance.mark", mark, session.organization_id, user_id=user.id, before=before, after=status.value
        )
        _progress(session, user.id)
    return mark


def mark_roster(
    actor: User, session: AttendanceSession, statuses: dict[int, AttendanceStatus | str], now: datetime
) -> int:
    """Hand marking of many learners at once; returns how many marks changed. Only the cohort's active
    participants can be marked."""
    if not can_run(actor, session):
        raise PermissionDenied()
    learners = {e.user_id: e.user for e in participants(session)}
    changed = 0
    for user_id, status in statuses.items():
        if user_id not in learners:
            raise NotEnrolled()
        before = mark_of(session.id, user_id)
        before_status = before.status if before else None
        mark = mark_attendance(actor, session, learners[user_id], status, now)
        changed += mark.status != before_status
    return changed


@dataclass(frozen=True)
class ScanOutcome:
    scan_id: str | None
    result: str
    """recorded, already (sent before or checked in another way) or refused."""
    user_id: int | None = None
    name: str | None = None
    status: str | None = None
    code: str | None = None
    message: str | None = None


def sync_scans(actor: User, session: AttendanceSession, items: list[dict], now: datetime, client: Client):
    """Marks sent by a facilitator: personal-QR scans (`qr`, with the time they were scanned, possibly offline) and
    hand marks (`user_id` + `status`). Idempotent: a learner already marked is reported as "already" and a scan
    sent twice records once."""
    if not can_run(actor, session):
        raise NotFound()
    outcomes = []
    for item in items:
        scan_id = item.get("scan_id")
        if item.get("qr"):
            outcomes.append(_personal_scan(actor, session, item, scan_id, now, client))
            continue
        try:
            verified = ByHand().verify(session, item, now)
            user = db.session.get(User, verified.user_id)
            if user is None:
                raise NotEnrolled()
            before = mark_of(session.id, user.id)
            before_status = before.status if before else None
            mark = mark_attendance(actor, session, user, verified.status, now)
        except (CheckinRefused, InvalidInput) as error:
            outcomes.append(ScanOutcome(scan_id, "refused", code=error.code, message=str(error.message)))
            continue
        result = "already" if before_status == mark.status else "recorded"
        outcomes.append(ScanOutcome(scan_id, result, user.id, user.full_name, mark.status))
    return outcomes


def _personal_scan(
    actor: User, session: AttendanceSession, item: dict, scan_id: str | None, now: datetime, client: Client
) -> ScanOutcome:
    scanned_at = item.get("scanned_at") or now
    scanned_at = min(scanned_at, now)  # a phone clock ahead of ours cannot make a scan count as earlier
    user_id = None
    try:
        user_id = PersonalQr().verify(session, item, scanned_at).user_id
        if active_enrolment(session, user_id) is None:
            raise NotEnrolled()
        status = session_status_at(session, scanned_at)
    except CheckinRefused as error:
        user = db.session.get(User, user_id) if user_id else None
        record_refusal(session, PersonalQr.key, error, user_id=user_id, actor=actor, client=client, now=scanned_at)
        return ScanOutcome(
            scan_id,
            "refused",
            user_id,
            user.full_name if user else None,
            code=error.code,
            message=str(error.message),
        )
    user = db.session.get(User, user_id)
    existing = mark_of(session.id, user_id)
    if existing is not None:
        return ScanOutcome(scan_id, "already", user_id, user.full_name, existing.status)
    mark, inserted = _insert_mark(
        session_id=session.id,
        user_id=user_id,
        status=status,
        method=PersonalQr.key,
        marked_at=scanned_at,
        marked_by_id=actor.id,
        device_id=client.device_id,
        scan_id=(scan_id or None),
    )
    if not inserted:
        return ScanOutcome(scan_id, "already", user_id, user.full_name, mark.status)
    _progress(session, user_id)
    return ScanOutcome(scan_id, "recorded", user_id, user.full_name, mark.status)


# --- webinar codes -------------------------------------------------------------------------------------------------


def create_code(
    actor: User, session: AttendanceSession, now: datetime, *, minutes: int, label: str = "", opens_at=None
) -> CheckinCode:
    """A new code for this session, open from `opens_at` (default now) for `minutes`."""
    if not can_run(actor, session):
        raise PermissionDenied()
    if not 1 <= minutes <= 240:
        raise InvalidInput(_l("A code is open between 1 and 240 minutes."))
    opens_at = opens_at or now
    taken = set(db.session.execute(select(CheckinCode.code)).scalars())
    code = new_code()
    while code in taken:  # codes are unique across sessions, so "from another session" can be told apart
        code = new_code()
    checkin_code = CheckinCode(
        session_id=session.id,
        code=code,
        label=label.strip()[:60],
        opens_at=opens_at,
        closes_at=opens_at + timedelta(minutes=minutes),
        created_by_id=actor.id,
    )
    db.session.add(checkin_code)
    db.session.flush()
    record_audit(actor, "attendance.code.create", checkin_code, session.organization_id, session_id=session.id)
    _recompute_session_codes(session)
    return checkin_code


def _recompute_session_codes(session: AttendanceSession) -> None:
    """One more code changes what "all codes" means for everyone who checked in with codes."""
    total = db.session.execute(
        select(func.count(CheckinCode.id)).where(CheckinCode.session_id == session.id)
    ).scalar_one()
    marks = db.session.execute(
        select(AttendanceMark).where(AttendanceMark.session_id == session.id, AttendanceMark.method == WebinarCode.key)
    ).scalars()
    for mark in marks:
        _recompute_code_status(session, mark, total)


def codes_of(session: AttendanceSession) -> list[CheckinCode]:
    return list(
        db.session.execute(
            select(CheckinCode).where(CheckinCode.session_id == session.id).order_by(CheckinCode.opens_at)
        ).scalars()
    )


def active_codes(session: AttendanceSession, now: datetime) -> list[CheckinCode]:
    return [code for code in codes_of(session) if code.is_open(now)]


# --- closing a session ------------------------------------------------------------------------------------------


class SessionNotEnded(Conflict):
    def default_message(self):
        return _l("The session has not ended yet: close it after its end time.")


def close_session(actor: User | None, session: AttendanceSession, now: datetime) -> int:
    """After its end, the session's marks are final: tell the certificate rules about every participant (once).
    `actor` None is `lms attendance close-ended`. Returns how many participants were looked at."""
    if actor is not None and not can_run(actor, session):
        raise PermissionDenied()
    if not session.has_ended(now):
        raise SessionNotEnded()
    if session.closed_at is not None:
        return 0
    session.closed_at = now
    record_audit(actor, "attendance.session.close", session, session.organization_id)
    enrolments = participants(session)
    db.session.flush()
    for enrolment in enrolments:
        progress_changed(enrolment)
    return len(enrolments)


def close_ended_sessions(now: datetime) -> list[AttendanceSession]:
    """Close every session that has ended and is not closed yet (for a scheduled `lms attendance close-ended`)."""
    sessions = list(
        db.session.execute(
            select(AttendanceSession)
            .where(AttendanceSession.closed_at.is_(None), AttendanceSession.ends_at <= now)
            .order_by(AttendanceSession.ends_at)
        ).scalars()
    )
    for session in sessions:
        close_session(None, session, now)
    return sessions


# --- reports -------------------------------------------------------------------------------------------------------


def participants(of: AttendanceSession | Cohort) -> list[Enrolment]:
    """The active enrolments of a session's (or a cohort's) cohort."""
    cohort_id = of.cohort_id if isinstance(of, AttendanceSession) else of.id
    return list(
        db.session.execute(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(Enrolment.id)
        ).scalars()
    )


@dataclass(frozen=True)
class SessionReport:
    session: AttendanceSession
    rows: list[tuple[User, AttendanceMark | None]]
    refused: list[RefusedCheckin]
    shared_devices: dict[str, list[User]]
    """Device id → the learners it checked in, when more than one: the facilitator should look."""

    @property
    def present(self) -> list[tuple[User, AttendanceMark]]:
        return [(u, m) for u, m in self.rows if m is not None and m.status != AttendanceStatus.ALFA]

    @property
    def absent(self) -> list[tuple[User, AttendanceMark | None]]:
        return [(u, m) for u, m in self.rows if m is None or m.status == AttendanceStatus.ALFA]

    @property
    def flagged_user_ids(self) -> set[int]:
        return {user.id for users in self.shared_devices.values() for user in users}


def session_report(actor: User, session: AttendanceSession) -> SessionReport:
    if not can_run(actor, session):
        raise NotFound()
    marks = {
        m.user_id: m
        for m in db.session.execute(select(AttendanceMark).where(AttendanceMark.session_id == session.id)).scalars()
    }
    rows = [(e.user, marks.get(e.user_id)) for e in participants(session)]
    refused = list(
        db.session.execute(
            select(RefusedCheckin).where(RefusedCheckin.session_id == session.id).order_by(RefusedCheckin.at.desc())
        ).scalars()
    )
    return SessionReport(session, rows, refused, shared_devices(session))


def shared_devices(session: AttendanceSession) -> dict[str, list[User]]:
    """Devices that checked in more than one account in this session."""
    devices = select(AttendanceMark.device_id).where(
        AttendanceMark.session_id == session.id, AttendanceMark.device_id.is_not(None)
    )
    shared = devices.group_by(AttendanceMark.device_id).having(func.count(func.distinct(AttendanceMark.user_id)) > 1)
    found: dict[str, list[User]] = {}
    marks = db.session.execute(
        select(AttendanceMark).where(AttendanceMark.session_id == session.id, AttendanceMark.device_id.in_(shared))
    ).scalars()
    for mark in marks:
        found.setdefault(mark.device_id, []).append(mark.user)
    return found


def weights_for(organization_id: int) -> dict[str, Decimal]:
    weights = {status.value: weight for status, weight in DEFAULT_STATUS_WEIGHTS.items()}
    rows = db.session.execute(select(StatusWeight).where(StatusWeight.organization_id == organization_id)).scalars()
    weights.update({row.status: Decimal(row.weight) for row in rows})
    return weights


def set_weights(actor: User, organization_id: int, weights: dict[str, Decimal]) -> None:
    """The organization admin's weights of each status in the attendance share (0 to 1)."""
    if not has_organization_role(actor, organization_id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()
    before = weights_for(organization_id)
    for status in AttendanceStatus:
        weight = Decimal(weights[status.value])
        if not Decimal(0) <= weight <= Decimal(1):
            raise InvalidInput(_l("Each weight is between 0 and 1."))
        row = db.session.execute(
            select(StatusWeight).where(StatusWeight.organization_id == organization_id, StatusWeight.status == status)
        ).scalar_one_or_none()
        if row is None:
            db.session.add(StatusWeight(organization_id=organization_id, status=status.value, weight=weight))
        else:
            row.weight = weight
    db.session.flush()
    from lms.accounts.models import Organization

    record_audit(
        actor,
        "attendance.weights",
        db.session.get(Organization, organization_id),
        organization_id,
        before={k: str(v) for k, v in before.items()},
        after={k: str(Decimal(v)) for k, v in weights.items()},
    )


@dataclass(frozen=True)
class LearnerRecord:
    enrolment: Enrolment
    sessions: list[AttendanceSession]
    marks: dict[int, AttendanceMark]
    share: Decimal
    threshold: int

    @property
    def percent(self) -> int:
        return share_percent(self.share)

    @property
    def met(self) -> bool:
        return self.share * 100 >= self.threshold


def learner_record(
    enrolment: Enrolment, sessions: list[AttendanceSession] | None = None, now: datetime | None = None
) -> LearnerRecord:
    """The learner's marks and share. A session counts once it has ended: presence through a session is known only
    then (a learner who enters the first webinar code and leaves must not meet the requirement meanwhile)."""
    now = now or utcnow()
    sessions = sessions if sessions is not None else sessions_of(enrolment.cohort_id)
    session_ids = [s.id for s in sessions]
    marks = {
        m.session_id: m
        for m in db.session.execute(
            select(AttendanceMark).where(
                AttendanceMark.user_id == enrolment.user_id, AttendanceMark.session_id.in_(session_ids)
            )
        ).scalars()
    } if session_ids else {}  # fmt: skip
    ended = {s.id for s in sessions if s.has_ended(now)}
    weights = weights_for(enrolment.cohort.organization_id)
    share = attendance_share(sessions, [m for m in marks.values() if m.session_id in ended], weights)
    return LearnerRecord(enrolment, sessions, marks, share, enrolment.cohort.version.attendance_threshold)


def cohort_report(actor: User, cohort: Cohort) -> tuple[list[AttendanceSession], list[LearnerRecord]]:
    if not can_run_cohort(actor, cohort):
        raise NotFound()
    sessions = sessions_of(cohort.id)
    return sessions, [learner_record(e, sessions) for e in participants(cohort)]


def own_enrolment(user: User, enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        raise NotFound()
    return enrolment


def learner_session(user: User, session_id: int) -> tuple[AttendanceSession, Enrolment | None]:
    """A session the learner takes part in (with their active enrolment) or runs (enrolment None); others are not
    found. The participant's case is looked at first: it is the one thousands of check-ins take."""
    # One query for the session and the caller's active enrolment in its cohort. Neither the cohort nor its course
    # version is needed to check a participant in (only their ids): loading them, with the version's curriculum
    # columns, was half the database work of a check-in.
    found = db.session.execute(
        select(AttendanceSession, Enrolment)
        .outerjoin(
            Enrolment,
            (Enrolment.cohort_id == AttendanceSession.cohort_id)
            & (Enrolment.user_id == user.id)
            & (Enrolment.status == EnrolmentStatus.ACTIVE),
        )
        .where(AttendanceSession.id == session_id)
        .options(
            lazyload(AttendanceSession.cohort),
            lazyload(Enrolment.cohort),
            lazyload(Enrolment.user),
            lazyload(Enrolment.completions),
        )
    ).first()
    if found is None:
        raise NotFound()
    session, enrolment = found
    if enrolment is None and not can_run(user, session):
        raise NotFound()
    return session, enrolment


# --- the certificate requirement -----------------------------------------------------------------------------------


def attendance_requirements(enrolment: Enrolment) -> list[Requirement]:
    """Met when the share reaches the course's threshold; only when the course asks it and the cohort has sessions."""
    if not enrolment.cohort.version.require_attendance:
        return []
    sessions = sessions_of(enrolment.cohort_id)
    if not sessions:
        return []
    record = learner_record(enrolment, sessions)
    url = url_for("attendance.my_record", enrolment_id=enrolment.id) if has_request_context() else None
    return [
        Requirement(
            "attendance",
            str(_l("Attendance")),
            record.met,
            str(_l("Attendance %(share)d%% of %(needed)d%% needed.", share=record.percent, needed=record.threshold)),
            url,
        )
    ]


register_requirement_provider(attendance_requirements, order=30)
