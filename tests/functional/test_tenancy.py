"""An organization admin of PPNI can never read or change IBI's data, in pages or through the API."""

import pytest
from sqlalchemy import select

from lms.accounts.models import Membership, Role
from lms.core.audit import AuditEntry
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import make_organization, make_user


@pytest.fixture
def two_orgs(app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    ibi = make_organization("ibi", name="IBI")
    make_user("admin-ppni@example.test", role=Role.ORG_ADMIN, organization=ppni)
    ibi_admin = make_user("admin-ibi@example.test", role=Role.ORG_ADMIN, organization=ibi)
    ibi_membership = ibi_admin.memberships[0]
    return ppni, ibi, ibi_membership


def test_ppni_admin_gets_403_on_every_ibi_admin_page(client, auth, two_orgs):
    ppni, ibi, ibi_membership = two_orgs
    auth.login("admin-ppni@example.test")
    assert client.get(f"/organizations/{ppni.id}").status_code == 200
    for path in (
        f"/organizations/{ibi.id}",
        f"/organizations/{ibi.id}/edit",
        f"/organizations/{ibi.id}/audit",
    ):
        assert client.get(path).status_code == 403, path
    posts = {
        f"/organizations/{ibi.id}/edit": {"slug": "ibi", "name": "Hijacked", "kind": "professional"},
        f"/organizations/{ibi.id}/members": {"email": "admin-ppni@example.test", "role": "org_admin"},
        f"/organizations/{ibi.id}/members/{ibi_membership.id}/remove": {},
        # A PPNI URL with an IBI membership id is refused too.
        f"/organizations/{ppni.id}/members/{ibi_membership.id}/remove": {},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code in (403, 404), path
    db.session.expire_all()
    assert ibi.name == "IBI"
    assert db.session.get(Membership, ibi_membership.id) is not None
    ibi_admins = db.session.execute(
        select(Membership.user_id).where(Membership.organization_id == ibi.id, Membership.role == Role.ORG_ADMIN)
    ).scalars()
    assert list(ibi_admins) == [ibi_membership.user_id]


def test_organization_list_shows_only_own(client, auth, two_orgs):
    auth.login("admin-ppni@example.test")
    page = client.get("/organizations").get_data(as_text=True)
    assert "PPNI" in page and "IBI" not in page


def test_platform_pages_refused_to_org_admins(client, auth, two_orgs):
    auth.login("admin-ppni@example.test")
    assert client.get("/organizations/new").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_learner_cannot_open_admin_pages(client, auth, two_orgs):
    ppni, _ibi, _m = two_orgs
    make_user("learner@example.test", role=Role.MEMBER, organization=ppni)
    auth.login("learner@example.test")
    assert client.get("/organizations").status_code == 403
    assert client.get(f"/organizations/{ppni.id}").status_code == 403


def test_api_scopes_organizations(client, two_orgs):
    ppni, ibi, _m = two_orgs
    headers = {"Authorization": "Bearer " + api_token(client, "admin-ppni@example.test")}
    listed = client.get("/api/v1/organizations", headers=headers).get_json()
    assert [o["slug"] for o in listed] == ["ppni"]
    assert client.get(f"/api/v1/organizations/{ppni.id}", headers=headers).status_code == 200
    for path in (f"/api/v1/organizations/{ibi.id}", f"/api/v1/organizations/{ibi.id}/members"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
    response = client.post(
        f"/api/v1/organizations/{ibi.id}/roles",
        json={"email": "admin-ppni@example.test", "role": "org_admin"},
        headers=headers,
    )
    assert response.status_code == 404
    assert not db.session.execute(select(AuditEntry).where(AuditEntry.organization_id == ibi.id)).scalars().all()


def test_api_org_admin_adds_member_to_own_organization(client, two_orgs):
    ppni, _ibi, _m = two_orgs
    make_user("fasil@example.test")
    headers = {"Authorization": "Bearer " + api_token(client, "admin-ppni@example.test")}
    response = client.post(
        f"/api/v1/organizations/{ppni.id}/roles",
        json={"email": "fasil@example.test", "role": "facilitator"},
        headers=headers,
    )
    assert response.status_code == 202, response.get_json()
    assert response.get_json() == {"email": "fasil@example.test", "role": "facilitator", "status": "invited"}
    again = client.post(
        f"/api/v1/organizations/{ppni.id}/roles",
        json={"email": "fasil@example.test", "role": "facilitator"},
        headers=headers,
    )
    assert again.status_code == 202 and again.get_json() == response.get_json()  # sent again, one open invitation
    bad = client.post(
        f"/api/v1/organizations/{ppni.id}/roles",
        json={"email": "not-an-email", "role": "king"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["json"]) == {"email", "role"}
