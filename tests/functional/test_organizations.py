import re

import pytest
from sqlalchemy import select

from lms.accounts.models import Membership, Organization, Role
from lms.core.audit import AuditEntry, AuditLogIsAppendOnly
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import make_organization, make_user
from tests.functional.test_accounts import _outbox_to


def _audit_actions(organization_id=None):
    stmt = select(AuditEntry.action).order_by(AuditEntry.id)
    if organization_id:
        stmt = stmt.where(AuditEntry.organization_id == organization_id)
    return db.session.execute(stmt).scalars().all()


def test_platform_admin_creates_organization_with_region(client, auth, app_ctx):
    make_user("root@example.test", is_platform_admin=True)
    auth.login("root@example.test")
    data = {
        "slug": "pkm-tanjung",
        "name": "Puskesmas Tanjung Selor",
        "kind": "health_facility",
        "province": "Kalimantan Utara",
        "regency": "Kabupaten Bulungan",
    }
    response = client.post("/organizations/new", data=data)
    assert response.status_code == 302
    org = db.session.execute(select(Organization).where(Organization.slug == "pkm-tanjung")).scalar_one()
    assert (org.kind, org.province, org.regency) == (
        "health_facility",
        "Kalimantan Utara",
        "Kabupaten Bulungan",
    )
    assert _audit_actions(org.id) == ["organization.create"]
    duplicate = client.post("/organizations/new", data=data)
    assert duplicate.status_code == 200 and "pkm-tanjung" in duplicate.get_data(as_text=True)
    assert len(db.session.execute(select(Organization)).scalars().all()) == 1


def _invitation_link(email: str) -> str:
    """The path of the role invitation link in the last mail to `email` (kept in the outbox in the tests)."""
    body = _outbox_to(email)[-1].text
    return re.search(r"http://localhost(/role-invitations/\S+)", body).group(1)


def test_org_admin_gives_a_role_by_email_which_applies_when_accepted_and_is_removed_with_audit(client, auth, app_ctx):
    org = make_organization("ppni")
    make_user("admin@example.test", role=Role.ORG_ADMIN, organization=org)
    fasil = make_user("fasil@example.test", full_name="Budi Fasilitator")
    auth.login("admin@example.test")
    response = client.post(
        f"/organizations/{org.id}/members", data={"email": "Fasil@Example.test", "role": "facilitator"}
    )
    assert response.status_code == 302
    page = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert "Budi Fasilitator" not in page and "fasil@example.test" in page  # offered, not yet held
    assert db.session.execute(select(Membership).where(Membership.user_id == fasil.id)).first() is None
    link = _invitation_link("fasil@example.test")
    auth.logout()

    # Somebody else's account cannot take it with the link.
    make_user("other@example.test")
    auth.login("other@example.test")
    assert client.post(link).status_code == 403
    auth.logout()

    auth.login("fasil@example.test")
    assert "Fasilitator" in client.get(link).get_data(as_text=True)
    assert client.post(link).status_code == 302
    membership = db.session.execute(select(Membership).where(Membership.user_id == fasil.id)).scalar_one()
    assert membership.role == Role.FACILITATOR
    assert client.get(link).status_code == 404  # used once
    auth.logout()

    auth.login("admin@example.test")
    assert "Budi Fasilitator" in client.get(f"/organizations/{org.id}").get_data(as_text=True)
    client.post(f"/organizations/{org.id}/members/{membership.id}/remove")
    assert db.session.execute(select(Membership).where(Membership.user_id == fasil.id)).first() is None
    assert _audit_actions(org.id) == ["role.invite", "role.accept", "membership.remove"]
    audit_page = client.get(f"/organizations/{org.id}/audit").get_data(as_text=True)
    assert "role.invite" in audit_page and "membership.remove" in audit_page


def test_a_role_grant_answers_the_same_whether_or_not_the_email_has_an_account(client, auth, app_ctx):
    org = make_organization("ppni")
    make_user("admin@example.test", role=Role.ORG_ADMIN, organization=org)
    make_user("known@example.test", full_name="Kartika Dikenal", role=Role.FACILITATOR, organization=org)
    auth.login("admin@example.test")
    client.get(f"/organizations/{org.id}")  # shows the welcome message, so that only the answers' remain
    answers = {}
    for email in ("known@example.test", "ghost@example.test"):
        response = client.post(
            f"/organizations/{org.id}/members", data={"email": email, "role": "facilitator"}, follow_redirects=True
        )
        html = response.get_data(as_text=True).replace(email, "EMAIL")
        answers[email] = (response.status_code, re.findall(r'role="status">([^<]*)<', html))
    assert answers["known@example.test"] == answers["ghost@example.test"]
    assert answers["ghost@example.test"][0] == 200 and answers["ghost@example.test"][1]
    assert "No account" not in str(answers) and "Tidak ada akun" not in str(answers)
    # Both addresses got the same invitation e-mail, apart from the address in its link.
    known, ghost = _outbox_to("known@example.test")[-1], _outbox_to("ghost@example.test")[-1]
    assert known.subject == ghost.subject
    assert re.sub(r"/role-invitations/\S+", "", known.text) == re.sub(r"/role-invitations/\S+", "", ghost.text)
    assert _audit_actions(org.id) == ["role.invite", "role.invite"]


