"""The browser tests' wait helper under the pages' Content-Security-Policy (no eval): a condition that becomes true
only later is waited for, where Playwright's plain-expression polling fails on the CSP (it failed a CI run)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error, Page

from tests.browser.conftest import wait_until

LATER = "setTimeout(() => { window.lenteraLater = true; }, 300)"


def test_wait_until_waits_for_a_condition_that_is_false_at_first(page: Page) -> None:
    page.goto("/login")
    page.evaluate(LATER)

    wait_until(page, "() => window.lenteraLater === true")

    assert page.evaluate("window.lenteraLater") is True


def test_a_plain_expression_that_is_false_at_first_is_refused_by_the_pages_csp(page: Page) -> None:
    page.goto("/login")
    page.evaluate(LATER)

    with pytest.raises(Error, match="unsafe-eval"):
        page.wait_for_function("window.lenteraLater === true")


def test_wait_until_refuses_an_expression(page: Page) -> None:
    with pytest.raises(ValueError, match="arrow function"):
        wait_until(page, "window.lenteraLater === true")
