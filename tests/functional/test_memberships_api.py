"""API of memberships: an organization's confirmed members with number and facility, requests confirmed or
declined, invitations that never tell whether an e-mail has an account, the worker's side; every response checked
against the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts import memberships
from lms.accounts.models import MembershipStatus, Role, WorkerMembership
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import add_staff, confirm_member, make_facility, make_organization, make_user
from tests.openapi_contract import check_response

MEMBERS = "/api/v1/organizations/{organization_id}/members"
REQUESTS = "/api/v1/organizations/{organization_id}/membership-requests"
CONFIRM = "/api/v1/organizations/{organization_id}/membership-requests/{membership_id}/confirm"
DECLINE = "/api/v1/organizations/{organization_id}/membership-requests/{membership_id}/decline"
INVITE = "/api/v1/organizations/{organization_id}/invitations"
MY = "/api/v1/me/memberships"
ACCEPT = "/api/v1/me/memberships/{membership_id}/accept"
LEAVE = "/api/v1/me/memberships/{membership_id}/leave"


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def world(app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    ibi = make_organization("ibi", name="IBI")
    admin = make_user("admin@ppni.test", role=Role.ORG_ADMIN, organization=ppni)
    ibi_admin = make_user("admin@ibi.test", role=Role.ORG_ADMIN, organization=ibi)
    facility = make_facility("PKM-1", name="Puskesmas Tanalili")
    member = make_user("rina@x.test", full_name="Rina Anggota")
    confirm_member(member, ppni, "KTA-0001")
    add_staff(member, facility)
    asking = make_user("sari@x.test", full_name="Sari Meminta")
    request = memberships.request_membership(asking, ppni, membership_number="KTA-0002", locale="id")
    db.session.commit()
    return {"ppni": ppni, "ibi": ibi, "admin": admin, "ibi_admin": ibi_admin, "member": member, "asking": asking,
            "request": request}  # fmt: skip


def bearer(client, email):
    return {"Authorization": "Bearer " + api_token(client, email)}


def call(client, spec, method, template, headers=None, json=None, query=None, **ids):
    response = client.open(template.format(**ids), method=method, headers=headers or {}, json=json, query_string=query)
    check_response(spec, method, template, response)
    return response


def test_members_are_the_confirmed_ones_with_number_and_facility(client, spec, world):
    headers = bearer(client, "admin@ppni.test")
    response = call(client, spec, "GET", MEMBERS, headers, organization_id=world["ppni"].id)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1 and body["page"] == 1
    [row] = body["members"]
    assert (row["full_name"], row["membership_number"], row["facility"], row["status"]) == (
        "Rina Anggota", "KTA-0001", "Puskesmas Tanalili", "confirmed",
    )  # fmt: skip
    other = call(client, spec, "GET", MEMBERS, bearer(client, "admin@ibi.test"), organization_id=world["ppni"].id)
    assert other.status_code == 404
    assert call(client, spec, "GET", MEMBERS, organization_id=world["ppni"].id).status_code == 401
    bad = call(client, spec, "GET", MEMBERS, headers, query={"per_page": "0"}, organization_id=world["ppni"].id)
    assert bad.status_code == 422 and "per_page" in bad.get_json()["error"]["details"]["query"]


def test_requests_are_listed_confirmed_and_declined(client, spec, world):
    headers = bearer(client, "admin@ppni.test")
    ppni = world["ppni"]
    listed = call(client, spec, "GET", REQUESTS, headers, organization_id=ppni.id).get_json()
    assert [r["full_name"] for r in listed["members"]] == ["Sari Meminta"]
    request_id = world["request"].id
    confirmed = call(client, spec, "POST", CONFIRM, headers, json={"membership_number": "KTA-0002"},
                     organization_id=ppni.id, membership_id=request_id)  # fmt: skip
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    again = call(client, spec, "POST", DECLINE, headers, organization_id=ppni.id, membership_id=request_id)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    members = call(client, spec, "GET", MEMBERS, headers, organization_id=ppni.id).get_json()
    assert {m["full_name"] for m in members["members"]} == {"Rina Anggota", "Sari Meminta"}
    # The number of a confirmed member cannot be given to another.
    third = make_user("tia@x.test")
    pending = memberships.request_membership(third, ppni, membership_number="KTA-0001", locale="id")
    db.session.commit()
    taken = call(client, spec, "POST", CONFIRM, headers, json={}, organization_id=ppni.id, membership_id=pending.id)
    assert taken.status_code == 409
    declined = call(client, spec, "POST", DECLINE, headers, organization_id=ppni.id, membership_id=pending.id)
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    # Another organization's admin finds nothing to decide.
    foreign = call(client, spec, "POST", CONFIRM, bearer(client, "admin@ibi.test"), json={},
                   organization_id=world["ibi"].id, membership_id=pending.id)  # fmt: skip
    assert foreign.status_code == 404


def test_invitations_answer_the_same_and_are_accepted_by_the_worker(client, spec, world):
    headers = bearer(client, "admin@ppni.test")
    ppni = world["ppni"]
    make_user("known@x.test")
    answers = [
        call(client, spec, "POST", INVITE, headers, json={"email": email}, organization_id=ppni.id)
        for email in ("known@x.test", "nobody@x.test")
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].get_json() == answers[1].get_json() == {"status": "sent"}
    invited = call(client, spec, "GET", REQUESTS, headers, query={"status": "invited"}, organization_id=ppni.id)
    rows = invited.get_json()["members"]
    assert sorted(r["email"] for r in rows) == ["known@x.test", "nobody@x.test"]
    assert all(r["user_id"] is None and r["full_name"] == "" for r in rows)
    bad = call(client, spec, "POST", INVITE, headers, json={"email": "nope"}, organization_id=ppni.id)
    assert bad.status_code == 422

    worker = bearer(client, "known@x.test")
    mine = call(client, spec, "GET", MY, worker).get_json()
    assert [(m["organization_name"], m["status"]) for m in mine] == [("PPNI", "invited")]
    accepted = call(client, spec, "POST", ACCEPT, worker, membership_id=mine[0]["id"])
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "confirmed"
    twice = call(client, spec, "POST", ACCEPT, worker, membership_id=mine[0]["id"])
    assert twice.status_code == 409
    left = call(client, spec, "POST", LEAVE, worker, membership_id=mine[0]["id"])
    assert left.status_code == 200 and left.get_json()["status"] == "left"
    # Someone else's membership is not found.
    assert call(client, spec, "POST", LEAVE, worker, membership_id=world["request"].id).status_code == 404


def test_a_worker_requests_with_consent_only(client, spec, world):
    worker = bearer(client, "sari@x.test")
    ibi = world["ibi"]
    refused = call(client, spec, "POST", MY, worker, json={"organization_id": ibi.id, "consent": False})
    assert refused.status_code == 422 and "consent" in refused.get_json()["error"]["details"]["json"]
    made = call(client, spec, "POST", MY, worker,
                json={"organization_id": ibi.id, "membership_number": "ibi 7", "consent": True})  # fmt: skip
    assert made.status_code == 201 and made.get_json()["status"] == "requested"
    assert made.get_json()["membership_number"] == "IBI 7"
    missing = call(client, spec, "POST", MY, worker, json={"organization_id": 999999, "consent": True})
    assert missing.status_code == 404
    member = bearer(client, "rina@x.test")
    already = call(client, spec, "POST", MY, member, json={"organization_id": world["ppni"].id, "consent": True})
    assert already.status_code == 409
    assert (
        db.session.execute(
            select(WorkerMembership.status).where(WorkerMembership.organization_id == ibi.id)
        ).scalar_one()
        == MembershipStatus.REQUESTED
    )


def test_every_membership_and_supervision_operation_is_described(spec):
    ours = [p for p in spec["paths"] if "member" in p or "supervision" in p or "facilit" in p or "invitation" in p]
    assert len(ours) >= 10
    for path in ours:
        for method, operation in spec["paths"][path].items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            assert operation.get("operationId"), f"{method} {path}"
            if path.startswith("/api/v1/organizations") or path.startswith("/api/v1/supervision"):
                assert "401" in operation["responses"], f"{method} {path}"
