"""Two-factor authentication through a real browser: enrol an authenticator (codes computed with pyotp, as the
phone app would), log out, log in with a code, then with a recovery code."""

from __future__ import annotations

import time

import pyotp
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import translated
from tests.browser.test_accounts_flow import log_in
from tests.factories import PASSWORD, make_user


def _password_step(page: Page, email: str) -> None:
    page.goto("/login")
    form = page.locator("main form")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("[type=submit]").click()


def test_enrol_an_authenticator_and_log_in_with_its_codes(page: Page, live_server: str, app: Flask):
    with app.app_context():
        make_user("bidan.dua@example.test", full_name="Bidan Dua")
    log_in(page, "bidan.dua@example.test")
    page.goto("/profile")
    page.get_by_role("link", name=translated(app, "id", "Set up two-factor authentication")).click()
    expect(page).to_have_url(f"{live_server}/profile/two-factor")
    expect(page.locator("[data-testid=totp-qr] svg")).to_be_visible()
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    authenticator = pyotp.TOTP(secret)

    page.locator("main form [name=code]").fill(authenticator.now())
    page.locator("main form [type=submit]").click()
    expect(page.locator("[data-testid=two-factor-status]")).to_be_visible()
    recovery_codes = page.locator("[data-testid=recovery-codes] code").all_inner_texts()
    assert len(recovery_codes) == 10

    page.locator("header form button").click()  # log out
    _password_step(page, "bidan.dua@example.test")
    expect(page).to_have_url(f"{live_server}/login/two-factor")
    # The enrolment used this time step's code; the app's next one is accepted a little early.
    page.locator("main form [name=code]").fill(authenticator.at(time.time() + 30))
    page.locator("main form [type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("Bidan Dua")
    page.goto("/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text(translated(app, "id", "Profile"))

    page.locator("header form button").click()
    _password_step(page, "bidan.dua@example.test")
    page.locator("main form [name=code]").fill(recovery_codes[0])
    page.locator("main form [type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("Bidan Dua")
