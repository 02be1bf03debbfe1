"""Browser fixtures: a live server on the test database, Chromium through Playwright, a phone-sized page."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from lms import create_app
from lms.core.database import dispose_engines

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Most learners use Lentera on a phone; a 390x844 viewport is a common one.
PHONE_VIEWPORT = {"width": 390, "height": 844}
# Long enough for a slow CI machine, short enough that a broken page fails the test quickly.
TIMEOUT_MS = 10_000
BROWSER_TESTS_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items) -> None:
    # Every test in this folder drives Chromium, so `-m "not browser"` can leave them all out.
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS_DIR):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP with CSRF on, on the same database as the `app` fixture.

    Depending on `app` makes the database exist first and lets the autouse cleanup empty it after each test.
    """
    live_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "DATABASE_URL": app.config["DATABASE_URL"],
            "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
            "SIGNING_KEYS_DIR": app.config["SIGNING_KEYS_DIR"],
            "UPLOADS_DIR": app.config["UPLOADS_DIR"],
            "WTF_CSRF_ENABLED": True,
            "REQUIRE_2FA_FOR_ADMINS": app.config["REQUIRE_2FA_FOR_ADMINS"],
        }
    )
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PUBLIC_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with live_app.app_context():
            dispose_engines()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Browser tests need Debian's Chromium on the PATH: run 'make system-deps' "
            "(or 'sudo apt-get install -y chromium') and try again.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh phone-sized context per test (no cookies carried over), Indonesian locale, on the live server."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="id-ID", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        page.close()
        context.close()


def translated(app: Flask, locale: str, message: str) -> str:
    """`message` as the app shows it in `locale`, so tests pass whether or not a translation exists yet."""
    with app.test_request_context(), force_locale(locale):
        return babel_gettext(message)


def wait_until(page: Page, predicate: str) -> None:
    """Wait until the JavaScript arrow function `predicate` returns a truthy value on `page`.

    Playwright compiles a plain expression with `eval` on every poll; our pages' Content-Security-Policy forbids eval
    outside the first, DevTools-run check, so an expression that is false at first fails instead of waiting. A
    function is compiled once, in that first check, and polled without eval.
    """
    if not predicate.lstrip().startswith("() =>"):
        raise ValueError(f"wait_until takes an arrow function, not an expression: {predicate!r}")
    page.wait_for_function(predicate)
