"""Every role change reaches the person (in-app and by e-mail, as she chose, in her language) and reads as a sentence
in the audit log: roles given and taken by an organization's admin or the platform admin, the platform admin role,
and the supervision that follows an organization's kind and region. Giving a role by e-mail never tells whether the
address has an account."""

from __future__ import annotations

import time

import pytest
from huey.storage import SqliteStorage
from sqlalchemy import func, select

from lms.accounts.models import Membership, OrganizationKind, Role, User
from lms.core.audit import AuditEntry
from lms.extensions import db
from lms.jobs import huey
from lms.notifications.models import Notification
from tests.conftest import api_token
from tests.factories import PASSWORD, make_organization, make_user
from tests.smtp import SilentServer, SmtpServer


def _use_mail_server(app, monkeypatch, server) -> None:
    for key, value in server.config().items():
        monkeypatch.setitem(app.config, key, value)


def _notifications(client, email: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {api_token(client, email)}"}
    return client.get("/api/v1/me/notifications", headers=headers).get_json()


def _mail_to(server, email: str) -> list:
    return [m for m in server.messages if m["To"] == email]


@pytest.fixture
def ppni(app_ctx):
    organization = make_organization(slug="ppni", name="PPNI Kota Palu")
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=organization, full_name="Admin Palu")
    return organization, admin


def test_a_role_given_and_taken_by_the_organization_admin_reaches_her_in_her_language(
    app, client, auth, ppni, monkeypatch
):
    organization, admin = ppni
    siti = make_user("siti@example.test", full_name="Siti Aminah", locale="id")
    rina = make_user("rina@example.test", full_name="Rina Wati", locale="en")
    with SmtpServer() as server:
        _use_mail_server(app, monkeypatch, server)
        auth.login(admin.email)
        for person in (siti, rina):
            given = client.post(f"/organizations/{organization.id}/members", data={"email": person.email,
                                                                                   "role": "facilitator"})  # fmt: skip
            assert given.status_code == 302
        membership = db.session.execute(select(Membership).where(Membership.user_id == siti.id)).scalar_one()
        assert client.post(f"/organizations/{organization.id}/members/{membership.id}/remove").status_code == 302
        server.handler.wait_for(3)

    (given_id, taken_id) = _mail_to(server, "siti@example.test")
    assert given_id["Subject"] == "Lentera: Anda diberi peran Fasilitator di PPNI Kota Palu"
    assert "Diberikan oleh Admin Palu" in given_id.get_body(("plain",)).get_content()
    assert taken_id["Subject"] == "Lentera: Peran Fasilitator Anda di PPNI Kota Palu dicabut"
    assert "Anda telah dikeluarkan dari semua perangkat" in taken_id.get_body(("plain",)).get_content()
    (given_en,) = _mail_to(server, "rina@example.test")
    assert given_en["Subject"] == "Lentera: You were given the role Facilitator in PPNI Kota Palu"

    in_app = _notifications(client, "rina@example.test")
    assert [(n["kind"], n["title"]) for n in in_app] == [
        ("role_changed", "You were given the role Facilitator in PPNI Kota Palu")
    ]

    # The organization's audit log says it in words.
    auth.logout()
    auth.login(admin.email)
    log = client.get(f"/organizations/{organization.id}/audit").get_data(as_text=True)
    assert "Admin Palu memberi Siti Aminah peran Fasilitator di PPNI Kota Palu." in log
    assert "Admin Palu mencabut peran Fasilitator di PPNI Kota Palu dari Siti Aminah." in log


def test_e_mail_follows_her_choice_and_the_in_app_notice_stays(app, client, auth, ppni, monkeypatch):
    organization, admin = ppni
    siti = make_user("siti@example.test", full_name="Siti Aminah")
    headers = {"Authorization": f"Bearer {api_token(client, siti.email)}"}
    chosen = client.put("/api/v1/me/notification-preferences", json={"email": {"role_changed": False}},
                        headers=headers)  # fmt: skip
    assert chosen.status_code == 200
    with SmtpServer() as server:
        _use_mail_server(app, monkeypatch, server)
        auth.login(admin.email)
        client.post(f"/organizations/{organization.id}/members", data={"email": siti.email, "role": "supervisor"})
    assert _mail_to(server, siti.email) == []
    assert [n["kind"] for n in client.get("/api/v1/me/notifications", headers=headers).get_json()] == ["role_changed"]


