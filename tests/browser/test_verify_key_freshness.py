"""Issue 12: after a key rotation or withdrawal a returning browser agrees with the server on its next visit."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from lms.certificates import keys, services
from lms.extensions import db
from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS, wait_until
from tests.factories.certificates import finished_learner, issue, make_certificate_world


def certificate_token(app: Flask, slug: str, code: str, name: str) -> str:
    with app.app_context():
        world = make_certificate_world(slug, code)
        _user, enrolment = finished_learner(world.cohort, full_name=name)
        return (services.live_certificate_of(enrolment) or issue(world.admin, enrolment)).token


def test_rotate_then_issue_the_browser_agrees_with_the_server(page: Page, app: Flask):
    token = certificate_token(app, "ppni", "PPI-DASAR", "Ni Luh Putu Ayu")
    page.goto(f"/v/{token}")
    expect(page.get_by_test_id("browser-check")).to_have_attribute("data-state", "genuine")

    # `lms keys rotate`, then a certificate signed by the new key, opened in the same browser context.
    assert app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0
    new_token = certificate_token(app, "ibi", "ANC-DASAR", "Made Wirawan")
    assert new_token[:20] != token[:20]  # another kid in the protected header

    page.goto(f"/v/{new_token}")
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "valid")
    check = page.get_by_test_id("browser-check")
    expect(check).to_have_attribute("data-state", "genuine")
    expect(check).to_have_attribute("data-verdict", "genuine")


def test_a_withdrawn_key_reaches_the_offline_check_after_one_online_visit(
    browser: Browser, live_server: str, app: Flask
):
    token = certificate_token(app, "ppni", "PPI-DASAR", "Ni Luh Putu Ayu")
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="id-ID", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"/v/{token}")
        expect(page.get_by_test_id("browser-check")).to_have_attribute("data-state", "genuine")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        wait_until(page, "() => navigator.serviceWorker.controller !== null")
        expect(page.get_by_test_id("browser-check")).to_have_attribute("data-state", "genuine")

        with app.app_context():
            keys.withdraw(keys.key_store().current().kid.hex(), "leaked in a test", actor=None)
            db.session.commit()
        page.goto(f"/v/{token}")  # online: the server says TIDAK SAH, and the key set is refreshed
        expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "invalid")
        page.wait_for_timeout(500)  # the service worker stores the refreshed key set

        context.set_offline(True)
        page.goto(f"/v/{token}")
        check = page.get_by_test_id("browser-check")
        expect(check).to_have_attribute("data-state", "forged")
        expect(check).to_have_attribute("data-reason", "key_withdrawn")
        expect(page.get_by_test_id("offline-keys-age")).to_be_visible()
    finally:
        context.set_offline(False)
        page.close()
        context.close()
