"""Test data builders: make_user(), make_organization(), make_course_spec(); each feature adds a module here
(tests/factories/quizzes.py, attendance.py, certificates.py) with its own builders."""

from __future__ import annotations

import itertools

from lms.accounts.models import (
    Facility,
    FacilityKind,
    FacilityStaff,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
    WorkerMembership,
)
from lms.accounts.services import hash_password
from lms.core.models import utcnow
from lms.extensions import db

PASSWORD = "rahasia-sekali-123"
_counter = itertools.count(1)


def make_organization(slug: str | None = None, kind: OrganizationKind = OrganizationKind.PROFESSIONAL, **fields):
    n = next(_counter)
    org = Organization(slug=slug or f"org-{n}", name=fields.pop("name", f"Organisasi {n}"), kind=kind, **fields)
    db.session.add(org)
    db.session.commit()
    return org


def make_user(
    email: str | None = None,
    *,
    role: Role | None = None,
    organization: Organization | None = None,
    password: str = PASSWORD,
    **fields,
) -> User:
    n = next(_counter)
    user = User(
        email=email or f"user{n}@example.test",
        password_hash=hash_password(password),
        full_name=fields.pop("full_name", f"Pengguna {n}"),
        profession_code=fields.pop("profession_code", "perawat"),
        **fields,
    )
    db.session.add(user)
    if role is not None:
        db.session.add(Membership(user=user, organization=organization or make_organization(), role=role))
    db.session.commit()
    return user


def make_course_spec(code: str = "PPI-DASAR", organization: str = "ppni", **changes):
    """A small valid curriculum (two subjects, three lessons) as a CourseSpec."""
    from dataclasses import replace

    from lms.courses.curriculum import (
        CompetencySpec,
        CourseKind,
        CourseSpec,
        LessonSpec,
        Ranah,
        SubjectSpec,
        SubjectType,
    )

    spec = CourseSpec(
        code=code,
        title=f"Pelatihan {code}",
        summary="Ringkasan pelatihan untuk uji.",
        kind=CourseKind.PELATIHAN,
        organization=organization,
        target_professions=("perawat", "bidan"),
        skp_ranah=Ranah.PEMBELAJARAN,
        skp_value=None,
        accreditation_number=None,
        pass_mark=70,
        attendance_threshold=95,
        validity_months=36,
        competencies=(CompetencySpec("KOMP-1", "Kompetensi satu"),),
        subjects=(
            SubjectSpec(
                slug="01-kebijakan", title="Kebijakan", type=SubjectType.DASAR, jpl_t=2, jpl_p=0, jpl_pl=0,
                objectives=("Menjelaskan kebijakan",), lessons=(LessonSpec("Pengantar", 20, "Isi **pengantar**."),),
            ),
            SubjectSpec(
                slug="02-inti", title="Materi Inti", type=SubjectType.INTI, jpl_t=3, jpl_p=2, jpl_pl=1,
                objectives=("Melakukan prosedur",),
                lessons=(
                    LessonSpec("Langkah satu", 30, "Isi langkah satu."), LessonSpec("Langkah dua", 25, "Isi dua."),
                ),
            ),
        ),
    )  # fmt: skip
    return replace(spec, **changes)


def confirm_member(user: User, organization: Organization, number: str | None = None) -> WorkerMembership:
    """Make `user` a confirmed member of `organization` (as if she asked and the organization confirmed)."""
    membership = WorkerMembership(
        user_id=user.id,
        organization_id=organization.id,
        membership_number=number,
        status=MembershipStatus.CONFIRMED,
        requested_at=utcnow(),
        decided_at=utcnow(),
    )
    db.session.add(membership)
    db.session.commit()
    return membership


def make_member(organization: Organization, number: str | None = None, **fields) -> User:
    """A worker who is a confirmed member of `organization`."""
    user = make_user(**fields)
    confirm_member(user, organization, number)
    return user


def make_facility(
    code: str | None = None,
    *,
    name: str | None = None,
    kind: FacilityKind = FacilityKind.PUSKESMAS,
    province: str = "Kalimantan Utara",
    regency: str = "Kabupaten Bulungan",
) -> Facility:
    n = next(_counter)
    facility = Facility(
        code=code or f"F-{n}", name=name or f"Puskesmas {n}", kind=kind, province=province, regency=regency
    )
    db.session.add(facility)
    db.session.commit()
    return facility


def add_staff(user: User, facility: Facility, status: MembershipStatus = MembershipStatus.CONFIRMED) -> FacilityStaff:
    staff = FacilityStaff(user_id=user.id, facility_id=facility.id, status=status, decided_at=utcnow())
    db.session.add(staff)
    db.session.commit()
    return staff
