"""Issue 16: every page reads right on a nurse's 360 px phone. Each demo role's pages are walked in Chromium at
360x800 (the role's home, its menu and the links on its pages), and on each page: no sideways scroll of the page,
every visible table cell has a visible label, axe-core finds no serious or critical violation, and no text from the
English catalog shows on an Indonesian page. The same pages are walked again in English, where no Indonesian text
from the catalog may show."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from lms.accounts.demo import DEMO_PASSWORD
from tests.browser.conftest import TIMEOUT_MS
from tests.catalog_phrases import english_phrases, indonesian_phrases, raw_codes

VIEWPORT = {"width": 360, "height": 800}
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# Pages per role: enough to reach every kind of page from the menu and the pages it opens, not every lesson.
MAX_PAGES = 40
# Links that download a file, change state or leave the pages a person reads.
SKIP = re.compile(
    r"\.(pdf|csv|png|webp|jpg|svg|json|jsonld|ics|txt|zip|gift|md)(\?|$)|/api/|/logout|locale=|/static/|/files/"
    r"|/present|/attachments/|/evidence"
)

ROLES = {
    "learner": "perawat@lentera.test",
    "facilitator": "fasilitator@lentera.test",
    "org admin": "ppni@lentera.test",
    "supervisor": "dinkes@lentera.test",
    "platform admin": "admin@lentera.test",
}

# Labels: a visible cell counts as labelled when its column header is on screen, its ::before shows data-label, or
# (a key-value table without a header row) its row's own header is on screen.
CELL_LABELS_JS = """
() => {
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 1 && r.height > 1 &&
    getComputedStyle(el).visibility !== 'hidden'; };
  const bare = [];
  for (const table of document.querySelectorAll('main table')) {
    if (!shown(table)) continue;
    const head = table.tHead;
    const columns = head ? head.rows[head.rows.length - 1].cells.length : 0;
    const headerShown = head && shown(head);
    for (const cell of table.querySelectorAll('tbody td, tfoot td')) {
      if (!shown(cell) || !cell.textContent.trim()) continue;
      if (columns && cell.colSpan >= columns) continue;  // a whole-row message such as "nothing yet"
      const before = getComputedStyle(cell, '::before').content;
      const labelShown = cell.dataset.label && before && before !== 'none' && before !== 'normal';
      const rowHeader = cell.parentElement.querySelector('th');
      const rowHeaderShown = !head && rowHeader && shown(rowHeader);
      if (!headerShown && !labelShown && !rowHeaderShown) bare.push(cell.textContent.trim().slice(0, 40));
    }
  }
  return bare;
}
"""
AXE_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}
"""


def _page_text(page: Page) -> str:
    # Quoted content (an e-mail as it was sent) and content marked with its own language (an organization's course,
    # in Indonesian) are data, not the page's own words; <code> holds identifiers (course codes, action keys).
    return page.evaluate(
        """() => { const body = document.body.cloneNode(true);
             body.querySelectorAll('pre, code, script, style, [lang]:not(html)').forEach(e => e.remove());
             return body.textContent.replace(/\\s+/g, ' '); }"""
    )


def _other_language_on(page: Page) -> list[str]:
    """Catalog text of the other language on this page, and enum values shown raw."""
    lang = page.evaluate("document.documentElement.lang")
    phrases = {"id": english_phrases, "en": indonesian_phrases}[lang]()
    text = _page_text(page)
    return [match.group(0) for p in (*phrases, *raw_codes(lang)) if (match := p.search(text))]


def _problems_on(page: Page) -> list[str]:
    problems = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > VIEWPORT["width"]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361
                 && !e.parentElement.closest('.table-scroll')).slice(0, 4)
                 .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
        )
        problems.append(f"scrolls sideways: {width}px wide ({wide})")
    bare = page.evaluate(CELL_LABELS_JS)
    if bare:
        problems.append(f"{len(bare)} table cells without a visible label, e.g. {bare[:3]}")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_JS)
    problems += [f"axe: {v}" for v in violations]
    other = _other_language_on(page)
    if other:
        problems.append(f"the other language's words: {other[:5]}")
    return problems


def _pattern(path: str) -> str:
    """One page of each kind: /lessons/12 and /lessons/13 are the same page for this walk."""
    return re.sub(r"/[0-9a-f]{12,}|/\d+|/[A-Z0-9][A-Z0-9-]{2,}(?=/|$)", "/N", urlsplit(path).path)


def _walk(page: Page, base: str, starts: list[str]) -> Iterator[str]:
    """Same-site pages reachable by GET links from `starts`, breadth first, one of each kind."""
    queue, seen = list(starts), set()
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if _pattern(path) in seen:
            continue
        seen.add(_pattern(path))
        try:
            response = page.goto(path)
        except PlaywrightError:  # a link that turned out to be a download
            continue
        if response is None or response.status >= 400 or not page.url.startswith(base):
            continue
        yield path
        hrefs = page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))")
        for href in hrefs:
            url = urljoin(page.url, href)
            if not url.startswith(base) or SKIP.search(url):
                continue
            path_only = url[len(base) :].split("#")[0] or "/"
            if _pattern(path_only) not in seen:
                queue.append(path_only)


