"""Member import rules: check a file (nothing written), stage its rows for confirmation, confirm once, apply the rows
a chunk at a time with a fixed number of statements per chunk, invite the new people with a set-password link."""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from lms.accounts.member_import.models import ImportStatus, MemberImport, MemberImportRow
from lms.accounts.member_import.rows import MemberRow, Problem, UnreadableFile, read_members
from lms.accounts.models import (
    Facility,
    FacilityStaff,
    MembershipStatus,
    Organization,
    Role,
    TimeZone,
    User,
    WorkerMembership,
)
from lms.accounts.permissions import has_organization_role
from lms.core.audit import record_audit
from lms.core.errors import NotFound, PermissionDenied
from lms.core.uploads import detect_type
from lms.extensions import db

CHUNK_ROWS = 1000
"""Rows applied per transaction: each chunk costs the same dozen statements whatever its people. The inserts are
Core statements on the tables (one multi-row INSERT per statement): the ORM's bulk path costs several times the CPU
for rows this session never reads back."""
LOOKUP_CHUNK = 500
INVITED_PASSWORD_PREFIX = "!invited$"
"""An imported person's password hash until she sets one: no password matches it (it is not a hash)."""


@dataclass
class CheckedFile:
    rows: list[MemberRow]
    problems: list[Problem]
    new_accounts: int = 0
    matched_accounts: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _ensure_admin(actor: User | None, organization: Organization) -> None:
    if actor is not None and not has_organization_role(actor, organization.id, (Role.ORG_ADMIN,)):
        raise PermissionDenied()


def facilities_by_name() -> dict[str, list[int]]:
    """Facility ids by lower-case name (several facilities may share a name in different regencies)."""
    names: dict[str, list[int]] = defaultdict(list)
    for facility_id, name in db.session.execute(select(Facility.id, Facility.name).order_by(Facility.id)):
        names[name.lower()].append(facility_id)
    return names


