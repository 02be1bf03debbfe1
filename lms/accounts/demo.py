"""Demo organizations and logins for `lms demo` (idempotent; never used outside demos and tests)."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import Membership, Organization, OrganizationKind, Role, TimeZone, User
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
    {
        "slug": "pkm-tanalili",
        "name": "Puskesmas Tanalili",
        "kind": OrganizationKind.HEALTH_FACILITY,
        "province": "Kalimantan Utara",
        "regency": "Kabupaten Bulungan",
    },
]

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
        [("ppni", Role.MEMBER), ("pkm-tanalili", Role.MEMBER)],
        "learner, nurse",
    ),
    (
        "bidan@lentera.test",
        "Siti Aminah, A.Md.Keb.",
        "bidan",
        "Puskesmas Tanalili",
        TimeZone.WITA,
        False,
        [("ibi", Role.MEMBER), ("pkm-tanalili", Role.MEMBER)],
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
    return created