@pytest.fixture
def demo(app: Flask) -> dict[str, str]:
    """The demo data, as `make run` shows it; returns a certificate's verify path for the verifier."""
    with app.app_context():
        from sqlalchemy import select

        result = app.test_cli_runner().invoke(args=["demo"], catch_exceptions=False)
        assert result.exit_code == 0, result.output

        from lms.certificates.models import Certificate
        from lms.extensions import db

        token = db.session.execute(select(Certificate.token)).scalars().first()
    return {"verify": f"/v/{token}"}


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    # The page's CSP allows no inline script: bypassed so that the test can inject axe-core.
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID", base_url=live_server, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        page.close()
        context.close()


def _log_in(page: Page, email: str) -> None:
    page.goto("/login")
    form = page.locator("main form[action='/login']")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(DEMO_PASSWORD)
    form.locator("[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()


def _walk_and_check(page: Page, base: str, starts: list[str]) -> dict[str, list[str]]:
    found = {}
    walked = []
    for path in _walk(page, base, starts):
        walked.append(path)
        problems = _problems_on(page)
        if problems:
            found[path] = problems
    assert len(walked) >= len(starts) // 2, walked
    return found


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_reads_right_on_a_360px_phone(role: str, demo, phone: Page, live_server: str):
    _log_in(phone, ROLES[role])
    menu = phone.eval_on_selector_all("header nav a[href]", "links => links.map(a => a.getAttribute('href'))")
    found = _walk_and_check(phone, live_server, ["/", *menu])
    assert not found, "\n".join(f"{path}: {problem}" for path, problems in found.items() for problem in problems)


def _speak_english(page: Page) -> None:
    """Choose English with the page's own language switch (kept on the account)."""
    page.goto("/profile")
    page.locator("form.language-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _walk_in_english(page: Page, base: str, starts: list[str]) -> dict[str, list[str]]:
    found = {}
    walked = []
    for path in _walk(page, base, starts):
        walked.append(path)
        assert page.evaluate("document.documentElement.lang") == "en", path
        other = _other_language_on(page)
        if other:
            found[path] = [f"Indonesian on an English page: {other[:5]}"]
    assert len(walked) >= len(starts) // 2, walked
    return found


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_reads_only_english_in_english(role: str, demo, phone: Page, live_server: str):
    _log_in(phone, ROLES[role])
    _speak_english(phone)
    menu = phone.eval_on_selector_all("header nav a[href]", "links => links.map(a => a.getAttribute('href'))")
    found = _walk_in_english(phone, live_server, ["/", *menu])
    assert not found, "\n".join(f"{path}: {problem}" for path, problems in found.items() for problem in problems)


def test_the_verifier_reads_only_english_in_english(demo, phone: Page, live_server: str):
    phone.goto("/login")  # its switch keeps the choice in the visitor's session, for every page after
    phone.locator("form.language-switch button[value=en]").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    found = _walk_in_english(phone, live_server, [demo["verify"], "/verify", "/login", "/register", "/courses"])
    assert not found, "\n".join(f"{path}: {problem}" for path, problems in found.items() for problem in problems)


def test_the_verifier_reads_right_on_a_360px_phone(demo, phone: Page, live_server: str):
    found = _walk_and_check(phone, live_server, [demo["verify"], "/verify", "/login", "/register", "/courses"])
    assert not found, "\n".join(f"{path}: {problem}" for path, problems in found.items() for problem in problems)


def test_the_catalog_shows_its_first_course_on_the_first_screen(demo, phone: Page, live_server: str):
    """The catalog's search is one line and its other filters fold away: the first course card starts in the top half
    of a 360x800 screen, and each card says when the next cohort runs, where, and where the learner stands."""
    _log_in(phone, ROLES["learner"])
    phone.goto("/courses")
    first = phone.locator("main .course-card").first
    box = first.bounding_box()
    assert box is not None and box["y"] < 400, box
    expect(first.locator("[data-field=next-cohort]")).to_contain_text("Angkatan berikutnya")
    expect(first.locator(".course-state")).to_be_visible()
    states = phone.eval_on_selector_all("main .course-state", "els => els.map(e => e.dataset.state)")
    assert "enrolled" in states or "completed" in states, states
    # The folded filters still work.
    filters = phone.get_by_role("search")
    expect(filters.locator("#kind")).to_be_hidden()
    filters.get_by_text("Filter lainnya").click()
    filters.locator("#kind").select_option("webinar")
    filters.get_by_role("button", name="Tampilkan pelatihan").click()
    expect(phone).to_have_url(re.compile(r"kind=webinar"))
    expect(phone.get_by_role("search").locator("#kind")).to_be_visible()  # open while a filter is on
