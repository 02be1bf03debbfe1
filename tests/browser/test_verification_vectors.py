"""The conformance vectors through verify.js in Chromium: online, and offline from the service worker's cache."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS
from tests.browser.test_verify_page import issued_token
from tests.conformance.vectors import document

RUN_VECTORS = """async (doc) => {
  const answers = {};
  for (const vector of doc.vectors) {
    const now = Date.parse(vector.moment) / 1000;
    const outcome = await window.LenteraVerify.check(vector.text, doc.key_sets[vector.key_set], now);
    answers[vector.name] = { verdict: outcome.verdict, reason: outcome.reason === undefined ? null : outcome.reason };
  }
  return answers;
}"""


def assert_agrees(answers: dict) -> None:
    disagreements = {
        vector["name"]: (answers[vector["name"]], vector["expected_offline"])
        for vector in document()["vectors"]
        if answers[vector["name"]] != vector["expected_offline"]
    }
    assert not disagreements


def test_verify_js_passes_every_vector_online(page: Page):
    page.goto("/verify/offline")
    page.wait_for_function("window.LenteraVerify !== undefined")
    assert_agrees(page.evaluate(RUN_VECTORS, document()))


def test_verify_js_from_the_service_worker_passes_every_vector_offline(browser: Browser, live_server: str, app: Flask):
    token, _number = issued_token(app)
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="id-ID", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"/v/{token}")
        expect(page.get_by_test_id("browser-check")).to_have_attribute("data-state", "genuine")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        context.set_offline(True)
        page.goto(f"/v/{token}")
        expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "genuine-offline")
        assert_agrees(page.evaluate(RUN_VECTORS, document()))
    finally:
        context.set_offline(False)
        page.close()
        context.close()
