"""Demo organizations and logins for `lms demo` (idempotent; never used outside demos and tests)."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.facilities import facility_by_code, join_facility, load_facilities
from lms.accounts.memberships import confirm_request, request_membership
from lms.accounts.models import (
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    Role,
    TimeZone,
    User,
    WorkerMembership,
)
from lms.accounts.services import find_user_by_email, hash_password
from lms.extensions import db

DEMO_PASSWORD = "lentera-demo"

DEMO_ORGANIZATIONS = [
    {
        "slug": "ppni",
        "name": "Persatuan Perawat Nasional Indonesia (PPNI)",
        "kind": OrganizationKind.PROFESSIONAL,
    },
    {"slug": "ibi", "name": "Ikatan Bidan Indonesia (IBI)", "kind": OrganizationKind.PROFESSIONAL},
    {"slug": "idi", "name": "Ikatan Dokter Indonesia (IDI)", "kind": OrganizationKind.PROFESSIONAL},
    {
        "slug": "dinkes-kaltara",
        "name": "Dinas Kesehatan Provinsi Kalimantan Utara",
        "kind": OrganizationKind.HEALTH_OFFICE,
        "province": "Kalimantan Utara",
    },
]

DEMO_FACILITY = "DEMO-PKM-TANALILI"
# email → (organization slug, membership number): confirmed members, with their consent, staff of DEMO_FACILITY
DEMO_WORKERS = {
    "perawat@lentera.test": ("ppni", "PPNI-6501-0001234"),
    "bidan@lentera.test": ("ibi", "IBI-6501-0005678"),
}

# email, name as on STR, profession, facility, time zone, platform admin, [(organization slug, role)], description
DEMO_USERS = [
    ("admin@lentera.test", "Admin Lentera", None, None, TimeZone.WIB, True, [], "platform admin"),
    (
        "ppni@lentera.test",
        "Sri Wahyuni, S.Kep., Ns.",
        "perawat",
        None,
        TimeZone.WIB,
        False,
        [("ppni", Role.ORG_ADMIN)],
        "organization admin, PPNI",
    ),
    (
        "fasilitator@lentera.test",
        "Budi Santoso, S.Kep., Ns., M.Kep.",
        "perawat",
        None,
        TimeZone.WIB,
        False,
        [("ppni", Role.FACILITATOR)],
        "facilitator, PPNI",
    ),
    (
        "perawat@lentera.test",
        "Rina Marlina, A.Md.Kep.",
        "perawat",
        "Puskesmas Tanalili",
        TimeZone.WITA,
        False,
        [],
        "learner, nurse",
    ),
    (
        "bidan@lentera.test",
        "Siti Aminah, A.Md.Keb.",
        "bidan",
        "Puskesmas Tanalili",
        TimeZone.WITA,
        False,
        [],
        "learner, midwife",
    ),
    (
        "dinkes@lentera.test",
        "dr. Yohanes Lading",
        "dokter",
        None,
        TimeZone.WITA,
        False,
        [("dinkes-kaltara", Role.SUPERVISOR)],
        "supervisor, Dinkes Provinsi Kalimantan Utara",
    ),
]

DEMO_NIKS = {"perawat@lentera.test": "6501044507900001", "bidan@lentera.test": "6501045203880002"}


def load_demo_accounts() -> list[tuple[User, str]]:
    organizations = {}
    for spec in DEMO_ORGANIZATIONS:
        org = db.session.execute(select(Organization).where(Organization.slug == spec["slug"])).scalar_one_or_none()
        if org is None:
            org = Organization(**spec)
            db.session.add(org)
        organizations[spec["slug"]] = org
    db.session.flush()

    created = []
    for email, name, profession, facility, zone, platform_admin, roles, description in DEMO_USERS:
        user = find_user_by_email(email)
        if user is None:
            user = User(
                email=email,
                password_hash=hash_password(DEMO_PASSWORD),
                full_name=name,
                profession_code=profession,
                facility=facility,
                timezone=zone,
                nik=DEMO_NIKS.get(email),
                is_platform_admin=platform_admin,
            )
            db.session.add(user)
            db.session.flush()
        for slug, role in roles:
            if role not in user.roles_in(organizations[slug].id):
                db.session.add(Membership(user=user, organization=organizations[slug], role=role))
        created.append((user, description))
    db.session.flush()
    _load_demo_workers(organizations)
    return created


def _load_demo_workers(organizations: dict[str, Organization]) -> None:
    """The demo nurse and midwife: confirmed members of PPNI / IBI and staff of Puskesmas Tanalili, with their
    consents, so that the Dinkes supervisor sees them."""
    load_facilities()
    facility = facility_by_code(DEMO_FACILITY)
    for email, (slug, number) in DEMO_WORKERS.items():
        user = find_user_by_email(email)
        join_facility(user, facility, locale="id")
        organization = organizations[slug]
        membership = db.session.execute(
            select(WorkerMembership).where(
                WorkerMembership.user_id == user.id, WorkerMembership.organization_id == organization.id
            )
        ).scalar_one_or_none()
        if membership is None or membership.status != MembershipStatus.CONFIRMED:
            if membership is None or membership.status != MembershipStatus.REQUESTED:
                membership = request_membership(user, organization, membership_number=number, locale="id")
            if membership.status == MembershipStatus.REQUESTED:
                admin = find_user_by_email("admin@lentera.test")
                confirm_request(admin, membership, membership_number=number)
