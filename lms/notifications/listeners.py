"""What the notifications feature does when other features announce something: write the notifications in the
same transaction (the e-mail follows after the commit, through a job)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from lms.extensions import db
from lms.notifications.links import site_path
from lms.notifications.services import Message, notify


def on_certificates_issued(certificate_ids: list[int]) -> None:
    from sqlalchemy import select

    from lms.certificates.models import Certificate

    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    # One query for a bulk issue (the certificates are usually in the session already).
    certificates = db.session.execute(
        select(Certificate.user_id, Certificate.public_id, Certificate.number, Certificate.token, Certificate.snapshot)
        .where(Certificate.id.in_(certificate_ids))
        .order_by(Certificate.id)
    ).all()
    notify(
        [
            Message(
                c.user_id,
                "certificate_issued",
                {
                    "number": c.number,
                    "course": c.snapshot["course_title"],
                    "verify_url": f"{public_url}/v/{c.token}",
                },
                site_path("certificates.my_certificate", public_id=c.public_id),
            )
            for c in certificates
        ]
    )


def on_certificate_status_changed(
    certificate_id: int, previous: str, status: str, reason: str | None, changed_at: datetime, **_
) -> None:
    from lms.certificates.models import Certificate

    certificate = db.session.get(Certificate, certificate_id)
    notify(
        [
            Message(
                certificate.user_id,
                "certificate_status",
                {
                    "number": certificate.number,
                    "course": certificate.snapshot["course_title"],
                    "status": status,
                    "previous": previous,
                    "reason": reason or "",
                },
                site_path("certificates.my_certificate", public_id=certificate.public_id),
            )
        ]
    )


def on_enrolment_decided(enrolment_id: int, user_id: int, cohort_id: int, approved: bool, reason: str, **_) -> None:
    from lms.courses.models import Cohort

    cohort = db.session.get(Cohort, cohort_id)
    notify(
        [
            Message(
                user_id,
                "enrolment_decided",
                {"cohort": cohort.name, "course": cohort.version.title, "approved": approved, "reason": reason},
                site_path("courses.enrolment", enrolment_id=enrolment_id),
            )
        ]
    )


def on_activity_reviewed(
    activity_id: int, user_id: int, approved: bool, title: str, skp_granted: str, reason: str, **_
) -> None:
    notify(
        [
            Message(
                user_id,
                "activity_reviewed",
                {"title": title, "approved": approved, "skp": skp_granted, "reason": reason},
                site_path("records.my_record"),
            )
        ]
    )


def on_membership_decided(membership_id: int, user_id: int | None, organization_id: int, status: str, decided_by_id,
                          **_) -> None:  # fmt: skip
    """The organization decided (not she herself: her own accept, decline or leave needs no message)."""
    from lms.accounts.models import Organization

    if user_id is None or decided_by_id == user_id:
        return
    organization = db.session.get(Organization, organization_id)
    notify(
        [
            Message(
                user_id,
                "membership_decided",
                {"organization": organization.name, "status": status},
                site_path("accounts.my_memberships"),
            )
        ]
    )


def _enrolment_links(cohort_id: int, user_ids: list[int]) -> dict[int, str]:
    """Each person's enrolment page in the cohort (one query for the whole cohort, however many are told)."""
    from sqlalchemy import select

    from lms.courses.models import Enrolment

    told = set(user_ids)
    rows = db.session.execute(select(Enrolment.user_id, Enrolment.id).where(Enrolment.cohort_id == cohort_id))
    return {user_id: site_path("courses.enrolment", enrolment_id=enrolment_id) for user_id, enrolment_id in rows
            if user_id in told}  # fmt: skip


def _cohort_params(cohort_id: int) -> dict:
    from lms.courses.models import Cohort

    cohort = db.session.get(Cohort, cohort_id)
    return {
        "cohort": cohort.name,
        "course": cohort.version.title,
        "organization": cohort.version.course.organization.name,
        "mode": str(cohort.mode),
    }


def on_cohort_cancelled(cohort_id: int, user_ids: list[int], reason: str, **_) -> None:
    """Everyone enrolled, waiting or asking is told the cohort is off, and why."""
    if not user_ids:
        return
    params, links = {**_cohort_params(cohort_id), "reason": reason}, _enrolment_links(cohort_id, user_ids)
    notify([Message(user_id, "cohort_cancelled", params, links.get(user_id, "")) for user_id in user_ids])


def on_cohort_changed(cohort_id: int, user_ids: list[int], changes: dict[str, list[str]], **_) -> None:
    """The active participants are told what changed: dates, place or link, mode (before and after)."""
    if not user_ids:
        return
    params, links = {**_cohort_params(cohort_id), "changes": changes}, _enrolment_links(cohort_id, user_ids)
    notify([Message(user_id, "cohort_changed", params, links.get(user_id, "")) for user_id in user_ids])


def on_role_changed(
    user_id: int, organization_id: int | None, role: str, change: str, changed_by_id: int | None, area: str | None, **_
) -> None:
    """Tell the person her role changed, whoever changed it (an organization's admin, the platform admin, or the
    platform admin's change of her organization's kind or region)."""
    from lms.accounts.models import Organization, User

    organization = db.session.get(Organization, organization_id) if organization_id else None
    changed_by = db.session.get(User, changed_by_id) if changed_by_id else None
    notify(
        [
            Message(
                user_id,
                "role_changed",
                {
                    "role": role,
                    "change": change,
                    "organization": organization.name if organization else "",
                    "by": changed_by.full_name if changed_by else "",
                    "area": area or "",
                },
                site_path("accounts.profile"),
            )
        ]
    )
