"""Error pages in a real browser (CSRF on): their language buttons work with and without a session, and a visitor
without one leaves with no cookie of ours."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import translated
from tests.browser.test_accounts_flow import log_in
from tests.factories import make_user


def test_a_missing_page_switches_language_without_a_session(page: Page, app: Flask):
    response = page.goto("/sertifikat/tidak-ada")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text(translated(app, "id", "Page not found"))

    page.locator("form.language-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(translated(app, "en", "Page not found"))
    assert page.url.endswith("/sertifikat/tidak-ada?locale=en")
    assert page.context.cookies() == []


def test_a_signed_in_visitor_switches_language_on_a_missing_page_and_keeps_it(page: Page, app: Flask):
    with app.app_context():
        make_user("pembaca@example.test", locale="id")
    log_in(page, "pembaca@example.test")
    page.goto("/sertifikat/tidak-ada")
    expect(page.locator("h1")).to_have_text(translated(app, "id", "Page not found"))

    page.locator("form.language-switch button[value=en]").click()  # a POST with the page's CSRF token
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(translated(app, "en", "Page not found"))
    page.goto("/courses")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # kept on the account, not only on this page
