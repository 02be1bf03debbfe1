"""Health facilities as data (lms/data/facilities.yaml or added by the platform admin) and who works where.

Saying where she works is the worker's own act: it is confirmed at once, with her consent that the health office
over the facility's area sees her SKP standing and SIP renewal date; an import only invites her."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.consent import give_consent, withdraw_consent
from lms.accounts.models import (
    ConsentPurpose,
    Facility,
    FacilityKind,
    FacilityStaff,
    MembershipStatus,
    User,
)
from lms.core.audit import record_audit
from lms.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms.core.models import utcnow
from lms.extensions import db

FACILITIES_FILE = Path(__file__).resolve().parent.parent / "data" / "facilities.yaml"


@dataclass(frozen=True)
class FacilitySpec:
    code: str
    name: str
    kind: FacilityKind
    province: str
    regency: str


@cache
def shipped_facilities() -> tuple[FacilitySpec, ...]:
    data = yaml.safe_load(FACILITIES_FILE.read_text(encoding="utf-8"))
    return tuple(
        FacilitySpec(str(f["code"]), str(f["name"]), FacilityKind(f["kind"]), str(f["province"]), str(f["regency"]))
        for f in data["facilities"]
    )


def load_facilities(specs: tuple[FacilitySpec, ...] | None = None) -> int:
    """Add the facilities not yet present (by code, or by name and area for one made from an old organization);
    returns how many were added. Running it again adds nothing."""
    specs = shipped_facilities() if specs is None else specs
    present = db.session.execute(select(Facility.code, Facility.name, Facility.regency)).all()
    codes = {code for code, _name, _regency in present}
    places = {(name, regency) for _code, name, regency in present}
    added = 0
    for spec in specs:
        if spec.code in codes or (spec.name, spec.regency) in places:
            continue
        db.session.add(
            Facility(code=spec.code, name=spec.name, kind=spec.kind, province=spec.province, regency=spec.regency)
        )
        added += 1
    db.session.flush()
    return added


def create_facility(actor: User, *, code: str, name: str, kind: str, province: str, regency: str) -> Facility:
    """The platform admin adds a facility (audited)."""
    if not actor.is_platform_admin:
        raise PermissionDenied()
    code, name = code.strip().upper(), " ".join(name.split())
    province, regency = " ".join(province.split()), " ".join(regency.split())
    if not (code and name and province and regency):
        raise InvalidInput(_l("Give the facility's code, name, province and regency."))
    if kind not in {k.value for k in FacilityKind}:
        raise InvalidInput(_l("Choose the kind of facility from the list."))
    if db.session.execute(select(Facility.id).where(Facility.code == code)).first():
        raise Conflict(_l("A facility with the code %(code)s already exists.", code=code))
    facility = Facility(code=code, name=name, kind=FacilityKind(kind), province=province, regency=regency)
    db.session.add(facility)
    db.session.flush()
    record_audit(actor, "facility.create", facility, None, code=code, name=name, province=province, regency=regency)
    return facility


def all_facilities() -> list[Facility]:
    return list(
        db.session.execute(select(Facility).order_by(Facility.province, Facility.regency, Facility.name)).scalars()
    )


def facility_by_code(code: str) -> Facility | None:
    return db.session.execute(select(Facility).where(Facility.code == code)).scalar_one_or_none()


def facility_supervision_wording(facility: Facility) -> str:
    return str(
        _l(
            "I work at %(facility)s. The health office (Dinas Kesehatan) over %(regency)s, %(province)s may see my "
            "SKP standing per ranah, my SIP renewal date and the competencies on my certificates, to supervise "
            "the facility. I can withdraw this by leaving the facility in my profile.",
            facility=facility.name,
            regency=facility.regency,
            province=facility.province,
        )
    )


def staff_places(user: User) -> list[FacilityStaff]:
    """Where she works or was invited to, current first."""
    rows = db.session.execute(
        select(FacilityStaff).where(
            FacilityStaff.user_id == user.id,
            FacilityStaff.status.in_([MembershipStatus.CONFIRMED, MembershipStatus.INVITED]),
        )
    ).scalars()
    return sorted(rows, key=lambda s: (s.status != MembershipStatus.CONFIRMED, s.facility.name))


def _staff_row(user: User, facility: Facility) -> FacilityStaff | None:
    return db.session.execute(
        select(FacilityStaff).where(FacilityStaff.user_id == user.id, FacilityStaff.facility_id == facility.id)
    ).scalar_one_or_none()


def join_facility(user: User, facility: Facility, *, locale: str) -> FacilityStaff:
    """She says she works at `facility` (or accepts an invitation to it): confirmed, with her consent recorded."""
    staff = _staff_row(user, facility)
    if staff is not None and staff.status == MembershipStatus.CONFIRMED:
        return staff
    if staff is None:
        staff = FacilityStaff(user_id=user.id, facility_id=facility.id, status=MembershipStatus.CONFIRMED)
        db.session.add(staff)
    staff.status, staff.decided_at = MembershipStatus.CONFIRMED, utcnow()
    user.facility = facility.name
    db.session.flush()
    give_consent(
        user,
        ConsentPurpose.FACILITY_SUPERVISION,
        facility_supervision_wording(facility),
        locale=locale,
        facility_id=facility.id,
    )
    record_audit(user, "facility_staff.join", staff, None, facility_id=facility.id, facility=facility.name)
    return staff


def invite_to_facility(user: User, facility: Facility) -> FacilityStaff:
    """An import says she works at `facility`: an invitation she accepts or declines; nothing is shared before."""
    staff = _staff_row(user, facility)
    if staff is None:
        staff = FacilityStaff(user_id=user.id, facility_id=facility.id, status=MembershipStatus.INVITED)
        db.session.add(staff)
        db.session.flush()
    return staff


def leave_facility(user: User, staff_id: int) -> FacilityStaff:
    """She no longer works there, or declines the invitation: the health office stops seeing her."""
    staff = db.session.get(FacilityStaff, staff_id)
    if staff is None or staff.user_id != user.id:
        raise NotFound()
    was_confirmed = staff.status == MembershipStatus.CONFIRMED
    staff.status = MembershipStatus.LEFT if was_confirmed else MembershipStatus.DECLINED
    staff.decided_at = utcnow()
    if was_confirmed:
        withdraw_consent(user, ConsentPurpose.FACILITY_SUPERVISION, facility_id=staff.facility_id)
        if user.facility == staff.facility.name:
            user.facility = None
    record_audit(user, "facility_staff.leave", staff, None, facility_id=staff.facility_id, status=staff.status.value)
    return staff