def _chunks(values: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _accounts_by(column, values: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(values, LOOKUP_CHUNK):
        found.update(db.session.execute(select(column, User.id).where(column.in_(chunk))).all())
    return found


def check_file(data: bytes) -> CheckedFile:
    """Every problem of the file by row, and how many rows are new people or existing accounts. Reads only."""
    facilities = facilities_by_name()
    is_xlsx = detect_type(data, ("xlsx",)) is not None
    try:
        rows, problems = read_members(data, is_xlsx, set(facilities))
    except UnreadableFile as error:
        return CheckedFile([], [Problem(1, str(error))])
    by_email = _accounts_by(User.email, [r.email for r in rows])
    by_nik = _accounts_by(User.nik, [r.nik for r in rows if r.nik])
    checked = CheckedFile([], problems)
    for row in rows:
        messages = []
        if row.facility and len(facilities[row.facility.lower()]) > 1:
            message = _l("several facilities are called %(name)s; ask the platform admin", name=row.facility)
            messages.append(str(message))
        email_owner, nik_owner = by_email.get(row.email), by_nik.get(row.nik) if row.nik else None
        if email_owner and nik_owner and email_owner != nik_owner:
            messages.append(str(_l("the NIK belongs to another account than the e-mail %(email)s", email=row.email)))
        if messages:
            checked.problems.extend(Problem(row.row, m) for m in messages)
            continue
        checked.rows.append(row)
        if email_owner or nik_owner:
            checked.matched_accounts += 1
        else:
            checked.new_accounts += 1
    checked.problems.sort(key=lambda p: p.row)
    return checked


def stage_import(
    actor: User | None, organization: Organization, file_name: str, checked: CheckedFile, now: datetime
) -> MemberImport:
    """Keep a good file's rows for confirmation (no account or membership is written yet)."""
    _ensure_admin(actor, organization)
    if not checked.ok:
        raise ValueError("only a file without problems is staged")
    member_import = MemberImport(
        organization_id=organization.id,
        created_by_id=getattr(actor, "id", None),
        file_name=file_name[:200],
        total_rows=len(checked.rows),
        counts={"new_accounts": checked.new_accounts, "matched_accounts": checked.matched_accounts},
        created_at=now,
    )
    db.session.add(member_import)
    db.session.flush()
    for chunk in _chunks(checked.rows, 5000):
        db.session.execute(
            insert(MemberImportRow.__table__),
            [
                {
                    "import_id": member_import.id,
                    "row": r.row,
                    "data": r.as_dict(),
                    "email": r.email,
                    "nik": r.nik,
                    "applied": False,
                    "invitation_due": False,
                }
                for r in chunk
            ],  # fmt: skip
        )
    return member_import


def import_of(actor: User, organization_id: int, import_id: int) -> MemberImport:
    member_import = db.session.get(MemberImport, import_id)
    if member_import is None or member_import.organization_id != organization_id:
        raise NotFound()
    _ensure_admin(actor, member_import.organization)
    return member_import


def confirm_import(actor: User | None, member_import: MemberImport, now: datetime) -> bool:
    """Start applying the rows; False when the import was confirmed before (a second click imports nothing)."""
    _ensure_admin(actor, member_import.organization)
    claimed = db.session.execute(
        update(MemberImport)
        .where(MemberImport.id == member_import.id, MemberImport.status == ImportStatus.PREVIEWED)
        .values(status=ImportStatus.RUNNING, confirmed_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(member_import)
    if not claimed:
        return False
    record_audit(
        actor,
        "member_import.confirm",
        member_import,
        member_import.organization_id,
        file_name=member_import.file_name,
        rows=member_import.total_rows,
    )
    return True


def discard_import(actor: User, member_import: MemberImport) -> bool:
    _ensure_admin(actor, member_import.organization)
    if member_import.status != ImportStatus.PREVIEWED:
        return False
    member_import.status = ImportStatus.DISCARDED
    db.session.execute(
        update(MemberImportRow).where(MemberImportRow.import_id == member_import.id).values(applied=True)
    )
    return True


@dataclass
class ChunkResult:
    applied: int = 0
    new_user_ids: list[int] = field(default_factory=list)
    finished: bool = False


def apply_next_chunk(import_id: int, now: datetime) -> ChunkResult:
    """Apply the next rows of a confirmed import (the caller commits). The rows are marked applied in the same
    transaction as their effects, so a stopped import resumes where it stopped; the people it created are marked
    for an invitation, sent afterwards by `send_next_invitations`."""
    # Locked, so that two workers (a resumed import and its stalled first run) never apply the same chunk.
    member_import = db.session.execute(
        select(MemberImport)
        .where(MemberImport.id == import_id)
        .with_for_update(of=MemberImport)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if member_import is None or member_import.status != ImportStatus.RUNNING:
        return ChunkResult(finished=True)
    staged = list(
        db.session.execute(
            select(MemberImportRow.id, MemberImportRow.data)
            .where(MemberImportRow.import_id == import_id, MemberImportRow.applied.is_(False))
            .order_by(MemberImportRow.row)
            .limit(CHUNK_ROWS)
        )
    )
    if not staged:
        member_import.status = ImportStatus.DONE
        member_import.finished_at = now
        record_audit(None, "member_import.done", member_import, member_import.organization_id, **member_import.counts)
        return ChunkResult(finished=True)
    counts, _user_ids, new_user_ids = _apply_rows(member_import, [data for _id, data in staged], now)
    # Each row's account found as _apply_rows found it (NIK first, then e-mail), in one statement for the chunk.
    by_nik = select(User.id).where(User.nik == MemberImportRow.nik).limit(1).scalar_subquery()
    by_email = select(User.id).where(User.email == MemberImportRow.email).scalar_subquery()
    row_ids = [row_id for row_id, _data in staged]
    db.session.execute(
        update(MemberImportRow)
        .where(MemberImportRow.id.in_(row_ids))
        .values(applied=True, user_id=func.coalesce(by_nik, by_email))
        .execution_options(synchronize_session=False)
    )
    if new_user_ids:
        db.session.execute(
            update(MemberImportRow)
            .where(MemberImportRow.id.in_(row_ids), MemberImportRow.user_id.in_(new_user_ids))
            .values(invitation_due=True)
            .execution_options(synchronize_session=False)
        )
    total = Counter(member_import.counts)
    total.update(counts)
    member_import.counts = dict(total)
    member_import.processed_rows += len(staged)
    member_import.heartbeat_at = now
    return ChunkResult(applied=len(staged), new_user_ids=new_user_ids)


def _apply_rows(member_import: MemberImport, rows: list[dict], now: datetime) -> tuple[Counter, list, list[int]]:
    """Accounts (matched by NIK, then e-mail; created otherwise), memberships with their number, facility staff.
    An existing account keeps what she entered herself: only empty fields are filled. Returns the counts, the
    account of each row (in order) and the accounts created."""
    counts: Counter = Counter()
    by_email = _accounts_by(User.email, [r["email"] for r in rows])
    by_nik = _accounts_by(User.nik, [r["nik"] for r in rows if r["nik"]])
    new_rows = [r for r in rows if not (by_nik.get(r["nik"]) if r["nik"] else None) and r["email"] not in by_email]
    if new_rows:
        created = db.session.execute(
            insert(User.__table__).returning(User.__table__.c.email, User.__table__.c.id),
            [
                {
                    "email": r["email"],
                    "password_hash": INVITED_PASSWORD_PREFIX + secrets.token_hex(16),
                    "full_name": r["full_name"],
                    "profession_code": r["profession"],
                    "nik": r["nik"],
                    "str_number": r["str_number"],
                    "facility": r["facility"],
                    "timezone": TimeZone.WIB.value,
                    "is_platform_admin": False,
                    "is_active_account": True,
                    "created_at": now,
                }
                for r in new_rows
            ],
        )
        by_email.update(dict(created.all()))
        counts["accounts_created"] += len(new_rows)
    new_user_ids = [by_email[r["email"]] for r in new_rows]
    user_ids = [(by_nik.get(r["nik"]) if r["nik"] else None) or by_email[r["email"]] for r in rows]
    _fill_blanks(rows, user_ids, set(new_user_ids), counts)
    _add_memberships(member_import, rows, user_ids, now, counts)
    _add_staff(rows, user_ids, now, counts)
    return counts, user_ids, new_user_ids


def _fill_blanks(rows: list[dict], user_ids: list[int], created: set[int], counts: Counter) -> None:
    matched = [u for u in user_ids if u not in created]
    counts["accounts_matched"] += len(matched)
    if not matched:
        return
    current = {}
    for chunk in _chunks(matched, LOOKUP_CHUNK):
        rows_now = db.session.execute(
            select(User.id, User.nik, User.profession_code, User.str_number, User.facility).where(User.id.in_(chunk))
        )
        current.update({user_id: rest for user_id, *rest in rows_now})
    changes = []
    for row, user_id in zip(rows, user_ids, strict=True):
        if user_id in created:
            continue
        values = dict(zip(("nik", "profession_code", "str_number", "facility"), current[user_id], strict=True))
        wanted = {"nik": row["nik"], "profession_code": row["profession"], "str_number": row["str_number"],
                  "facility": row["facility"]}  # fmt: skip
        change = {k: v for k, v in wanted.items() if v and not values[k]}
        if change:
            changes.append({"id": user_id, **change})
    # Grouped by the fields they set: one executemany per shape of change (at most a few per chunk).
    shapes: dict[tuple, list[dict]] = defaultdict(list)
    for change in changes:
        shapes[tuple(sorted(change))].append(change)
    for group in shapes.values():
        db.session.execute(update(User), group)
    counts["accounts_completed"] += len(changes)


def _add_memberships(
    member_import: MemberImport, rows: list[dict], user_ids: list[int], now: datetime, counts: Counter
) -> None:
    organization_id = member_import.organization_id
    existing = {}
    for chunk in _chunks(user_ids, LOOKUP_CHUNK):
        existing.update(
            {
                user_id: (membership_id, number)
                for membership_id, user_id, number in db.session.execute(
                    select(WorkerMembership.id, WorkerMembership.user_id, WorkerMembership.membership_number).where(
                        WorkerMembership.organization_id == organization_id, WorkerMembership.user_id.in_(chunk)
                    )
                )
            }
        )
    new, numbered = {}, []
    for row, user_id in zip(rows, user_ids, strict=True):
        number = row["membership_number"]
        if user_id in existing:
            membership_id, current = existing[user_id]
            if number and not current:
                numbered.append({"id": membership_id, "membership_number": number})
        elif user_id not in new:
            new[user_id] = {
                "user_id": user_id,
                "organization_id": organization_id,
                "membership_number": number,
                "invited_email": row["email"],
                "status": MembershipStatus.INVITED.value,
                "requested_at": now,
                "invited_by_id": member_import.created_by_id,
                "created_at": now,
            }
    if new:
        db.session.execute(insert(WorkerMembership.__table__), list(new.values()))
    if numbered:
        db.session.execute(update(WorkerMembership), numbered)
    counts["memberships_invited"] += len(new)
    counts["membership_numbers_set"] += len(numbered)


def _add_staff(rows: list[dict], user_ids: list[int], now: datetime, counts: Counter) -> None:
    names = sorted({row["facility"].lower() for row in rows if row["facility"]})
    facilities: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(names, LOOKUP_CHUNK):
        for facility_id, name in db.session.execute(
            select(Facility.id, Facility.name).where(func.lower(Facility.name).in_(chunk)).order_by(Facility.id)
        ):
            facilities[name.lower()].append(facility_id)
    wanted = {}
    for row, user_id in zip(rows, user_ids, strict=True):
        if row["facility"]:
            ids = facilities.get(row["facility"].lower()) or []
            if len(ids) == 1:
                wanted[(user_id, ids[0])] = True
    if not wanted:
        return
    existing = set()
    for chunk in _chunks(sorted({u for u, _f in wanted}), LOOKUP_CHUNK):
        staff = select(FacilityStaff.user_id, FacilityStaff.facility_id).where(FacilityStaff.user_id.in_(chunk))
        existing.update((user_id, facility_id) for user_id, facility_id in db.session.execute(staff))
    new = [key for key in wanted if key not in existing]
    if new:
        db.session.execute(
            insert(FacilityStaff.__table__),
            [
                {"user_id": u, "facility_id": f, "status": MembershipStatus.INVITED.value, "created_at": now}
                for u, f in new
            ],  # fmt: skip
        )
    counts["staff_invited"] += len(new)


def imported_user_ids(member_import: MemberImport) -> list[int]:
    """The accounts the import's rows were applied to (for "enrol them into a cohort")."""
    return list(
        db.session.execute(
            select(MemberImportRow.user_id)
            .where(MemberImportRow.import_id == member_import.id, MemberImportRow.user_id.is_not(None))
            .order_by(MemberImportRow.row)
        ).scalars()
    )


def recent_imports(organization_id: int, limit: int = 10) -> list[MemberImport]:
    return list(
        db.session.execute(
            select(MemberImport)
            .where(MemberImport.organization_id == organization_id)
            .order_by(MemberImport.id.desc())
            .limit(limit)
        ).scalars()
    )


def stalled(member_import: MemberImport, now: datetime, after_seconds: int = 60) -> bool:
    """A running import whose worker has been silent for long (the process stopped): it may be resumed."""
    beat = member_import.heartbeat_at or member_import.confirmed_at
    silent = beat is None or (now - beat).total_seconds() > after_seconds
    return member_import.status == ImportStatus.RUNNING and silent


def send_next_invitations(import_id: int, link_for: Callable[[User], str], limit: int = LOOKUP_CHUNK) -> int:
    """E-mail the next people the import created their set-password link, and note it (the caller commits);
    returns how many were sent, 0 when none are left. Sending after the import keeps slow mail out of it."""
    from lms.core.mail import send_mail

    due = list(
        db.session.execute(
            select(MemberImportRow.id, User)
            .join(User, MemberImportRow.user_id == User.id)
            .where(MemberImportRow.import_id == import_id, MemberImportRow.invitation_due.is_(True))
            .order_by(MemberImportRow.row)
            .limit(limit)
        ).all()
    )
    if not due:
        return 0
    organization_name = db.session.get(MemberImport, import_id).organization.name
    for _row_id, user in due:
        if user.password_hash.startswith(INVITED_PASSWORD_PREFIX):  # not if she has set a password meanwhile
            send_mail(
                user.email,
                str(_l("Lentera: %(organization)s invites you", organization=organization_name)),
                str(
                    _l(
                        "%(organization)s added you to its members on Lentera, the training platform for health "
                        "workers. Choose your password with this link (it works for 14 days):\n%(link)s\n\n"
                        "If you do not want an account, ignore this message.",
                        organization=organization_name,
                        link=link_for(user),
                    )
                ),
            )
    db.session.execute(
        update(MemberImportRow)
        .where(MemberImportRow.id.in_([row_id for row_id, _user in due]))
        .values(invitation_due=False)
    )
    return len(due)


def count_rows(import_id: int) -> int:
    return db.session.execute(
        select(func.count(MemberImportRow.id)).where(MemberImportRow.import_id == import_id)
    ).scalar_one()
