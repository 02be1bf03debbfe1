"""Authoring through a real browser: an organization admin writes a course, previews a lesson, edits and publishes
it, and the course appears in the public catalog."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from lms.accounts.models import Role
from lms.courses.models import Course, CourseStatus
from lms.extensions import db
from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS, translated
from tests.factories import PASSWORD, make_organization, make_user

LOCALE = "id"


def log_in(page: Page, app: Flask, email: str) -> None:
    page.goto("/login")
    form = page.locator("main form[action='/login']")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(PASSWORD)
    form.get_by_role("button", name=translated(app, LOCALE, "Log in"), exact=True).click()
    expect(page.locator(".flash-success")).to_be_visible()


def test_admin_creates_edits_and_publishes_a_course(page: Page, live_server: str, app: Flask):
    with app.app_context():
        ppni = make_organization("ppni", name="PPNI")
        admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=ppni)
        organization_id, admin_email = ppni.id, admin.email

    def t(message: str) -> str:
        return translated(app, LOCALE, message)

    log_in(page, app, admin_email)
    page.goto(f"/organizations/{organization_id}/courses")
    page.get_by_test_id("new-course").click()

    # 1. The course: one mistake first, shown beside its field; what was typed is kept.
    page.get_by_label(t("Course code")).fill("HIV-DASAR")
    page.get_by_label(t("Title")).fill("Konseling dan Tes HIV Dasar")
    page.get_by_label(t("Summary")).fill("Pelatihan dasar konseling dan tes HIV di fasyankes primer.")
    page.get_by_label(t("Target professions")).select_option(["perawat", "bidan"])
    page.get_by_label(t("Validity of the competency (months)")).fill("24")
    page.get_by_label(t("Competencies"), exact=True).fill("HIV dasar tanpa kode")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.locator("#competencies-error")).to_be_visible()
    expect(page.get_by_label(t("Title"))).to_have_value("Konseling dan Tes HIV Dasar")
    page.get_by_label(t("Competencies"), exact=True).fill("HIV-KT: Melakukan konseling pra-tes")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page).to_have_url(f"{live_server}/organizations/{organization_id}/courses/HIV-DASAR/edit")
    expect(page.get_by_test_id("version-status")).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("problem").first).to_be_visible()  # no subjects yet

    # 2. A subject.
    page.get_by_role("link", name=t("Add subject"), exact=True).click()
    page.get_by_label(t("Title")).fill("Kebijakan Program HIV")
    page.get_by_label(t("Type")).select_option("dasar")
    page.get_by_label(t("JPL teori (T, 45 min)")).fill("2")
    page.get_by_label(t("JPL penugasan (P, 45 min)")).fill("1")
    page.get_by_label(t("JPL praktik lapangan (PL, 60 min)")).fill("0")
    page.get_by_label(t("Learning objectives")).fill("Menjelaskan kebijakan\nMenjelaskan alur layanan")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.get_by_test_id("subject-1")).to_contain_text("Kebijakan Program HIV")

    # 3. A lesson in Markdown, previewed in place before saving.
    page.get_by_role("link", name=t("Add lesson"), exact=True).click()
    page.get_by_label(t("Title")).fill("Pengantar")
    page.get_by_label(t("Estimated minutes")).fill("20")
    page.get_by_label(t("Lesson text (Markdown)")).fill(
        "Tes HIV **sukarela** dan rahasia.\n\n## Langkah\n\n- konseling\n- tes"
    )
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name=t("Preview"), exact=True).click()
    preview = page.get_by_test_id("lesson-preview")
    expect(preview.locator("strong")).to_have_text("sukarela")
    expect(preview.locator("h2", has_text="Langkah")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === true")  # the script showed it without reloading the page
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.get_by_test_id("lesson-1-1")).to_contain_text("Pengantar")
    expect(page.get_by_test_id("draft-valid")).to_be_visible()

    # 4. Edit the lesson.
    page.get_by_test_id("lesson-1-1").get_by_role("link", name="Pengantar").click()
    page.get_by_label(t("Title")).fill("Pengantar Konseling HIV")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.get_by_test_id("lesson-1-1")).to_contain_text("Pengantar Konseling HIV")

    # 5. Review and confirm publishing, then the course is in the public catalog.
    page.get_by_test_id("publish").get_by_role("link").click()
    expect(page.get_by_test_id("publish-changes")).to_have_count(0)  # the first version: nothing to compare
    page.get_by_test_id("confirm-publish").get_by_role("button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    with app.app_context():
        course = db.session.execute(select(Course).where(Course.code == "HIV-DASAR")).scalar_one()
        assert [(v.number, v.status) for v in course.versions] == [(1, CourseStatus.PUBLISHED)]
        assert course.versions[0].lessons[0].title == "Pengantar Konseling HIV"
    page.goto("/courses")
    page.get_by_role("link", name="Konseling dan Tes HIV Dasar", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konseling dan Tes HIV Dasar")
    expect(page.locator("main")).to_contain_text("Pengantar Konseling HIV")

    # 6. Revise the published course: the review shows the change against version 1 before version 2 is published.
    page.goto(f"/organizations/{organization_id}/courses/HIV-DASAR/edit")
    page.get_by_role("button", name=t("Start a new draft version"), exact=True).click()
    page.get_by_test_id("lesson-1-1").get_by_role("link", name="Pengantar Konseling HIV").click()
    page.get_by_label(t("Title")).fill("Pengantar Program HIV")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    page.get_by_test_id("publish").get_by_role("link").click()
    renamed = page.get_by_test_id("publish-changes").get_by_test_id("change-renamed")
    expect(renamed).to_contain_text("Pengantar Konseling HIV")
    expect(renamed).to_contain_text("Pengantar Program HIV")
    page.get_by_test_id("confirm-publish").get_by_role("button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    with app.app_context():
        course = db.session.execute(select(Course).where(Course.code == "HIV-DASAR")).scalar_one()
        assert [(v.number, v.status) for v in course.versions] == [(1, "published"), (2, "published")]
        assert course.versions[0].lessons[0].title == "Pengantar Konseling HIV"


def test_lesson_preview_works_without_javascript(browser: Browser, live_server: str, app: Flask):
    with app.app_context():
        ppni = make_organization("ppni", name="PPNI")
        admin = make_user("admin@example.test", role=Role.ORG_ADMIN, organization=ppni)
        from tests.factories.courses import make_published_course

        version = make_published_course("PPI-DASAR", "ppni")
        subject_id, organization_id, admin_email = version.subjects[0].id, ppni.id, admin.email
    context = browser.new_context(
        viewport=PHONE_VIEWPORT, locale="id-ID", base_url=live_server, java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        log_in(page, app, admin_email)
        page.goto(f"/organizations/{organization_id}/courses/PPI-DASAR/edit")
        page.get_by_role("button", name=translated(app, LOCALE, "Start a new draft version"), exact=True).click()
        with app.app_context():
            draft_subject_id = (
                db.session.execute(select(Course).where(Course.code == "PPI-DASAR"))
                .scalar_one()
                .draft_version.subjects[0]
                .id
            )
        assert draft_subject_id != subject_id
        page.goto(f"/organizations/{organization_id}/courses/PPI-DASAR/subjects/{draft_subject_id}/lessons/new")
        page.get_by_label(translated(app, LOCALE, "Lesson text (Markdown)")).fill("Teks *miring*")
        page.get_by_role("button", name=translated(app, LOCALE, "Preview"), exact=True).click()
        expect(page.get_by_test_id("lesson-preview").locator("em")).to_have_text("miring")
        # The text typed is kept in the form after the round trip.
        expect(page.get_by_label(translated(app, LOCALE, "Lesson text (Markdown)"))).to_have_value("Teks *miring*")
    finally:
        page.close()
        context.close()
