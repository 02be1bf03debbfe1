"""Every role change reaches the person (in-app and by e-mail, as she chose, in her language) and reads as a sentence
in the audit log: roles given and taken by an organization's admin or the platform admin, the platform admin role,
and the supervision that follows an organization's kind and region. Giving a role by e-mail never tells whether the
address has an account."""

from __future__ import annotations

import re
import time

import pytest
from huey.storage import SqliteStorage
from sqlalchemy import func, select

from lms.accounts.models import Membership, OrganizationKind, Role, RoleInvitation, User
from lms.core.audit import AuditEntry
from lms.core.mail import OutboxMessage
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


def _accept_invitation(app, server, email: str) -> None:
    """She opens the link of the invitation e-mail the server caught, logged in with that address, and accepts."""
    (invitation,) = [m for m in _mail_to(server, email) if "/role-invitations/" in m.get_body(("plain",)).get_content()]
    link = re.search(r"http://localhost(/role-invitations/\S+)", invitation.get_body(("plain",)).get_content()).group(1)
    her = app.test_client()
    assert her.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    assert her.post(link).status_code == 302


def test_a_role_given_by_invitation_and_taken_by_the_organization_admin_reaches_her_in_her_language(
    app, client, auth, ppni, monkeypatch
):
    organization, admin = ppni
    siti = make_user("siti@example.test", full_name="Siti Aminah", locale="id")
    rina = make_user("rina@example.test", full_name="Rina Wati", locale="en")
    with SmtpServer() as server:
        _use_mail_server(app, monkeypatch, server)
        auth.login(admin.email)
        for person in (siti, rina):
            form = {"email": person.email, "role": "facilitator"}
            invited = client.post(f"/organizations/{organization.id}/members", data=form)
            assert invited.status_code == 302
        server.handler.wait_for(2)
        assert _notifications(client, rina.email) == []  # invited, not yet given: nothing is hers until she accepts
        for person in (siti, rina):
            _accept_invitation(app, server, person.email)
        membership = db.session.execute(select(Membership).where(Membership.user_id == siti.id)).scalar_one()
        assert client.post(f"/organizations/{organization.id}/members/{membership.id}/remove").status_code == 302
        server.handler.wait_for(5)

    (invitation_id, given_id, taken_id) = _mail_to(server, "siti@example.test")
    # The invitation goes to an address, in the admin's language; what follows goes to the account, in hers.
    assert invitation_id["Subject"] == "Lentera: PPNI Kota Palu memberi Anda peran"
    assert given_id["Subject"] == "Lentera: Anda diberi peran Fasilitator di PPNI Kota Palu"
    assert "Diberikan oleh Admin Palu" in given_id.get_body(("plain",)).get_content()
    assert taken_id["Subject"] == "Lentera: Peran Fasilitator Anda di PPNI Kota Palu dicabut"
    assert "Anda telah dikeluarkan dari semua perangkat" in taken_id.get_body(("plain",)).get_content()
    (_invitation_en, given_en) = _mail_to(server, "rina@example.test")
    assert given_en["Subject"] == "Lentera: You were given the role Facilitator in PPNI Kota Palu"
    assert "Given by Admin Palu" in given_en.get_body(("plain",)).get_content()

    in_app = _notifications(client, "rina@example.test")
    assert [(n["kind"], n["title"]) for n in in_app] == [
        ("role_changed", "You were given the role Facilitator in PPNI Kota Palu")
    ]

    # The organization's audit log says it in words: the invitation names the address, never an account.
    auth.logout()
    auth.login(admin.email)
    log = client.get(f"/organizations/{organization.id}/audit").get_data(as_text=True)
    sentences = re.findall(r'data-testid="audit-sentence">([^<]*)<', log)
    assert "Admin Palu mengundang siti@example.test untuk menerima peran Fasilitator di PPNI Kota Palu." in sentences
    assert "Siti Aminah menerima peran Fasilitator di PPNI Kota Palu (undangan untuk siti@example.test)." in sentences
    assert "Admin Palu mencabut peran Fasilitator di PPNI Kota Palu dari Siti Aminah." in sentences
    assert len(sentences) == 5  # two invitations, two acceptances, one removal: each in words


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
        server.handler.wait_for(1)
        _accept_invitation(app, server, siti.email)
        server.handler.wait_for(2, timeout=1)
    # Only the invitation (mail to an address, which no choice of hers can stop); no mail about the role itself.
    assert [m["Subject"] for m in _mail_to(server, siti.email)] == ["Lentera: PPNI Kota Palu memberi Anda peran"]
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


PROBES = ("holder@example.test", "known@example.test", "nobody@example.test")
"""An address whose account holds the role already, one whose account does not, and one with no account."""


