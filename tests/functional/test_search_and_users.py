"""Search across what an admin may see (both organizations' directions), and the platform admin's user management."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms.accounts.models import MembershipStatus, Role, User, WorkerMembership
from lms.certificates.models import Certificate
from lms.core.audit import AuditEntry
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import api_token
from tests.factories import make_user
from tests.factories.certificates import finished_learner, make_certificate_world


@pytest.fixture
def world(app_ctx):
    ppni = make_certificate_world("ppni", "PPI-DASAR")
    ibi = make_certificate_world("ibi", "ASUHAN-BBL")
    rina, _ = finished_learner(ppni.cohort, "rina@example.test", full_name="Rina Marlina", nik="3201014501900001",
                               str_number="QN00001073380217")  # fmt: skip
    sari, _ = finished_learner(ibi.cohort, "sari@example.test", full_name="Sari Marlina", nik="6401014501900002")
    member = make_user("ani@example.test", full_name="Ani Marlina")
    db.session.add(
        WorkerMembership(
            user=member, organization=ppni.organization, status=MembershipStatus.CONFIRMED, requested_at=utcnow()
        )  # fmt: skip
    )
    db.session.commit()
    certificates = {c.user_id: c for c in db.session.execute(select(Certificate)).scalars()}
    platform = make_user("root@example.test", is_platform_admin=True, locale="en")
    return SimpleNamespace(ppni=ppni, ibi=ibi, rina=rina, sari=sari, member=member, certificates=certificates,
                           platform=platform)  # fmt: skip


def _search(client, email, q):
    token = api_token(client, email)
    response = client.get("/api/v1/search", query_string={"q": q}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_organization_admin_finds_only_their_own_people_certificates_courses_and_cohorts(world, client):
    assert world.certificates, "the finished learners hold certificates"
    found = _search(client, world.ppni.admin.email, "marlina")
    assert {p["full_name"] for p in found["people"]} == {"Rina Marlina", "Ani Marlina"}
    assert [c["holder_name"] for c in found["certificates"]] == ["Rina Marlina"]
    other = _search(client, world.ibi.admin.email, "marlina")
    assert {p["full_name"] for p in other["people"]} == {"Sari Marlina"}
    assert [c["holder_name"] for c in other["certificates"]] == ["Sari Marlina"]

    number = world.certificates[world.sari.id].number
    assert _search(client, world.ppni.admin.email, number)["certificates"] == []
    assert [c["number"] for c in _search(client, world.ibi.admin.email, number)["certificates"]] == [number]
    assert [c["code"] for c in _search(client, world.ppni.admin.email, "dasar")["courses"]] == ["PPI-DASAR"]
    assert _search(client, world.ibi.admin.email, "PPI-DASAR")["courses"] == []
    assert _search(client, world.ibi.admin.email, "PPI-DASAR")["cohorts"] == []
    assert [c["course_code"] for c in _search(client, world.ppni.admin.email, "PPI")["cohorts"]] == ["PPI-DASAR"]


def test_people_by_str_and_whole_nik_shown_masked_never_by_part_of_a_nik(world, client):
    by_str = _search(client, world.ppni.admin.email, "qn00001073380217")["people"]
    assert [p["nik_masked"] for p in by_str] == ["3201********0001"]
    assert [p["email"] for p in _search(client, world.ppni.admin.email, "3201014501900001")["people"]] == [
        "rina@example.test"
    ]
    assert _search(client, world.ppni.admin.email, "32010145")["people"] == []
    assert _search(client, world.ibi.admin.email, "3201014501900001")["people"] == []
    assert "3201014501900001" not in str(_search(client, world.ppni.admin.email, "rina"))


def test_the_platform_admin_finds_everyone_and_learners_may_not_search(world, client, auth):
    found = _search(client, world.platform.email, "marlina")
    assert {p["full_name"] for p in found["people"]} == {"Rina Marlina", "Sari Marlina", "Ani Marlina"}
    token = api_token(client, world.rina.email)
    refused = client.get("/api/v1/search?q=marlina", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    auth.login(world.rina.email)
    assert client.get("/search?q=marlina").status_code == 403


def test_the_search_page_lists_each_kind(world, client, auth):
    auth.login(world.ppni.admin.email)
    html = client.get("/search?q=marlina").get_data(as_text=True)
    assert "Rina Marlina" in html and "Sari Marlina" not in html
    assert world.certificates[world.rina.id].number in html
    assert "3201********0001" in html and "3201014501900001" not in html


def test_the_platform_admin_deactivates_resets_and_changes_roles_all_audited(world, client, auth):
    auth.login(world.platform.email)
    listing = client.get("/admin/users?q=marlina").get_data(as_text=True)
    assert "Rina Marlina" in listing and "Sari Marlina" in listing
    base = f"/admin/users/{world.rina.id}"
    assert client.get(base).status_code == 200

    assert client.post(f"{base}/deactivate").status_code == 302
    db.session.refresh(world.rina)
    assert world.rina.is_active_account is False
    auth.logout()
    assert auth.login(world.rina.email).status_code == 200  # the login form again: refused
    assert client.post("/api/v1/auth/token", json={"email": world.rina.email, "password": "x" * 12}).status_code == 401
    auth.login(world.platform.email)
    client.post(f"{base}/reactivate")
    assert client.post(f"{base}/reset-link").status_code == 302
    from lms.core.mail import OutboxMessage

    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == world.rina.email)).scalars()
    assert any("/password/reset/" in message.text for message in mail)

    response = client.post(f"{base}/roles", data={"organization_id": world.ppni.organization.id, "role": "facilitator"})
    assert response.status_code == 302
    db.session.expire_all()
    assert Role.FACILITATOR in db.session.get(User, world.rina.id).roles_in(world.ppni.organization.id)
    membership = db.session.get(User, world.rina.id).memberships[0]
    client.post(f"{base}/roles/{membership.id}/remove")
    client.post(f"{base}/platform-admin/grant")
    assert client.post(f"/admin/users/{world.platform.id}/deactivate").status_code == 302  # refused, told why
    db.session.expire_all()
    assert db.session.get(User, world.platform.id).is_active_account is True
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    for action in ("user.deactivate", "user.reactivate", "user.password_reset_sent", "membership.add",
                   "membership.remove", "user.platform_admin_grant"):  # fmt: skip
        assert action in actions


def test_only_platform_admins_manage_users(world, client, auth):
    auth.login(world.ppni.admin.email)
    assert client.get("/admin/users").status_code == 403
    assert client.post(f"/admin/users/{world.rina.id}/deactivate").status_code == 403
    db.session.refresh(world.rina)
    assert world.rina.is_active_account is True
