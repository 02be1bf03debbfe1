"""A member import through a real browser: upload, preview, confirm, and the progress bar moved by the page's script
(polling GET /api/v1/jobs/{id}) while a queue consumer applies the rows chunk by chunk in a job."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from lms.accounts.member_import.models import ImportStatus, MemberImport
from lms.accounts.models import Role, User, WorkerMembership
from lms.extensions import db
from tests.browser.conftest import translated
from tests.browser.test_authoring_flow import log_in
from tests.factories import make_organization, make_user

LOCALE = "id"
ROWS = 2500  # three chunks of at most 1,000


def member_csv(rows: int) -> bytes:
    lines = ["nama_lengkap,email,nik,profesi,nomor_str,fasyankes,nomor_kta"]
    lines += [f"Nakes {n},nakes{n}@example.test,,perawat,,,KTA-{n:05d}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_admin_imports_members_and_watches_the_progress(page: Page, live_server: str, app: Flask, consumer):
    with app.app_context():
        ppni = make_organization("ppni", name="PPNI")
        admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=ppni)
        organization_id, admin_email = ppni.id, admin.email

    def t(message: str) -> str:
        return translated(app, LOCALE, message)

    log_in(page, app, admin_email)
    page.goto(f"/organizations/{organization_id}/members/import")
    page.locator("input[type=file][name=file]").set_input_files(
        {"name": "anggota.csv", "mimeType": "text/csv", "buffer": member_csv(ROWS)}
    )
    page.get_by_role("button", name=t("Check the file")).click()
    expect(page.get_by_test_id("import-preview")).to_contain_text("Nakes 0")
    with app.app_context():
        assert db.session.execute(select(func.count(User.id))).scalar() == 1  # nothing written before confirming

    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("import-progress")).to_be_visible()
    expect(page.locator("[data-job-run] progress")).to_be_visible()  # the job's bar, while the consumer works
    expect(page.get_by_test_id("job-outcome")).to_have_text(
        t("%(rows)s rows imported.") % {"rows": "2.500"}, timeout=60_000
    )  # reloaded by the script once the job is over
    expect(page.get_by_test_id("import-percent")).to_have_text("100", timeout=60_000)
    expect(page.get_by_test_id("import-progress").locator("h2")).to_have_text(t("Done"), timeout=10_000)
    with app.app_context():
        member_import = db.session.execute(select(MemberImport)).scalar_one()
        assert member_import.status == ImportStatus.DONE and member_import.processed_rows == ROWS
        assert db.session.execute(select(func.count(WorkerMembership.id))).scalar() == ROWS