def test_the_platform_admin_role_given_and_taken_is_notified_audited_and_ends_sessions(app, client, auth, app_ctx):
    root = make_user("root@example.test", is_platform_admin=True, full_name="Root Satu")
    budi = make_user("budi@example.test", full_name="Budi Santoso", locale="en")
    auth.login(root.email)
    assert client.post(f"/admin/users/{budi.id}/platform-admin/grant").status_code == 302
    other = app.test_client()
    other.post("/login", data={"email": budi.email, "password": PASSWORD})
    assert other.get("/admin/users").status_code == 200  # a platform admin now
    assert client.post(f"/admin/users/{budi.id}/platform-admin/revoke").status_code == 302
    assert other.get("/admin/users").status_code == 302  # the session opened as platform admin has ended

    titles = [n["title"] for n in _notifications(app.test_client(), budi.email)]
    assert titles == [
        "Your role Platform admin in Lentera was taken away",
        "You were given the role Platform admin in Lentera",
    ]
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Root Satu menjadikan Budi Santoso admin platform." in log
    assert "Root Satu mencabut peran admin platform dari Budi Santoso." in log


def test_supervisors_are_told_when_their_organization_kind_or_region_changes(client, auth, app_ctx):
    root = make_user("root@example.test", is_platform_admin=True, full_name="Root Satu")
    office = make_organization(name="Dinkes Palu", kind=OrganizationKind.PROFESSIONAL)
    dewi = make_user("dewi@example.test", role=Role.SUPERVISOR, organization=office, full_name="Dewi", locale="en")
    make_user("fasil@example.test", role=Role.FACILITATOR, organization=office)
    auth.login(root.email)
    form = {"slug": office.slug, "name": office.name, "kind": "health_office", "province": "Sulawesi Tengah",
            "regency": "Kota Palu", "admins_require_two_factor": "y"}  # fmt: skip
    assert client.post(f"/organizations/{office.id}/edit", data=form).status_code == 302
    assert client.post(f"/organizations/{office.id}/edit", data={**form, "kind": "professional"}).status_code == 302

    bodies = [n["body"] for n in _notifications(client, dewi.email)]
    assert bodies == [
        "Changed by Root Satu: the organization is no longer a health office with a region, so you supervise no "
        "area through it.",
        "Changed by Root Satu: you now supervise the health workers of Kota Palu, Sulawesi Tengah.",
    ]
    facilitator = db.session.execute(select(User).where(User.email == "fasil@example.test")).scalar_one()
    notified = db.session.execute(select(Notification.user_id).where(Notification.kind == "role_changed"))
    assert facilitator.id not in set(notified.scalars())  # only the supervisors' role follows the kind and region
    log = client.get(f"/organizations/{office.id}/audit").get_data(as_text=True)
    assert "Root Satu mengubah jenis atau wilayah Dinkes Palu: Dewi, pengawasnya, kini mengawasi Kota Palu, " in log


# --- probes: giving a role never tells whether an e-mail has an account ---------------------------------------------


