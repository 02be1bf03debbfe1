"""The competency record through a real browser: a nurse reports an outside activity with evidence, the organization
approves it, and the nurse's SKP bars move."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from lms.accounts.models import Role
from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS, translated
from tests.browser.test_study_flow import log_in, main_menu
from tests.factories import make_organization, make_user

LOCALE = "id"
EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_reported_activity_is_approved_and_the_skp_bars_move(
    page: Page, browser: Browser, live_server: str, app: Flask
):
    with app.app_context():
        ppni = make_organization("ppni", name="PPNI")
        admin = make_user(role=Role.ORG_ADMIN, organization=ppni)
        nurse = make_user(full_name="Rina Wulandari, A.Md.Kep.", profession_code="perawat")
        ppni_id, admin_email, nurse_email = ppni.id, admin.email, nurse.email

    def t(message: str) -> str:
        return translated(app, LOCALE, message)

    # 1. The nurse opens her record: nothing earned yet.
    log_in(page, app, nurse_email)
    main_menu(page, app).get_by_role("link", name=t("My record"), exact=True).click()
    expect(page).to_have_url(f"{live_server}/my/record")
    expect(page.get_by_test_id("skp-earned")).to_have_text("0,00")
    expect(page.get_by_test_id("earned-pengabdian")).to_have_text("0,00")
    assert page.locator("#skp-standing").get_attribute("data-state") == "short"

    # 2. She reports a community-service activity with a PDF as evidence.
    page.get_by_role("link", name=t("Report an outside activity"), exact=True).click()
    form = page.locator("main form[enctype='multipart/form-data']")
    form.locator("[name=kind]").select_option("community")
    form.locator("[name=ranah]").select_option("pengabdian")
    form.locator("[name=title]").fill("Bakti Sosial Posyandu Lansia")
    form.locator("[name=organizer]").fill("Puskesmas Tanalili")
    form.locator("[name=held_on]").fill((date.today() - timedelta(days=7)).isoformat())
    form.locator("[name=skp_claimed]").fill("3")
    form.locator("[name=organization_id]").select_option(str(ppni_id))
    form.locator("[name=evidence]").set_input_files(
        files=[{"name": "surat-tugas.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}]
    )
    form.get_by_role("button", name=t("Send for review"), exact=True).click()
    expect(page).to_have_url(f"{live_server}/my/record")
    expect(page.locator(".flash-success")).to_be_visible()
    activity = page.locator("#activities li").filter(has_text="Bakti Sosial Posyandu Lansia")
    expect(activity).to_have_attribute("data-status", "pending")
    expect(page.get_by_test_id("skp-earned")).to_have_text("0,00")

    # 3. The organization's admin, in another browser, approves 2 of the 3 SKP claimed.
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="id-ID", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        admin_page = context.new_page()
        log_in(admin_page, app, admin_email)
        admin_page.goto(f"/organizations/{ppni_id}/activities")
        card = admin_page.locator("main section.card").filter(has_text="Bakti Sosial Posyandu Lansia")
        expect(card).to_have_attribute("data-status", "pending")
        approve = card.locator("form").filter(has=admin_page.locator("input[name=decision][value=approve]"))
        approve.locator("[name=skp_granted]").fill("2")
        approve.get_by_role("button", name=t("Approve"), exact=True).click()
        expect(admin_page.locator(".flash-success")).to_be_visible()
        expect(
            admin_page.locator("main section.card").filter(has_text="Bakti Sosial Posyandu Lansia")
        ).to_have_attribute("data-status", "approved")
    finally:
        context.close()

    # 4. The nurse reloads her record: the SKP and the pengabdian bar have moved.
    page.reload()
    expect(page.get_by_test_id("skp-earned")).to_have_text("2,00")
    expect(page.get_by_test_id("earned-pengabdian")).to_have_text("2,00")
    expect(page.locator("#activities li").filter(has_text="Bakti Sosial Posyandu Lansia")).to_have_attribute(
        "data-status", "approved"
    )
    bar = page.locator("svg.ranah-chart rect[fill='#0b6e4f'], svg.ranah-chart rect[fill='#d97706']").nth(2)
    assert float(bar.get_attribute("width")) > 0
    assert float(page.get_by_role("progressbar", name=t("SKP earned")).get_attribute("value")) == 4  # 2 of 50