def test_the_api_answers_a_role_grant_the_same_whether_or_not_the_email_has_an_account(client, app_ctx):
    org = make_organization("ppni")
    make_user("admin@example.test", role=Role.ORG_ADMIN, organization=org)
    make_user("known@example.test")
    headers = {"Authorization": "Bearer " + api_token(client, "admin@example.test")}
    answers = [
        client.post(
            f"/api/v1/organizations/{org.id}/roles", json={"email": email, "role": "supervisor"}, headers=headers
        )  # fmt: skip
        for email in ("known@example.test", "ghost@example.test")
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert [a.get_json() | {"email": "?"} for a in answers] == [
        {"email": "?", "role": "supervisor", "status": "invited"}
    ] * 2


def test_admin_cannot_remove_own_admin_role(client, auth, app_ctx):
    org = make_organization("ppni")
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=org)
    auth.login("admin@example.test")
    client.post(f"/organizations/{org.id}/members/{admin.memberships[0].id}/remove")
    assert db.session.get(Membership, admin.memberships[0].id) is not None


def test_org_admin_edits_own_organization_name_but_not_its_kind_or_region(client, auth, app_ctx):
    org = make_organization("ppni", name="PPNI", province="Kalimantan Utara")
    make_user("admin@example.test", role=Role.ORG_ADMIN, organization=org)
    auth.login("admin@example.test")
    form = client.get(f"/organizations/{org.id}/edit").get_data(as_text=True)
    assert 'name="kind"' not in form and 'name="province"' not in form and 'name="regency"' not in form
    response = client.post(
        f"/organizations/{org.id}/edit",
        data={
            "slug": "changed",
            "name": "PPNI Kaltara",
            # What would make it a health office supervising all of Papua: ignored.
            "kind": "health_office",
            "province": "Papua",
            "regency": "Jayapura",
        },
    )
    assert response.status_code == 302
    db.session.refresh(org)
    assert (org.slug, org.name, org.kind, org.province, org.regency) == (
        "ppni",
        "PPNI Kaltara",
        "professional",
        "Kalimantan Utara",
        None,
    )
    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert entry.action == "organization.update" and entry.details["changes"] == {"name": ["PPNI", "PPNI Kaltara"]}


def test_the_service_refuses_an_org_admin_changing_kind_or_region(app_ctx):
    from lms.accounts import services
    from lms.core.errors import PermissionDenied

    org = make_organization("ppni", name="PPNI")
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=org)
    with pytest.raises(PermissionDenied):
        services.update_organization(admin, org, name="PPNI", kind="health_office")
    with pytest.raises(PermissionDenied):
        services.update_organization(admin, org, name="PPNI", province="Papua")
    # Sending the values it already has changes nothing and is allowed.
    services.update_organization(admin, org, name="PPNI", kind="professional", province="")


def test_platform_admin_sets_kind_and_region_and_it_is_audited(client, auth, app_ctx):
    org = make_organization("dinkes", name="Dinkes")
    make_user("root@example.test", is_platform_admin=True)
    auth.login("root@example.test")
    assert 'name="kind"' in client.get(f"/organizations/{org.id}/edit").get_data(as_text=True)
    response = client.post(
        f"/organizations/{org.id}/edit",
        data={"slug": "dinkes", "name": "Dinkes", "kind": "health_office", "province": "Papua"},
    )
    assert response.status_code == 302
    db.session.refresh(org)
    assert (org.kind, org.province) == ("health_office", "Papua")
    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert entry.details["changes"]["kind"] == ["professional", "health_office"]


def test_audit_log_is_append_only(app_ctx):
    from lms.core.audit import record_audit

    org = make_organization()
    record_audit(None, "organization.test", org, org.id)
    db.session.commit()
    entry = db.session.execute(select(AuditEntry)).scalar_one()
    entry.action = "tampered"
    try:
        db.session.commit()
        raise AssertionError("update should be refused")
    except AuditLogIsAppendOnly:
        db.session.rollback()
    db.session.delete(db.session.execute(select(AuditEntry)).scalar_one())
    try:
        db.session.commit()
        raise AssertionError("delete should be refused")
    except AuditLogIsAppendOnly:
        db.session.rollback()
    assert db.session.execute(select(AuditEntry.action)).scalar_one() == "organization.test"


def test_the_audit_log_leaves_out_details_that_say_nothing(client, auth, app_ctx):
    """Issue 16: the log showed "reason: None" beside an entry; an empty detail is left out, the others stay (an action
    no feature describes shows its details as stored; the others are sentences)."""
    from lms.core.audit import record_audit

    org = make_organization("ppni")
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=org)
    record_audit(admin, "organization.retired_action", org, org.id, reason=None, note="", field="name")
    db.session.commit()
    auth.login("admin@example.test")
    page = client.get(f"/organizations/{org.id}/audit").get_data(as_text=True)
    assert "field: name" in page
    assert "reason:" not in page and "note:" not in page and "None" not in page