def test_the_roles_api_answers_alike_for_a_known_and_an_unknown_e_mail(app, client, ppni, monkeypatch):
    organization, admin = ppni
    make_user("known@example.test")
    headers = {"Authorization": f"Bearer {api_token(client, admin.email)}"}
    with SmtpServer() as server:
        _use_mail_server(app, monkeypatch, server)
        answers = {}
        for email in ("known@example.test", "nobody@example.test"):
            response = client.post(f"/api/v1/organizations/{organization.id}/roles",
                                   json={"email": email, "role": "facilitator"}, headers=headers)  # fmt: skip
            body = response.get_json()
            answers[email] = (response.status_code, body["message"].replace(email, "<e-mail>"), sorted(body))
        server.handler.wait_for(2)
    assert answers["known@example.test"] == answers["nobody@example.test"]
    assert answers["known@example.test"][0] == 202
    # The owner of the account holds the role and was told; the other address got an invitation to register.
    (told,) = _mail_to(server, "known@example.test")
    (invited,) = _mail_to(server, "nobody@example.test")
    assert (
        "Fasilitator" in told["Subject"] and "http://localhost/register" in invited.get_body(("plain",)).get_content()
    )
    assert db.session.execute(select(User.id).where(User.email == "nobody@example.test")).first() is None
    audit = db.session.execute(select(AuditEntry.action).where(AuditEntry.organization_id == organization.id))
    assert list(audit.scalars()) == ["membership.add"]


@pytest.fixture
def queued(app, tmp_path):
    """Jobs are queued (as in production), not run by the request: what the request itself does is measured."""
    huey._immediate = False
    huey.storage = SqliteStorage(huey.name, filename=str(tmp_path / "queue.sqlite"))
    yield huey
    huey.storage.flush_queue()
    huey._immediate = True
    huey.storage = huey.create_storage()


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/password/forgot", {}),
        (
            "/register",
            {
                "password": "kata-sandi-baru-123",
                "confirm": "kata-sandi-baru-123",
                "full_name": "Coba",
                "profession_code": "perawat",
                "timezone": "Asia/Jakarta",
                "consent": "y",
            },
        ),  # fmt: skip
    ],
)
def test_reset_and_register_answer_alike_and_at_once_even_with_a_hanging_mail_server(
    app, client, app_ctx, monkeypatch, queued, path, form
):
    """The request never waits on the mail server: with one that never answers, a known and an unknown e-mail get
    the same answer as fast (the mail goes out through the queue; each request queues at most one job)."""
    make_user("known@example.test")
    with SilentServer() as server:
        _use_mail_server(app, monkeypatch, server)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 3)
        results = {}
        for email in ("known@example.test", "unknown@example.test"):
            before = queued.pending_count()
            started = time.perf_counter()
            response = client.post(path, data={"email": email, **form})
            elapsed = time.perf_counter() - started
            results[email] = (response.status_code, response.headers.get("Location"), queued.pending_count() - before)
            assert elapsed < 2, (email, elapsed)
    assert results["known@example.test"][:2] == results["unknown@example.test"][:2]
    assert results["known@example.test"][0] == 302
    if path == "/password/forgot":
        assert results["known@example.test"][2] == results["unknown@example.test"][2] == 1


def test_the_roles_api_does_the_same_work_for_a_known_and_an_unknown_e_mail(app, client, ppni, queued):
    """Equal work, hence equal time: the request checks and queues one job whatever the address; the job grants or
    invites (before, a known address wrote the role, the audit entry and the notice within the request)."""
    organization, admin = ppni
    make_user("known@example.test")
    headers = {"Authorization": f"Bearer {api_token(client, admin.email)}"}

    def rows() -> tuple[int, ...]:
        db.session.expire_all()
        return tuple(
            db.session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Membership, AuditEntry, Notification)
        )

    for email in ("known@example.test", "nobody@example.test"):
        before, queued_before = rows(), queued.pending_count()
        response = client.post(f"/api/v1/organizations/{organization.id}/roles",
                               json={"email": email, "role": "supervisor"}, headers=headers)  # fmt: skip
        assert response.status_code == 202
        assert rows() == before and queued.pending_count() == queued_before + 1, email
    # The worker then gives the role to the account, and invites the other address.
    while (task := queued.dequeue()) is not None:
        queued.execute(task)
    holder = db.session.execute(select(User).join(Membership).where(Membership.role == Role.SUPERVISOR)).scalar_one()
    assert holder.email == "known@example.test"
