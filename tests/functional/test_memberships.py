"""Membership by consent: registration files the workplace and the membership request with the consent's words; an
organization sees a worker's record only once confirmed; declined requests, accepted invitations, leaving; an
invitation never tells whether the e-mail has an account; admins of one organization cannot decide for another."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.accounts import memberships
from lms.accounts.events import membership_decided
from lms.accounts.facilities import load_facilities, shipped_facilities
from lms.accounts.models import (
    Consent,
    ConsentPurpose,
    Facility,
    FacilityStaff,
    MembershipStatus,
    OrganizationKind,
    Role,
    User,
    WorkerMembership,
)
from lms.core.audit import AuditEntry
from lms.core.errors import InvalidInput
from lms.core.mail import OutboxMessage
from lms.courses.curriculum import Ranah
from lms.extensions import db
from lms.records import services as record_services
from lms.records.models import EntrySource
from tests.conftest import Auth
from tests.factories import make_facility, make_organization, make_user

REGISTRATION = {
    "full_name": "Ns. Dewi Lestari, S.Kep.",
    "email": "dewi@example.test",
    "password": "perawat-hebat-2026",
    "confirm": "perawat-hebat-2026",
    "profession_code": "perawat",
    "timezone": "Asia/Makassar",
    "consent": "y",  # the registration consent (the platform's, beside the organization's sharing consent)
}


def world():
    ppni = make_organization("ppni", name="PPNI")
    ibi = make_organization("ibi", name="IBI")
    ppni_admin = make_user("admin@ppni.test", role=Role.ORG_ADMIN, organization=ppni)
    ibi_admin = make_user("admin@ibi.test", role=Role.ORG_ADMIN, organization=ibi)
    facility = make_facility("PKM-1", name="Puskesmas Tanalili")
    return ppni, ibi, ppni_admin, ibi_admin, facility


def credit(user, skp: str) -> None:
    record_services.post_entry(
        user.id,
        source=EntrySource.ACTIVITY,
        source_id=f"{user.id}-{skp}",
        ranah=Ranah.PEMBELAJARAN,
        skp=Decimal(skp),
        earned_on=date.today() - timedelta(days=3),
        title="Pelatihan",
    )
    db.session.commit()


def dashboard_ids(client, organization) -> set[str]:
    html = client.get(f"/organizations/{organization.id}/dashboard").get_data(as_text=True)
    return set(re.findall(r'data-member="(\d+)"', html))


def membership_of(user, organization) -> WorkerMembership:
    return db.session.execute(
        select(WorkerMembership).where(
            WorkerMembership.user_id == user.id, WorkerMembership.organization_id == organization.id
        )
    ).scalar_one()


def test_registration_files_workplace_and_membership_request_with_consent(client, app_ctx):
    ppni, _ibi, _a, _b, facility = world()
    form = client.get("/register").get_data(as_text=True)
    assert "Puskesmas Tanalili" in form and "PPNI" in form
    response = client.post(
        "/register",
        data={
            **REGISTRATION,
            "facility_id": str(facility.id),
            "organization_id": str(ppni.id),
            "membership_number": "ppni-123 ",
            "sharing_consent": "y",
        },
    )
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == "dewi@example.test")).scalar_one()
    membership = membership_of(user, ppni)
    assert (membership.status, membership.membership_number) == (MembershipStatus.REQUESTED, "PPNI-123")
    staff = db.session.execute(select(FacilityStaff)).scalar_one()
    assert (staff.user_id, staff.facility_id, staff.status) == (user.id, facility.id, MembershipStatus.CONFIRMED)
    consents = {c.purpose: c for c in db.session.execute(select(Consent)).scalars()}
    # One table holds them all: the registration consent beside the membership and facility ones.
    assert set(consents) == {
        ConsentPurpose.REGISTRATION,
        ConsentPurpose.ORGANIZATION_RECORD,
        ConsentPurpose.FACILITY_SUPERVISION,
    }
    assert "PPNI" in consents[ConsentPurpose.ORGANIZATION_RECORD].wording
    assert "Kabupaten Bulungan" in consents[ConsentPurpose.FACILITY_SUPERVISION].wording
    assert all(c.given_at is not None and c.withdrawn_at is None for c in consents.values())


def test_registration_without_the_consent_tick_files_nothing(client, app_ctx):
    ppni, _ibi, _a, _b, facility = world()
    response = client.post(
        "/register", data={**REGISTRATION, "facility_id": str(facility.id), "organization_id": str(ppni.id)}
    )
    assert response.status_code == 200
    assert db.session.execute(select(func.count(User.id))).scalar_one() == 2  # the two admins only
    assert db.session.execute(select(func.count(WorkerMembership.id))).scalar_one() == 0
    # Without a facility or organization, no tick is needed.
    assert client.post("/register", data=REGISTRATION).status_code == 302


def test_an_unconfirmed_member_is_invisible_to_the_organization_until_confirmed(client, app_ctx):
    ppni, _ibi, ppni_admin, _b, _f = world()
    nurse = make_user("nurse@example.test", full_name="Nina Perawat")
    credit(nurse, "12.5")
    auth = Auth(client)
    auth.login(nurse.email)
    assert (
        client.post(
            "/profile/memberships",
            data={"organization_id": str(ppni.id), "membership_number": "KTA-9", "sharing_consent": "y"},
        ).status_code
        == 302
    )
    auth.logout()

    auth.login(ppni_admin.email)
    assert str(nurse.id) not in dashboard_ids(client, ppni)
    assert "Nina Perawat" not in client.get(f"/organizations/{ppni.id}/dashboard.csv").get_data(as_text=True)
    # The request list shows what she filed for PPNI: her name and the number, not her SKP.
    requests = client.get(f"/organizations/{ppni.id}/memberships?status=requested").get_data(as_text=True)
    assert "Nina Perawat" in requests and "KTA-9" in requests and "12.5" not in requests
    assert "Nina Perawat" not in client.get(f"/organizations/{ppni.id}/memberships").get_data(as_text=True)

    membership = membership_of(nurse, ppni)
    response = client.post(
        f"/organizations/{ppni.id}/memberships/{membership.id}/confirm", data={"membership_number": "KTA-0009"}
    )
    assert response.status_code == 302
    assert str(nurse.id) in dashboard_ids(client, ppni)
    db.session.refresh(membership)
    assert membership.status == MembershipStatus.CONFIRMED and membership.membership_number == "KTA-0009"
    assert membership.decided_by_id == ppni_admin.id and membership.decided_at is not None
    audit = db.session.execute(select(AuditEntry.action).where(AuditEntry.organization_id == ppni.id)).scalars()
    assert "membership.confirm" in set(audit)
    # A second confirm is refused and changes nothing.
    client.post(f"/organizations/{ppni.id}/memberships/{membership.id}/confirm", data={"membership_number": "X"})
    db.session.refresh(membership)
    assert membership.membership_number == "KTA-0009"
    auth.logout()

    # She leaves: at once invisible again, and her consent is marked withdrawn.
    auth.login(nurse.email)
    assert client.post(f"/profile/memberships/{membership.id}/leave").status_code == 302
    auth.logout()
    auth.login(ppni_admin.email)
    assert str(nurse.id) not in dashboard_ids(client, ppni)
    consent = db.session.execute(select(Consent).where(Consent.user_id == nurse.id)).scalar_one()
    assert consent.withdrawn_at is not None


def test_invited_people_are_not_members_and_old_member_roles_count_for_nothing(client, app_ctx):
    ppni, _ibi, ppni_admin, _b, _f = world()
    old = make_user("old@example.test", role=Role.MEMBER, organization=ppni)
    auth = Auth(client)
    auth.login(ppni_admin.email)
    assert str(old.id) not in dashboard_ids(client, ppni)


def test_a_declined_request_stays_invisible_and_is_announced(client, app_ctx):
    ppni, _ibi, ppni_admin, _b, _f = world()
    heard = []

    def listener(**payload):
        heard.append(payload)

    membership_decided.connect(listener)
    try:
        nurse = make_user("nurse@example.test")
        membership = memberships.request_membership(nurse, ppni, membership_number="K1", locale="id")
        db.session.commit()
        auth = Auth(client)
        auth.login(ppni_admin.email)
        assert client.post(f"/organizations/{ppni.id}/memberships/{membership.id}/decline").status_code == 302
    finally:
        membership_decided.disconnect(listener)
    db.session.refresh(membership)
    assert membership.status == MembershipStatus.DECLINED and membership.decided_by_id == ppni_admin.id
    assert heard and heard[-1]["status"] == "declined" and heard[-1]["user_id"] == nurse.id
    assert str(nurse.id) not in dashboard_ids(client, ppni)
    consent = db.session.execute(select(Consent).where(Consent.user_id == nurse.id)).scalar_one()
    assert consent.withdrawn_at is not None
    # She can ask again later.
    again = memberships.request_membership(nurse, ppni, membership_number="K1", locale="id")
    assert again.id == membership.id and again.status == MembershipStatus.REQUESTED


def test_an_invitation_answers_the_same_for_known_and_unknown_emails_and_counts_once_accepted(client, app_ctx, caplog):
    ppni, _ibi, ppni_admin, _b, _f = world()
    known = make_user("known@example.test", full_name="Kartika Dikenal")
    auth = Auth(client)
    auth.login(ppni_admin.email)
    client.get("/")  # the welcome message is shown once, before the invitations
    answers = [
        client.post(
            f"/organizations/{ppni.id}/memberships/invite",
            data={"email": email, "membership_number": "KTA-1"},
            follow_redirects=True,
        )
        for email in ("known@example.test", "ghost@example.test")
    ]
    flashes = [
        re.findall(r'role="status">([^<]*)<', a.get_data(as_text=True).replace(email, "EMAIL"))
        for a, email in zip(answers, ("known@example.test", "ghost@example.test"), strict=True)
    ]
    assert answers[0].status_code == answers[1].status_code == 200
    assert flashes[0] == flashes[1] and flashes[0]
    invited = client.get(f"/organizations/{ppni.id}/memberships?status=invited").get_data(as_text=True)
    assert "known@example.test" in invited and "ghost@example.test" in invited
    assert "Kartika Dikenal" not in invited
    # Without an SMTP server each mail waits in the outbox: one invitation to each address, account or not.
    sent = db.session.execute(select(OutboxMessage.recipient).order_by(OutboxMessage.recipient)).scalars().all()
    assert sent == ["ghost@example.test", "known@example.test"]
    assert str(known.id) not in dashboard_ids(client, ppni)
    auth.logout()

    # She accepts on her profile: now a member, with her consent recorded.
    auth.login(known.email)
    page = client.get("/profile/memberships").get_data(as_text=True)
    assert "PPNI" in page and ("Accept" in page or "Terima" in page)
    invitation = membership_of(known, ppni)
    assert client.post(f"/profile/memberships/{invitation.id}/accept").status_code == 302
    db.session.refresh(invitation)
    assert invitation.status == MembershipStatus.CONFIRMED and invitation.decided_by_id == known.id
    assert db.session.execute(select(Consent).where(Consent.user_id == known.id)).scalar_one()
    auth.logout()
    auth.login(ppni_admin.email)
    assert str(known.id) in dashboard_ids(client, ppni)
    auth.logout()

    # The address without an account registers later and finds the invitation waiting.
    assert client.post("/register", data={**REGISTRATION, "email": "ghost@example.test"}).status_code == 302
    ghost = db.session.execute(select(User).where(User.email == "ghost@example.test")).scalar_one()
    assert membership_of(ghost, ppni).status == MembershipStatus.INVITED


def test_a_declined_invitation_changes_nothing_for_the_organization(client, app_ctx):
    ppni, _ibi, ppni_admin, _b, _f = world()
    nurse = make_user("nurse@example.test")
    memberships.invite_member(ppni_admin, ppni, email=nurse.email, membership_number=None, register_url="")
    db.session.commit()
    invitation = membership_of(nurse, ppni)
    auth = Auth(client)
    auth.login(nurse.email)
    assert client.post(f"/profile/memberships/{invitation.id}/decline").status_code == 302
    db.session.refresh(invitation)
    assert invitation.status == MembershipStatus.DECLINED
    # Accepting after declining is refused.
    client.post(f"/profile/memberships/{invitation.id}/accept")
    db.session.refresh(invitation)
    assert invitation.status == MembershipStatus.DECLINED


def test_another_organizations_admin_cannot_see_or_decide_requests(client, app_ctx):
    ppni, ibi, _ppni_admin, ibi_admin, _f = world()
    nurse = make_user("nurse@example.test", full_name="Nina Perawat")
    membership = memberships.request_membership(nurse, ppni, membership_number="K1", locale="id")
    db.session.commit()
    auth = Auth(client)
    auth.login(ibi_admin.email)
    assert client.get(f"/organizations/{ppni.id}/memberships?status=requested").status_code == 403
    assert client.post(f"/organizations/{ppni.id}/memberships/{membership.id}/confirm").status_code == 403
    # Through its own organization's address the row is not found.
    client.post(f"/organizations/{ibi.id}/memberships/{membership.id}/confirm")
    db.session.refresh(membership)
    assert membership.status == MembershipStatus.REQUESTED


def test_a_worker_cannot_act_on_someone_elses_membership(client, app_ctx):
    ppni, _ibi, _a, _b, _f = world()
    nurse = make_user("nurse@example.test")
    other = make_user("other@example.test")
    membership = memberships.request_membership(nurse, ppni, membership_number=None, locale="id")
    db.session.commit()
    auth = Auth(client)
    auth.login(other.email)
    client.post(f"/profile/memberships/{membership.id}/leave")
    db.session.refresh(membership)
    assert membership.status == MembershipStatus.REQUESTED


def test_members_join_only_professional_organizations(app_ctx):
    office = make_organization("dinkes", OrganizationKind.HEALTH_OFFICE)
    nurse = make_user("nurse@example.test")
    with pytest.raises(InvalidInput):
        memberships.request_membership(nurse, office, membership_number=None, locale="id")


def test_profile_page_lists_memberships_facilities_and_consents_and_leaving_a_facility(client, app_ctx):
    _ppni, _ibi, _a, _b, facility = world()
    nurse = make_user("nurse@example.test")
    auth = Auth(client)
    auth.login(nurse.email)
    refused = client.post("/profile/facilities", data={"facility_id": str(facility.id)})
    assert refused.status_code == 422
    assert (
        client.post("/profile/facilities", data={"facility_id": str(facility.id), "sharing_consent": "y"}).status_code
        == 302
    )  # noqa: E501
    page = client.get("/profile/memberships").get_data(as_text=True)
    assert "Puskesmas Tanalili" in page and "Kabupaten Bulungan" in page
    staff = db.session.execute(select(FacilityStaff)).scalar_one()
    assert client.post(f"/profile/facilities/{staff.id}/leave").status_code == 302
    db.session.refresh(staff)
    assert staff.status == MembershipStatus.LEFT


def test_shipped_facilities_load_once_and_the_platform_admin_adds_one(client, app_ctx):
    assert load_facilities() == len(shipped_facilities()) > 10
    assert load_facilities() == 0
    admin = make_user("root@example.test", is_platform_admin=True)
    auth = Auth(client)
    auth.login(admin.email)
    data = {"code": "RS-X-1", "name": "RS Baru", "kind": "rumah_sakit", "province": "Kalimantan Utara",
            "regency": "Kota Tarakan"}  # fmt: skip
    assert client.post("/admin/facilities", data=data).status_code == 302
    assert client.post("/admin/facilities", data=data).status_code == 409
    assert client.post("/admin/facilities", data={**data, "code": "", "name": ""}).status_code == 422
    assert db.session.execute(select(func.count(Facility.id)).where(Facility.code == "RS-X-1")).scalar_one() == 1
    auth.logout()
    auth.login(make_user("x@example.test").email)
    assert client.get("/admin/facilities").status_code == 403


def test_the_worker_is_notified_of_the_organizations_decision_not_of_her_own(client, app_ctx):
    from lms.notifications.models import Notification

    ppni, _ibi, ppni_admin, _b, _f = world()
    nurse = make_user("nurse@example.test")
    confirmed = memberships.request_membership(nurse, ppni, membership_number="K1", locale="id")
    memberships.confirm_request(ppni_admin, confirmed)
    db.session.commit()
    notes = db.session.execute(select(Notification).where(Notification.user_id == nurse.id)).scalars().all()
    assert [(n.kind, n.params["status"]) for n in notes] == [("membership_decided", "confirmed")]
    memberships.leave_organization(nurse, confirmed.id)
    db.session.commit()
    assert len(db.session.execute(select(Notification).where(Notification.user_id == nurse.id)).all()) == 1
    Auth(client).login(nurse.email)
    listed = client.get("/api/v1/me/notifications").get_data(as_text=True)
    assert "PPNI" in listed


def test_my_data_shows_and_downloads_every_consent_from_the_one_table(client, auth, app_ctx):
    ppni, _ibi, _a, _b, facility = world()
    data = {**REGISTRATION, "facility_id": str(facility.id), "organization_id": str(ppni.id), "sharing_consent": "y"}
    assert client.post("/register", data=data).status_code == 302
    auth.login(REGISTRATION["email"].lower(), REGISTRATION["password"])
    page = client.get("/my/data").get_data(as_text=True)
    consents_section = page.split('id="consents"')[1].split("</section>")[0]
    # Each is quoted in the language she agreed in, marked so (an English page may quote Indonesian words).
    assert consents_section.count('<blockquote lang="id">') == 3 and "PPNI" in consents_section
    downloaded = client.get("/my/data.json").get_json()["consents"]
    assert {c["purpose"] for c in downloaded} == {"registration", "organization_record", "facility_supervision"}
    by_purpose = {c["purpose"]: c for c in downloaded}
    assert by_purpose["organization_record"]["organization"] == ppni.name
    assert by_purpose["facility_supervision"]["facility"] == facility.name
    assert all(c["given_at"] and c["withdrawn_at"] is None for c in downloaded)
