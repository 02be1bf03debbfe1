"""The verify page in a real browser: the verdict in Indonesian and English, the in-browser Ed25519 check, and the
offline check from the service worker's cache."""

from __future__ import annotations

import base64

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from lms.certificates import services
from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS, translated, wait_until
from tests.factories.certificates import finished_learner, issue, make_certificate_world


def issued_tokens(app: Flask, *names: str) -> list[tuple[str, str]]:
    """(token, number) of a certificate for each learner name, all in one course."""
    with app.app_context():
        world = make_certificate_world()
        issued = []
        for name in names:
            _user, enrolment = finished_learner(world.cohort, full_name=name)
            certificate = services.live_certificate_of(enrolment) or issue(world.admin, enrolment)
            issued.append((certificate.token, certificate.number))
        return issued


def issued_token(app: Flask, name: str = "Ni Luh Putu Ayu Kusumawardhani") -> tuple[str, str]:
    return issued_tokens(app, name)[0]


def flipped(token: str) -> str:
    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    raw[60] ^= 0x10
    return base64.b32encode(bytes(raw)).decode().rstrip("=")


def test_verify_page_in_indonesian_and_english_with_the_browser_signature_check(page: Page, app: Flask):
    token, number = issued_token(app)
    page.goto(f"/V/{token}")
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-verdict", "valid")
    expect(verdict.locator(".verdict-word")).to_have_text(translated(app, "id", "VALID"))
    expect(page.locator("[data-field=number]")).to_have_text(number)
    expect(page.locator("[data-field=holder_name]")).to_have_text("Ni Luh Putu Ayu Kusumawardhani")
    # Chromium verifies the Ed25519 signature itself with WebCrypto.
    check = page.get_by_test_id("browser-check")
    expect(check).to_have_attribute("data-state", "genuine")
    expect(check).to_contain_text(translated(app, "id", "Signature checked in this browser as well: genuine."))

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(verdict.locator(".verdict-word")).to_have_text(translated(app, "en", "VALID"))
    expect(check).to_have_attribute("data-state", "genuine")
    expect(check).to_contain_text(translated(app, "en", "Signature checked in this browser as well: genuine."))


def test_forged_token_is_not_valid_on_the_page(page: Page, app: Flask):
    token, _number = issued_token(app)
    page.goto(f"/v/{flipped(token)}")
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "invalid")
    expect(page.get_by_test_id("verdict").locator(".verdict-word")).to_have_text(translated(app, "id", "NOT VALID"))


def test_offline_the_cached_key_set_checks_the_signature(browser: Browser, live_server: str, app: Flask):
    (token, number), (other_token, other_number) = issued_tokens(app, "Ni Luh Putu Ayu", "Made Wirawan")
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="id-ID", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"/v/{token}")
        expect(page.get_by_test_id("browser-check")).to_have_attribute("data-state", "genuine")
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        # Let the worker take control and keep the shell and key set in its cache.
        page.reload()
        wait_until(page, "() => navigator.serviceWorker.controller !== null")
        expect(page.get_by_test_id("browser-check")).to_have_attribute("data-state", "genuine")

        context.set_offline(True)
        page.goto(f"/v/{token}")
        check = page.get_by_test_id("browser-check")
        expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "genuine-offline")
        expect(check).to_have_attribute("data-state", "genuine")
        last_checked = translated(app, "id", "Genuine signature; status last checked {when}: {label}.")
        expect(check).to_contain_text(last_checked.split("{when}")[0].strip())
        expect(check).to_contain_text(translated(app, "id", "VALID"))
        expect(page.locator("#offline-fields [data-field=number]")).to_have_text(number)

        # A certificate never seen online: genuine signature, status unknown.
        page.goto(f"/v/{other_token}")
        expect(check).to_have_attribute("data-state", "genuine")
        expect(page.locator("#offline-fields [data-field=number]")).to_have_text(other_number)
        expect(check).to_contain_text(
            translated(
                app,
                "id",
                "Genuine signature; the status could not be checked without a connection. "
                "Check again when you have signal.",
            )
        )

        # A changed token fails the offline check too.
        page.goto(f"/v/{flipped(token)}")
        expect(check).to_have_attribute("data-state", "forged")
        expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "invalid")
    finally:
        context.set_offline(False)
        page.close()
        context.close()
