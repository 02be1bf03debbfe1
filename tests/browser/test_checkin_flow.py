"""Room QR check-in through real browsers: the facilitator shows the rotating QR, a learner's phone "scans" it (the
test decodes a screenshot with zxing-cpp), logs in, confirms and is checked in; the facilitator sees the learner."""

from __future__ import annotations

import io
import re

import zxingcpp
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from lms.attendance.models import AttendanceMark
from lms.extensions import db
from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS, translated, wait_until
from tests.factories import PASSWORD
from tests.factories.attendance import make_session, make_training

LOCALE = "id"


def log_in(page: Page, app: Flask, email: str) -> None:
    form = page.locator("main form[action^='/login']")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(PASSWORD)
    form.get_by_role("button", name=translated(app, LOCALE, "Log in"), exact=True).click()


def decode_qr(png: bytes) -> str:
    image = Image.open(io.BytesIO(png))
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, f"expected one QR code on the screen, found {len(results)}"
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0].text


def test_learner_scans_the_room_qr_logs_in_and_appears_in_the_report(
    page: Page, browser: Browser, live_server: str, app: Flask
):
    with app.app_context():
        training = make_training(learners=2)
        session = make_session(training.cohort, title="Hari 1: Kewaspadaan standar")
        session_id, facilitator_email = session.id, training.facilitator.email
        learner_id, learner_email = training.learners[0].id, training.learners[0].email

    # 1. The facilitator opens the room QR screen.
    page.goto("/login")
    log_in(page, app, facilitator_email)
    expect(page.locator(".flash-success")).to_be_visible()
    with page.expect_response(f"**/api/v1/sessions/{session_id}/checkin-code") as code_answer:
        page.goto(f"/attendance/sessions/{session_id}/present")  # present.js asks for the current code at once
    assert code_answer.value.status == 200
    assert code_answer.value.json()["rotating_qr"].startswith(f"{live_server}/attendance/checkin/{session_id}?t=")
    qr = page.get_by_test_id("rotating-qr")
    expect(qr).to_be_visible()
    wait_until(page, "() => document.querySelector('[data-testid=rotating-qr]').naturalWidth > 0")

    # 2. The learner's phone camera reads the screen.
    url = decode_qr(qr.screenshot())
    assert re.fullmatch(rf"{re.escape(live_server)}/attendance/checkin/{session_id}\?t=\d+&c=[0-9a-f]{{16}}", url)

    # 3. A second browser (the learner's phone) opens the scanned address, logs in and lands back on check-in.
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="id-ID", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        phone = context.new_page()
        phone.goto(url)
        expect(phone).to_have_url(re.compile(rf"^{re.escape(live_server)}/login\?next="))
        log_in(phone, app, learner_email)
        expect(phone).to_have_url(re.compile(rf"^{re.escape(live_server)}/attendance/checkin/{session_id}\?g="))
        phone.get_by_test_id("confirm-checkin").click()
        checked_in = phone.get_by_test_id("checked-in")
        expect(checked_in).to_be_visible()
        expect(checked_in).to_have_attribute("data-status", "hadir")
        expect(phone.locator(".flash-success")).to_be_visible()
        assert "<script>" not in phone.content()  # no inline script: the page works under the CSP
    finally:
        context.close()

    # 4. The facilitator's report shows the learner as present; the other learner not.
    page.goto(f"/attendance/sessions/{session_id}")
    expect(page.locator(f"[data-testid=marks] tr[data-user-id='{learner_id}']")).to_have_attribute(
        "data-status", "hadir"
    )
    expect(page.get_by_test_id("present-count")).to_have_text("1 / 2")

    with app.app_context():
        marks = db.session.execute(select(AttendanceMark).where(AttendanceMark.session_id == session_id)).scalars()
        assert [(m.user_id, m.method) for m in marks] == [(learner_id, "rotating_qr")]


def test_scanner_sends_scans_kept_offline_once_the_page_is_back(page: Page, live_server: str, app: Flask):
    """Scans the scanner kept in localStorage while offline are sent when it runs again, and recorded once."""
    with app.app_context():
        from lms.attendance import services

        training = make_training(learners=2)
        session = make_session(training.cohort)
        session_id, facilitator_email = session.id, training.facilitator.email
        learner_ids = [u.id for u in training.learners]
        scans = [
            {"scan_id": f"offline-{n}", "qr": services.personal_qr_text(user), "scanned_at": None}
            for n, user in enumerate(training.learners)
        ]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/login")
    log_in(page, app, facilitator_email)
    expect(page.locator(".flash-success")).to_be_visible()
    # What the scanner stored while the phone had no connection (the same scan twice, as after a retry).
    stored = [{k: v for k, v in scan.items() if v is not None} for scan in [*scans, scans[0]]]
    page.evaluate(
        "([key, scans]) => localStorage.setItem(key, JSON.stringify(scans))",
        [f"lentera.scans.{session_id}", stored],
    )
    with page.expect_response(f"**/api/v1/sessions/{session_id}/marks") as answer:
        page.goto(f"/attendance/sessions/{session_id}/scanner")
    results = [r["result"] for r in answer.value.json()["results"]]
    assert results == ["recorded", "recorded", "already"]
    expect(page.locator("[data-pending]")).to_have_text("0")
    expect(page.locator("[data-log] li")).to_have_count(3)
    assert page.evaluate(f"JSON.parse(localStorage.getItem('lentera.scans.{session_id}'))") == []
    assert errors == []
    with app.app_context():
        marks = db.session.execute(select(AttendanceMark).where(AttendanceMark.session_id == session_id)).scalars()
        assert sorted(m.user_id for m in marks) == sorted(learner_ids)
