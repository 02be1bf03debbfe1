"""Studying through a real browser: find a course, enrol, work through lessons, leave, come back and resume."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.courses import services
from lms.courses.models import Enrolment, LessonCompletion
from lms.extensions import db
from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS, translated
from tests.factories import PASSWORD, make_course_spec, make_organization, make_user

LOCALE = "id"
COURSE_TITLE = "Pelatihan PPI-DASAR"
LESSONS_DONE = "%(done)d of %(total)d lessons (%(percent)d%%)"


def main_menu(page: Page, app: Flask):
    # Lesson pages have a second navigation (previous / next), so name the one in the header.
    return page.get_by_role("navigation", name=translated(app, LOCALE, "Main menu"))


def log_in(page: Page, app: Flask, email: str) -> None:
    page.goto("/")
    main_menu(page, app).get_by_role("link", name=translated(app, LOCALE, "Log in"), exact=True).click()
    form = page.locator("main form[action='/login']")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(PASSWORD)
    form.get_by_role("button", name=translated(app, LOCALE, "Log in"), exact=True).click()
    expect(page.locator(".flash-success")).to_be_visible()


def lessons_done(app: Flask, done: int, total: int, percent: int) -> str:
    return translated(app, LOCALE, LESSONS_DONE) % {"done": done, "total": total, "percent": percent}


def test_enrol_study_two_lessons_leave_and_resume_in_a_new_session(
    page: Page, browser: Browser, live_server: str, app: Flask
):
    with app.app_context():
        ppni = make_organization("ppni", name="PPNI")
        admin = make_user(role=Role.ORG_ADMIN, organization=ppni)
        version = services.import_course(make_course_spec(), publish=True).version
        today = date.today()
        cohort = services.create_cohort(
            admin, version, name="Angkatan 1", mode="daring", place=None,
            starts_on=today, ends_on=today + timedelta(days=30),
        )  # fmt: skip
        db.session.commit()
        first_id, second_id, third_id = services.lesson_ids_in_order(version)
        cohort_id = cohort.id
        learner = make_user(full_name="Rina Wulandari, A.Md.Kep.")
        learner_id, learner_email = learner.id, learner.email

    def t(message: str) -> str:
        return translated(app, LOCALE, message)

    # 1. Log in, find the course in the catalog, enrol in "Angkatan 1".
    log_in(page, app, learner_email)
    expect(page.locator("html")).to_have_attribute("lang", LOCALE)
    main_menu(page, app).get_by_role("link", name=t("Courses"), exact=True).click()
    expect(page).to_have_url(f"{live_server}/courses")
    search = page.get_by_role("search")
    search.get_by_role("searchbox", name=t("Search")).fill("PPI")
    search.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/courses\?(.+&)?search=PPI(&|$)"))
    results = page.locator("main .course-list")
    expect(results.get_by_role("link")).to_have_count(1)
    results.get_by_role("link", name=COURSE_TITLE, exact=True).click()
    expect(page).to_have_url(f"{live_server}/courses/PPI-DASAR")
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)

    cohort_block = page.locator("#cohorts .cohort").filter(
        has=page.get_by_role("heading", name="Angkatan 1", exact=True)
    )
    enrol_form = cohort_block.locator(f"form[action='/cohorts/{cohort_id}/enrol']")
    enrol_form.get_by_role("button", name=t("Enrol"), exact=True).click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/enrolments/\d+$"))
    expect(page.locator(".flash-success")).to_have_text(t("You are enrolled. Start with the first lesson."))
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)
    bar = page.get_by_role("progressbar", name=t("Progress"))
    expect(bar).to_have_attribute("value", "0")
    expect(page.locator("main")).to_contain_text(lessons_done(app, 0, 3, 0))

    # 2. Start, finish the first two lessons, open the third and stop there.
    resume = page.locator("[data-testid=resume]")
    expect(resume).to_have_text(t("Start the first lesson"))
    resume.click()
    expect(page).to_have_url(f"{live_server}/lessons/{first_id}")
    lesson = page.locator("main article.lesson")
    expect(lesson.get_by_role("heading", level=1)).to_have_text("Pengantar")
    expect(lesson.locator("strong")).to_have_text("pengantar")
    html = page.content()
    assert "<script" not in html.lower()
    # The body is rendered Markdown, not shown as source.
    assert "**pengantar**" not in html

    mark_done = t("Mark done and continue")
    page.locator(f"main form[action='/lessons/{first_id}/complete']").get_by_role(
        "button", name=mark_done, exact=True
    ).click()
    expect(page).to_have_url(f"{live_server}/lessons/{second_id}")
    expect(page.locator("main article.lesson").get_by_role("heading", level=1)).to_have_text("Langkah satu")

    page.locator(f"main form[action='/lessons/{second_id}/complete']").get_by_role(
        "button", name=mark_done, exact=True
    ).click()
    expect(page).to_have_url(f"{live_server}/lessons/{third_id}")
    expect(page.locator("main article.lesson").get_by_role("heading", level=1)).to_have_text("Langkah dua")
    assert "<script" not in page.content().lower()

    # 3. Log out, drop every cookie with the context, come back in a new one and resume.
    main_menu(page, app).get_by_role("button", name=t("Log out"), exact=True).click()
    expect(page.locator(".flash-success")).to_have_text(t("You have logged out on every device."))
    page.context.close()

    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="id-ID", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        again = context.new_page()
        log_in(again, app, learner_email)
        main_menu(again, app).get_by_role("link", name=t("My courses"), exact=True).click()
        expect(again).to_have_url(f"{live_server}/my/courses")
        card = again.locator("main li.card").filter(has=again.get_by_role("link", name=COURSE_TITLE, exact=True))
        expect(card).to_have_count(1)
        expect(card).to_contain_text(lessons_done(app, 2, 3, 67))
        expect(card.get_by_role("progressbar", name=t("Progress"))).to_have_attribute("value", "67")
        card.get_by_role("link", name=COURSE_TITLE, exact=True).click()

        expect(again).to_have_url(re.compile(rf"^{re.escape(live_server)}/enrolments/\d+$"))
        expect(again.locator("main")).to_contain_text(lessons_done(app, 2, 3, 67))
        resume = again.locator("[data-testid=resume]")
        expect(resume).to_have_attribute("href", f"/lessons/{third_id}")
        expect(resume).to_have_text(t("Continue where I left off"))
        resume.click()
        expect(again).to_have_url(f"{live_server}/lessons/{third_id}")
        expect(again.locator("main article.lesson").get_by_role("heading", level=1)).to_have_text("Langkah dua")
    finally:
        context.close()

    # 4. The database agrees: two lessons done, the third is where the learner left off.
    with app.app_context():
        enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == learner_id)).scalar_one()
        assert enrolment.cohort_id == cohort_id
        completions = db.session.execute(
            select(func.count(LessonCompletion.id)).where(LessonCompletion.enrolment_id == enrolment.id)
        ).scalar_one()
        assert completions == 2
        assert enrolment.completed_lesson_ids == {first_id, second_id}
        assert enrolment.last_lesson_id == third_id
