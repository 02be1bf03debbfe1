"""The conformance vectors through verify.js in Chromium: online, and offline from the service worker's cache."""

from __future__ import annotations

import random

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS, wait_until
from tests.browser.test_verify_page import issued_token
from tests.conformance.tampering import variants
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
    wait_until(page, "() => window.LenteraVerify !== undefined")
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
        wait_until(page, "() => navigator.serviceWorker.controller !== null")
        context.set_offline(True)
        page.goto(f"/v/{token}")
        expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "genuine-offline")
        assert_agrees(page.evaluate(RUN_VECTORS, document()))
    finally:
        context.set_offline(False)
        page.close()
        context.close()


def test_verify_js_never_calls_a_tampered_token_genuine(page: Page, app: Flask, live_server: str):
    """A sample of issue 12's generated suite in Chromium, against the deployment's own published key set."""
    token, _number = issued_token(app)
    cases = variants(token, live_server)
    sample = [case for case in cases if not case.tampered] + random.Random(3).sample(
        [case for case in cases if case.tampered], 60
    )
    page.goto("/verify/offline")
    wait_until(page, "() => window.LenteraVerify !== undefined")
    answers = page.evaluate(
        """async (texts) => {
          const keyDocument = await (await fetch("/.well-known/lentera-keys.json")).json();
          const now = Date.now() / 1000;
          const out = [];
          for (const text of texts) out.push((await window.LenteraVerify.check(text, keyDocument, now)).verdict);
          return out;
        }""",
        [case.text for case in sample],
    )
    wrong = [
        (case.name, answer)
        for case, answer in zip(sample, answers, strict=True)
        if answer != ("invalid" if case.tampered else "genuine")
    ]
    assert not wrong