@pytest.fixture
def probed(app_ctx, ppni):
    organization, _admin = ppni
    make_user("holder@example.test", role=Role.SUPERVISOR, organization=organization)
    make_user("known@example.test")
    return organization


def _give_role(client, channel: str, organization, email: str, token: str):
    """Give the supervisor role to `email` through the roles API or the organization's members form."""
    given = {"email": email, "role": "supervisor"}
    if channel == "api":
        headers = {"Authorization": f"Bearer {token}"}
        return client.post(f"/api/v1/organizations/{organization.id}/roles", json=given, headers=headers)
    return client.post(f"/organizations/{organization.id}/members", data=given)


def _answer(client, response, email: str) -> tuple:
    """What the admin learns: status, body or where she is sent and the message she then reads, with the address
    she typed taken out."""
    if response.is_json:
        return response.status_code, response.get_data(as_text=True).replace(email, "<e-mail>")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = re.findall(r'role="(?:status|alert)">([^<]*)<', page)
    return response.status_code, response.headers["Location"], [text.replace(email, "<e-mail>") for text in shown]


@pytest.mark.parametrize("channel", ["api", "form"])
def test_giving_a_role_answers_alike_for_any_e_mail(app, client, auth, ppni, probed, monkeypatch, channel):
    organization, admin = ppni
    token = api_token(client, admin.email)
    auth.login(admin.email)
    client.get(f"/organizations/{organization.id}")  # shows the welcome message, so that only the answers' remain
    with SmtpServer() as server:
        _use_mail_server(app, monkeypatch, server)
        answers = {email: _answer(client, _give_role(client, channel, organization, email, token), email)
                   for email in PROBES}  # fmt: skip
        server.handler.wait_for(len(PROBES))
    assert answers["holder@example.test"] == answers["known@example.test"] == answers["nobody@example.test"]
    if channel == "api":
        assert answers["nobody@example.test"] == (202, '{"email":"<e-mail>","role":"supervisor","status":"invited"}\n')
    else:
        assert answers["nobody@example.test"][0] == 302 and answers["nobody@example.test"][2]
        assert "No account" not in str(answers) and "Tidak ada akun" not in str(answers)
    # Each address got the same invitation, apart from its own link; no account was made for the unknown one.
    mails = {email: _mail_to(server, email) for email in PROBES}
    assert all(len(sent) == 1 for sent in mails.values())
    texts = {
        (sent[0]["Subject"], re.sub(r"/role-invitations/\S+", "<link>", sent[0].get_body(("plain",)).get_content()))
        for sent in mails.values()
    }
    assert len(texts) == 1 and "http://localhost/register" not in next(iter(texts))[1]
    assert db.session.execute(select(User.id).where(User.email == "nobody@example.test")).first() is None
    audit = db.session.execute(select(AuditEntry.action).where(AuditEntry.organization_id == organization.id))
    assert list(audit.scalars()) == ["role.invite"] * len(PROBES)


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


@pytest.mark.parametrize("channel", ["api", "form"])
def test_giving_a_role_does_the_same_work_for_any_e_mail(app, client, auth, ppni, probed, queued, monkeypatch, channel):
    """Equal work, hence equal time: whatever the address, the request writes one invitation, one audit entry and
    queues one mail, and nothing else (no role, no notice, no account) until the address's owner accepts."""
    organization, admin = ppni
    token = api_token(client, admin.email)
    auth.login(admin.email)
    with SmtpServer() as server:
        _use_mail_server(app, monkeypatch, server)
        counted = (Membership, AuditEntry, Notification, RoleInvitation, User, OutboxMessage)

        def rows() -> tuple[int, ...]:
            db.session.expire_all()
            counts = [db.session.execute(select(func.count()).select_from(model)).scalar_one() for model in counted]
            return (*counts, queued.pending_count())

        work = {}
        for email in PROBES:
            before = rows()
            response = _give_role(client, channel, organization, email, token)
            assert response.status_code in (202, 302), email
            work[email] = tuple(after - then for after, then in zip(rows(), before, strict=True))
        # The same rows for every address: one invitation and its audit entry, one mail queued.
        assert set(work.values()) == {(0, 1, 0, 1, 0, 0, 1)}, work
        # The worker then sends the three invitations; the account that accepts gets the role.
        while (task := queued.dequeue()) is not None:
            queued.execute(task)
        server.handler.wait_for(len(PROBES))
    assert sorted(m["To"] for m in server.messages) == sorted(PROBES)
    holders = select(User.email).join(Membership).where(Membership.role == Role.SUPERVISOR)
    assert list(db.session.execute(holders).scalars()) == ["holder@example.test"]
