"""Membership by consent in a real browser: a nurse registers with her facility and PPNI number, PPNI's admin
confirms her, and the province's health office then sees her on its supervision page (with its chart)."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from lms.accounts.models import FacilityKind, OrganizationKind, Role
from tests.browser.conftest import translated
from tests.browser.test_accounts_flow import log_in, nav
from tests.factories import make_facility, make_organization, make_user


def test_register_with_consent_confirmed_by_the_organization_seen_by_the_health_office(
    page: Page, live_server: str, app: Flask
):
    with app.app_context():
        ppni = make_organization("ppni-b", name="PPNI Kaltara")
        admin = make_user("admin@ppni-b.test", role=Role.ORG_ADMIN, organization=ppni)
        office = make_organization("dinkes-b", OrganizationKind.HEALTH_OFFICE, province="Kalimantan Utara")
        supervisor = make_user("sup@dinkes-b.test", role=Role.SUPERVISOR, organization=office)
        make_facility("PKM-B-1", name="Puskesmas Tanjung Selor", kind=FacilityKind.PUSKESMAS)
        ppni_id, admin_email, supervisor_email = ppni.id, admin.email, supervisor.email

    page.goto("/register")
    form = page.locator("main form")
    form.locator("[name=full_name]").fill("Wulan Sari, A.Md.Kep.")
    form.locator("[name=email]").fill("wulan@example.test")
    form.locator("[name=password]").fill("kata-sandi-panjang-1")
    form.locator("[name=confirm]").fill("kata-sandi-panjang-1")
    form.locator("[name=profession_code]").select_option("perawat")
    form.locator("[name=facility_id]").select_option(label="Puskesmas Tanjung Selor")
    form.locator("[name=organization_id]").select_option(label="PPNI Kaltara")
    form.locator("[name=membership_number]").fill("KTA-77")
    # Without the consent tick nothing is filed.
    form.locator("[type=submit]").click()
    expect(page.locator("main form #sharing_consent-error")).to_be_visible()
    page.locator("main form [name=password]").fill("kata-sandi-panjang-1")
    page.locator("main form [name=confirm]").fill("kata-sandi-panjang-1")
    page.locator("main form [name=consent]").check()  # the platform's registration consent (issue 18)
    page.locator("main form [name=sharing_consent]").check()
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(f"{live_server}/login")

    log_in(page, "wulan@example.test", "kata-sandi-panjang-1")
    page.goto("/profile/memberships")
    expect(page.locator("[data-testid=my-memberships]")).to_contain_text("KTA-77")
    # One table of consents: the registration's, the organization's and the health office's.
    expect(page.locator("[data-testid=my-consents] tbody tr")).to_have_count(3)
    nav(page).get_by_role("button", name=translated(app, "id", "Log out")).click()

    log_in(page, admin_email)
    page.goto(f"/organizations/{ppni_id}/memberships?status=requested")
    row = page.locator("[data-testid=member-rows] tbody tr").filter(has_text="Wulan Sari")
    row.get_by_role("button", name=translated(app, "id", "Confirm")).click()
    expect(page.locator(".flash-success")).to_have_text(translated(app, "id", "Membership confirmed."))
    page.goto(f"/organizations/{ppni_id}/memberships")
    expect(page.locator("[data-testid=member-rows]")).to_contain_text("Puskesmas Tanjung Selor")
    nav(page).get_by_role("button", name=translated(app, "id", "Log out")).click()

    log_in(page, supervisor_email)
    nav(page).get_by_role("link", name=translated(app, "id", "Supervision"), exact=True).click()
    expect(page.locator("[data-testid=workers]")).to_contain_text("Wulan Sari")
    chart = page.locator("img[data-testid=chart]")
    expect(chart).to_be_visible()
    assert page.evaluate("document.querySelector('img[data-testid=chart]').naturalWidth") > 0
