"""Accounts through a real browser: registration to log-out, adding a facilitator, CSRF refusal."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.accounts.models import Membership, Role, User
from lms.core.audit import AuditEntry
from lms.core.mail import OutboxMessage
from lms.extensions import db
from tests.browser.conftest import translated
from tests.factories import PASSWORD, make_organization, make_user

NIK = "3201014501900001"  # digits 7-8 are 45: a woman born on the 5th
MASKED_NIK = "3201********0001"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    form = page.locator("main form")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(password)
    form.locator("[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()


def nav(page: Page):
    return page.get_by_role("navigation")


def test_register_log_in_see_masked_nik_switch_to_english_and_log_out(
    page: Page, live_server: str, app: Flask, tmp_path
):
    page.goto("/register")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    form = page.locator("main form")
    form.locator("[name=full_name]").fill("Siti Rahmawati, S.Kep., Ns.")
    form.locator("[name=email]").fill("siti.rahmawati@example.test")
    form.locator("[name=password]").fill("kata-sandi-panjang-1")
    form.locator("[name=confirm]").fill("kata-sandi-panjang-1")
    form.locator("[name=profession_code]").select_option("perawat")
    form.locator("[name=nik]").fill(NIK)
    form.locator("[name=timezone]").select_option("Asia/Makassar")
    form.locator("[name=consent]").check()
    form.locator("[type=submit]").click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.locator(".flash-success")).to_have_text(
        translated(app, "id", "Registration received. Log in with your e-mail and password.")
    )

    log_in(page, "siti.rahmawati@example.test", "kata-sandi-panjang-1")
    expect(page.locator(".flash-success")).to_contain_text("Siti Rahmawati, S.Kep., Ns.")
    nav(page).get_by_role("link", name=translated(app, "id", "Profile"), exact=True).click()

    expect(page).to_have_url(f"{live_server}/profile")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text(translated(app, "id", "Profile"))
    expect(page.locator("[data-testid=nik]")).to_have_text(MASKED_NIK)
    assert NIK not in page.content()
    expect(page.locator("main")).to_contain_text("WITA")
    screenshot = tmp_path / "profile.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 0
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE)

    page.locator("footer").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server}/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    expect(page.locator("[data-testid=nik]")).to_have_text(MASKED_NIK)

    nav(page).get_by_role("button", name="Log out").click()
    expect(nav(page).get_by_role("link", name="Log in", exact=True)).to_be_visible()
    expect(nav(page).get_by_role("button", name="Log out")).to_have_count(0)
    expect(page.locator(".flash-success")).to_have_text("You have logged out on every device.")


def test_organization_admin_gives_a_facilitator_role_by_email_and_she_accepts_it(
    page: Page, live_server: str, app: Flask
):
    with app.app_context():
        organization = make_organization(name="DPW PPNI Jawa Barat")
        admin = make_user(role=Role.ORG_ADMIN, organization=organization)
        person = make_user(full_name="Budi Santoso, S.Kep.")
        organization_id, admin_email = organization.id, admin.email
        person_id, person_email = person.id, person.email

    log_in(page, admin_email)
    nav(page).get_by_role("link", name=translated(app, "id", "Organizations"), exact=True).click()
    expect(page).to_have_url(f"{live_server}/organizations")
    page.locator("main").get_by_role("link", name="DPW PPNI Jawa Barat").click()
    expect(page).to_have_url(f"{live_server}/organizations/{organization_id}")

    form = page.locator(f"main form[action='/organizations/{organization_id}/members']")
    form.locator("[name=email]").fill(person_email)
    form.locator("[name=role]").select_option("facilitator")
    form.locator("[type=submit]").click()

    # Offered, not held: the answer would be the same for an address without an account.
    expect(page).to_have_url(f"{live_server}/organizations/{organization_id}")
    offered = page.locator("[data-testid=role-invitations] tbody tr").filter(has_text=person_email)
    expect(offered).to_have_count(1)
    expect(page.locator("[data-testid=members] tbody tr").filter(has_text=person_email)).to_have_count(0)
    with app.app_context():
        mail = (
            db.session.execute(
                select(OutboxMessage).where(OutboxMessage.recipient == person_email).order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
        link = re.search(r"https?://[^/\s]+(/role-invitations/\S+)", mail.text).group(1)

    nav(page).get_by_role("button", name=translated(app, "id", "Log out")).click()
    log_in(page, person_email)
    page.goto(link)
    page.locator("main").get_by_role("button", name=translated(app, "id", "Accept the role")).click()
    expect(page.locator(".flash-success")).to_be_visible()

    with app.app_context():
        membership = db.session.execute(
            select(Membership).where(Membership.user_id == person_id, Membership.organization_id == organization_id)
        ).scalar_one()
        assert membership.role == Role.FACILITATOR
        invited = db.session.execute(select(AuditEntry).where(AuditEntry.action == "role.invite")).scalar_one()
        assert invited.actor.email == admin_email and invited.organization_id == organization_id
        assert invited.details == {"email": person_email, "role": "facilitator"}
        accepted = db.session.execute(select(AuditEntry).where(AuditEntry.action == "role.accept")).scalar_one()
        assert accepted.actor.email == person_email


def test_post_without_valid_csrf_token_is_refused(page: Page, live_server: str, app: Flask):
    with app.app_context():
        email = make_user().email
    bad_request = translated(app, "id", "Bad request")

    # A login form posted from elsewhere carries no token: refused before the password is even checked.
    response = page.request.post("/login", form={"email": email, "password": PASSWORD})
    assert response.status == 400
    assert "text/html" in response.headers["content-type"]
    assert bad_request in response.text()
    assert 'class="status-code"' in response.text()

    # A tampered token in the real form is refused too, and the browser shows the error page.
    page.goto("/login")
    form = page.locator("main form")
    form.locator("[name=csrf_token]").evaluate("input => { input.value = 'forged' + input.value; }")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.locator("[type=submit]").click()
    assert posted.value.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text(bad_request)
    expect(nav(page).get_by_role("link", name=translated(app, "id", "Log in"), exact=True)).to_be_visible()

    with app.app_context():
        assert db.session.execute(select(User.last_login_at).where(User.email == email)).scalar_one() is None

    # The untouched form logs in.
    log_in(page, email)
    expect(page).to_have_url(f"{live_server}/")
    expect(nav(page).get_by_role("button", name=translated(app, "id", "Log out"))).to_be_visible()
