"""A WhatsApp number on the profile (optional, stored in E.164, refused clearly in both languages, in "My data"),
and wa.me contact links with the text written for those who would contact her: a facilitator on "who is behind",
an organization admin on the member list, the platform admin on the user page; none without a number."""

from __future__ import annotations

from urllib.parse import unquote

from lms.accounts.models import Role
from lms.extensions import db
from tests.conftest import Auth
from tests.factories import confirm_member, make_organization, make_user
from tests.factories.certificates import enrol, make_cohort, make_published_version

PROFILE = {"full_name": "Rina Marlina", "profession_code": "perawat", "nik": "", "timezone": "Asia/Makassar"}


def test_the_profile_keeps_a_whatsapp_number_in_e164_and_refuses_a_bad_one(client, auth, app_ctx):
    user = make_user("rina@example.test", locale="en")
    auth.login(user.email)
    assert client.post("/profile/edit", data={**PROFILE, "phone": "0812-3456-7890"}).status_code == 302
    db.session.refresh(user)
    assert user.phone == "+6281234567890"
    assert "+6281234567890" in client.get("/profile").get_data(as_text=True)
    assert client.get("/my/data.json").get_json()["profile"]["phone"] == "+6281234567890"
    assert "+6281234567890" in client.get("/my/data").get_data(as_text=True)

    bad = client.post("/profile/edit", data={**PROFILE, "full_name": "Changed", "phone": "0812 34ab"})
    assert bad.status_code == 200
    assert "Enter a WhatsApp number such as 0812 3456 7890" in bad.get_data(as_text=True)
    client.post("/language", data={"locale": "id"})
    bad = client.post("/profile/edit", data={**PROFILE, "full_name": "Changed", "phone": "+62 21 555 1234"})
    assert "Masukkan nomor WhatsApp seperti 0812 3456 7890" in bad.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.full_name, user.phone) == ("Rina Marlina", "+6281234567890")  # nothing changed

    assert client.post("/profile/edit", data={**PROFILE, "phone": ""}).status_code == 302
    db.session.refresh(user)
    assert user.phone is None  # emptied: she no longer gives one


def test_a_facilitator_contacts_a_learner_who_is_behind_only_when_she_gave_a_number(client, app_ctx):
    ppni = make_organization("ppni")
    cohort = make_cohort(make_published_version())
    facilitator = make_user("fasil@example.test", role=Role.FACILITATOR, organization=ppni, full_name="Ns. Dewi",
                            locale="en")  # fmt: skip
    cohort.facilitators.append(facilitator)
    db.session.commit()
    late = make_user("late@example.test", full_name="Late", phone="+6281234567890")
    silent = make_user("silent@example.test", full_name="Silent")
    enrol(late, cohort)
    enrol(silent, cohort)
    Auth(client).login(facilitator.email)
    html = client.get(f"/attendance/cohorts/{cohort.id}/progress").get_data(as_text=True)
    late_row = html.split(f'data-learner="{late.id}"')[1].split("</tr>")[0]
    silent_row = html.split(f'data-learner="{silent.id}"')[1].split("</tr>")[0]
    assert "wa.me" not in silent_row
    (link,) = [a for a in late_row.split('href="')[1:] if a.startswith("https://wa.me/")]
    link = unquote(link.split('"')[0])
    assert link.startswith("https://wa.me/6281234567890?text=Hello Late, this is Ns. Dewi from ")
    assert "You still have some steps to finish for your certificate; can I help?" in link


def test_an_organization_admin_and_the_platform_admin_contact_a_member(client, app_ctx):
    ppni = make_organization("ppni", name="PPNI")
    admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=ppni, locale="en")
    member = make_user("rina@example.test", full_name="Rina", phone="+6281234567890")
    confirm_member(member, ppni)
    confirm_member(make_user("siti@example.test", full_name="Siti"), ppni)
    auth = Auth(client)
    auth.login(admin.email)
    html = client.get(f"/organizations/{ppni.id}/memberships").get_data(as_text=True)
    assert html.count("https://wa.me/") == 1  # Siti gave no number
    assert "https://wa.me/6281234567890?text=Hello%20Rina%2C%20this%20is%20PPNI%20on%20Lentera." in html
    auth.logout()
    auth.login(make_user("root@example.test", is_platform_admin=True, locale="en").email)
    html = client.get(f"/admin/users/{member.id}").get_data(as_text=True)
    assert "https://wa.me/6281234567890?text=Hello%20Rina%2C%20this%20is%20the%20Lentera%20administrator." in html
